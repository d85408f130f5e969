// Stable finding codes of the provenance gate (signet gate, the signing path, verifierd).
//
// These strings are an interface: the decision JSON carries them, policies name them in
// `exceptions`, dashboards match on them. Never rename one; add a new code instead.
#ifndef SIGNET_POLICY_FINDINGS_H_
#define SIGNET_POLICY_FINDINGS_H_

#include <string_view>

namespace signet::policy::findings {

// kMutableReference: the subject is a tag or name, not a digest.
inline constexpr const char kMutableReference[] = "MUTABLE_REFERENCE";
// kSubjectMismatch: no subject of the provenance equals the digest being decided.
inline constexpr const char kSubjectMismatch[] = "SUBJECT_MISMATCH";
// kSignatureInvalid: the evidence's signature, certificate chain or log proof does not verify.
inline constexpr const char kSignatureInvalid[] = "SIGNATURE_INVALID";
// kUntrustedSigner: the evidence verifies, but under no key or identity the policy trusts.
inline constexpr const char kUntrustedSigner[] = "UNTRUSTED_SIGNER";
// kBuilderNotApproved: the builder (certificate identity, or key plus builder.id) is not approved,
// or the payload's builder.id disagrees with the certificate.
inline constexpr const char kBuilderNotApproved[] = "BUILDER_NOT_APPROVED";
// kRefNotAllowed: the builder's ref (after '@' in the SAN) or the source ref is not allowed.
inline constexpr const char kRefNotAllowed[] = "REF_NOT_ALLOWED";
// kSourceNotAllowed: the source repository (certificate or provenance) is not approved, or the
// two disagree.
inline constexpr const char kSourceNotAllowed[] = "SOURCE_NOT_ALLOWED";
// kBuildTypeNotAllowed: the provenance's buildType is not in the builder's list.
inline constexpr const char kBuildTypeNotAllowed[] = "BUILD_TYPE_NOT_ALLOWED";
// kPredicateTypeInvalid: payloadType, statement type or predicateType is not an accepted one.
inline constexpr const char kPredicateTypeInvalid[] = "PREDICATE_TYPE_INVALID";
// kProvenanceTooOld: the provenance's trusted time is older than max_age, or there is none.
inline constexpr const char kProvenanceTooOld[] = "PROVENANCE_TOO_OLD";
// kMissingAttestation: a required companion attestation is absent (or none verifies).
inline constexpr const char kMissingAttestation[] = "MISSING_ATTESTATION";
// kAttestationSubjectMismatch: a companion attestation is about another digest.
inline constexpr const char kAttestationSubjectMismatch[] = "ATTESTATION_SUBJECT_MISMATCH";
// kVulnSeverity: a scan reports a vulnerability above the allowed severity.
inline constexpr const char kVulnSeverity[] = "VULN_SEVERITY";
// kAttestationTooOld: a companion attestation's trusted time is older than its max_age.
inline constexpr const char kAttestationTooOld[] = "ATTESTATION_TOO_OLD";
// kExceptionExpired: a policy exception matched but has expired; it waives nothing.
inline constexpr const char kExceptionExpired[] = "EXCEPTION_EXPIRED";
// kImageNotAllowed: the name to sign (REPO of `REPO@sha256:D`) is neither the name of a subject
// of the accepted provenance whose digest is D nor matched by the policy's `images` globs.
inline constexpr const char kImageNotAllowed[] = "IMAGE_NOT_ALLOWED";
// kMalformedInput: an input could not be parsed strictly.
inline constexpr const char kMalformedInput[] = "MALFORMED_INPUT";

}  // namespace signet::policy::findings

#endif  // SIGNET_POLICY_FINDINGS_H_
