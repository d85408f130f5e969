// The appliance side of TPM attestation: create and self-check an attestation key (enroll),
// answer a verifier's enrollment challenge (activate), quote the measured-launch PCRs over a
// verifier's nonce (quote), and convert evidence for tpm2-tools / openssl (export).
// See attester/ARCHITECTURE.md.
//
// This library never decides whether evidence is trustworthy: that is attestation/ (pure
// verification) run by a verifier. The TPM is reached only through fw::Tpm, opened lazily by the
// caller's TpmOpener (a binary's main picks the backend), so every local input is checked before
// the device is touched and the device is released before any file is written.
#ifndef SIGNET_ATTESTER_ATTESTER_H_
#define SIGNET_ATTESTER_ATTESTER_H_

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "signet/attestation/tpm_enrollment.h"
#include "signet/attester/ak_file.h"
#include "signet/core/bytes.h"
#include "signet/core/result.h"
#include "signet/firmware_iface/tpm.h"

namespace signet::attester {

// TpmOpener opens the TPM the caller configured. It is called at most once per operation, only
// after every local input was read and checked; the returned connection is closed before the
// operation writes its output. Its errors are returned unchanged.
using TpmOpener = std::function<Result<std::unique_ptr<fw::Tpm>>()>;

// RandomBytes returns `n` bytes from the OpenSSL CSPRNG; kInternal (with the OpenSSL error) if
// it cannot.
Result<Bytes> RandomBytes(size_t n);

// ParseNonceHex decodes a hex nonce given as `what` (a flag name used in the message); either
// case is accepted, an empty string is empty bytes. kInvalidArgument otherwise.
Result<Bytes> ParseNonceHex(const std::string& hex, std::string_view what);

// EnrollOpts are the inputs of Enroll.
struct EnrollOpts {
  std::string out;                       // where ak.json is written (mode 0600)
  std::string algorithm = "ecdsa-p256";  // SignatureAlgorithmName spelling
};

// EnrollResult says what Enroll created.
struct EnrollResult {
  Bytes ak_name;                 // TPM2B_NAME contents of the new AK
  SignatureAlgorithm algorithm = SignatureAlgorithm::kEcdsaP256Sha256;
  Bytes ek_spki_sha256;          // SHA-256 of the certified EK's SubjectPublicKeyInfo
};

// Enroll creates an AK under the EK and writes ak.json. Steps:
//   1. parse the algorithm (kInvalidArgument) and open the TPM;
//   2. read the EK certificate from NV, recreate the EK from the TCG template, and require the
//      same public key (VerificationFailed EK_CERT_MISMATCH);
//   3. create the AK and check its Name against its public area (kInternal);
//   4. MakeCredential for the AK in software and ActivateCredential on the TPM: the TPM must
//      release the secret (VerificationFailed CREDENTIAL_ACTIVATION_FAILED). Secret and seed
//      are wiped;
//   5. release the TPM, then write ak.json atomically (0600).
// This round trip proves to this box that the AK activates; a verifier runs its own
// challenge/activate/accept before it trusts the AK. TPM errors are returned unchanged.
Result<EnrollResult> Enroll(const EnrollOpts& o, const TpmOpener& open_tpm);

// QuoteOpts are the inputs of Quote (file paths and hex strings as the CLI takes them).
struct QuoteOpts {
  std::string ak, nonce, channel_binding, event_log, out, ek_chain;
};

// Quote quotes every PCR the event log names, with qualifying data bound to the verifier's
// nonce and the channel binding (attestation::QualifyingData), and writes evidence.json. The
// nonces, ak.json, the event log and the optional EK chain are checked first (kInvalidArgument;
// an empty event log is refused); then the TPM is opened, read (Info, Quote) and closed before
// the evidence is written.
Status Quote(const QuoteOpts& o, const TpmOpener& open_tpm);

// QuoteEvidence opens the TPM, quotes `pcrs` with the AK of `ak` over `qualifying_data`, closes it
// and returns the evidence around the quote: AK public area, EK certificate, TPM manufacturer and
// firmware version, and `log` (the core of Quote, shared with the batching endpoint; the caller
// fills the nonce, channel binding or batch root). TPM errors are returned unchanged.
Result<attestation::TpmEvidence> QuoteEvidence(const AkFile& ak, ByteView qualifying_data,
                                               const attestation::EventLog& log, const std::vector<uint32_t>& pcrs,
                                               const TpmOpener& open_tpm);

// ActivateChallenge answers `challenge` with TPM2_ActivateCredential for the AK of `ak` (the core
// of Activate, shared with the HTTP endpoint). kInvalidArgument for a challenge made for another
// AK (before the TPM is opened); VerificationFailed CREDENTIAL_ACTIVATION_FAILED for a released
// secret of the wrong size; TPM errors unchanged. The released copy is wiped.
Result<attestation::EnrollmentResponse> ActivateChallenge(const AkFile& ak,
                                                          const attestation::EnrollmentChallenge& challenge,
                                                          const TpmOpener& open_tpm);

// ActivateOpts are the inputs of Activate.
struct ActivateOpts {
  std::string ak, challenge, out;
};

// Activate answers a verifier's enrollment challenge: TPM2_ActivateCredential of the challenge
// for the AK in ak.json, written as response.json (0600; the released secret is wiped from
// memory). A challenge for another AK is kInvalidArgument before the TPM is opened; a released
// secret of the wrong size is VerificationFailed ACTIVATION_FAILED.
Status Activate(const ActivateOpts& o, const TpmOpener& open_tpm);

// ExportOpts are the inputs of Export.
struct ExportOpts {
  std::string evidence, dir;
};

// Export writes evidence.json's parts in the forms tpm2_checkquote and openssl read, into the
// existing directory `dir`: quote.msg, quote.sig, quote.sig.der, ak.tpm2b.pub, ak.pub.pem,
// pcrs.bin, pcr-list.txt and qualification.hex (for a batch quote: SHA-256("signet-attest-batch-v1"
// || batch_root)). It parses, it does not verify. No TPM.
Status Export(const ExportOpts& o);

}  // namespace signet::attester

#endif  // SIGNET_ATTESTER_ATTESTER_H_
