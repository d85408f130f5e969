// Evidence from a registry (see evidence.h).
#include "signet/registry/evidence.h"

#include "signet/core/findings.h"

namespace signet::registry {
namespace {

std::string Short(std::string_view digest) { return std::string(digest.substr(7, 12)); }

bool IsBundleType(std::string_view type) { return type.find("dev.sigstore.bundle") != std::string_view::npos; }

class Collector {
 public:
  Collector(Registry& registry, std::string_view repository) : registry_(registry), repository_(repository) {}

  // Layers adds every layer of `manifest` as items named `<stem>-<n>`.
  Status Layers(const Manifest& manifest, const std::string& stem, const std::string& source) {
    if (manifest.is_index) return OkStatus();  // evidence is carried in layers of a manifest
    int n = 0;
    for (const Descriptor& layer : manifest.layers) {
      if (items_.size() >= kMaxEvidenceItems) {
        return ResourceExhausted("the registry offers more than 256 pieces of evidence for one image");
      }
      SIGNET_ASSIGN_OR_RETURN(std::string bytes, registry_.GetBlob(repository_, layer.digest));
      std::string name = stem + "-" + std::to_string(n++);
      std::string where = source + " layer " + layer.digest;
      auto signature = layer.annotations.find(std::string(kCosignSignatureAnnotation));
      if (layer.media_type == kSimpleSigningMediaType || signature != layer.annotations.end()) {
        items_.push_back({name + ".json", std::move(bytes), where});
        if (signature != layer.annotations.end()) items_.push_back({name + ".sig", signature->second, where});
      } else if (IsBundleType(layer.media_type) || IsBundleType(manifest.artifact_type)) {
        items_.push_back({name + ".sigstore.json", std::move(bytes), where});
      } else {
        items_.push_back({name + ".json", std::move(bytes), where});
      }
    }
    return OkStatus();
  }

  std::vector<EvidenceItem> Take() { return std::move(items_); }

 private:
  Registry& registry_;
  std::string repository_;
  std::vector<EvidenceItem> items_;
};

}  // namespace

Result<FetchedEvidence> FetchEvidence(Registry& registry, std::string_view repository, std::string_view digest) {
  if (!IsDigest(digest)) return InvalidArgument("image digest must be sha256:<hex>");
  FetchedEvidence out;
  out.repository = std::string(repository);
  SIGNET_ASSIGN_OR_RETURN(out.image, registry.GetManifest(repository, digest));
  Collector collect(registry, repository);
  for (std::string_view suffix : {"sig", "att", "sbom"}) {
    SIGNET_ASSIGN_OR_RETURN(std::string tag, CosignTag(digest, suffix));
    Result<Manifest> manifest = registry.GetManifest(repository, tag);
    if (!manifest.ok()) {
      if (manifest.error().code() == ErrorCode::kNotFound) continue;
      return std::move(manifest).error();
    }
    SIGNET_RETURN_IF_ERROR(collect.Layers(*manifest, "cosign-" + std::string(suffix), tag));
  }
  SIGNET_ASSIGN_OR_RETURN(std::vector<Descriptor> referrers, registry.Referrers(repository, digest));
  if (referrers.size() > kMaxEvidenceItems) {
    return ResourceExhausted("the registry lists more than 256 referrers for one image");
  }
  for (const Descriptor& referrer : referrers) {
    SIGNET_ASSIGN_OR_RETURN(Manifest manifest, registry.GetManifest(repository, referrer.digest));
    // A referrer must say it refers to this image: the list is unverified, the manifest is
    // digest-checked.
    if (!manifest.subject.has_value() || manifest.subject->digest != digest) continue;
    SIGNET_RETURN_IF_ERROR(collect.Layers(manifest, "referrer-" + Short(referrer.digest), "referrer " + referrer.digest));
  }
  out.items = collect.Take();
  return out;
}

Result<ImageLocation> SplitImageReference(std::string_view reference) {
  if (reference.empty() || reference.size() > 1024) return InvalidArgument("image reference is empty or too long");
  size_t at = reference.find('@');
  if (at == std::string_view::npos) {
    return VerificationFailed(std::string(findings::kMutableReference),
                              "the image reference has no digest; a tag can move (use REGISTRY/REPO@sha256:HEX)");
  }
  ImageLocation out;
  out.digest = std::string(reference.substr(at + 1));
  if (!IsDigest(out.digest)) return InvalidArgument("image digest must be sha256:<64 lower-case hex>");
  std::string_view name = reference.substr(0, at);
  size_t slash = name.find('/');
  if (slash == std::string_view::npos) return InvalidArgument("image reference must name its registry host");
  std::string_view host = name.substr(0, slash);
  if (host != "localhost" && host.find('.') == std::string_view::npos && host.find(':') == std::string_view::npos) {
    return InvalidArgument("image reference must start with a registry host (a name with a dot or a port)");
  }
  for (char c : host) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
              c == ':' || c == '[' || c == ']';
    if (!ok) return InvalidArgument("image reference has an invalid registry host");
  }
  out.host = std::string(host);
  out.repository = std::string(name.substr(slash + 1));
  if (!IsValidRepository(out.repository)) return InvalidArgument("image reference has an invalid repository name");
  return out;
}

}  // namespace signet::registry
