// Offline verification of Sigstore bundles against a pinned trusted root.
//
// Trust decision (see attestation/ARCHITECTURE.md for the full model): a bundle is accepted only
// when (a) its signature verifies with either the caller's pinned key or a Fulcio certificate
// that chains to a pinned CA at a verified signing time and carries a valid SCT, (b) at least
// one transparency-log entry from a pinned log records exactly this signature and is proven by
// a SET and/or a Merkle inclusion proof under a signed checkpoint, (c) every time used comes
// from a verified SET or RFC 3161 timestamp, lies in every window it must and is not in the
// future, and (d) the signed content is the caller's artifact and the certificate names the
// caller's identity. The result type can only be made by VerifyBundle.
#ifndef SIGNET_ATTESTATION_VERIFIER_H_
#define SIGNET_ATTESTATION_VERIFIER_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "signet/attestation/bundle.h"
#include "signet/attestation/dsse.h"
#include "signet/attestation/fulcio_identity.h"
#include "signet/attestation/intoto.h"
#include "signet/core/public_key.h"
#include "signet/attestation/trusted_root.h"
#include "signet/core/bytes.h"
#include "signet/core/json.h"
#include "signet/core/result.h"
#include "signet/core/time.h"

namespace signet::attestation {

// Artifact is what the caller says was signed: its bytes (when available) and its SHA-256.
struct Artifact {
  std::optional<Bytes> data;
  Bytes sha256;
  // FromBytes hashes `data`. Cannot fail.
  static Artifact FromBytes(Bytes data);
  // FromDigestString parses "sha256:<64 lowercase hex>". Fails kInvalidArgument.
  static Result<Artifact> FromDigestString(std::string_view text);
};

// CertificateIdentity is the expected Fulcio identity: SAN and OIDC issuer, compared exactly.
struct CertificateIdentity {
  std::string san;
  std::string issuer;
};

// VerificationPolicy says whom the caller trusts: exactly one of `identity` (keyless) or `key`
// (a managed key; the bundle's publicKey hint is never consulted).
struct VerificationPolicy {
  std::optional<CertificateIdentity> identity;
  std::optional<PublicKey> key;
};

// VerifiedTime is one verified signing time and where it came from ("tlog-set", "rfc3161").
struct VerifiedTime {
  std::string source;
  Timestamp time;
};

// VerifiedBundle is the result of a successful verification. Only VerifyBundle makes one.
class VerifiedBundle {
 public:
  BundleVersion version() const { return version_; }
  // identity is the verified Fulcio identity (keyless bundles only).
  const std::optional<FulcioIdentity>& identity() const { return identity_; }
  // key_spki is the SPKI DER of the key that verified the signature.
  const Bytes& key_spki() const { return key_spki_; }
  const std::vector<VerifiedTime>& times() const { return times_; }
  // checks lists the checks performed, in order, as stable names.
  const std::vector<std::string>& checks() const { return checks_; }
  // envelope / statement are set for DSSE bundles (statement only for in-toto payloads).
  const std::optional<VerifiedEnvelope>& envelope() const { return envelope_; }
  const std::optional<Statement>& statement() const { return statement_; }
  // ToJson renders the verified record for `verify-bundle --json`.
  JsonValue ToJson() const;

 private:
  friend class BundleVerification;
  VerifiedBundle() = default;
  BundleVersion version_ = BundleVersion::kV03;
  std::optional<FulcioIdentity> identity_;
  Bytes key_spki_;
  std::vector<VerifiedTime> times_;
  std::vector<std::string> checks_;
  std::optional<VerifiedEnvelope> envelope_;
  std::optional<Statement> statement_;
};

// VerifyBundle verifies `bundle` offline. Steps (numbered the same in the implementation):
//   1. Policy vs material: a key policy needs publicKey material, an identity policy a
//      certificate; a certificate chain in the bundle must not contain a self-signed root.
//   2. Transparency log: at least one entry; each from a pinned log, its body matching the
//      signature/key/artifact/envelope, its SET verified when present (required for v0.1),
//      its inclusion proof verified against a signed checkpoint (required for v0.2+).
//   3. RFC 3161 timestamps: every one present must verify against a pinned TSA.
//   4. Verified times: at least one; none in the future; each inside its log's window.
//   5. Certificate (keyless): at every verified time the leaf is valid and chains to a pinned
//      CA whose window contains that time; code-signing leaf, not a CA.
//   6. SCT (keyless): at least one valid embedded SCT from a pinned CT log.
//   7. Signature: over the artifact (message) or PAE (DSSE), with the leaf's or pinned key.
//   8. Content: messageDigest equals the artifact digest; an in-toto subject matches it.
//   9. Identity (keyless): SAN and issuer equal the policy's, exactly.
// Fails VerificationFailed(<finding>, ...) with a finding from findings.h; kInvalidArgument
// for an unusable policy or artifact.
Result<VerifiedBundle> VerifyBundle(const Bundle& bundle, const TrustedRoot& root,
                                    const VerificationPolicy& policy, const Artifact& artifact,
                                    const Clock& clock);

}  // namespace signet::attestation

#endif  // SIGNET_ATTESTATION_VERIFIER_H_
