// Fuzzes the revocation list parser (custody/revocation.h).
// Invariants: no crash, no leak; a parsed list serializes and parses back to the same body.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "signet/core/json.h"
#include "signet/custody/revocation.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto list = signet::custody::ParseRevocationList(text);
  if (!list.ok()) return 0;
  auto out = signet::custody::SerializeRevocationList(*list);
  if (!out.ok()) std::abort();
  auto again = signet::custody::ParseRevocationList(*out);
  if (!again.ok()) std::abort();
  if (!(signet::custody::RevocationListToJson(*again) == signet::custody::RevocationListToJson(*list))) std::abort();
  signet::custody::Keyring empty;
  signet::custody::ApplyRevocations(empty, *list);
  return 0;
}
