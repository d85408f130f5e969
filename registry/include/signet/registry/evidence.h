// Evidence about one image digest, collected from where the ecosystem keeps it in a registry:
// cosign's tags (`sha256-<hex>.sig`, `.att`, `.sbom`) and OCI 1.1 referrers (the API, or the
// referrers tag schema). Used by `signet fetch-evidence` and, next, by verifierd.
//
// Trust: NOTHING here is verified. The registry decides only which bytes are offered; every
// fetched manifest and blob is digest-checked (registry.h) and every piece of evidence is then
// verified by the gate and the release checks under the operator's policy. Files are named so
// that verifierd's evidence store and `signet gate` read them as they read local files: a cosign
// simple-signing payload becomes `<stem>.json` with its signature in `<stem>.sig`.
#ifndef SIGNET_REGISTRY_EVIDENCE_H_
#define SIGNET_REGISTRY_EVIDENCE_H_

#include <string>
#include <string_view>
#include <vector>

#include "signet/core/result.h"
#include "signet/registry/manifest.h"
#include "signet/registry/registry.h"

namespace signet::registry {

// Annotation cosign puts on a simple-signing layer: the base64 signature over the layer bytes.
inline constexpr std::string_view kCosignSignatureAnnotation = "dev.cosignproject.cosign/signature";
inline constexpr std::string_view kSimpleSigningMediaType = "application/vnd.dev.cosign.simplesigning.v1+json";

// EvidenceItem is one file of evidence.
struct EvidenceItem {
  std::string name;    // a plain file name ([a-z0-9.-]), unique within the set
  std::string bytes;
  std::string source;  // where it came from: "<tag>" or "referrer <digest>", then "layer <digest>"
};

// FetchedEvidence is what the registry holds about one image.
struct FetchedEvidence {
  std::string repository;
  Manifest image;  // the image manifest or index at the requested digest (digest-checked)
  std::vector<EvidenceItem> items;
};

// kMaxEvidenceItems bounds how many files one image may contribute (a registry cannot make a
// verifier read without end).
inline constexpr size_t kMaxEvidenceItems = 256;

// FetchEvidence reads the image manifest at `digest` (which must exist), then each cosign tag
// that exists and each referrer, and returns every layer as an item. Fails as Registry's calls;
// kResourceExhausted past kMaxEvidenceItems.
Result<FetchedEvidence> FetchEvidence(Registry& registry, std::string_view repository, std::string_view digest);

// SplitImageReference splits "HOST[:PORT]/REPO@sha256:HEX" into its host, repository and
// digest. A reference without a digest is refused (VerificationFailed MUTABLE_REFERENCE); anything
// malformed is kInvalidArgument.
struct ImageLocation {
  std::string host, repository, digest;
};
Result<ImageLocation> SplitImageReference(std::string_view reference);

}  // namespace signet::registry

#endif  // SIGNET_REGISTRY_EVIDENCE_H_
