// Private helpers shared by the service's sources.
#ifndef SIGNET_SERVICE_SRC_UTIL_H_
#define SIGNET_SERVICE_SRC_UTIL_H_

#include <string>
#include <string_view>

namespace signet::service::internal {

// PrintableKey renders a config key for an error message: printable ASCII kept, anything else
// (control characters, non-ASCII bytes) as '?', at most 64 characters. Keys are named in errors
// (values never are), and even a key must not smuggle a line break into a log.
inline std::string PrintableKey(std::string_view key) {
  std::string out;
  for (char c : key.substr(0, 64)) {
    out.push_back(c >= 0x20 && c < 0x7f ? c : '?');
  }
  if (key.size() > 64) out += "...";
  return out;
}

// AsciiLower lower-cases ASCII letters only.
inline std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace signet::service::internal

#endif  // SIGNET_SERVICE_SRC_UTIL_H_
