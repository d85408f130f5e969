// Provenance-gated signing: the main job a release pipeline runs (`signet sign`).
//
// Order of operations, which is the security argument:
//   1. The gate decides (signer/gate.h). Nothing is signed before it allows.
//   2. On allow, the three payloads are signed on the device and each signature is checked
//      against the key's public key on the host (a faulty device never releases a bad signature).
//   3. The decision (allow or deny) is appended to the audit log and made durable (fdatasync).
//   4. Only then are the outputs written, each to a temporary name and renamed into place.
// A deny writes nothing but its audit record. A crash after step 3 leaves an entry without
// outputs; a retry logs again, so no released signature is ever missing from the log.
#ifndef SIGNET_SIGNER_SIGNING_H_
#define SIGNET_SIGNER_SIGNING_H_

#include <map>
#include <string>
#include <vector>

#include "signet/core/result.h"
#include "signet/core/time.h"
#include "signet/firmware_iface/signing_key.h"
#include "signet/signer/audit_log.h"
#include "signet/signer/cosign_formats.h"
#include "signet/signer/gate.h"

namespace signet::signer {

// SignRequest is one `signet sign` invocation.
struct SignRequest {
  ImageRef image;
  std::vector<EvidenceInput> provenance;
  std::vector<EvidenceInput> attestations;
  std::map<std::string, std::string> annotations;  // cosign simple-signing "optional"
  std::string out_dir;
  Timestamp at;
  std::string policy_uri;                    // how the VSA names the policy
  std::string verifier_id;                   // how the VSA names this appliance
  std::vector<std::string> verified_levels;  // VSA verifiedLevels
};

// SignOutcome is what happened.
struct SignOutcome {
  Decision decision;
  AuditEntry audit_entry;
  // outputs holds (file name, content) for an allowed request, in kOutputFiles order; empty on
  // deny. DecideSignAndLog fills it; WriteOutputs writes it.
  std::vector<std::pair<std::string, std::string>> outputs;
  std::vector<std::string> written;  // output files, in the order written
};

// kOutputFiles are the file names `SignImage` writes into the output directory.
inline constexpr const char* kOutputFiles[] = {"simplesigning.json", "simplesigning.sig", "image.sigstore.json",
                                               "vsa.sigstore.json", "decision.json"};

// CheckOutputDir makes sure `dir` exists (creating it, mode 0755, if its parent does) and that
// a file can be created in it. Fails kPermissionDenied / kNotFound / kInvalidArgument naming
// the directory. Call it before the gate so a bad directory costs no decision.
Status CheckOutputDir(const std::string& dir);

// DecideAndSign runs steps 1-2 and returns the outcome with its outputs in memory and the
// audit record to log in `record` (audit_entry is not set yet). Nothing may be released until
// `record` is durable in the audit log. Fails as SignImage.
Result<SignOutcome> DecideAndSign(const Gate& gate, fw::SigningKey& key, const SignRequest& request,
                                  AuditRecord* record);

// DecideSignAndLog runs steps 1-3 above and keeps the outputs in memory (SignOutcome::outputs).
// After it returns OK for an allowed request, the audit entry is durable and the signatures
// may be released. Fails as SignImage, before step 4.
Result<SignOutcome> DecideSignAndLog(const Gate& gate, fw::SigningKey& key, AuditLog& log, const SignRequest& request);

// WriteOutputs runs step 4: each output to a temporary name in `out_dir`, then renamed.
Status WriteOutputs(const std::string& out_dir, SignOutcome& outcome);

// SignImage runs steps 1-4 above. Returns the outcome for allow and deny alike (the caller
// maps !decision.allowed to exit 1, decision.unusable_input to exit 2). Fails (an Error, no
// outputs) when the device cannot sign, a signature does not verify, the audit log cannot be
// written, or an output cannot be written (after the audit entry is durable).
Result<SignOutcome> SignImage(const Gate& gate, fw::SigningKey& key, AuditLog& log, const SignRequest& request);

}  // namespace signet::signer

#endif  // SIGNET_SIGNER_SIGNING_H_
