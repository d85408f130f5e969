// Bytes -> ParseChallenge (a registry's WWW-Authenticate) and DockerConfig::Parse (a docker
// config.json). Must never crash; a parsed challenge has a lower-case scheme.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "signet/registry/auth.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace signet::registry;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto challenge = ParseChallenge(text);
  if (challenge.ok()) {
    for (char c : challenge->scheme) {
      if (c >= 'A' && c <= 'Z') std::abort();
    }
  }
  auto config = DockerConfig::Parse(text);
  if (config.ok()) (void)config->For("127.0.0.1:5000");
  return 0;
}
