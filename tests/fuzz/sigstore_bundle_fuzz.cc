// Fuzzes the Sigstore bundle parser, the Rekor body parser and body matching on whatever the
// bundle claims, and the SET payload builder.
#include <cstddef>
#include <cstdint>

#include "signet/attestation/bundle.h"
#include "signet/attestation/rekor.h"
#include "signet/core/hash.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto bundle = signet::attestation::ParseBundle(text);
  if (!bundle.ok()) return 0;
  signet::attestation::SignedContent content;
  if (bundle->message_signature) {
    content.message = &*bundle->message_signature;
    content.artifact_sha256 = signet::Sha256(signet::AsBytes("fuzz"));
  } else {
    content.envelope = &*bundle->dsse_envelope;
  }
  if (!bundle->certificates.empty()) {
    content.signer_is_certificate = true;
    content.signer_der = bundle->certificates.front();
  }
  for (const auto& entry : bundle->tlog_entries) {
    (void)signet::attestation::ParseRekorBody(entry.canonicalized_body);
    (void)signet::attestation::MatchRekorBody(entry, content);
    (void)signet::attestation::SetPayload(entry);
  }
  return 0;
}
