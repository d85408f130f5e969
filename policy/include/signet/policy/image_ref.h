// ImageRef: a container image pinned by digest, and the identifiers of the signature formats
// Signet emits (signer/cosign_formats.h writes them; policy/image_verify.h and verifierd check them).
#ifndef SIGNET_POLICY_IMAGE_REF_H_
#define SIGNET_POLICY_IMAGE_REF_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "signet/core/result.h"

namespace signet::policy {

// ImageRef is a container image pinned by digest: "REGISTRY/REPO@sha256:HEX".
struct ImageRef {
  std::string repository;  // REGISTRY/REPO, e.g. "registry.example.com/team/app"
  std::string digest_hex;  // 64 lowercase hex digits

  std::string digest() const { return "sha256:" + digest_hex; }
  std::string ToString() const { return repository + "@" + digest(); }
};

// kMaxImageRefBytes bounds an image reference (a registry host and a 255-byte repository,
// with room to spare).
inline constexpr size_t kMaxImageRefBytes = 1024;

// ParseImageRef parses "REGISTRY/REPO@sha256:HEX". An empty reference, one longer than
// kMaxImageRefBytes or one that is not valid UTF-8 is kInvalidArgument with finding
// MALFORMED_INPUT (checked first: such a string is never logged). A reference without a digest
// (a tag, or a bare repository) is refused with VerificationFailed("MUTABLE_REFERENCE"): a tag
// can move after the decision. Anything else malformed (uppercase or short digest, other
// algorithms, characters outside the OCI distribution grammar) is kInvalidArgument with
// finding MALFORMED_INPUT.
Result<ImageRef> ParseImageRef(std::string_view ref);

// kInTotoPayloadType is the DSSE payloadType of in-toto statements.
inline constexpr char kInTotoPayloadType[] = "application/vnd.in-toto+json";
inline constexpr char kCosignSignPredicate[] = "https://sigstore.dev/cosign/sign/v1";
inline constexpr char kVsaPredicate[] = "https://slsa.dev/verification_summary/v1";
inline constexpr char kBundleV03MediaType[] = "application/vnd.dev.sigstore.bundle.v0.3+json";

}  // namespace signet::policy

#endif  // SIGNET_POLICY_IMAGE_REF_H_
