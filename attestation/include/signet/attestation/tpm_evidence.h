// TPM attestation evidence and its pure verifier (no TPM, no TSS library).
//
// Evidence is what `signet attest quote` emits and a client checks with a fresh nonce:
//
//   {"version":"signet-tpm-evidence-v1",
//    "attest":"<b64 TPM2B_ATTEST>", "signature":"<b64 TPMT_SIGNATURE>",
//    "ak_public":"<b64 TPM2B_PUBLIC>", "ek_certificate":"<b64 DER>", "ek_chain":["<b64 DER>"...],
//    "enrollment":{...EnrollmentRecord...},            (optional, informational: never trusted)
//    "event_log":{...see event_log.h...},
//    "nonce":"<hex>", "channel_binding":"<hex>",        (what the attester says it was asked)
//    "tpm":{"manufacturer":"IBM","firmware_version":N},
//    "batch_root":"<hex>"}                              (optional: marks a batch quote)
//
// The quote's qualifying data is SHA-256("signet-attest-v1" || nonce || channel_binding) with a
// 32-byte nonce and an empty or 32-byte channel binding (fixed sizes keep the concatenation
// unambiguous; the result fits TPM2B_DATA's 64-byte limit).
//
// A batch quote (attest_batch.h) carries "batch_root": its qualifying data is
// SHA-256("signet-attest-batch-v1" || batch_root), and the client's nonce and channel binding
// reach it through an inclusion proof that travels beside the evidence (TpmVerifyOptions::batch).
#ifndef SIGNET_ATTESTATION_TPM_EVIDENCE_H_
#define SIGNET_ATTESTATION_TPM_EVIDENCE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "signet/attestation/attest_batch.h"
#include "signet/attestation/event_log.h"
#include "signet/attestation/reference_values.h"
#include "signet/core/bytes.h"
#include "signet/core/findings.h"
#include "signet/core/json.h"
#include "signet/core/result.h"

namespace signet::attestation {

// kTpmEvidenceVersion is the "version" member of an evidence document.
inline constexpr const char kTpmEvidenceVersion[] = "signet-tpm-evidence-v1";
// kQualifyingDataDomain separates Signet's quotes from any other use of the AK.
inline constexpr const char kQualifyingDataDomain[] = "signet-attest-v1";

// Finding codes of VerifyTpmEvidence are in core/findings.h (the TPM attestation evidence group).

// EnrollmentRecord says which AK (by Name) was activated against which EK (by SHA-256 of the
// EK certificate's SubjectPublicKeyInfo). The verifier trusts only the record that its own
// challenge/accept round trip produced (tpm_enrollment.h); the copy `signet attest enroll`
// writes into ak.json, and any copy carried in evidence, only say what the appliance claims.
struct EnrollmentRecord {
  std::string method = "tpm2-make-credential";
  Bytes ek_spki_sha256;  // 32 bytes
  Bytes ak_name;         // TPM2B_NAME contents
  std::string enrolled_at;  // RFC 3339, informational
};

// ParseEnrollmentRecord reads the JSON form; kInvalidArgument on any deviation.
Result<EnrollmentRecord> ParseEnrollmentRecord(const JsonValue& v);
// EnrollmentRecordToJson renders it.
JsonValue EnrollmentRecordToJson(const EnrollmentRecord& record);

// TpmEvidence is the parsed evidence document. Binary members are kept as received: the
// verifier checks the signature over the exact bytes before decoding them.
struct TpmEvidence {
  Bytes attest;          // TPM2B_ATTEST
  Bytes signature;       // TPMT_SIGNATURE
  Bytes ak_public;       // TPM2B_PUBLIC
  Bytes ek_certificate;  // DER
  std::vector<Bytes> ek_chain;  // DER, issuer side; untrusted hints for path building
  std::optional<EnrollmentRecord> enrollment;
  JsonValue event_log;   // parsed strictly by the verifier (step 8), so a bad log is a finding
  Bytes nonce;
  Bytes channel_binding;
  std::string tpm_manufacturer;
  uint64_t tpm_firmware_version = 0;
  Bytes batch_root;  // 32 bytes for a batch quote (attest_batch.h), empty for a single quote
};

// ParseTpmEvidence parses an evidence document (strict JSON, at most 8 MiB, exact members,
// strict base64/hex, size bounds). Fails with kInvalidArgument; it does not verify anything.
Result<TpmEvidence> ParseTpmEvidence(std::string_view json);
// SerializeTpmEvidence renders the document pretty-printed with a trailing newline.
std::string SerializeTpmEvidence(const TpmEvidence& evidence);
// TpmEvidenceToJson renders the document as a JSON value (what SerializeTpmEvidence prints).
JsonValue TpmEvidenceToJson(const TpmEvidence& evidence);

// AttestationResponse is the body of POST /v1/attestation:
//   {"evidence": {...evidence document...}, "batch": {"leafIndex":n,"treeSize":m,"proof":[...]}}
struct AttestationResponse {
  TpmEvidence evidence;
  BatchProof batch;
};
// ParseAttestationResponse reads that body strictly (exact members; the evidence as
// ParseTpmEvidence reads it and required to be a batch quote; the batch as ParseBatchProofJson
// reads it). kInvalidArgument on any deviation; it does not verify.
Result<AttestationResponse> ParseAttestationResponse(std::string_view json);
// AttestationResponseToJson renders the body (compact JSON, no trailing newline).
std::string AttestationResponseToJson(const AttestationResponse& response);

// CheckNonceSizes fails with kInvalidArgument unless nonce is 32 bytes and channel_binding is
// empty or 32 bytes.
Status CheckNonceSizes(ByteView nonce, ByteView channel_binding);
// QualifyingData returns SHA-256("signet-attest-v1" || nonce || channel_binding), after
// CheckNonceSizes.
Result<Bytes> QualifyingData(ByteView nonce, ByteView channel_binding);

// EkRoots is a set of trusted EK CA certificates parsed once (an X509_STORE), shareable between
// threads: a verifier that checks many quotes (a monitoring client, bench/attest_load) parses
// its roots once instead of per quote.
class EkRoots;
// ParseEkRoots parses `pem` (at least one CERTIFICATE). Fails kInvalidArgument.
Result<std::shared_ptr<const EkRoots>> ParseEkRoots(std::string_view pem);

// TpmVerifyOptions are the verifier's own inputs: nothing here comes from the evidence.
struct TpmVerifyOptions {
  Bytes nonce;            // the fresh nonce this verifier issued
  Bytes channel_binding;  // what this verifier expects (e.g. SHA-256 of the daemon's TLS key)
  std::string ek_roots_pem;  // trusted EK CA certificates (roots and, optionally, intermediates)
  std::shared_ptr<const EkRoots> ek_roots;  // the same, parsed (ParseEkRoots); when set, used instead
  ReferenceValues reference;
  int64_t verification_time = 0;  // seconds since the epoch for the EK chain; 0 = now
  // The verifier's own enrollment record, from its own challenge/accept round trip
  // (tpm_enrollment.h). Steps 2 and 3 check against it only: the record the evidence carries is
  // never used (only the appliance vouches for it). Unset, step 2 fails with AK_NOT_ENROLLED.
  std::optional<EnrollmentRecord> trusted_enrollment;
  // PCRs 16 and 23 can be reset at locality 0 by anyone who can talk to the TPM, so a quote over
  // them proves nothing: step 7 refuses them (PCR_RESETTABLE) unless this is set (tests, demo).
  bool allow_resettable_pcr = false;
  // The inclusion proof of this verifier's leaf, required when the evidence is a batch quote
  // (it has a batch_root): step 6 is then VerifyBatchFreshness (attest_batch.h), with the
  // findings BATCH_ROOT_NOT_QUOTED, BATCH_PROOF_INVALID, CHANNEL_BINDING_MISMATCH and
  // BATCH_NONCE_NOT_IN_TREE. Missing for a batch quote: BATCH_PROOF_INVALID. Ignored for a
  // single quote.
  std::optional<BatchProof> batch;
};

// ClaimResult is the outcome of one numbered verification step.
struct ClaimResult {
  int step = 0;
  std::string claim;
  std::string result;   // "pass", "fail" or "not_checked"
  std::string finding;  // set when result is "fail"
};

// MeasuredEvent is one event of a replayed log, with the reference it matched.
struct MeasuredEvent {
  uint64_t seq = 0;
  std::string kind;
  std::string path;
  std::string sha256;        // hex
  std::string reference_id;  // empty for the separator or when unmatched
};

// TpmAttestationResult is the verifier's answer. `trusted` is true only if every step passed.
struct TpmAttestationResult {
  bool trusted = false;
  std::string finding;  // the first failing step's finding, empty when trusted
  std::vector<ClaimResult> claims;
  std::vector<MeasuredEvent> measurements;
  std::vector<std::string> matched_reference_ids;
  Bytes ak_name;
  bool ek_eku_present = false;  // the EK certificate carries an extendedKeyUsage extension
  std::string tpm_manufacturer;
  uint64_t firmware_version = 0;  // from the signed TPMS_ATTEST
  uint64_t clock = 0;
  uint32_t reset_count = 0;
  uint32_t restart_count = 0;
  bool safe = false;
};

// VerifyTpmEvidence runs the nine numbered steps, in order, failing closed at the first
// failure (later steps are reported "not_checked"):
//   1. the EK certificate chains to one of `ek_roots_pem`, and if it carries an extendedKeyUsage
//      extension, that includes tcg-kp-EKCertificate (2.23.133.8.1) (EK_EKU_INVALID);
//   2. the EK certificate's key is the one the AK was enrolled against, per
//      options.trusted_enrollment (required; the evidence's own record is ignored);
//   3. the AK is fixedTPM|fixedParent|sensitiveDataOrigin|restricted|sign, not decrypt, and its
//      recomputed Name is the enrolled Name;
//   4. the AK and signature fit one attestation key profile of core/public_key.h (ecdsa-p256:
//      ECDSA P-256 SHA-256; rsa-2048: RSASSA-PKCS1-v1_5 SHA-256, RSA-2048) and the signature
//      verifies with a PublicKey bound to that profile over the exact TPMS_ATTEST bytes;
//   5. TPMS_ATTEST unmarshals completely with the right magic and type;
//   6. extraData equals QualifyingData(options.nonce, options.channel_binding); for a batch
//      quote, VerifyBatchFreshness with options.batch instead;
//   7. reference.pcr is not resettable (16, 23) unless options.allow_resettable_pcr, and the PCR
//      selection is exactly SHA-256 {reference.pcr};
//   8. the event log replays to the quoted PCR digest (separately read PCRs are never used);
//   9. every event is of a known kind, none follows the separator, the separator is present,
//      each measurement matches a reference of its kind, digest and path, and every reference
//      was matched.
// Comparisons of secrets-adjacent values (names, nonces, digests) are constant time.
// Returns an Error only for a bad `options` (unparseable EK roots: kInvalidArgument); every
// problem with the evidence is a failing claim in the result.
Result<TpmAttestationResult> VerifyTpmEvidence(const TpmEvidence& evidence,
                                               const TpmVerifyOptions& options);

// AttestationResultToJson renders the result for `signet attest verify`.
JsonValue AttestationResultToJson(const TpmAttestationResult& result);

}  // namespace signet::attestation

#endif  // SIGNET_ATTESTATION_TPM_EVIDENCE_H_
