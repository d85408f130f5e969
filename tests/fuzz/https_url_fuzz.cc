// Bytes -> ParseHttpsUrl (the client's URL parser for --signerd, --url, --verifier). Must never
// crash; an accepted URL must have a host, a port and a base path without query, fragment,
// trailing '/' or control characters, and print back into a URL that parses to the same value.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "signet/service/client.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  signet::Result<signet::service::HttpsUrl> url = signet::service::ParseHttpsUrl(text);
  if (!url.ok()) return 0;
  if (url->host.empty() || url->port == 0) std::abort();
  if (!url->base_path.empty() && (url->base_path.front() != '/' || url->base_path.back() == '/')) std::abort();
  for (char c : url->host + url->base_path) {
    if (static_cast<unsigned char>(c) < 0x21 || c == '?' || c == '#' || c == '@') std::abort();
  }
  std::string host = url->host.find(':') != std::string::npos ? "[" + url->host + "]" : url->host;
  std::string again = "https://" + host + ":" + std::to_string(url->port) + url->base_path;
  signet::Result<signet::service::HttpsUrl> reparsed = signet::service::ParseHttpsUrl(again);
  if (!reparsed.ok() || !(*reparsed == *url)) std::abort();
  return 0;
}
