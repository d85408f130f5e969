// Fuzz target: signerd's input decoding never crashes. Each input is tried as
//   1. a POST /v1/sign body: strict proto3 JSON into SignRequest, then the image reference
//      (signer::ParseRequestedImage) and the caller's image globs over it;
//   2. a config file: YAML, the server section and signerd's own keys.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "signet/core/yaml.h"
#include "signet/service/config.h"
#include "signet/signer/signing_service.h"
#include "signet/signerd/config.h"
#include "signet/signerd/sign.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace signet;
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  static const signerd::Caller caller{"c", "CN=c", "", {"registry.example/team/*", "registry.example/*/app"}};
  auto req = signerd::ParseSignRequest(body);
  if (req.ok()) {
    auto image = signer::ParseRequestedImage(req->image());
    (void)signerd::ImageAllowedForCaller(caller, req->image());
    if (image.ok() && image->ref) (void)signerd::RepositoryOf(image->ref->ToString());
  }
  auto root = ParseYaml(body);
  if (root.ok()) {
    auto server = service::ParseServerSection(*root, "/etc/signet");
    if (server.ok()) (void)signerd::ParseSignerdConfig(*root, "/etc/signet", *server, "/run/credentials/x");
  }
  return 0;
}
