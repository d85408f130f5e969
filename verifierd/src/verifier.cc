#include "signet/verifierd/verifier.h"

#include <algorithm>

#include "chain.h"
#include "decision_view.h"
#include "release.h"
#include "signet/attestation/trusted_root.h"
#include "signet/core/encoding.h"
#include "signet/core/file.h"
#include "signet/core/hash.h"
#include "signet/core/json.h"
#include "signet/core/findings.h"
#include "signet/custody/policy_approval.h"
#include "signet/policy/image_ref.h"
#include "signet/service/proto_json.h"

namespace signet::verifierd {

namespace {

// LoadGate loads a policy exactly as `signet gate` does (ops/src/wiring.cc LoadGate): lint
// errors refuse it, the trusted root it names is parsed. Also returns the root's digest.
Result<PolicyEntry> LoadEntry(const std::string& name, const std::string& path, const std::string& policy_keyring) {
  auto loaded = policy::LoadPolicy(path);
  if (!loaded.ok()) return std::move(loaded).error().Prefix("policy " + name + " (" + path + ")");
  // Quorum-approved policies: the approvals must cover the very bytes LoadPolicy read.
  if (!policy_keyring.empty()) {
    Status approved =
        custody::VerifyPolicyApprovalFiles(loaded->digest, custody::PolicyApprovalsPath(path), policy_keyring);
    if (!approved.ok()) return Error(approved.error()).Prefix("policy " + name + " (" + path + ") is not approved");
  }
  for (const auto& f : policy::LintPolicy(loaded->policy)) {
    if (f.level == policy::LintFinding::Level::kError) {
      return InvalidArgument("policy " + name + " (" + path + ") fails its lint: " + f.code + " at " + f.where + ": " +
                             f.message + " (run `signet policy check`)");
    }
  }
  PolicyEntry e;
  e.name = name;
  std::optional<attestation::TrustedRoot> root;
  if (!loaded->trusted_root_path.empty()) {
    auto text = ReadFile(loaded->trusted_root_path, attestation::kMaxTrustedRootBytes);
    if (!text.ok()) return std::move(text).error().Prefix("policy " + name + ": reading the trusted root");
    auto parsed = attestation::TrustedRoot::Parse(*text);
    if (!parsed.ok()) {
      return InvalidArgument("policy " + name + ": trusted root " + loaded->trusted_root_path + ": " +
                             parsed.error().message());
    }
    root = std::move(*parsed);
    e.trust_root_digest = "sha256:" + HexEncode(Sha256(*text));
  }
  auto trust = LoadReleaseTrust(*loaded, root);
  if (!trust.ok()) return std::move(trust).error().Prefix("policy " + name + " (" + path + ")");
  e.release_trust = std::move(*trust);
  SIGNET_ASSIGN_OR_RETURN(policy::Gate gate, policy::Gate::Create(std::move(*loaded), std::move(root)));
  e.gate = std::make_shared<const policy::Gate>(std::move(gate));
  return e;
}

std::string DigestHexOf(const std::string& subject) {
  auto hex = policy::ParseSubjectDigest(subject);
  return hex.ok() ? *hex : "";
}

// EvidenceSetDigest identifies the evidence of one evaluation: names, roles and bytes.
std::string EvidenceSetDigest(const std::vector<const EvidenceFile*>& files) {
  std::string acc;
  for (const EvidenceFile* f : files) {
    acc += std::to_string(static_cast<int>(f->role)) + ":" + HexEncode(Sha256(f->name)) + ":" + f->sha256 + ":" +
           (f->signature.empty() ? std::string() : HexEncode(Sha256(f->signature))) + ";";
  }
  return HexEncode(Sha256(acc));
}

// Expiry is the latest instant a verdict may be served: the earliest max_age or exception
// expiry the decision depended on (none with a fixed evaluation time).
Timestamp Expiry(const policy::LoadedPolicy& lp, const DecisionView* d, const VsaResult& vsa, Timestamp at) {
  Timestamp e = Timestamp::max();
  auto cap = [&](Timestamp t) { e = std::min(e, t); };
  const auto& p = lp.policy;
  if (d == nullptr) {
    if (p.max_age && vsa.time_verified) cap(*vsa.time_verified + *p.max_age);
    return e;
  }
  if (p.max_age && d->provenance_time) cap(*d->provenance_time + *p.max_age);
  for (const auto& a : d->attestations) {
    for (const auto& r : p.require) {
      if (r.predicate_type == a.predicate_type && r.max_age && a.trusted_time) cap(*a.trusted_time + *r.max_age);
    }
  }
  for (const auto& w : d->waivers) cap(w.expires);
  for (const auto& ex : p.exceptions) {
    if (ex.expires && *ex.expires > at && ex.subject == d->subject) cap(*ex.expires);
  }
  return e;
}

std::shared_ptr<const v1::VerifyResponse> Evaluate(const PolicyEntry& entry, const v1::VerifyRequest& req,
                                                    const std::vector<const EvidenceFile*>& files, Timestamp at,
                                                    bool fixed_time, Timestamp* expires) {
  const policy::LoadedPolicy& lp = entry.gate->policy();
  const std::string subject = req.image();
  const std::string hex = DigestHexOf(subject);
  auto resp = std::make_shared<v1::VerifyResponse>();
  resp->set_image(subject);
  resp->set_policy_digest(lp.digest);
  resp->set_evaluated_at(FormatRfc3339(at));

  std::vector<const EvidenceFile*> signatures, vsas;
  ChainInputs ci;
  ci.subject = subject;
  ci.policy = &lp.policy;
  ci.at = at;
  for (const EvidenceFile* f : files) {
    ci.input_types[f->name] = f->predicate_types;
    if (f->role == EvidenceRole::kSignature || f->role == EvidenceRole::kSimpleSigning) signatures.push_back(f);
    if (f->role == EvidenceRole::kVsa) vsas.push_back(f);
  }
  // 4a. A VSA may stand in for the evidence.
  if (!hex.empty()) ci.vsa = CheckVsa(lp, entry.release_trust.get(), hex, at, vsas);
  DecisionView view;
  if (!ci.vsa.accepted) {
    policy::GateRequest gr;
    gr.subject = subject;
    gr.at = at;
    for (const EvidenceFile* f : files) {
      if (f->role == EvidenceRole::kProvenance) gr.provenance.push_back({f->name, f->bytes});
      if (f->role == EvidenceRole::kAttestation) gr.attestations.push_back({f->name, f->bytes});
    }
    view = ViewDecision(entry.gate->Evaluate(gr));
    ci.decision = &view;
  }
  // 4b. The release-signature requirement.
  ci.release = CheckReleaseSignatures(lp, entry.release_trust.get(), subject, signatures, at);
  const bool release_ok = ci.release.status == ReleaseResult::Status::kNotRequired ||
                          ci.release.status == ReleaseResult::Status::kPass;
  const bool evidence_ok = ci.vsa.accepted || view.allowed;
  resp->set_allowed(evidence_ok && release_ok);
  resp->set_digest(ci.vsa.accepted ? "sha256:" + hex : view.subject);
  if (!ci.vsa.accepted) {
    for (const auto& x : view.findings) {
      v1::Finding* out = resp->add_findings();
      out->set_code(x.code);
      out->set_message(x.message);
      out->set_input(x.input);
    }
  }
  if (!release_ok && !(ci.decision != nullptr && view.subject.empty())) {
    v1::Finding* out = resp->add_findings();
    out->set_code(ci.release.finding);
    out->set_message("release signature: " + ci.release.detail);
    out->set_input(ci.release.input);
  }
  for (auto& link : BuildChain(ci)) *resp->add_chain() = std::move(link);
  *expires = fixed_time ? Timestamp::max() : Expiry(lp, ci.vsa.accepted ? nullptr : &view, ci.vsa, at);
  if (!fixed_time && entry.release_trust != nullptr) *expires = std::min(*expires, NextChange(*entry.release_trust, at));
  return resp;
}

}  // namespace

Result<std::shared_ptr<const VerifierState>> VerifierState::Load(const VerifierdConfig& config) {
  std::shared_ptr<VerifierState> s(new VerifierState());
  s->config_ = config;
  for (const auto& [name, path] : config.policies) {
    SIGNET_ASSIGN_OR_RETURN(PolicyEntry e, LoadEntry(name, path, config.policy_keyring));
    s->policies_[name] = std::move(e);
  }
  SIGNET_ASSIGN_OR_RETURN(s->store_, EvidenceStore::Build(config.evidence_directories));
  if (config.registry) {
    SIGNET_ASSIGN_OR_RETURN(s->remote_, MakeRegistryEvidence(*config.registry));
  }
  return std::shared_ptr<const VerifierState>(std::move(s));
}

std::shared_ptr<const VerifierState> VerifierState::FromGates(std::vector<PolicyEntry> policies, VerifierdConfig config,
                                                              std::shared_ptr<const EvidenceStore> store,
                                                              std::shared_ptr<const RemoteEvidence> remote) {
  std::shared_ptr<VerifierState> s(new VerifierState());
  s->remote_ = std::move(remote);
  s->config_ = std::move(config);
  for (auto& p : policies) s->policies_[p.name] = std::move(p);
  if (store == nullptr) {
    auto empty = EvidenceStore::Build({});
    store = empty.ok() ? *empty : nullptr;
  }
  s->store_ = std::move(store);
  return s;
}

const PolicyEntry* VerifierState::FindPolicy(const std::string& name) const {
  auto it = policies_.find(name);
  return it == policies_.end() ? nullptr : &it->second;
}

Status VerifierState::Ready() const {
  if (policies_.empty()) return Unavailable("no policies loaded");
  for (const auto& [name, p] : policies_) {
    if (p.gate == nullptr) return Unavailable("policy " + name + " is not loaded");
  }
  if (store_ == nullptr) return Unavailable("no evidence index");
  return OkStatus();
}

// RegistryDenial is the verdict when the registry could not be read: the evaluation of what else
// there was (so chain[] says what is missing), denied, with the registry's finding first. Never
// cached: the next request asks the registry again.
static v1::VerifyResponse RegistryDenial(const PolicyEntry& entry, const v1::VerifyRequest& req,
                                         const std::vector<const EvidenceFile*>& files, Timestamp at,
                                         const Error& error, VerifyTrace* trace) {
  Timestamp expires;
  v1::VerifyResponse out = *Evaluate(entry, req, files, at, true, &expires);
  v1::VerifyResponse denied = out;
  denied.set_allowed(false);
  denied.clear_findings();
  v1::Finding* first = denied.add_findings();
  first->set_code(RegistryFailureCode(error));
  first->set_message("evidence from the registry: " + error.message());
  first->set_input("registry");
  for (const auto& f : out.findings()) *denied.add_findings() = f;
  if (trace != nullptr) trace->cache_hit = false;
  return denied;
}

Result<v1::VerifyResponse> HandleVerify(const VerifierState& state, VerifyCache* cache, const v1::VerifyRequest& req,
                                        const VerifyOptions& options, VerifyTrace* trace) {
  // 1. Policy.
  const PolicyEntry* entry = state.FindPolicy(req.policy());
  if (entry == nullptr) {
    return InvalidArgument("no policy of that name is configured").WithFinding(kUnknownPolicy);
  }
  if (req.image().size() > policy::kMaxImageRefBytes) {
    return InvalidArgument("image reference longer than 1024 bytes").WithFinding(findings::kMalformedInput);
  }
  if (req.evidence_size() > static_cast<int>(kMaxEvidenceItems)) {
    return InvalidArgument("more than 256 evidence items").WithFinding(kBadEvidence);
  }
  // 2. Evidence.
  std::vector<EvidenceFile> own;
  std::vector<std::shared_ptr<const EvidenceFile>> stored;
  std::vector<const EvidenceFile*> files;
  if (req.evidence_size() > 0) {
    for (const auto& ev : req.evidence()) {
      if (ev.name().empty() || ev.name().size() > 256) {
        return InvalidArgument("an evidence name must have 1-256 bytes").WithFinding(kBadEvidence);
      }
      EvidenceFile f = ClassifyEvidence(ev.name(), ev.content());
      if (ev.role() == "provenance") {
        f.role = EvidenceRole::kProvenance;
      } else if (ev.role() == "attestation") {
        f.role = EvidenceRole::kAttestation;
      } else if (!ev.role().empty()) {
        return InvalidArgument("evidence role must be \"provenance\", \"attestation\" or \"\"").WithFinding(kBadEvidence);
      }
      own.push_back(std::move(f));
    }
    PairSimpleSignatures(own);
    for (const auto& f : own) files.push_back(&f);
  } else if (std::string hex = DigestHexOf(req.image()); !hex.empty()) {
    stored = state.store().Lookup(hex);
    for (const auto& f : stored) files.push_back(f.get());
    if (state.remote() != nullptr) {
      Result<std::vector<EvidenceFile>> fetched = state.remote()->Fetch(req.image());
      if (!fetched.ok()) return RegistryDenial(*entry, req, files, state.config().evaluation_time.value_or(options.now),
                              fetched.error(), trace);
      own = std::move(*fetched);
      for (const auto& f : own) files.push_back(&f);
    }
  }
  // 3. Cache key.
  const bool fixed_time = state.config().evaluation_time.has_value();
  const Timestamp at = fixed_time ? *state.config().evaluation_time : options.now;
  const std::string key = HexEncode(Sha256(req.image())) + "|" + entry->gate->policy().digest + "|" +
                          entry->trust_root_digest + "|" + EvidenceSetDigest(files) + "|" +
                          (fixed_time ? "at:" + FormatRfc3339(at) : std::string("now"));
  auto compute = [&]() -> CachedValue<v1::VerifyResponse> {
    CachedValue<v1::VerifyResponse> cv;
    // Gate decisions are deterministic for their inputs: allowed and denied alike are cached.
    cv.value = Evaluate(*entry, req, files, at, fixed_time, &cv.expires);
    cv.deterministic = true;
    return cv;
  };
  std::shared_ptr<const v1::VerifyResponse> resp;
  bool hit = false;
  if (cache != nullptr) {
    resp = cache->Get(key, options.now, options.store_in_cache, compute, &hit);
  } else {
    resp = compute().value;
  }
  if (trace != nullptr) trace->cache_hit = hit;
  v1::VerifyResponse out = *resp;
  // A cached verdict about the same digest may have been computed at another instant: the
  // response says when it was evaluated, which is what it is.
  return out;
}

// The served route (main.cc) decodes and prints through service::ProtoHandler; these use the
// same two functions, so the parity test and the fuzz target see exactly the served bytes.
Result<v1::VerifyRequest> ParseVerifyRequest(std::string_view body) {
  v1::VerifyRequest req;
  SIGNET_RETURN_IF_ERROR(service::ParseProtoJson(body, &req));
  return req;
}

Result<std::string> PrintVerifyResponse(const v1::VerifyResponse& resp) { return service::PrintProtoJson(resp); }

namespace {
HttpResult ErrorBody(int status, const std::string& code, const std::string& message) {
  JsonValue v;
  v.Set("code", JsonValue::String(code)).Set("message", JsonValue::String(message));
  return HttpResult{status, WriteJson(v)};
}
}  // namespace

HttpResult HandleVerifyBody(const VerifierState& state, VerifyCache* cache, std::string_view body,
                            const VerifyOptions& options) {
  auto req = ParseVerifyRequest(body);
  if (!req.ok()) return ErrorBody(400, "MALFORMED_REQUEST", req.error().message());
  auto resp = HandleVerify(state, cache, *req, options);
  if (!resp.ok()) {
    const std::string code = resp.error().finding().empty() ? "MALFORMED_REQUEST" : resp.error().finding();
    return ErrorBody(400, code, resp.error().message());
  }
  auto text = PrintVerifyResponse(*resp);
  if (!text.ok()) return ErrorBody(500, "INTERNAL", "internal error");
  return HttpResult{200, std::move(*text)};
}

}  // namespace signet::verifierd
