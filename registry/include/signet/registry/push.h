// Uploading evidence about an image where the ecosystem looks for it (`signet sign --push`):
// cosign's legacy signature tag and OCI 1.1 referrers. Built on Registry's PutBlob/PutManifest,
// so the same auth, size limits, same-origin and digest checks apply.
//
// What lands in the registry for an image at `sha256:<hex>`:
//   - tag `sha256-<hex>.sig`: an OCI manifest whose layers are simple-signing payloads
//     (application/vnd.dev.cosign.simplesigning.v1+json), each annotated with
//     `dev.cosignproject.cosign/signature` (base64 signature over the layer bytes). An existing
//     .sig manifest keeps its layers (and everything else in it); a layer with the same digest and
//     signature is not added twice (cosign's own append rule).
//   - referrers: an OCI image manifest pushed by digest, with `subject` = the image and an
//     `artifactType`, its one layer the artifact, its config the OCI empty descriptor. When the
//     registry has no referrers API (distribution 2.8 has none), the referrers tag schema's index
//     at tag `sha256-<hex>` is read, the referrer added (once) and the index pushed back, as the
//     OCI distribution spec's fallback prescribes. Two concurrent pushers can race on that tag
//     (the spec's known limitation); the referrer manifest itself is never lost.
#ifndef SIGNET_REGISTRY_PUSH_H_
#define SIGNET_REGISTRY_PUSH_H_

#include <map>
#include <string>
#include <string_view>

#include "signet/core/result.h"
#include "signet/registry/manifest.h"
#include "signet/registry/registry.h"

namespace signet::registry {

inline constexpr std::string_view kSigstoreBundleType = "application/vnd.dev.sigstore.bundle.v0.3+json";
// Annotations cosign puts on a bundle referrer.
inline constexpr std::string_view kBundleContentAnnotation = "dev.sigstore.bundle.content";
inline constexpr std::string_view kBundlePredicateTypeAnnotation = "dev.sigstore.bundle.predicateType";

// PushCosignSignature uploads `payload` (a simple-signing payload) with its base64 signature
// `signature_b64` as a layer of the `sha256-<hex>.sig` manifest of `image_digest`, appending to an
// existing one. Returns the digest of the .sig manifest now at the tag.
Result<std::string> PushCosignSignature(Registry& registry, std::string_view repository, std::string_view image_digest,
                                        std::string_view payload, std::string_view signature_b64);

// ReferrerArtifact is one artifact pushed as a referrer.
struct ReferrerArtifact {
  std::string artifact_type;  // the manifest's artifactType
  std::string media_type;     // the layer's media type
  std::string bytes;          // the layer
  std::map<std::string, std::string> annotations;  // the manifest's annotations
};

// ReferrerManifest returns the bytes of the referrer manifest for `artifact` about `subject`,
// whose layer has `layer_digest`: deterministic, so pushing the same artifact twice is one
// referrer.
std::string ReferrerManifest(const Descriptor& subject, const ReferrerArtifact& artifact);

// PushReferrer uploads `artifact` as a referrer of `subject` (the image's descriptor: media
// type, digest, size) and, without a referrers API, records it in the referrers tag's index.
// Returns the referrer manifest's digest.
Result<std::string> PushReferrer(Registry& registry, std::string_view repository, const Descriptor& subject,
                                 const ReferrerArtifact& artifact);

}  // namespace signet::registry

#endif  // SIGNET_REGISTRY_PUSH_H_
