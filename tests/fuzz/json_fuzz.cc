// Fuzzes the strict JSON reader and both writers: whatever parses must re-serialise and re-parse
// to an equal tree, and the canonical form must be a fixed point.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "signet/core/json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  signet::JsonLimits limits;
  limits.max_bytes = 1 << 20;
  limits.max_depth = 32;
  auto v = signet::ParseJson(text, limits);
  if (!v.ok()) return 0;
  std::string compact = signet::WriteJson(*v);
  auto again = signet::ParseJson(compact, limits);
  if (!again.ok() || !(*again == *v)) std::abort();
  // A number no double can hold has no canonical form: the writer must refuse it, never
  // substitute "null" or "0".
  auto canon = signet::WriteCanonicalJson(*v);
  if (!canon.ok()) return 0;
  auto c2 = signet::ParseJson(*canon, limits);
  if (!c2.ok()) std::abort();
  auto canon2 = signet::WriteCanonicalJson(*c2);
  if (!canon2.ok() || *canon2 != *canon) std::abort();
  return 0;
}
