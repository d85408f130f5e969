// Sigstore bundles (dev.sigstore.bundle.v1.Bundle, protobuf-specs), media types
//   application/vnd.dev.sigstore.bundle+json;version=0.1 | 0.2 | 0.3
//   application/vnd.dev.sigstore.bundle.v0.3+json
// in their canonical proto3 JSON form.
//
// Trust decision: a Bundle is parsed, UNVERIFIED data. Everything in it is a claim until
// VerifyBundle (verifier.h) checks it against the trusted root and the caller's policy.
#ifndef SIGNET_ATTESTATION_BUNDLE_H_
#define SIGNET_ATTESTATION_BUNDLE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "signet/attestation/dsse.h"
#include "signet/core/bytes.h"
#include "signet/core/hash.h"
#include "signet/core/result.h"

namespace signet::attestation {

// kMaxBundleBytes bounds a bundle document.
inline constexpr size_t kMaxBundleBytes = 32 * 1024 * 1024;

// BundleVersion is the bundle format version named by its media type.
enum class BundleVersion { kV01, kV02, kV03 };

// InclusionProof is an entry's RFC 6962 audit path with the log's signed checkpoint note.
struct InclusionProof {
  uint64_t log_index = 0;
  Bytes root_hash;
  uint64_t tree_size = 0;
  std::vector<Bytes> hashes;
  std::string checkpoint;  // the signed note text; empty when absent
};

// TlogEntry is one transparency log entry (dev.sigstore.rekor.v1.TransparencyLogEntry).
struct TlogEntry {
  uint64_t log_index = 0;
  Bytes log_id;
  std::string kind;
  std::string version;
  std::optional<int64_t> integrated_time;  // absent (or 0) for Rekor v2 entries
  std::optional<Bytes> signed_entry_timestamp;
  std::optional<InclusionProof> inclusion_proof;
  Bytes canonicalized_body;  // decoded bytes, exactly as logged
};

// MessageDigest is a messageSignature's (unauthenticated) digest hint.
struct MessageDigest {
  HashAlgorithm algorithm = HashAlgorithm::kSha256;
  Bytes digest;
};

// MessageSignature is a signature over an artifact's bytes.
struct MessageSignature {
  std::optional<MessageDigest> digest;
  Bytes signature;
};

// MaterialKind says which verificationMaterial variant the bundle carries.
enum class MaterialKind { kPublicKey, kCertificateChain, kCertificate };

// Bundle is a parsed, UNVERIFIED bundle.
struct Bundle {
  BundleVersion version = BundleVersion::kV03;
  std::string media_type;
  MaterialKind material = MaterialKind::kPublicKey;
  std::string public_key_hint;      // kPublicKey: a hint only, never trusted
  std::vector<Bytes> certificates;  // DER; leaf first (kCertificate: exactly one)
  std::vector<TlogEntry> tlog_entries;
  std::vector<Bytes> rfc3161_timestamps;  // DER
  std::optional<MessageSignature> message_signature;
  std::optional<DsseEnvelope> dsse_envelope;
};

// ParseBundle parses a bundle strictly.
// Steps:
//   1. Strict JSON under size/depth limits; an object with only the proto3 JSON members.
//   2. mediaType: one of the four spellings above.
//   3. verificationMaterial: exactly one of publicKey / x509CertificateChain (non-empty) /
//      certificate; tlogEntries (int64 fields as decimal strings or integers, logIndex and
//      treeSize non-negative, base64 bytes strict); optional RFC 3161 timestamps.
//   4. Exactly one of messageSignature / dsseEnvelope; a DSSE envelope has exactly one signature.
// Fails kInvalidArgument with finding MALFORMED_INPUT (UNSUPPORTED for an unknown version).
Result<Bundle> ParseBundle(std::string_view json);

}  // namespace signet::attestation

#endif  // SIGNET_ATTESTATION_BUNDLE_H_
