// The signature formats Signet emits, byte-compatible with cosign and Sigstore verifiers.
//
//  - cosign simple signing (legacy `.sig` layer): SimpleSigningPayload(), signed as-is.
//  - cosign v3 default: a Sigstore bundle v0.3 with a DSSE envelope carrying an in-toto
//    Statement v1, predicateType https://sigstore.dev/cosign/sign/v1 (CosignSignStatement()).
//  - SLSA verification summary (VSA) statements, in the same bundle form.
// Key-based bundles name the key by publicKey.hint = base64(SHA-256(SPKI DER)); the DSSE keyid
// is the same value.
#ifndef SIGNET_SIGNER_COSIGN_FORMATS_H_
#define SIGNET_SIGNER_COSIGN_FORMATS_H_

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "signet/core/bytes.h"
#include "signet/core/json.h"
#include "signet/core/result.h"
#include "signet/core/time.h"
#include "signet/policy/image_ref.h"

namespace signet::signer {

// The image reference and the format identifiers live in policy/ (verifierd checks these
// formats without the signer); signer code names them unqualified.
using policy::ImageRef;
using policy::ParseImageRef;
using policy::kBundleV03MediaType;
using policy::kCosignSignPredicate;
using policy::kInTotoPayloadType;
using policy::kVsaPredicate;

// SimpleSigningPayload returns the exact bytes cosign signs for `image`:
// {"critical":{"identity":{"docker-reference":R},"image":{"docker-manifest-digest":D},
//  "type":"cosign container image signature"},"optional":null}
// With annotations, "optional" is an object with keys in byte order (as Go's encoding/json
// writes a map), strings escaped as Go does (<, >, & and U+2028/2029 as \u escapes).
std::string SimpleSigningPayload(const ImageRef& image,
                                 const std::map<std::string, std::string>& annotations = {});

// CosignSignStatement returns the in-toto Statement v1 cosign v3 signs for `image`.
JsonValue CosignSignStatement(const ImageRef& image);

// VsaInput names one input attestation by a URI (its file name) and SHA-256 (hex).
struct VsaInput {
  std::string uri;
  std::string sha256;
};

// VsaParams carries the facts a verification summary records.
struct VsaParams {
  std::string verifier_id;     // this appliance, e.g. "https://signet.example/appliance@0.1.0+abc"
  Timestamp time_verified;
  std::string policy_uri;
  std::string policy_sha256;   // hex
  std::vector<VsaInput> inputs;
  std::vector<std::string> verified_levels;  // e.g. "SLSA_BUILD_LEVEL_3", from the policy
};

// VsaStatement returns an in-toto Statement v1 with a SLSA verification summary v1 predicate
// (https://slsa.dev/spec/v1.0/verification_summary) about `image`, result PASSED.
JsonValue VsaStatement(const ImageRef& image, const VsaParams& params);

// KeyHint returns base64(SHA-256(spki_der)), the key-based bundle's publicKey.hint.
std::string KeyHint(ByteView spki_der);

// BundleMaterial is what a bundle carries besides its key hint: transparency-log entries
// (rekor_v2.h TlogEntryJson) and RFC 3161 timestamps (DER TimeStampResp, as
// verificationMaterial.timestampVerificationData.rfc3161Timestamps[].signedTimestamp).
struct BundleMaterial {
  std::vector<JsonValue> tlog_entries;
  std::vector<Bytes> rfc3161_timestamps;
};

// DsseBundle returns a Sigstore bundle v0.3 (application/vnd.dev.sigstore.bundle.v0.3+json)
// holding a DSSE envelope over `payload` with one signature, key-based (publicKey.hint), with
// `material`'s log entries and timestamps (none by default; timestampVerificationData only when
// there is a timestamp). Rendered as pretty JSON.
std::string DsseBundle(std::string_view payload_type, ByteView payload, ByteView signature, ByteView spki_der,
                       const BundleMaterial& material = {});

}  // namespace signet::signer

#endif  // SIGNET_SIGNER_COSIGN_FORMATS_H_
