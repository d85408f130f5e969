// OCI and Docker manifests and indexes, as a registry serves them, and the names cosign and the
// OCI 1.1 referrers schema give to evidence about an image. Pure: no network.
//
// A manifest is kept with its exact bytes: its digest is SHA-256 over those bytes, and nothing
// is ever re-serialised before hashing. Parsing is strict about what a verifier relies on
// (media types, digests, sizes, the subject) and tolerant of fields it does not use.
#ifndef SIGNET_REGISTRY_MANIFEST_H_
#define SIGNET_REGISTRY_MANIFEST_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "signet/core/result.h"

namespace signet::registry {

inline constexpr std::string_view kOciManifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view kOciIndex = "application/vnd.oci.image.index.v1+json";
inline constexpr std::string_view kDockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr std::string_view kDockerManifestList =
    "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr std::string_view kOciEmptyJson = "application/vnd.oci.empty.v1+json";
// The Accept header of a manifest request: every type above.
inline constexpr std::string_view kManifestAccept =
    "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json, "
    "application/vnd.docker.distribution.manifest.v2+json";

// kMaxManifestBytes bounds a manifest or index (the distribution spec's recommended 4 MiB).
inline constexpr size_t kMaxManifestBytes = 4 * 1024 * 1024;

// Platform is an index entry's platform.
struct Platform {
  std::string os, architecture, variant;
};

// Descriptor points at a blob or manifest by digest.
struct Descriptor {
  std::string media_type;
  std::string digest;  // "sha256:<64 hex>"
  int64_t size = 0;
  std::string artifact_type;
  std::map<std::string, std::string> annotations;
  std::optional<Platform> platform;
};

// Manifest is a parsed image manifest or image index.
struct Manifest {
  std::string media_type;  // one of the four types above
  std::string digest;      // "sha256:<hex>" of `bytes`
  std::string bytes;       // exactly as served
  bool is_index = false;
  std::vector<Descriptor> manifests;  // index only
  Descriptor config;                  // manifest only
  std::vector<Descriptor> layers;     // manifest only
  std::optional<Descriptor> subject;  // OCI 1.1 subject
  std::string artifact_type;          // OCI 1.1 artifactType
  std::map<std::string, std::string> annotations;
};

// IsDigest accepts "sha256:" followed by 64 lower-case hex digits (the only algorithm Signet
// accepts anywhere).
bool IsDigest(std::string_view digest);

// DigestOf returns "sha256:<hex>" of `bytes`.
std::string DigestOf(std::string_view bytes);

// ParseManifest parses `bytes` served with `content_type` (may be empty: the document's own
// mediaType decides). Refused (kInvalidArgument): not strict JSON, schemaVersion other than 2, an
// unknown or conflicting media type (header vs. document), a descriptor without a valid digest
// or with a negative size, an index without `manifests` or a manifest without `config` and
// `layers`. The digest is computed here, over `bytes`.
Result<Manifest> ParseManifest(std::string_view bytes, std::string_view content_type);

// IsValidRepository checks a repository path against the distribution grammar
// ([a-z0-9]+([._-]|__)[a-z0-9]+ components joined by '/'), at most 255 bytes.
bool IsValidRepository(std::string_view repository);

// IsValidTag checks a tag: [A-Za-z0-9_][A-Za-z0-9._-]{0,127}.
bool IsValidTag(std::string_view tag);

// CosignTag returns cosign's tag for evidence about `digest`: "sha256-<hex>.<suffix>" with suffix
// "sig", "att" or "sbom". kInvalidArgument for a malformed digest or another suffix.
Result<std::string> CosignTag(std::string_view digest, std::string_view suffix);

// ReferrersTag returns the OCI 1.1 referrers tag schema's fallback tag for `digest`:
// "sha256-<hex>".
Result<std::string> ReferrersTag(std::string_view digest);

}  // namespace signet::registry

#endif  // SIGNET_REGISTRY_MANIFEST_H_
