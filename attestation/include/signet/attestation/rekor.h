// Rekor transparency-log entry bodies and signed entry timestamps (SETs).
//
// Supported kinds (Rekor v1 types/ and Rekor v2 rekor-tiles protos):
//   hashedrekord 0.0.1 (v1) and 0.0.2 (v2), dsse 0.0.1 (v1) and 0.0.2 (v2), intoto 0.0.2 (v1).
// Trust decision: a body is data the log signed (via the SET or the Merkle proof); it binds an
// entry to a bundle only when every field that identifies the signed content — signature bytes,
// signing key or certificate, artifact digest, DSSE payload hash / PAE digest — matches the
// bundle exactly. The checks are in MatchRekorBody; nothing is inferred from absent fields.
#ifndef SIGNET_ATTESTATION_REKOR_H_
#define SIGNET_ATTESTATION_REKOR_H_

#include <optional>
#include <string>
#include <vector>

#include "signet/attestation/bundle.h"
#include "signet/attestation/dsse.h"
#include "signet/attestation/trusted_root.h"
#include "signet/core/bytes.h"
#include "signet/core/result.h"

namespace signet::attestation {

// RekorVerifier is the key material a body names: a DER certificate or a DER SPKI.
struct RekorVerifier {
  bool is_certificate = false;
  Bytes der;
};

// RekorSignature is one signature recorded in a body.
struct RekorSignature {
  Bytes signature;
  RekorVerifier verifier;
};

// RekorBody is a parsed canonicalized body.
struct RekorBody {
  std::string kind;
  std::string api_version;
  // hashedrekord: the signed data's digest (artifact digest, or SHA-256(PAE) for DSSE in v0.0.2).
  std::optional<MessageDigest> data_digest;
  // dsse / intoto: the digest of the DSSE payload.
  std::optional<MessageDigest> payload_hash;
  std::vector<RekorSignature> signatures;
  // intoto 0.0.2: the logged payloadType, and the payload when the log kept it.
  std::optional<std::string> payload_type;
  std::optional<Bytes> payload;
};

// ParseRekorBody parses `body` (the decoded canonicalizedBody) for the kinds above. Fails
// VerificationFailed("TLOG_BODY_MISMATCH") for an unknown kind/version or a malformed body:
// either way the entry cannot vouch for the bundle.
Result<RekorBody> ParseRekorBody(ByteView body);

// SignedContent is what the bundle claims was logged.
struct SignedContent {
  // Exactly one of these is set.
  const MessageSignature* message = nullptr;  // with the artifact's digest below
  const DsseEnvelope* envelope = nullptr;
  // The artifact's SHA-256 (message signatures only).
  Bytes artifact_sha256;
  // The signer: the leaf certificate DER, or the pinned key's SPKI DER.
  bool signer_is_certificate = false;
  Bytes signer_der;
};

// MatchRekorBody checks that `entry` records exactly `content`.
// Steps:
//   1. Parse the body; its kind and apiVersion must equal the entry's kindVersion.
//   2. hashedrekord: signature bytes equal; verifier equals the signer; digest equals the
//      artifact's SHA-256 (message) or SHA-256(PAE) (DSSE, 0.0.2 only).
//   3. dsse / intoto: payload hash equals SHA-256(payload); the logged signature set equals the
//      envelope's (same count, each signature byte-identical with the signer as verifier);
//      intoto also matches payloadType and any logged payload.
// Fails VerificationFailed("TLOG_BODY_MISMATCH", ...).
Status MatchRekorBody(const TlogEntry& entry, const SignedContent& content);

// SetPayload returns the canonical JSON the SET signs:
// {"body":<base64 body>,"integratedTime":<n>,"logID":"<hex log id>","logIndex":<n>}.
// Fails VerificationFailed("SET_INVALID") when the entry has no integrated time.
Result<std::string> SetPayload(const TlogEntry& entry);

// VerifySet verifies the entry's signed entry timestamp with `log`'s key (ECDSA over SHA-256
// of SetPayload). Fails VerificationFailed("SET_INVALID", ...) when absent or invalid.
Status VerifySet(const TlogEntry& entry, const TransparencyLog& log);

}  // namespace signet::attestation

#endif  // SIGNET_ATTESTATION_REKOR_H_
