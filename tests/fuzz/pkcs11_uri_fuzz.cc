// Fuzzes the RFC 7512 pkcs11: URI parser: whatever parses must format to a URI that parses back
// to the same attributes (Format never renders pin-value, so that one is compared as absent).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "signet/hsm/uri.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto uri = signet::hsm::ParsePkcs11Uri(text);
  if (!uri.ok()) return 0;
  const std::string formatted = uri->Format();
  auto again = signet::hsm::ParsePkcs11Uri(formatted);
  if (!again.ok()) std::abort();
  if (again->pin_value) std::abort();
  if (again->Format() != formatted) std::abort();
  if (again->token != uri->token || again->object != uri->object || again->id != uri->id ||
      again->type != uri->type || again->slot_id != uri->slot_id || again->module_path != uri->module_path ||
      again->pin_source != uri->pin_source || again->serial != uri->serial) {
    std::abort();
  }
  return 0;
}
