// Fuzzes the trusted_root.json parser.
#include <cstddef>
#include <cstdint>

#include "signet/attestation/trusted_root.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto root = signet::attestation::TrustedRoot::Parse(text);
  if (!root.ok()) return 0;
  for (const auto& log : root->tlogs()) {
    if (root->FindTlog(log.log_id) == nullptr) __builtin_trap();
    if (log.valid_for.end && *log.valid_for.end < log.valid_for.start) __builtin_trap();
  }
  for (const auto& ca : root->certificate_authorities()) {
    if (ca.chain.empty()) __builtin_trap();
  }
  return 0;
}
