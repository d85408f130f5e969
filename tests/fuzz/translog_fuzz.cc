// Fuzzes translog's parsers of untrusted files and the witness-side note parsers:
// ParseTilePath, ParseEntryBundle, ParseHashTile (translog/tiles.h), ParseNoteVerifierKey and
// VerifyCosignature (attestation/checkpoint.h).
//
// The first byte selects the parser; the rest is its input. Invariants: no crash, no leak;
// a parsed tile path prints back to the same bytes; a parsed bundle re-encodes to the same
// bytes; a parsed verifier key formats back to the same text.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "signet/attestation/checkpoint.h"
#include "signet/translog/tiles.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t selector = data[0];
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  signet::ByteView bytes(data + 1, size - 1);
  switch (selector % 4) {
    case 0: {
      auto id = signet::translog::ParseTilePath(text);
      if (id.ok() && signet::translog::TilePath(*id) != text) std::abort();
      break;
    }
    case 1: {
      if (bytes.empty()) break;
      const uint64_t count = bytes[0];
      auto rest = bytes.subspan(1);
      auto entries = signet::translog::ParseEntryBundle(rest, count);
      if (entries.ok()) {
        auto enc = signet::translog::EncodeEntryBundle(*entries);
        if (!enc.ok() || signet::Bytes(rest.begin(), rest.end()) != *enc) std::abort();
      }
      auto hashes = signet::translog::ParseHashTile(bytes, bytes.size() / 32);
      (void)hashes;
      break;
    }
    case 2: {
      auto key = signet::attestation::ParseNoteVerifierKey(text);
      if (key.ok() && signet::attestation::FormatNoteVerifierKey(key->name, key->alg, key->public_key).empty()) {
        std::abort();
      }
      break;
    }
    case 3: {
      // A fixed witness key; the note is the input.
      static const auto witness = signet::attestation::ParseNoteVerifierKey(signet::attestation::FormatNoteVerifierKey(
          "witness.example", signet::attestation::kNoteAlgCosignatureV1, signet::Bytes(32, 0x07)));
      if (witness.ok()) (void)signet::attestation::VerifyCosignature(text, *witness);
      break;
    }
  }
  return 0;
}
