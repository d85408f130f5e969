// Bytes -> ParseManifest (a manifest or index as a registry serves it), with each of the
// Content-Types a registry may send. Must never crash; an accepted document's digest is the
// SHA-256 of exactly the input, and every descriptor digest is sha256:<hex>.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "signet/registry/manifest.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace signet::registry;
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  for (std::string_view type : {std::string_view(), kOciManifest, kOciIndex, kDockerManifest, kDockerManifestList,
                                std::string_view("application/json")}) {
    auto m = ParseManifest(bytes, type);
    if (!m.ok()) continue;
    if (m->digest != DigestOf(bytes) || m->bytes != bytes) std::abort();
    for (const auto& d : m->is_index ? m->manifests : m->layers) {
      if (!IsDigest(d.digest) || d.size < 0) std::abort();
    }
    if (m->subject && !IsDigest(m->subject->digest)) std::abort();
  }
  return 0;
}
