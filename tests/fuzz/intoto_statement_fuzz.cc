// Fuzzes the in-toto Statement parser (the bytes a verified envelope would carry).
#include <cstddef>
#include <cstdint>

#include "signet/attestation/intoto.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto st = signet::attestation::ParseStatementBytesForFuzzing(signet::ByteView(data, size));
  if (!st.ok()) return 0;
  if (st->subjects().empty()) __builtin_trap();
  for (const auto& s : st->subjects()) {
    for (const auto& [alg, value] : s.digest) {
      // A subject matches itself exactly when it is lowercase hex of the right length.
      (void)st->MatchesDigest(alg, value);
      if (st->MatchesDigest(alg, "sha256:" + value)) __builtin_trap();
    }
  }
  return 0;
}
