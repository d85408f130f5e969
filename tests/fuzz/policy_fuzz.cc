// Fuzzes the policy parser (YAML event adapter + schema) and the linter: any input must either
// be refused with an Error or yield a policy the linter can walk; nothing may throw or crash.
// Parsed id pins are decimal, `runner` is github-hosted, and CheckAnnotations accepts exactly the
// listed keys.
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>

#include "signet/policy/policy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto p = signet::policy::ParsePolicy(text);
  if (!p.ok()) {
    if (p.error().finding() != "MALFORMED_INPUT") std::abort();
    return 0;
  }
  if (p->version != signet::policy::kPolicyVersion) std::abort();
  for (const auto& b : p->builders) {
    if (b.keyless.has_value() == !b.keys.empty()) std::abort();
    if (!b.keyless && (b.threshold == 0 || b.threshold > b.keys.size())) std::abort();
  }
  for (const auto& s : p->sources) {
    for (char c : s.repository_id + s.owner_id) {
      if (c < '0' || c > '9') std::abort();
    }
  }
  for (const auto& b : p->builders) {
    if (b.keyless && !b.keyless->runner.empty() && b.keyless->runner != "github-hosted") std::abort();
  }
  (void)signet::policy::LintPolicy(*p);
  // Every listed annotation key is accepted; an unlisted one never is.
  std::map<std::string, std::string> listed;
  for (const auto& a : p->annotations) listed.emplace(a, "v");
  if (!signet::policy::CheckAnnotations(*p, listed).ok()) std::abort();
  if (signet::policy::CheckAnnotations(*p, {{std::string(text.substr(0, 16)) + "\x01unlisted", "v"}}).ok()) std::abort();
  return 0;
}
