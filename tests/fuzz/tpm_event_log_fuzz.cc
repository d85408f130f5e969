// Fuzzes the measured-launch event log parser: whatever parses must round-trip through the
// serializer to the same records, and replay/canonicalisation must not misbehave.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "signet/attestation/event_log.h"

namespace att = signet::attestation;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto log = att::ParseEventLog(text);
  if (!log.ok()) return 0;
  auto again = att::ParseEventLog(att::SerializeEventLog(*log));
  if (!again.ok() || again->events.size() != log->events.size()) std::abort();
  for (size_t i = 0; i < log->events.size(); ++i) {
    if (att::EventDigest(log->events[i]) != att::EventDigest(again->events[i])) std::abort();
  }
  (void)att::CheckSequence(*log);
  auto pcrs = att::ReplayEventLog(*log);
  for (const auto& [pcr, value] : pcrs) {
    if (pcr > 23 || value.size() != 32) std::abort();
  }
  return 0;
}
