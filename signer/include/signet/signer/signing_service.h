// SigningService: one signing workflow for every front end (`signet sign` today, signerd next).
//
// It binds a loaded gate and how VSAs name this appliance, and adds to SignImage (signing.h)
// what the CLI used to do itself:
//   - the refused-reference record: a request for a tag (a reference without a digest) is
//     refused with MUTABLE_REFERENCE and that refusal is logged as a deny record, once every
//     other input of the request was found usable;
//   - the VSA wiring: the summary names the policy (policy_uri), the appliance (verifier_id) and
//     the levels the policy verifies (verified_levels, from the gate's policy).
// Order of operations (the security argument is signing.h's, steps 0-4):
//   ParseRequestedImage  malformed reference: kInvalidArgument, nothing logged
//   Prepare              annotations listed by the policy, VSA wiring, CheckSignRequest;
//                        needs no device and no log, so a caller checks a request before it
//                        opens either (bad input: exit 2, nothing logged)
//   Sign                 a refused reference: its deny record; otherwise SignImage
// Devices are passed to Sign per call, never built here (a binary's main builds them).
#ifndef SIGNET_SIGNER_SIGNING_SERVICE_H_
#define SIGNET_SIGNER_SIGNING_SERVICE_H_

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "signet/core/result.h"
#include "signet/core/time.h"
#include "signet/firmware_iface/signing_key.h"
#include "signet/policy/gate.h"
#include "signet/policy/inputs.h"
#include "signet/signer/audit_log.h"
#include "signet/signer/cosign_formats.h"
#include "signet/signer/signing.h"

namespace signet::signer {

// RequestedImage is a request's image reference, parsed.
struct RequestedImage {
  std::string as_given;          // the reference as the caller gave it (valid UTF-8, bounded)
  std::optional<ImageRef> ref;   // set for a digest reference
  std::optional<Error> refusal;  // set for a reference without a digest (MUTABLE_REFERENCE)
};

// ParseRequestedImage parses `image` with ParseImageRef. A digest reference sets `ref`; a tag or
// bare repository sets `refusal` (VerificationFailed MUTABLE_REFERENCE), which Sign logs as a
// deny. Anything else (empty, over-long, not UTF-8, malformed digest) fails kInvalidArgument
// MALFORMED_INPUT and must never be logged.
Result<RequestedImage> ParseRequestedImage(std::string_view image);

// ServiceSignRequest is one request as a front end gives it.
struct ServiceSignRequest {
  RequestedImage image;
  std::vector<policy::EvidenceInput> provenance;
  std::vector<policy::EvidenceInput> attestations;
  std::map<std::string, std::string> annotations;  // cosign simple-signing "optional"
  std::string out_dir;                             // see CheckOutputDir / WriteOutputs
  std::string policy_uri;                          // how the VSA names the policy
};

// PreparedSignRequest is a request that passed every check that needs no device and no log.
// Only SigningService::Prepare makes one.
class PreparedSignRequest {
 public:
  // image is the parsed reference; image().refusal is set when Sign will log a refusal.
  const RequestedImage& image() const { return image_; }
  // request is the SignImage request, VSA fields filled from the gate's policy.
  const SignRequest& request() const { return request_; }

 private:
  friend class SigningService;
  PreparedSignRequest() = default;
  RequestedImage image_;
  SignRequest request_;
};

// SigningServiceOptions say how the appliance names itself.
struct SigningServiceOptions {
  // verifier_id is the VSA's verifier.id, e.g. "https://signet.dev/appliance@0.1.0+<commit>".
  std::string verifier_id;
  // timestamp stamps each bundle's signature (RFC 3161, signing.h TimestampHook); null = none.
  // The appliance's TSA (tsa/ StampData) plugs in here.
  TimestampHook timestamp;
};

// SigningService runs requests under one gate. It borrows `gate`, which must outlive it. It holds
// no device and no log and is safe to share between threads (every method is const).
class SigningService {
 public:
  SigningService(const policy::Gate& gate, SigningServiceOptions options);

  // Prepare checks `request` and wires the VSA. Steps:
  //   1. the annotation keys are listed by the policy, keys and values valid UTF-8
  //      (policy::CheckAnnotations, kInvalidArgument);
  //   2. the VSA names the policy (request.policy_uri), this appliance (verifier_id) and the
  //      levels the policy verifies;
  //   3. CheckSignRequest (kInvalidArgument), also for a refused reference: its refusal is
  //      logged, so the rest of the request must be usable input too.
  // Touches nothing.
  Result<PreparedSignRequest> Prepare(ServiceSignRequest request) const;

  // Sign runs a prepared request at clock.Now().
  //   - A refused reference: appends a deny record (subject = the reference as given, the
  //     policy digest, the refusal's finding code) and returns an outcome whose decision is a
  //     deny with that one finding (input "image"); no key is used and nothing is written.
  //     Fails with the append error if the record cannot be made durable.
  //   - Otherwise: SignImage (signing.h) with this service's gate; fails as SignImage.
  Result<SignOutcome> Sign(const PreparedSignRequest& request, fw::SigningKey& key, AuditAppender& log,
                           const Clock& clock) const;

  const policy::Gate& gate() const { return gate_; }

 private:
  const policy::Gate& gate_;
  SigningServiceOptions options_;
};

}  // namespace signet::signer

#endif  // SIGNET_SIGNER_SIGNING_SERVICE_H_
