// Fuzzes the gate's evidence readers (ReadEvidence): bundle / DSSE / JSON-lines / Cloud Build /
// cosign-manifest detection and pairing. The input is split at the first 0x00 byte into two
// files so manifest-and-blob pairing is reachable. Every object must end up as exactly one
// candidate or problem, and nothing may crash.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "signet/policy/inputs.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<signet::policy::EvidenceInput> inputs;
  size_t nul = text.find('\0');
  inputs.push_back({"a", std::string(text.substr(0, nul))});
  if (nul != std::string_view::npos) inputs.push_back({"b", std::string(text.substr(nul + 1))});
  auto set = signet::policy::ReadEvidence(inputs);
  for (const auto& c : set.candidates) {
    if (c.bundle.has_value() == c.envelope.has_value()) std::abort();
    if (c.origin.empty() || c.format.empty()) std::abort();
  }
  for (const auto& p : set.problems) {
    if (p.origin.empty() || p.message.empty()) std::abort();
  }
  return 0;
}
