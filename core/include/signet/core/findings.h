// The one registry of finding codes (issue 13 Part 1).
//
// A finding code is the stable, machine-readable reason carried by a refusal (Error::finding()),
// a gate decision, a TPM attestation result, a policy lint, an audit record and a verifierd
// chain link. These strings are an interface: the CLI prints them, `--json` and the daemons'
// responses carry them, policies name them in `exceptions`, dashboards and admission logs match
// on them. Never rename or reuse one; add a new code instead.
//
// Every code is declared here once, with its constant, its string and a one-line meaning. Code
// that emits a finding uses the constant; tests/unit/core/findings_test.cc checks that every
// quoted code literal in the source tree is registered, that codes are unique, and their format:
// UPPER_SNAKE_CASE, or CONT-PROV-UPPER-KEBAB for verifierd's evidence-chain links.
#ifndef SIGNET_CORE_FINDINGS_H_
#define SIGNET_CORE_FINDINGS_H_

#include <string_view>

namespace signet::findings {

// SIGNET_FINDINGS(X) lists every finding as X(constant, "CODE", "meaning"). It expands once into
// the constants below and once into kRegistry, so the two cannot drift apart.
#define SIGNET_FINDINGS(X)                                                                                           \
  /* Inputs and algorithms (every parser and verifier). */                                                          \
  X(kMalformedInput, "MALFORMED_INPUT", "an input could not be parsed strictly (JSON, base64, DER, field types)")    \
  X(kUnsupported, "UNSUPPORTED", "well-formed, but a version, kind or algorithm outside the allow-list")             \
  X(kSignatureInvalid, "SIGNATURE_INVALID",                                                                          \
    "a signature (artifact, envelope, evidence, certificate chain or log proof) does not verify with the trusted key") \
  /* Sigstore bundles, DSSE, transparency logs, timestamps (attestation/). */                                       \
  X(kTrustedRootInvalid, "TRUSTED_ROOT_INVALID", "the pinned trusted root itself is malformed")                      \
  X(kThresholdNotMet, "THRESHOLD_NOT_MET", "fewer distinct trusted keys verified a DSSE envelope than required")     \
  X(kKeyMismatch, "KEY_MISMATCH", "the bundle's key material is not the key the caller pinned")                      \
  X(kCertChainInvalid, "CERT_CHAIN_INVALID",                                                                         \
    "the signing certificate does not chain to a trusted CA at signing time, or a forbidden chain was carried")      \
  X(kCertExpiredAtSigning, "CERT_EXPIRED_AT_SIGNING", "the signing time lies outside the certificate's validity")    \
  X(kSctInvalid, "SCT_INVALID", "no valid embedded SCT from a trusted CT log")                                       \
  X(kTlogEntryInvalid, "TLOG_ENTRY_INVALID", "a transparency log entry is missing, from an unknown log or inconsistent") \
  X(kTlogBodyMismatch, "TLOG_BODY_MISMATCH",                                                                         \
    "the logged body does not match the bundle's signature, key, digest or envelope")                               \
  X(kSetInvalid, "SET_INVALID", "the signed entry timestamp (inclusion promise) does not verify")                    \
  X(kInclusionProofInvalid, "INCLUSION_PROOF_INVALID", "the Merkle audit path does not lead to the checkpoint's root") \
  X(kCheckpointInvalid, "CHECKPOINT_INVALID", "the signed checkpoint does not verify or does not match the proof")    \
  X(kTimestampInvalid, "TIMESTAMP_INVALID", "an RFC 3161 timestamp does not verify against a trusted TSA")           \
  X(kNoVerifiedTime, "NO_VERIFIED_TIME", "no transparency-log or TSA time could be verified for the signature")      \
  X(kTimeInFuture, "TIME_IN_FUTURE", "a verified signing time lies in the future")                                   \
  X(kIdentityMismatch, "IDENTITY_MISMATCH", "the certificate's SAN or OIDC issuer is not the expected one")           \
  X(kArtifactMismatch, "ARTIFACT_MISMATCH", "the artifact (or its digest) is not what the bundle signs")             \
  X(kStatementInvalid, "STATEMENT_INVALID", "the verified DSSE payload is not an acceptable in-toto Statement")       \
  X(kPayloadTypeMismatch, "PAYLOAD_TYPE_MISMATCH", "the DSSE payloadType is not the one the caller requires")         \
  /* The provenance gate (policy/). */                                                                              \
  X(kMutableReference, "MUTABLE_REFERENCE", "the subject is a tag or name, not a digest")                            \
  X(kSubjectMismatch, "SUBJECT_MISMATCH", "no subject of the provenance equals the digest being decided")            \
  X(kUntrustedSigner, "UNTRUSTED_SIGNER", "the evidence verifies, but under no key or identity the policy trusts")    \
  X(kBuilderNotApproved, "BUILDER_NOT_APPROVED",                                                                     \
    "the builder is not approved, or the payload's builder.id disagrees with the certificate")                      \
  X(kRefNotAllowed, "REF_NOT_ALLOWED", "the builder's ref or the source ref is not allowed")                          \
  X(kSourceNotAllowed, "SOURCE_NOT_ALLOWED",                                                                         \
    "the source repository is not approved, or the certificate and the provenance disagree on it")                  \
  X(kBuildTypeNotAllowed, "BUILD_TYPE_NOT_ALLOWED", "the provenance's buildType is not in the builder's list")        \
  X(kPredicateTypeInvalid, "PREDICATE_TYPE_INVALID",                                                                 \
    "payloadType, statement type or predicateType is not an accepted one")                                          \
  X(kProvenanceTooOld, "PROVENANCE_TOO_OLD", "the provenance's trusted time is older than max_age, or there is none") \
  X(kMissingAttestation, "MISSING_ATTESTATION", "a required companion attestation is absent (or none verifies)")     \
  X(kAttestationSubjectMismatch, "ATTESTATION_SUBJECT_MISMATCH", "a companion attestation is about another digest")  \
  X(kVulnSeverity, "VULN_SEVERITY", "a scan reports a vulnerability above the allowed severity")                     \
  X(kAttestationTooOld, "ATTESTATION_TOO_OLD", "a companion attestation's trusted time is older than its max_age")    \
  X(kExceptionExpired, "EXCEPTION_EXPIRED", "a policy exception matched but has expired; it waives nothing")          \
  X(kImageNotAllowed, "IMAGE_NOT_ALLOWED",                                                                           \
    "the name to sign is neither a subject name of the accepted provenance nor matched by the policy's images")     \
  /* Policy lint (signet policy lint). */                                                                           \
  X(kEmptyAllowList, "EMPTY_ALLOW_LIST", "lint: an allow-list is empty, so nothing can pass")                         \
  X(kUnanchoredPattern, "UNANCHORED_PATTERN", "lint: a pattern uses syntax other than anchored globs (* and ? only)")         \
  X(kUnanchoredIdentity, "UNANCHORED_IDENTITY", "lint: a keyless identity, issuer or source repository is not one exact URI")     \
  X(kKeylessWithoutRefs, "KEYLESS_WITHOUT_REFS", "lint: a keyless builder lists no refs, so it approves none")                          \
  X(kCertificateSourceOptional, "CERTIFICATE_SOURCE_OPTIONAL",                                                       \
    "lint: a keyless builder does not require the certificate's source repository")                                 \
  X(kNoMaxAge, "NO_MAX_AGE", "lint: provenance or an attestation of any age is accepted")                            \
  X(kNoSourceRefs, "NO_SOURCE_REFS", "lint: no source ref is constrained")                                           \
  X(kNoSourceIds, "NO_SOURCE_IDS", "lint: a source pins no repository_id and owner_id")                                        \
  X(kNoBuildTypes, "NO_BUILD_TYPES", "lint: a builder accepts any buildType")                                        \
  X(kDelegatorWithoutBuilderIds, "DELEGATOR_WITHOUT_BUILDER_IDS", "lint: a delegator builder lists no delegated builder_ids")  \
  X(kExceptionNoOwner, "EXCEPTION_NO_OWNER", "lint: a policy exception names no owner")                              \
  X(kExceptionNoExpiry, "EXCEPTION_NO_EXPIRY", "lint: a policy exception has no expiry")                             \
  /* Signing (signer/): codes of a `failed` audit record. */                                                        \
  X(kDeviceError, "DEVICE_ERROR", "the signing device did not sign")                                                 \
  /* TPM attestation evidence (attestation/tpm_evidence.h). */                                                      \
  X(kEkChainUntrusted, "EK_CHAIN_UNTRUSTED", "the EK certificate does not chain to a trusted EK root")               \
  X(kEkEkuInvalid, "EK_EKU_INVALID", "the EK certificate lacks the TCG EK certificate extended key usage")            \
  X(kEkNotEnrolledEk, "EK_NOT_ENROLLMENT_EK", "the EK certificate is not the EK the verifier enrolled")               \
  X(kEkCertMismatch, "EK_CERT_MISMATCH", "the EK the TPM recreates from the TCG template is not the certified EK")    \
  X(kAkNotEnrolled, "AK_NOT_ENROLLED", "the AK is not the one the verifier's own enrollment activated")               \
  X(kAkPublicMalformed, "AK_PUBLIC_MALFORMED", "the AK public area is malformed or outside the key allow-list")      \
  X(kAkAttributesInvalid, "AK_ATTRIBUTES_INVALID", "the AK is not a fixed, restricted, TPM-generated signing key")    \
  X(kSignatureMalformed, "SIGNATURE_MALFORMED", "the quote's TPMT_SIGNATURE is malformed")                            \
  X(kSignatureAlgorithmNotAllowed, "SIGNATURE_ALGORITHM_NOT_ALLOWED",                                                \
    "the quote's signature algorithm does not fit the AK or the allow-list")                                        \
  X(kQuoteSignatureInvalid, "QUOTE_SIGNATURE_INVALID", "the quote signature does not verify with the AK")             \
  X(kAttestMalformed, "ATTEST_MALFORMED", "the TPMS_ATTEST structure is malformed")                                  \
  X(kAttestMagicInvalid, "ATTEST_MAGIC_INVALID", "the TPMS_ATTEST was not generated by a TPM (TPM_GENERATED_VALUE)")   \
  X(kAttestTypeInvalid, "ATTEST_TYPE_INVALID", "the TPMS_ATTEST is not a quote")                                     \
  X(kNonceMismatch, "NONCE_MISMATCH", "the quote is not over this verifier's fresh nonce")                           \
  X(kChannelBindingMismatch, "CHANNEL_BINDING_MISMATCH", "the quote is not bound to the expected channel")            \
  X(kExtraDataMismatch, "EXTRA_DATA_MISMATCH", "the quote's qualifying data is not the expected one")                 \
  X(kPcrSelectionMismatch, "PCR_SELECTION_MISMATCH", "the quote covers other PCRs than required")                     \
  X(kPcrResettable, "PCR_RESETTABLE", "the quote relies on a PCR that can be reset at locality 0")                   \
  X(kEventLogMalformed, "EVENT_LOG_MALFORMED", "the event log is malformed")                                         \
  X(kEventLogSequenceInvalid, "EVENT_LOG_SEQUENCE_INVALID", "the event log's sequence numbers are not consecutive")    \
  X(kEventPcrNotQuoted, "EVENT_PCR_NOT_QUOTED", "an event extends a PCR the quote does not cover")                    \
  X(kEventLogReplayMismatch, "EVENT_LOG_REPLAY_MISMATCH", "replaying the event log does not give the quoted PCRs")    \
  X(kEventKindUnknown, "EVENT_KIND_UNKNOWN", "an event of an unknown kind")                                          \
  X(kEventAfterSeparator, "EVENT_AFTER_SEPARATOR", "a measured event follows the separator")                         \
  X(kSeparatorMissing, "SEPARATOR_MISSING", "the event log has no separator")                                         \
  X(kReferenceDigestMismatch, "REFERENCE_DIGEST_MISMATCH", "a measured digest is not the reference value")            \
  X(kReferenceMissing, "REFERENCE_MISSING", "a required reference measurement is absent")                            \
  X(kReferencePathMismatch, "REFERENCE_PATH_MISMATCH", "a measured path is not the reference path")                  \
  /* Batched attestation (attestation/attest_batch.h, issue 14). */                                                  \
  X(kBatchRootNotQuoted, "BATCH_ROOT_NOT_QUOTED", "the quote's qualifying data does not commit to the batch root")    \
  X(kBatchProofInvalid, "BATCH_PROOF_INVALID", "the batch inclusion proof is malformed or for another leaf")          \
  X(kBatchNonceNotInTree, "BATCH_NONCE_NOT_IN_TREE", "this client's nonce is not in the quoted batch")                \
  /* TPM enrollment (attestation/tpm_enrollment.h). */                                                              \
  X(kEnrollmentResponseMismatch, "ENROLLMENT_RESPONSE_MISMATCH", "the enrollment response is not for this challenge") \
  X(kCredentialActivationFailed, "CREDENTIAL_ACTIVATION_FAILED", "the TPM did not recover the credential's secret")   \
  /* Policy lint (policy/policy.h LintPolicy). */                                                                     \
  X(kAcceptVsaWithoutReleaseSigners, "ACCEPT_VSA_WITHOUT_RELEASE_SIGNERS", "accept_vsa is set but the policy lists no release_signers") \
  /* OCI registries (registry/registry.h). */                                                                        \
  X(kRegistryDigestMismatch, "REGISTRY_DIGEST_MISMATCH", "a registry served content that does not match its digest") \
  X(kRegistryEvidenceUnavailable, "REGISTRY_EVIDENCE_UNAVAILABLE",                                                  \
    "verifierd could not read the image's evidence from its registry (unreachable, refused, not found): denied")    \
  /* Daemon API errors (service/http.h, verifierd): the code of an error response body. */                            \
  X(kBodyTooLarge, "BODY_TOO_LARGE", "the request body exceeds limits.max_body (413)")                                \
  X(kHeaderTooLarge, "HEADER_TOO_LARGE", "the request header exceeds limits.max_header (431)")                        \
  X(kMethodNotAllowed, "METHOD_NOT_ALLOWED", "the route exists but not for this method (405)")                        \
  X(kUnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE", "the request content type is not the route's (415)")             \
  X(kNotReady, "NOT_READY", "the daemon has not loaded what the route needs (503)")                                   \
  X(kMalformedRequest, "MALFORMED_REQUEST", "the request body is not a valid message for the route (400)")            \
  X(kMalformedEvidence, "MALFORMED_EVIDENCE", "a piece of evidence in the request cannot be decoded (400)")           \
  X(kUnknownPolicy, "UNKNOWN_POLICY", "the request names a policy the daemon does not serve (400)")                   \
  X(kUnsupportedKind, "UNSUPPORTED_KIND", "the admission review carries an object kind verifierd does not check")     \
  /* verifierd evidence chain: one code per link of chain[] (issue 13 Part 2). */                                   \
  X(kContProvMutableTag, "CONT-PROV-MUTABLE-TAG", "the deployed reference is not pinned by digest")                  \
  X(kContProvSignatureDigestMismatch, "CONT-PROV-SIGNATURE-DIGEST-MISMATCH",                                         \
    "no trusted signature covers the deployed digest")                                                              \
  X(kContProvWeakSignerIdentity, "CONT-PROV-WEAK-SIGNER-IDENTITY",                                                   \
    "the signature verifies, but its signer identity is not one the policy trusts")                                 \
  X(kContProvSignatureMissing, "CONT-PROV-SIGNATURE-MISSING", "no signature over the deployed digest was found")     \
  X(kContProvBuilderNotApproved, "CONT-PROV-BUILDER-NOT-APPROVED", "the provenance does not come from an approved builder") \
  X(kContProvProvenanceMissing, "CONT-PROV-PROVENANCE-MISSING", "no provenance for the deployed digest was found")   \
  X(kContProvSbomDigestMismatch, "CONT-PROV-SBOM-DIGEST-MISMATCH", "the SBOM is about another digest")               \
  X(kContProvSbomMissing, "CONT-PROV-SBOM-MISSING", "no SBOM for the deployed digest was found")                     \
  X(kContProvScanMissing, "CONT-PROV-SCAN-MISSING", "no vulnerability scan for the deployed digest was found")       \
  X(kContProvScanFailing, "CONT-PROV-SCAN-FAILING", "the vulnerability scan reports findings above the allowed severity") \
  X(kContProvStaleException, "CONT-PROV-STALE-EXCEPTION", "an exception the decision relies on has expired or lacks an owner or expiry") \
  /* signerd (issue 15): its API error codes and the deny record of an image outside a caller's images. */          \
  X(kCallerNotListed, "CALLER_NOT_LISTED", "the client certificate matches no caller in signerd's config (403)")   \
  X(kCallerImageNotAllowed, "CALLER_IMAGE_NOT_ALLOWED", "the image is outside the caller's images in signerd's config (403)") \
  X(kRateLimited, "RATE_LIMITED", "the caller exceeded limits.requests_per_minute_per_caller (429)")              \
  X(kTokenUnavailable, "TOKEN_UNAVAILABLE", "the signing token is unavailable; retry after Retry-After (503)")      \
  X(kSigningFailed, "SIGNING_FAILED", "the device's signature did not verify; a failed record was logged (500)")      \
  /* Transparency log (translog/, attestation/merkle.h consistency, issue 16). */                                    \
  X(kConsistencyProofInvalid, "CONSISTENCY_PROOF_INVALID", "the consistency proof does not link the older tree to the newer one") \
  X(kTlogTilesInvalid, "TLOG_TILES_INVALID", "a stored tile or entry bundle disagrees with the tree recomputed from the entries") \
  X(kTlogRollback, "TLOG_ROLLBACK", "a checkpoint is smaller than one already seen (the log was rolled back)")       \
  X(kCosignatureInvalid, "COSIGNATURE_INVALID", "a tlog-cosignature/v1 line does not verify with the witness key") \
  /* Timestamp authority (tsa/, issue 16 part 3). */                                                                 \
  X(kTsaClockUnsynchronized, "TSA_CLOCK_UNSYNCHRONIZED", "the TSA refuses to stamp while the system clock is not synchronised") \
  X(kTsaUnavailable, "TSA_UNAVAILABLE", "the state directory has no timestamp authority configured (signerd /v1/timestamp)") \
  /* Key custody: keyrings, revocation lists, ceremony transcripts, shares (custody/, issue 17). */                  \
  X(kKeyringQuorumNotMet, "KEYRING_QUORUM_NOT_MET",                                                                 \
    "fewer distinct custodians than the threshold validly signed a keyring, revocation list or policy")             \
  X(kKeyringChainBroken, "KEYRING_CHAIN_BROKEN",                                                                    \
    "a keyring version is not the next version endorsed by a quorum of the previous one, or not the pinned chain")  \
  X(kKeyringKeyUnknown, "KEYRING_KEY_UNKNOWN", "the signing key is not in the keyring for this purpose")              \
  X(kKeyOutsideValidity, "KEY_OUTSIDE_VALIDITY",                                                                    \
    "the signing time lies outside the key version's window, or there is no trusted time and the key is not active") \
  X(kKeyRevoked, "KEY_REVOKED", "the key was revoked at or before the signature's trusted time (or there is none)")  \
  X(kRevocationListStale, "REVOCATION_LIST_STALE", "the revocation list is past its next_update: fail closed")        \
  X(kTranscriptChainBroken, "TRANSCRIPT_CHAIN_BROKEN", "a ceremony transcript line does not chain to the one before")  \
  X(kPolicyNotApproved, "POLICY_NOT_APPROVED", "the policy file lacks a quorum of custodian approvals")               \
  X(kShareInvalid, "SHARE_INVALID", "a custodian share file does not authenticate (tampered, malformed or another key's)") \
  /* Faults (issue 19 part 6): the log's storage, the clock. */                                                     \
  X(kLogUnavailable, "LOG_UNAVAILABLE", "the audit or transparency log cannot be written (disk full, I/O error); nothing released (503)") \
  X(kClockSteppedBack, "CLOCK_STEPPED_BACK", "the clock is behind a time already issued (TSA token or log record); refused until it catches up") \
  /* signet audit (audit/, issue 18 part 4): the auditor's report. */                                               \
  X(kContProvRenderedDrift, "CONT-PROV-RENDERED-DRIFT", "the rendered manifest pins another digest than the one running") \
  X(kContProvAuditOnlyAdmission, "CONT-PROV-AUDIT-ONLY-ADMISSION", "verifierd only warns in this namespace (audit mode)") \
  X(kContProvAdmissionNotConfigured, "CONT-PROV-ADMISSION-NOT-CONFIGURED", "no validating webhook sends reviews to verifierd") \
  X(kContProvAdmissionFailOpen, "CONT-PROV-ADMISSION-FAIL-OPEN", "a verifierd webhook has failurePolicy Ignore")     \
  X(kContProvNamespaceNotCovered, "CONT-PROV-NAMESPACE-NOT-COVERED", "no verifierd webhook selects the namespace or pod creation") \
  X(kContProvUnsignedAdmitted, "CONT-PROV-UNSIGNED-ADMITTED", "verifierd admitted the unsigned probe image in a production namespace") \
  X(kContProvRunningDigestUnknown, "CONT-PROV-RUNNING-DIGEST-UNKNOWN", "no container reports the running image's digest") \
  X(kContProvPolicyMismatch, "CONT-PROV-POLICY-MISMATCH", "verifierd decided under another policy than the auditor's")  \
  X(kContProvProductionNotSampled, "CONT-PROV-PRODUCTION-NOT-SAMPLED", "a production namespace runs nothing, or none is named") \
  X(kContProvSigningNotLogged, "CONT-PROV-SIGNING-NOT-LOGGED",                                                       \
    "verifierd allowed an image the appliance's log holds no signing record for")

#define SIGNET_FINDING_CONSTANT(name, code, meaning) inline constexpr const char name[] = code;
SIGNET_FINDINGS(SIGNET_FINDING_CONSTANT)
#undef SIGNET_FINDING_CONSTANT

// Finding is one registry entry.
struct Finding {
  std::string_view code;
  std::string_view meaning;
};

// kRegistry lists every finding code with its meaning, in the order above.
inline constexpr Finding kRegistry[] = {
#define SIGNET_FINDING_ENTRY(name, code, meaning) Finding{code, meaning},
    SIGNET_FINDINGS(SIGNET_FINDING_ENTRY)
#undef SIGNET_FINDING_ENTRY
};

// IsRegisteredFinding is true iff `code` is exactly one of kRegistry's codes.
constexpr bool IsRegisteredFinding(std::string_view code) {
  for (const Finding& f : kRegistry) {
    if (f.code == code) return true;
  }
  return false;
}

// Meaning returns the registered one-line meaning of `code`, or "" if it is not registered.
constexpr std::string_view Meaning(std::string_view code) {
  for (const Finding& f : kRegistry) {
    if (f.code == code) return f.meaning;
  }
  return {};
}

}  // namespace signet::findings

#endif  // SIGNET_CORE_FINDINGS_H_
