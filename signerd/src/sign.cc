// POST /v1/sign (see signet/signerd/sign.h).
#include "signet/custody/policy_approval.h"
#include "signet/signerd/sign.h"

#include <utility>
#include <vector>

#include <google/protobuf/util/json_util.h>

#include "signet/attestation/trusted_root.h"
#include "signet/core/encoding.h"
#include "signet/core/file.h"
#include "signet/core/findings.h"
#include "signet/core/hash.h"
#include "signet/core/json.h"
#include "signet/policy/policy.h"
#include "signet/service/proto_json.h"
#include "signet/signer/signing.h"

namespace signet::signerd {
namespace {

constexpr const char* kReleased[] = {"simplesigning.json", "simplesigning.sig", "image.sigstore.json",
                                     "vsa.sigstore.json"};

// CallerAppender names the caller in every record it appends and remembers what it appended.
class CallerAppender final : public signer::AuditAppender {
 public:
  CallerAppender(signer::AuditAppender& log, const Caller& caller, const ClientIdentity& identity)
      : log_(log),
        input_{std::string(kCallerInputPrefix) + caller.name, HexEncode(Sha256(AsBytes(identity.subject)))} {}

  Result<signer::AuditEntry> Append(const signer::AuditRecord& record) override {
    signer::AuditRecord named = record;
    named.inputs.push_back(input_);
    last_decision_ = named.decision;
    return log_.Append(named);
  }
  // A state directory's transparency log also logs the released signatures (state_log.h).
  Result<signer::SignedAppend> AppendWithSignatures(const signer::AuditRecord& record,
                                                    const std::vector<signer::SignatureLogEntry>& signatures) override {
    signer::AuditRecord named = record;
    named.inputs.push_back(input_);
    last_decision_ = named.decision;
    return log_.AppendWithSignatures(named, signatures);
  }
  const std::string& last_decision() const { return last_decision_; }

 private:
  signer::AuditAppender& log_;
  const signer::AuditInput input_;
  std::string last_decision_;
};

// TrackingKey forwards to the device key and remembers whether the device failed to sign.
class TrackingKey final : public fw::SigningKey {
 public:
  explicit TrackingKey(fw::SigningKey& key) : key_(key) {}
  SignatureAlgorithm algorithm() const override { return key_.algorithm(); }
  const Bytes& public_key_spki() const override { return key_.public_key_spki(); }
  std::string key_id() const override { return key_.key_id(); }
  const fw::KeyAttributes& attributes() const override { return key_.attributes(); }
  Result<Bytes> Sign(ByteView message) override {
    Result<Bytes> sig = key_.Sign(message);
    if (!sig.ok()) device_failed_ = true;
    return sig;
  }
  bool device_failed() const { return device_failed_; }

 private:
  fw::SigningKey& key_;
  bool device_failed_ = false;
};

void Count(const SignRuntime& rt, const char* verdict) {
  if (rt.sign_total != nullptr) rt.sign_total->Inc({verdict});
}

service::Response Refuse(const SignRuntime& rt, int status, std::string_view code, std::string_view message,
                         const char* verdict) {
  Count(rt, verdict);
  service::Response r = service::ErrorResponse(status, code, message);
  r.log.verdict = verdict;
  r.log.findings.push_back(std::string(code));
  return r;
}

service::Response Unavailable503(const SignRuntime& rt, const std::string& message) {
  service::Response r = Refuse(rt, 503, findings::kTokenUnavailable, message, "unavailable");
  r.headers.emplace_back("Retry-After", std::to_string(rt.keys->RetryAfterSeconds()));
  return r;
}

// LogRefused answers a record the log could not take (LOG_UNAVAILABLE: a full disk;
// CLOCK_STEPPED_BACK: the clock is behind the log's newest record) or another unavailable
// dependency: 503 with the finding as code and Retry-After; nothing was released.
service::Response LogRefused(const SignRuntime& rt, const Error& error) {
  Count(rt, "unavailable");
  service::Response r = service::ErrorResponseFor(error);
  r.headers.emplace_back("Retry-After", error.finding() == findings::kClockSteppedBack ? "60" : "5");
  r.log.verdict = "unavailable";
  if (!error.finding().empty()) r.log.findings.push_back(error.finding());
  return r;
}

std::vector<policy::EvidenceInput> Inputs(const google::protobuf::RepeatedPtrField<v1::Evidence>& list) {
  std::vector<policy::EvidenceInput> out;
  for (const auto& e : list) out.push_back({e.name(), e.content()});
  return out;
}

Result<service::Response> Answer(const signer::SignOutcome& outcome) {
  v1::SignResponse resp;
  const std::string decision = WriteJson(outcome.decision.ToJson());
  if (!google::protobuf::util::JsonStringToMessage(decision, resp.mutable_decision()).ok()) {
    return Internal("the decision does not convert to a protobuf Struct");
  }
  if (outcome.decision.allowed) {
    for (const auto& [name, content] : outcome.outputs) {
      for (const char* released : kReleased) {
        if (name == released) (*resp.mutable_outputs())[name] = content;
      }
    }
  }
  resp.mutable_audit_entry()->set_seq(outcome.audit_entry.seq);
  resp.mutable_audit_entry()->set_hash(outcome.audit_entry.hash);
  SIGNET_ASSIGN_OR_RETURN(std::string body, service::PrintProtoJson(resp));
  service::Response r = service::Response::Json(200, std::move(body));
  r.log.digest = outcome.decision.subject;
  r.log.verdict = outcome.decision.allowed ? "allow" : "deny";
  for (const auto& f : outcome.decision.findings) r.log.findings.push_back(f.code);
  return r;
}

}  // namespace

Result<std::shared_ptr<const SignerdState>> SignerdState::Load(SignerdConfig config, std::string verifier_id) {
  // As `signet sign` loads its --policy (ops LoadGate): lint errors refuse it, the trusted root
  // it names is parsed; every failure is a configuration error.
  auto loaded = policy::LoadPolicy(config.policy);
  if (!loaded.ok()) return std::move(loaded).error().Prefix("policy " + config.policy);
  // Quorum-approved policies: the approvals must cover the very bytes LoadPolicy read.
  if (!config.policy_keyring.empty()) {
    Status approved = custody::VerifyPolicyApprovalFiles(loaded->digest, custody::PolicyApprovalsPath(config.policy),
                                                         config.policy_keyring);
    if (!approved.ok()) return Error(approved.error()).Prefix("policy " + config.policy + " is not approved");
  }
  for (const auto& f : policy::LintPolicy(loaded->policy)) {
    if (f.level == policy::LintFinding::Level::kError) {
      return InvalidArgument("policy " + config.policy + " fails its lint: " + f.code + " at " + f.where + ": " +
                             f.message + " (run `signet policy check`)");
    }
  }
  std::optional<attestation::TrustedRoot> root;
  if (!loaded->trusted_root_path.empty()) {
    auto text = ReadFile(loaded->trusted_root_path, attestation::kMaxTrustedRootBytes);
    if (!text.ok()) return std::move(text).error().Prefix("policy " + config.policy + ": reading the trusted root");
    auto parsed = attestation::TrustedRoot::Parse(*text);
    if (!parsed.ok()) return InvalidArgument("policy " + config.policy + ": trusted root: " + parsed.error().message());
    root = std::move(*parsed);
  }
  SIGNET_ASSIGN_OR_RETURN(policy::Gate gate, policy::Gate::Create(std::move(*loaded), std::move(root)));
  return FromGate(std::move(config), std::move(gate), std::move(verifier_id));
}

std::shared_ptr<const SignerdState> SignerdState::FromGate(SignerdConfig config, policy::Gate gate,
                                                           std::string verifier_id) {
  auto s = std::shared_ptr<SignerdState>(new SignerdState());
  s->config_ = std::move(config);
  s->gate_ = std::make_unique<const policy::Gate>(std::move(gate));
  signer::SigningServiceOptions options;
  options.verifier_id = std::move(verifier_id);
  s->service_ = std::make_unique<const signer::SigningService>(*s->gate_, std::move(options));
  return s;
}

Result<v1::SignRequest> ParseSignRequest(std::string_view body) {
  v1::SignRequest req;
  SIGNET_RETURN_IF_ERROR(service::ParseProtoJson(body, &req));
  return req;
}

service::Response HandleSign(const SignerdState& state, const SignRuntime& rt, const ClientIdentity& identity,
                             const service::Request& request) {
  // 1. Who asks.
  const Caller* caller = MatchCaller(state.config().callers, identity);
  if (caller == nullptr) {
    return Refuse(rt, 403, findings::kCallerNotListed, "the client certificate is not a configured caller", "refused");
  }
  // 2. How often.
  uint32_t retry_after = 0;
  if (rt.limiter != nullptr && !rt.limiter->Admit(caller->name, &retry_after)) {
    service::Response r = Refuse(rt, 429, findings::kRateLimited,
                                 "caller " + caller->name + " exceeded limits.requests_per_minute_per_caller",
                                 "rate_limited");
    r.headers.emplace_back("Retry-After", std::to_string(retry_after));
    return r;
  }
  // 3. What: strictly decoded and prepared; bad input is never logged.
  Result<v1::SignRequest> req = ParseSignRequest(request.body);
  if (!req.ok()) return Refuse(rt, 400, service::kCodeMalformed, req.error().message(), "error");
  Result<signer::RequestedImage> image = signer::ParseRequestedImage(req->image());
  if (!image.ok()) return Refuse(rt, 400, service::kCodeMalformed, image.error().message(), "error");
  const std::string as_given = image->as_given;
  signer::ServiceSignRequest sr;
  sr.image = std::move(*image);
  sr.provenance = Inputs(req->provenance());
  sr.attestations = Inputs(req->attestations());
  sr.annotations.insert(req->annotations().begin(), req->annotations().end());
  sr.policy_uri = state.config().policy;
  const signer::SigningService& service = state.service();
  Result<signer::PreparedSignRequest> prepared = service.Prepare(std::move(sr));
  if (!prepared.ok()) {
    Count(rt, "error");
    service::Response r = service::ErrorResponseFor(prepared.error());
    r.log.verdict = "error";
    return r;
  }
  CallerAppender log(*rt.log, *caller, identity);

  // 4. The caller's images: the attempt is a deny record naming the caller.
  if (!ImageAllowedForCaller(*caller, as_given)) {
    signer::AuditRecord record;
    record.time = rt.clock->Now();
    record.subject = prepared->image().ref ? prepared->image().ref->ToString() : as_given;
    record.policy_digest = service.gate().policy().digest;
    for (const auto* list : {&prepared->request().provenance, &prepared->request().attestations}) {
      for (const auto& in : *list) record.inputs.push_back({in.name, HexEncode(Sha256(AsBytes(in.bytes)))});
    }
    record.decision = signer::kAuditDecisionDeny;
    record.findings = {findings::kCallerImageNotAllowed};
    Result<signer::AuditEntry> logged = log.Append(record);
    if (!logged.ok()) return LogRefused(rt, logged.error());
    service::Response r = Refuse(rt, 403, findings::kCallerImageNotAllowed,
                                 "caller " + caller->name + " may not sign this image (audit entry " +
                                     std::to_string(logged->seq) + ")",
                                 "deny");
    r.log.digest = record.subject;
    return r;
  }

  // 5. The key.
  Result<std::shared_ptr<fw::SigningKey>> key = rt.keys->Get();
  if (!key.ok()) return Unavailable503(rt, key.error().message());

  // 6. Decide, sign, log; release only what is durable.
  TrackingKey tracked(**key);
  Result<signer::SignOutcome> outcome =
      prepared->image().refusal ? service.Sign(*prepared, tracked, log, *rt.clock)
                                : signer::DecideSignAndLog(service.gate(), tracked, log, *rt.clock, prepared->request());
  if (!outcome.ok()) {
    if (tracked.device_failed()) {
      rt.keys->Broken(*key, outcome.error().message());
      return Unavailable503(rt, "the signing device failed; a failed record was logged and nothing released");
    }
    if (log.last_decision() == signer::kAuditDecisionFailed) {
      return Refuse(rt, 500, findings::kSigningFailed,
                    "the device returned a signature that does not verify; a failed record was logged and nothing "
                    "released",
                    "failed");
    }
    if (outcome.error().code() == ErrorCode::kUnavailable) return LogRefused(rt, outcome.error());
    Count(rt, "error");
    service::Response r = service::ErrorResponseFor(outcome.error());
    r.log.verdict = "error";
    return r;
  }
  Result<service::Response> answer = Answer(*outcome);
  if (!answer.ok()) return service::ErrorResponseFor(answer.error());
  Count(rt, outcome->decision.allowed ? "allow" : "deny");
  return std::move(*answer);
}

}  // namespace signet::signerd
