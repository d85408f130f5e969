// A client for one OCI distribution registry (the distribution spec v1.1 over HTTPS), used by
// `signet` (sign --push, fetch-evidence, audit) and verifierd (evidence from the registry).
//
// Trust: the registry is not trusted for content, only for availability. Everything fetched by
// digest is checked against that digest before it is returned; a manifest fetched by tag is
// returned with the digest computed here (a Docker-Content-Digest header that disagrees is
// refused), so a caller always works with content-addressed bytes. Responses are size-limited
// before they are read in full (manifests 4 MiB, blobs `max_blob_bytes`).
//
// Transport: HTTPS only (service::HttpsClient), the server verified against `registry_ca` plus
// the system store. Credentials (auth.h) are sent only after the registry asks with a 401, and only
// to the registry's own origin or to the token realm it names, which must be https; a token is
// cached per scope. Upload locations that point at another origin are refused, so a registry
// cannot redirect a push (and its Authorization header) elsewhere.
//
// Errors: kNotFound (404, also MANIFEST_UNKNOWN / BLOB_UNKNOWN), kPermissionDenied (401/403 after
// authenticating, or no credentials for a registry that wants them), kUnavailable (network, 5xx,
// 429), kVerificationFailed REGISTRY_DIGEST_MISMATCH (content differs from the digest),
// kResourceExhausted (over a size limit), kInvalidArgument (bad names, malformed documents).
// Messages never hold a credential.
#ifndef SIGNET_REGISTRY_REGISTRY_H_
#define SIGNET_REGISTRY_REGISTRY_H_

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "signet/core/bytes.h"
#include "signet/core/result.h"
#include "signet/registry/manifest.h"

namespace signet::registry {

// RegistryOptions are the flags every registry-facing command takes.
struct RegistryOptions {
  std::string registry_config;  // --registry-config: a docker config.json ("" = anonymous)
  std::string registry_ca;      // --registry-ca: PEM trusted in addition to the system store
  bool use_system_store = true;
  std::chrono::milliseconds timeout{30000};
  size_t max_blob_bytes = 64 * 1024 * 1024;
};

// Registry talks to one registry host.
class Registry {
 public:
  // Open prepares a client for `host` ("registry.example", "127.0.0.1:5000"). It reads the
  // registry config and CA; it does not connect.
  static Result<std::unique_ptr<Registry>> Open(std::string_view host, const RegistryOptions& options);

  virtual ~Registry() = default;

  // GetManifest fetches a manifest or index by digest or by tag. By digest, the bytes must hash
  // to it; by tag, the returned digest is computed over the bytes.
  virtual Result<Manifest> GetManifest(std::string_view repository, std::string_view reference) = 0;

  // ManifestExists reports whether `reference` exists (HEAD), without fetching it.
  virtual Result<bool> ManifestExists(std::string_view repository, std::string_view reference) = 0;

  // GetBlob fetches a blob by digest and checks it against the digest.
  virtual Result<std::string> GetBlob(std::string_view repository, std::string_view digest) = 0;

  // PutBlob uploads `data` (monolithic POST + PUT) unless the registry already has it; returns its
  // digest.
  virtual Result<std::string> PutBlob(std::string_view repository, std::string_view data) = 0;

  // PutManifest uploads a manifest under a tag or its own digest; returns its digest (checked
  // against the registry's Docker-Content-Digest when it sends one).
  virtual Result<std::string> PutManifest(std::string_view repository, std::string_view reference,
                                          std::string_view media_type, std::string_view bytes) = 0;

  // ListTags returns the repository's tags (following Link pagination, at most 10,000).
  virtual Result<std::vector<std::string>> ListTags(std::string_view repository) = 0;

  // Referrers lists the manifests whose subject is `digest`, optionally only those of
  // `artifact_type`: the OCI 1.1 referrers API, falling back to the referrers tag schema
  // (the index tagged "sha256-<hex>") when the registry does not implement the API (404).
  virtual Result<std::vector<Descriptor>> Referrers(std::string_view repository, std::string_view digest,
                                                    std::string_view artifact_type = "") = 0;

  // ReferrersApi reports whether the registry implements the OCI 1.1 referrers API for
  // `repository` (GET /v2/<name>/referrers/<digest>: 200 yes, 404 no; anything else an error).
  virtual Result<bool> ReferrersApi(std::string_view repository, std::string_view digest) = 0;

  // host returns the registry host this client talks to.
  virtual const std::string& host() const = 0;
};

}  // namespace signet::registry

#endif  // SIGNET_REGISTRY_REGISTRY_H_
