// Stable finding codes carried by every attestation refusal (Error::finding()).
//
// These strings are an interface: the CLI prints them, `--json` reports them, policies and
// dashboards match on them. Never rename one; add a new code instead.
#ifndef SIGNET_ATTESTATION_FINDINGS_H_
#define SIGNET_ATTESTATION_FINDINGS_H_

namespace signet::attestation::findings {

// kMalformedInput: the input could not be parsed strictly (JSON, base64, DER, field types).
inline constexpr const char kMalformedInput[] = "MALFORMED_INPUT";
// kUnsupported: well-formed but a version, kind or algorithm we do not verify.
inline constexpr const char kUnsupported[] = "UNSUPPORTED";
// kTrustedRootInvalid: the pinned trusted root itself is malformed (e.g. a validity without start).
inline constexpr const char kTrustedRootInvalid[] = "TRUSTED_ROOT_INVALID";
// kSignatureInvalid: an artifact or envelope signature does not verify with the trusted key.
inline constexpr const char kSignatureInvalid[] = "SIGNATURE_INVALID";
// kThresholdNotMet: fewer distinct trusted keys verified a DSSE envelope than required.
inline constexpr const char kThresholdNotMet[] = "THRESHOLD_NOT_MET";
// kKeyMismatch: the bundle's key material is not the key the caller pinned.
inline constexpr const char kKeyMismatch[] = "KEY_MISMATCH";
// kCertChainInvalid: the signing certificate does not chain to a trusted CA at signing time,
// or the bundle carries a chain it must not (a root, an empty chain).
inline constexpr const char kCertChainInvalid[] = "CERT_CHAIN_INVALID";
// kCertExpiredAtSigning: the signing time lies outside the certificate's validity.
inline constexpr const char kCertExpiredAtSigning[] = "CERT_EXPIRED_AT_SIGNING";
// kSctInvalid: no valid embedded SCT from a trusted CT log.
inline constexpr const char kSctInvalid[] = "SCT_INVALID";
// kTlogEntryInvalid: a transparency log entry is missing, from an unknown log or inconsistent.
inline constexpr const char kTlogEntryInvalid[] = "TLOG_ENTRY_INVALID";
// kTlogBodyMismatch: the logged body does not match the bundle's signature, key, digest or envelope.
inline constexpr const char kTlogBodyMismatch[] = "TLOG_BODY_MISMATCH";
// kSetInvalid: the signed entry timestamp (inclusion promise) does not verify.
inline constexpr const char kSetInvalid[] = "SET_INVALID";
// kInclusionProofInvalid: the Merkle audit path does not lead to the checkpoint's root.
inline constexpr const char kInclusionProofInvalid[] = "INCLUSION_PROOF_INVALID";
// kCheckpointInvalid: the signed checkpoint does not verify or does not match the proof.
inline constexpr const char kCheckpointInvalid[] = "CHECKPOINT_INVALID";
// kTimestampInvalid: an RFC 3161 timestamp does not verify against a trusted TSA.
inline constexpr const char kTimestampInvalid[] = "TIMESTAMP_INVALID";
// kNoVerifiedTime: no transparency-log or TSA time could be verified for the signature.
inline constexpr const char kNoVerifiedTime[] = "NO_VERIFIED_TIME";
// kTimeInFuture: a verified signing time lies in the future.
inline constexpr const char kTimeInFuture[] = "TIME_IN_FUTURE";
// kIdentityMismatch: the certificate's SAN or OIDC issuer is not the expected one.
inline constexpr const char kIdentityMismatch[] = "IDENTITY_MISMATCH";
// kArtifactMismatch: the artifact (or its digest) is not what the bundle signs.
inline constexpr const char kArtifactMismatch[] = "ARTIFACT_MISMATCH";
// kStatementInvalid: the verified DSSE payload is not an acceptable in-toto Statement.
inline constexpr const char kStatementInvalid[] = "STATEMENT_INVALID";
// kPayloadTypeMismatch: the DSSE payloadType is not the one the caller requires.
inline constexpr const char kPayloadTypeMismatch[] = "PAYLOAD_TYPE_MISMATCH";

}  // namespace signet::attestation::findings

#endif  // SIGNET_ATTESTATION_FINDINGS_H_
