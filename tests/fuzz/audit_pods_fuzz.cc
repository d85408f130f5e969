// Bytes -> ParsePods (`kubectl get pods -A -o json`) and, as YAML, ParseRenderedManifests. Must
// never crash; every accepted running digest is sha256:<64 lowercase hex> with a repository, and
// grouping and sampling the result keep their invariants.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "signet/audit/audit.h"
#include "signet/audit/inputs.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace signet::audit;
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto pods = ParsePods(bytes);
  if (pods.ok()) {
    for (const RunningContainer& c : *pods) {
      if (!c.running_digest.empty() && (!IsSha256Digest(c.running_digest) || c.running_repository.empty())) std::abort();
      if (c.namespace_name.empty() || c.container.empty() || c.image.empty()) std::abort();
    }
    auto units = GroupContainers(*pods);
    auto sample = Sample(units, 3, "seed", {"prod"});
    if (sample.size() > 3 || sample.size() > units.size()) std::abort();
  }
  auto rendered = ParseRenderedManifests("fuzz.yaml", bytes);
  if (rendered.ok()) {
    for (const RenderedImage& r : *rendered) {
      if (r.image.empty() || r.workload.empty()) std::abort();
    }
  }
  return 0;
}
