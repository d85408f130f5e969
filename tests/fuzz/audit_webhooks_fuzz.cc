// Bytes -> ParseWebhooks (`kubectl get validatingwebhookconfigurations -o json`), then the
// admission review over the result. Must never crash; accepted webhooks have a name, exactly one
// target, failurePolicy Fail or Ignore and a timeout within 1..30 s.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "signet/audit/audit.h"
#include "signet/audit/inputs.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace signet::audit;
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto hooks = ParseWebhooks(bytes);
  if (!hooks.ok()) return 0;
  for (const Webhook& w : *hooks) {
    if (w.name.empty() || w.url.empty() == w.service_name.empty()) std::abort();
    if (w.failure_policy != "Fail" && w.failure_policy != "Ignore") std::abort();
    if (w.timeout_seconds < 1 || w.timeout_seconds > 30) std::abort();
  }
  Report report;
  ReviewAdmission(*hooks, "https://verifierd.example", {"default", "kube-system", "prod"}, {"prod"}, &report);
  if (report.namespaces.size() != 3 || report.webhooks.size() != hooks->size()) std::abort();
  return 0;
}
