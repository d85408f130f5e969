// Provenance-gated signing: the main job a release pipeline runs (`signet sign`).
//
// Order of operations, which is the security argument:
//   0. The request is checked (CheckSignRequest): everything that reaches the audit entry or a
//      signed payload is valid UTF-8 and the entry fits kMaxAuditEntryBytes. Bad input is
//      refused here, before any decision, and leaves no record.
//   1. The gate decides (signer/gate.h) at the injected clock's now (there is no back-dating).
//      Nothing is signed before it allows; input the gate cannot use is refused, not logged.
//   2. On allow, the three payloads are signed on the device and each signature is checked
//      against the key's public key on the host. A device error or a signature that does not
//      verify makes a `failed` record and releases nothing.
//   3. The record (allow, deny or failed) is appended to the audit log and made durable.
//   4. Only then are the outputs written: all of them into a staging directory next to the
//      output directory, which is renamed into place in one step (WriteOutputs).
// A deny writes nothing but its audit record (not even the output directory). A crash after
// step 3 leaves an entry without outputs; a retry logs again, so no released signature is ever
// missing from the log.
#ifndef SIGNET_SIGNER_SIGNING_H_
#define SIGNET_SIGNER_SIGNING_H_

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "signet/core/result.h"
#include "signet/core/time.h"
#include "signet/firmware_iface/signing_key.h"
#include "signet/signer/audit_log.h"
#include "signet/signer/cosign_formats.h"
#include "signet/policy/gate.h"

namespace signet::signer {

// TimestampHook returns an RFC 3161 TimeStampResp (DER) over `signature`, which goes into the
// bundle as verificationMaterial.timestampVerificationData.rfc3161Timestamps[].signedTimestamp.
// Null: no timestamps. A hook that fails makes the signing `failed` (DEVICE_ERROR): nothing is
// released without the timestamp the appliance was configured to add.
using TimestampHook = std::function<Result<Bytes>(ByteView signature)>;

// SignRequest is one `signet sign` invocation.
struct SignRequest {
  ImageRef image;
  std::vector<policy::EvidenceInput> provenance;
  std::vector<policy::EvidenceInput> attestations;
  std::map<std::string, std::string> annotations;  // cosign simple-signing "optional"
  std::string out_dir;
  std::string policy_uri;                    // how the VSA names the policy
  std::string verifier_id;                   // how the VSA names this appliance
  std::vector<std::string> verified_levels;  // VSA verifiedLevels
  TimestampHook timestamp;                   // stamps each bundle's signature; null = none
};

// ReleasedSignature is one signature of an allowed request and what its log entry and its
// bundle need.
struct ReleasedSignature {
  std::string output;             // the output file that releases it
  SignatureLogEntry entry;        // its Rekor v2 entry (rekor_v2.h)
  std::string payload_type;       // DSSE payload type; empty for the simple-signing signature
  std::string payload;            // the signed payload (DSSE: the envelope's payload)
  Bytes signature;
  std::vector<Bytes> timestamps;  // TimestampHook results (DSSE bundles only)
  std::optional<LoggedEntry> logged;  // set once the log committed `entry`
};

// SignOutcome is what happened.
struct SignOutcome {
  policy::Decision decision;
  AuditEntry audit_entry;
  // outputs holds (file name, content) for an allowed request, in kOutputFiles order; empty on
  // deny. DecideSignAndLog fills it; WriteOutputs writes it.
  std::vector<std::pair<std::string, std::string>> outputs;
  std::vector<std::string> written;  // output files, in the order written
  // signatures: the allowed request's signatures (simple signing, image bundle, VSA bundle).
  std::vector<ReleasedSignature> signatures;
};

// kOutputFiles are the file names `SignImage` writes into the output directory.
inline constexpr const char* kOutputFiles[] = {"simplesigning.json", "simplesigning.sig", "image.sigstore.json",
                                               "vsa.sigstore.json", "decision.json"};

// kFailedSignatureInvalid / kFailedDeviceError are the finding codes of a `failed` audit
// record: the device returned a signature that does not verify / the device did not sign.
inline constexpr char kFailedSignatureInvalid[] = "SIGNATURE_INVALID";
inline constexpr char kFailedDeviceError[] = "DEVICE_ERROR";

// CheckSignRequest runs step 0: every string that reaches the audit entry (image reference,
// input names) or a signed payload (annotation keys and values) is valid UTF-8, and the entry,
// with room for the key id and every finding code, fits kMaxAuditEntryBytes. Fails
// kInvalidArgument naming the field, never echoing its bytes. Cannot touch anything.
Status CheckSignRequest(const SignRequest& request);

// CheckOutputDir checks, creating nothing, that `dir` can receive an output set: its parent is
// an existing, writable directory, and `dir` is absent, or a directory (not a symbolic link)
// that is empty or holds only a previous output set (kOutputFiles). Fails kNotFound (no
// parent), kPermissionDenied (not writable) or kInvalidArgument (anything else, including a
// directory holding other files: Signet never deletes what it did not write). Call it before
// the gate so a bad directory costs no decision.
Status CheckOutputDir(const std::string& dir);

// DecideAndSign runs steps 0-2 at clock.Now() and returns the outcome with its outputs in
// memory and the audit record to log in `record` (audit_entry is not set yet). Nothing may be
// released until `record` is durable in the audit log.
// Fails, with `record` left empty (decision ""), when CheckSignRequest refuses the request or
// the gate finds the input unusable (kInvalidArgument, finding MALFORMED_INPUT, the message
// names each input and why). Fails, with `record` set to a kAuditDecisionFailed record the
// caller must append before reporting the error, when the gate allowed but the device did not
// sign (its error) or returned a signature that does not verify (kInternal).
Result<SignOutcome> DecideAndSign(const policy::Gate& gate, fw::SigningKey& key, const Clock& clock,
                                  const SignRequest& request, AuditRecord* record);

// DecideSignAndLog runs steps 0-3 above and keeps the outputs in memory (SignOutcome::outputs).
// After it returns OK for an allowed request, the audit entry is durable and the signatures
// may be released. Step 3 is log.AppendWithSignatures: in a transparency log (state_log.h) each
// signature gets its Rekor v2 entry, and the two bundles are rendered again carrying their
// entry (index, inclusion proof, checkpoint) and timestamps. On a signing failure it appends the `failed` record, then returns the
// signing error. Fails as SignImage, before step 4.
Result<SignOutcome> DecideSignAndLog(const policy::Gate& gate, fw::SigningKey& key, AuditAppender& log, const Clock& clock,
                                     const SignRequest& request);

// WriteOutputs runs step 4: it removes staging directories left by killed runs for the same
// `out_dir` (those holding only output files and not locked by a live run), writes every output
// into a new staging directory `<out_dir>.staging-XXXXXX` beside `out_dir` (each file and the
// directory fsynced), then renames it into place in one step: rename(2) when `out_dir` does not
// exist, renameat2(RENAME_EXCHANGE) over an existing output set, whose old files are then
// removed. Readers see the old set or the new one, never a mix. Fails kInvalidArgument when
// `out_dir` holds anything but a previous output set (left untouched), else the I/O error;
// on failure the staging directory is removed. Fills outcome.written.
Status WriteOutputs(const std::string& out_dir, SignOutcome& outcome);

// SignImage runs steps 0-4 above. Returns the outcome for allow and deny alike (the caller
// maps !decision.allowed to exit 1). Fails (an Error, no outputs) as DecideAndSign, when the
// audit log cannot be written, or when the outputs cannot be written (after the audit entry is
// durable).
Result<SignOutcome> SignImage(const policy::Gate& gate, fw::SigningKey& key, AuditAppender& log, const Clock& clock,
                              const SignRequest& request);

}  // namespace signet::signer

#endif  // SIGNET_SIGNER_SIGNING_H_
