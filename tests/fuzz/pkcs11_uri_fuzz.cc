// Fuzzes the RFC 7512 pkcs11: URI parser: whatever parses must format to a URI that parses back
// to the same attributes (Format never renders pin-value, so that one is compared as absent).
// RedactPkcs11Uri, over any text: every "pin-value=" left in its output is followed by the
// redaction marker and then the end of the value ('&', '#', a newline or the end).
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "signet/hsm/uri.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::string redacted = signet::hsm::RedactPkcs11Uri(text);
  const std::string marker = std::string("pin-value=") + signet::hsm::kRedactedPin;
  for (size_t at = redacted.find("pin-value="); at != std::string::npos; at = redacted.find("pin-value=", at + 1)) {
    if (redacted.compare(at, marker.size(), marker) != 0) std::abort();
    const size_t end = at + marker.size();
    if (end < redacted.size() && redacted[end] != '&' && redacted[end] != '#' && redacted[end] != '\n') std::abort();
  }
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
