// Fuzzes the pipeline client's reading of a signerd response (ops/src/sign_client.h,
// `signet sign --signerd`). The first byte picks the HTTP status, the second whether the request
// had a digest; the rest is the body.
//
// Invariants: only a 200 can carry a decision or outputs; outputs exist only for exit 0 and are
// then exactly signer::kOutputFiles, in that order; exit 0 always has the audit sequence; every
// exit code is 0..3; the message and Retry-After are printable ASCII.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "sign_client.h"
#include "signet/signer/signing.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  static const int kStatuses[] = {200, 200, 200, 200, 400, 401, 403, 413, 429, 500, 503, 302};
  const int status = kStatuses[data[0] % (sizeof kStatuses / sizeof kStatuses[0])];
  const std::string_view digest =
      (data[1] & 1) ? "sha256:5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03" : "";
  const std::string_view body(reinterpret_cast<const char*>(data + 2), size - 2);
  const signet::ops::SignerdReply r = signet::ops::InterpretSignerdResponse(status, body, body.substr(0, 8), digest);
  if (r.exit_code < 0 || r.exit_code > 3) std::abort();
  if (status != 200 && (r.decision || !r.outputs.empty())) std::abort();
  if (r.exit_code != 0 && !r.outputs.empty()) std::abort();
  if (r.exit_code == 0) {
    if (status != 200 || !r.decision || !r.audit_seq || digest.empty()) std::abort();
    if (r.outputs.size() != std::size(signet::signer::kOutputFiles)) std::abort();
    for (size_t i = 0; i < r.outputs.size(); ++i) {
      if (r.outputs[i].first != signet::signer::kOutputFiles[i]) std::abort();
    }
  }
  for (char c : r.message + r.retry_after + r.audit_hash) {
    if (c < 0x20 || c >= 0x7f) std::abort();
  }
  return 0;
}
