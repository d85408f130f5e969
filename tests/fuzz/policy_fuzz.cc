// Fuzzes the policy parser (YAML event adapter + schema) and the linter: any input must either
// be refused with an Error or yield a policy the linter can walk; nothing may throw or crash.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "signet/signer/policy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto p = signet::signer::ParsePolicy(text);
  if (!p.ok()) {
    if (p.error().finding() != "MALFORMED_INPUT") std::abort();
    return 0;
  }
  if (p->version != signet::signer::kPolicyVersion) std::abort();
  for (const auto& b : p->builders) {
    if (b.keyless.has_value() == !b.keys.empty()) std::abort();
    if (!b.keyless && (b.threshold == 0 || b.threshold > b.keys.size())) std::abort();
  }
  (void)signet::signer::LintPolicy(*p);
  return 0;
}
