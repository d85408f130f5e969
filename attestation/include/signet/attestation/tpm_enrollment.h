// Verifier-driven enrollment of a TPM attestation key (TCG credential activation, TPM 2.0
// Part 1 §24), pure and offline: the verifier never trusts an enrollment record the appliance
// wrote, it makes its own.
//
//   verifier   MakeEnrollmentChallenge(EK cert, AK public)  -> challenge.json (to the box)
//                                                           +  state.json   (kept, 0600: secret)
//   appliance  TPM2_ActivateCredential(AK, challenge)       -> response.json (the secret)
//   verifier   AcceptEnrollmentResponse(state, response)    -> enrollment.json (the record
//                                                              `signet attest verify
//                                                              --enrollment` takes)
//
// Only a TPM that holds the certified EK's private key *and* a loaded object whose Name is the
// AK's Name can recover the secret, so a matching response binds that AK Name to that EK. The
// challenge names the AK by Name only; the AK's attributes are checked here (restricted signing
// key that never leaves the TPM) so that a key unfit for quotes is never enrolled.
//
// Documents (strict JSON, exact members, lowercase hex / padded base64, bounded sizes):
//   challenge  {"version":"signet-tpm-enroll-challenge-v1","challenge_id":"<hex16>",
//               "ak_name":"<hex>","credential_blob":"<b64>","encrypted_secret":"<b64>"}
//   state      {"version":"signet-tpm-enroll-state-v1","challenge_id":"<hex16>",
//               "ek_spki_sha256":"<hex32>","ak_name":"<hex>","secret":"<b64 32 bytes>",
//               "created_at":"<RFC 3339>"}
//   response   {"version":"signet-tpm-enroll-response-v1","challenge_id":"<hex16>",
//               "ak_name":"<hex>","secret":"<b64 32 bytes>"}
//   record     {"version":"signet-tpm-enrollment-v1","method":"tpm2-make-credential",
//               "ek_spki_sha256":"<hex32>","ak_name":"<hex>","enrolled_at":"<RFC 3339>"}
#ifndef SIGNET_ATTESTATION_TPM_ENROLLMENT_H_
#define SIGNET_ATTESTATION_TPM_ENROLLMENT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "signet/attestation/tpm_evidence.h"
#include "signet/core/bytes.h"
#include "signet/core/findings.h"
#include "signet/core/result.h"
#include "signet/core/secret.h"

namespace signet::attestation {

inline constexpr const char kEnrollChallengeVersion[] = "signet-tpm-enroll-challenge-v1";
inline constexpr const char kEnrollStateVersion[] = "signet-tpm-enroll-state-v1";
inline constexpr const char kEnrollResponseVersion[] = "signet-tpm-enroll-response-v1";
inline constexpr const char kEnrollmentRecordVersion[] = "signet-tpm-enrollment-v1";

// kEnrollSecretSize and kChallengeIdSize fix the sizes of the activation secret and the id.
inline constexpr size_t kEnrollSecretSize = 32;
inline constexpr size_t kChallengeIdSize = 16;

// Finding codes of enrollment are in core/findings.h (the TPM enrollment group).

// EnrollmentChallenge goes to the appliance. It holds no secret in the clear.
struct EnrollmentChallenge {
  Bytes challenge_id;      // kChallengeIdSize random bytes, echoed by the response
  Bytes ak_name;           // the Name the credential is bound to
  Bytes credential_blob;   // TPM2B_ID_OBJECT, marshaled
  Bytes encrypted_secret;  // TPM2B_ENCRYPTED_SECRET, marshaled
};

// EnrollmentState stays with the verifier (written 0600 by the CLI): it holds the secret.
struct EnrollmentState {
  Bytes challenge_id;
  Bytes ek_spki_sha256;  // SHA-256 of the EK certificate's SubjectPublicKeyInfo
  Bytes ak_name;
  SecretBytes secret;    // kEnrollSecretSize bytes
  std::string created_at;
};

// EnrollmentResponse is what the appliance's TPM released.
struct EnrollmentResponse {
  Bytes challenge_id;
  Bytes ak_name;
  SecretBytes secret;
};

// EnrollmentChallengeAndState is MakeEnrollmentChallenge's output.
struct EnrollmentChallengeAndState {
  EnrollmentChallenge challenge;
  EnrollmentState state;
};

// MakeEnrollmentChallenge runs the verifier's side, in order:
//   1. the EK certificate (DER) chains to `ek_roots_pem` at `verification_time` (seconds, 0 =
//      now), with `ek_chain` (DER) as untrusted intermediates (VerificationFailed
//      EK_CHAIN_UNTRUSTED), and an extendedKeyUsage, if present, names tcg-kp-EKCertificate
//      (EK_EKU_INVALID);
//   2. its key is RSA-2048, the shape of the TCG default EK (template L-1) that
//      TPM2_ActivateCredential will use (kInvalidArgument otherwise);
//   3. `ak_public` (TPM2B_PUBLIC) parses (kInvalidArgument) and is a restricted signing key that
//      stays in its TPM (VerificationFailed AK_ATTRIBUTES_INVALID); its Name is computed here;
//   4. MakeCredential(EK public, AK Name, secret, seed).
// `secret` (kEnrollSecretSize), `seed` (32) and `challenge_id` (kChallengeIdSize) must be fresh
// random bytes; they are parameters so tests can fix them. `created_at` is informational.
Result<EnrollmentChallengeAndState> MakeEnrollmentChallenge(
    ByteView ek_certificate, const std::vector<Bytes>& ek_chain, ByteView ak_public,
    std::string_view ek_roots_pem, int64_t verification_time, ByteView secret, ByteView seed,
    ByteView challenge_id, std::string created_at);

// AcceptEnrollmentResponse compares the response with the state: same challenge id and AK Name
// (VerificationFailed ENROLLMENT_RESPONSE_MISMATCH: a response to another challenge, e.g. a
// replayed one), and the same secret, compared in constant time (VerificationFailed
// CREDENTIAL_ACTIVATION_FAILED). On success returns the record the verifier may trust.
Result<EnrollmentRecord> AcceptEnrollmentResponse(const EnrollmentState& state,
                                                  const EnrollmentResponse& response,
                                                  std::string enrolled_at);

// Parse* read the documents above (strict; kInvalidArgument on any deviation); Serialize*
// render them pretty-printed with a trailing newline.
Result<EnrollmentChallenge> ParseEnrollmentChallenge(std::string_view json);
std::string SerializeEnrollmentChallenge(const EnrollmentChallenge& challenge);
Result<EnrollmentState> ParseEnrollmentState(std::string_view json);
std::string SerializeEnrollmentState(const EnrollmentState& state);
Result<EnrollmentResponse> ParseEnrollmentResponse(std::string_view json);
std::string SerializeEnrollmentResponse(const EnrollmentResponse& response);

// ParseTrustedEnrollmentRecord reads the record document `accept` writes. It refuses a bare
// record or an ak.json (which the appliance wrote about itself) with kInvalidArgument.
Result<EnrollmentRecord> ParseTrustedEnrollmentRecord(std::string_view json);
// SerializeTrustedEnrollmentRecord renders the record document.
std::string SerializeTrustedEnrollmentRecord(const EnrollmentRecord& record);

}  // namespace signet::attestation

#endif  // SIGNET_ATTESTATION_TPM_ENROLLMENT_H_
