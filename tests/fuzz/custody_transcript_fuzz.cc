// Fuzzes the ceremony transcript parser and chain check (custody/transcript.h).
// Invariants: no crash, no leak; an accepted transcript's text is the input, every entry's seq is
// its position, and quorum counting over it never crashes.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "signet/custody/transcript.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto t = signet::custody::Transcript::Parse("fuzz.jsonl", text);
  if (!t.ok()) return 0;
  if (t->Text() != text) std::abort();
  for (size_t i = 0; i < t->entries().size(); ++i) {
    if (t->entries()[i].seq != static_cast<int64_t>(i + 1)) std::abort();
  }
  (void)t->CheckQuorum({}, 1).ok();
  return 0;
}
