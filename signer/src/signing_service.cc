// SigningService: the refused-reference record and the VSA wiring, moved out of
// ops/src/cmd_sign.cc (issue 13 part 1).
#include "signet/signer/signing_service.h"

#include <utility>

#include "signet/core/findings.h"
#include "signet/policy/policy.h"

namespace signet::signer {

Result<RequestedImage> ParseRequestedImage(std::string_view image) {
  RequestedImage out;
  auto parsed = ParseImageRef(image);
  if (parsed.ok()) {
    out.ref = std::move(*parsed);
  } else if (parsed.error().finding() == findings::kMutableReference) {
    out.refusal = std::move(parsed).error();
  } else {
    return std::move(parsed).error();
  }
  out.as_given = std::string(image);
  return out;
}

SigningService::SigningService(const policy::Gate& gate, SigningServiceOptions options)
    : gate_(gate), options_(std::move(options)) {}

Result<PreparedSignRequest> SigningService::Prepare(ServiceSignRequest request) const {
  const policy::LoadedPolicy& loaded = gate_.policy();
  // 1.
  SIGNET_RETURN_IF_ERROR(policy::CheckAnnotations(loaded.policy, request.annotations));
  PreparedSignRequest out;
  SignRequest& req = out.request_;
  if (request.image.ref) req.image = *request.image.ref;
  req.provenance = std::move(request.provenance);
  req.attestations = std::move(request.attestations);
  req.annotations = std::move(request.annotations);
  req.out_dir = std::move(request.out_dir);
  // 2.
  req.policy_uri = std::move(request.policy_uri);
  req.verifier_id = options_.verifier_id;
  req.timestamp = options_.timestamp;
  req.verified_levels = loaded.policy.verified_levels;
  // 3.
  SIGNET_RETURN_IF_ERROR(CheckSignRequest(req));
  out.image_ = std::move(request.image);
  return out;
}

Result<SignOutcome> SigningService::Sign(const PreparedSignRequest& request, fw::SigningKey& key,
                                         AuditAppender& log, const Clock& clock) const {
  if (!request.image().refusal) return SignImage(gate_, key, log, clock, request.request());
  const Error& refusal = *request.image().refusal;
  AuditRecord r;
  r.time = clock.Now();
  r.subject = request.image().as_given;
  r.policy_digest = gate_.policy().digest;
  r.decision = kAuditDecisionDeny;
  r.findings = {refusal.finding()};
  SignOutcome out;
  SIGNET_ASSIGN_OR_RETURN(out.audit_entry, log.Append(r));
  out.decision.allowed = false;
  out.decision.policy_digest = r.policy_digest;
  out.decision.evaluated_at = r.time;
  out.decision.findings.push_back({refusal.finding(), refusal.message(), "image"});
  return out;
}

}  // namespace signet::signer
