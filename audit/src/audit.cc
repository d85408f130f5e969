// The audit procedure (audit.h).
#include "signet/audit/audit.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "signet/core/encoding.h"
#include "signet/core/findings.h"
#include "signet/core/hash.h"

namespace signet::audit {
namespace {

Severity ScopeSeverity(bool production) { return production ? Severity::kCritical : Severity::kHigh; }

void Add(std::vector<ReportFinding>* out, std::string code, Severity severity, std::string subject,
         std::string message) {
  for (const ReportFinding& f : *out) {
    if (f.code == code && f.subject == subject) return;  // one finding per (code, subject)
  }
  out->push_back(ReportFinding{std::move(code), severity, std::move(subject), std::move(message)});
}

bool Contains(const std::vector<std::string>& list, std::string_view s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

std::string Rank(std::string_view seed, const std::string& key) {
  std::string material(seed);
  material.push_back('\0');
  material += key;
  return HexEncode(Sha256(material));
}

// HostPort returns "host:port" of an https URL (port 443 when absent), or "" when it is not one.
std::string HostPort(std::string_view url) {
  constexpr std::string_view kScheme = "https://";
  if (url.substr(0, kScheme.size()) != kScheme) return "";
  url.remove_prefix(kScheme.size());
  std::string_view authority = url.substr(0, url.find('/'));
  if (authority.empty()) return "";
  bool has_port = false;
  if (authority.front() == '[') {
    size_t close = authority.find(']');
    has_port = close != std::string_view::npos && close + 1 < authority.size() && authority[close + 1] == ':';
  } else {
    has_port = authority.find(':') != std::string_view::npos;
  }
  return has_port ? std::string(authority) : std::string(authority) + ":443";
}

std::string UrlPath(std::string_view url) {
  size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return "";
  size_t slash = url.find('/', scheme + 3);
  if (slash == std::string_view::npos) return "";
  std::string_view path = url.substr(slash);
  return std::string(path.substr(0, path.find('?')));
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

Result<std::string> JStr(const JsonValue& obj, std::string_view key) {
  const JsonValue* v = obj.Find(key);
  if (v == nullptr || v->is_null()) return std::string();
  if (!v->is_string()) return InvalidArgument(std::string(key) + " must be a string");
  return v->string_value();
}

}  // namespace

std::string_view SeverityName(Severity s) {
  switch (s) {
    case Severity::kCritical: return "critical";
    case Severity::kHigh: return "high";
    case Severity::kMedium: return "medium";
    case Severity::kInfo: return "info";
  }
  return "info";
}

std::string SampleUnit::Key() const {
  std::string ref = running_digest.empty() ? image : running_repository + "@" + running_digest;
  return namespace_name + "\n" + ref;
}

std::vector<SampleUnit> GroupContainers(const std::vector<RunningContainer>& containers) {
  std::map<std::string, SampleUnit> units;
  for (const RunningContainer& c : containers) {
    SampleUnit probe;
    probe.namespace_name = c.namespace_name;
    probe.image = c.image;
    probe.running_repository = c.running_repository;
    probe.running_digest = c.running_digest;
    std::string key = probe.Key();
    auto [it, inserted] = units.try_emplace(key, std::move(probe));
    it->second.containers.push_back(c);
  }
  std::vector<SampleUnit> out;
  out.reserve(units.size());
  for (auto& [key, unit] : units) {
    std::sort(unit.containers.begin(), unit.containers.end(), [](const RunningContainer& a, const RunningContainer& b) {
      return std::tie(a.pod, a.container) < std::tie(b.pod, b.container);
    });
    unit.image = unit.containers.front().image;
    out.push_back(std::move(unit));
  }
  return out;
}

std::vector<SampleUnit> Sample(const std::vector<SampleUnit>& units, size_t n, std::string_view seed,
                               const std::vector<std::string>& production_namespaces) {
  std::vector<std::pair<std::string, size_t>> ranked;
  ranked.reserve(units.size());
  for (size_t i = 0; i < units.size(); ++i) ranked.emplace_back(Rank(seed, units[i].Key()), i);
  std::sort(ranked.begin(), ranked.end());
  std::vector<bool> taken(units.size(), false);
  std::vector<size_t> chosen;
  for (const std::string& ns : production_namespaces) {
    if (chosen.size() >= n) break;
    for (const auto& [rank, i] : ranked) {
      if (!taken[i] && units[i].namespace_name == ns) {
        taken[i] = true;
        chosen.push_back(i);
        break;
      }
    }
  }
  for (const auto& [rank, i] : ranked) {
    if (chosen.size() >= n) break;
    if (!taken[i]) {
      taken[i] = true;
      chosen.push_back(i);
    }
  }
  std::sort(chosen.begin(), chosen.end(), [&](size_t a, size_t b) {
    return std::make_pair(units[a].namespace_name, units[a].Key()) < std::make_pair(units[b].namespace_name, units[b].Key());
  });
  std::vector<SampleUnit> out;
  for (size_t i : chosen) out.push_back(units[i]);
  return out;
}

Result<VerifyOutcome> ParseVerifyResponse(std::string_view body) {
  SIGNET_ASSIGN_OR_RETURN(JsonValue doc, ParseJson(body));
  if (!doc.is_object()) return InvalidArgument("verifier: the verify response is not an object");
  VerifyOutcome out;
  auto allowed = doc.GetBool("allowed");
  if (!allowed.ok()) return InvalidArgument("verifier: the verify response has no boolean allowed");
  out.allowed = *allowed;
  SIGNET_ASSIGN_OR_RETURN(out.digest, JStr(doc, "digest"));
  SIGNET_ASSIGN_OR_RETURN(out.policy_digest, JStr(doc, "policyDigest"));
  SIGNET_ASSIGN_OR_RETURN(out.evaluated_at, JStr(doc, "evaluatedAt"));
  if (const JsonValue* chain = doc.Find("chain"); chain != nullptr && !chain->is_null()) {
    if (!chain->is_array()) return InvalidArgument("verifier: chain must be a list");
    for (const JsonValue& l : chain->array()) {
      if (!l.is_object()) return InvalidArgument("verifier: a chain link must be an object");
      ChainLink link;
      SIGNET_ASSIGN_OR_RETURN(link.link, JStr(l, "link"));
      SIGNET_ASSIGN_OR_RETURN(link.status, JStr(l, "status"));
      SIGNET_ASSIGN_OR_RETURN(link.code, JStr(l, "code"));
      SIGNET_ASSIGN_OR_RETURN(link.detail, JStr(l, "detail"));
      out.chain.push_back(std::move(link));
    }
  }
  if (const JsonValue* findings = doc.Find("findings"); findings != nullptr && !findings->is_null()) {
    if (!findings->is_array()) return InvalidArgument("verifier: findings must be a list");
    for (const JsonValue& f : findings->array()) {
      if (!f.is_object()) return InvalidArgument("verifier: a finding must be an object");
      SIGNET_ASSIGN_OR_RETURN(std::string code, JStr(f, "code"));
      SIGNET_ASSIGN_OR_RETURN(std::string message, JStr(f, "message"));
      out.findings.emplace_back(std::move(code), std::move(message));
    }
  }
  return out;
}

Result<AdmissionOutcome> ParseAdmissionResponse(std::string_view body) {
  SIGNET_ASSIGN_OR_RETURN(JsonValue doc, ParseJson(body));
  const JsonValue* resp = doc.is_object() ? doc.Find("response") : nullptr;
  if (resp == nullptr || !resp->is_object()) return InvalidArgument("verifier: the admission review has no response");
  AdmissionOutcome out;
  SIGNET_ASSIGN_OR_RETURN(out.uid, JStr(*resp, "uid"));
  auto allowed = resp->GetBool("allowed");
  if (!allowed.ok()) return InvalidArgument("verifier: the admission response has no boolean allowed");
  out.allowed = *allowed;
  if (const JsonValue* status = resp->Find("status"); status != nullptr && status->is_object()) {
    SIGNET_ASSIGN_OR_RETURN(out.message, JStr(*status, "message"));
  }
  if (const JsonValue* warnings = resp->Find("warnings"); warnings != nullptr && !warnings->is_null()) {
    if (!warnings->is_array()) return InvalidArgument("verifier: warnings must be a list");
    for (const JsonValue& w : warnings->array()) {
      if (!w.is_string()) return InvalidArgument("verifier: warnings must be strings");
      out.warnings.push_back(w.string_value());
    }
  }
  return out;
}

JsonValue ProbeReview(std::string_view uid, std::string_view namespace_name, std::string_view image) {
  JsonValue container;
  container.Set("name", JsonValue::String("probe")).Set("image", JsonValue::String(std::string(image)));
  JsonValue spec;
  spec.Set("containers", JsonValue::MakeArray({container}));
  JsonValue meta;
  meta.Set("name", JsonValue::String("signet-audit-probe")).Set("namespace", JsonValue::String(std::string(namespace_name)));
  JsonValue pod;
  pod.Set("apiVersion", JsonValue::String("v1"))
      .Set("kind", JsonValue::String("Pod"))
      .Set("metadata", std::move(meta))
      .Set("spec", std::move(spec));
  auto gvk = [](const char* kind_or_resource, const char* field) {
    JsonValue v;
    v.Set("group", JsonValue::String("")).Set("version", JsonValue::String("v1")).Set(field, JsonValue::String(kind_or_resource));
    return v;
  };
  JsonValue user;
  user.Set("username", JsonValue::String("signet-audit"));
  JsonValue request;
  request.Set("uid", JsonValue::String(std::string(uid)))
      .Set("kind", gvk("Pod", "kind"))
      .Set("resource", gvk("pods", "resource"))
      .Set("name", JsonValue::String("signet-audit-probe"))
      .Set("namespace", JsonValue::String(std::string(namespace_name)))
      .Set("operation", JsonValue::String("CREATE"))
      .Set("userInfo", std::move(user))
      .Set("object", std::move(pod))
      .Set("oldObject", JsonValue::Null())
      .Set("dryRun", JsonValue::Bool(false));
  JsonValue review;
  review.Set("apiVersion", JsonValue::String("admission.k8s.io/v1"))
      .Set("kind", JsonValue::String("AdmissionReview"))
      .Set("request", std::move(request));
  return review;
}

std::string DefaultProbeImage() {
  return "registry.invalid/signet-audit/unsigned-probe@sha256:" + HexEncode(Sha256(std::string_view("signet audit unsigned-image probe v1")));
}

std::vector<SigningRecord> SigningLog::For(std::string_view digest) const {
  std::vector<SigningRecord> out;
  if (!IsSha256Digest(digest)) return out;
  for (const SigningRecord& r : records) {
    if (SplitImage(r.subject).digest == digest) out.push_back(r);
  }
  return out;
}

bool Report::HasCritical() const {
  return std::any_of(findings.begin(), findings.end(), [](const ReportFinding& f) { return f.severity == Severity::kCritical; });
}

bool PointsAtVerifier(const Webhook& webhook, std::string_view verifier_url) {
  if (!webhook.url.empty()) {
    std::string hp = HostPort(webhook.url);
    if (!hp.empty() && hp == HostPort(verifier_url)) return true;
    return EndsWith(UrlPath(webhook.url), "/v1/admission");
  }
  return EndsWith(webhook.service_path.substr(0, webhook.service_path.find('?')), "/v1/admission");
}

void ReviewAdmission(const std::vector<Webhook>& webhooks, std::string_view verifier_url,
                     const std::vector<std::string>& namespaces, const std::vector<std::string>& production,
                     Report* report) {
  bool any = false;
  for (const Webhook& w : webhooks) {
    WebhookReview r{w, PointsAtVerifier(w, verifier_url)};
    if (r.points_at_verifier) {
      any = true;
      if (w.failure_policy != "Fail") {
        Add(&report->findings, findings::kContProvAdmissionFailOpen, Severity::kCritical, w.configuration + "/" + w.name,
            "failurePolicy is " + w.failure_policy + ": when verifierd cannot answer, pods are admitted unchecked");
      }
      if (!w.CoversPods()) {
        Add(&report->findings, findings::kContProvNamespaceNotCovered, Severity::kHigh, w.configuration + "/" + w.name,
            "no rule sends CREATE of pods or pod-bearing workloads to verifierd");
      }
    }
    report->webhooks.push_back(std::move(r));
  }
  if (!any) {
    Add(&report->findings, findings::kContProvAdmissionNotConfigured, Severity::kCritical, "(cluster)",
        "no validating webhook sends admission reviews to verifierd");
  }
  for (const std::string& ns : namespaces) {
    NamespaceAdmission na;
    na.name = ns;
    na.production = Contains(production, ns);
    std::vector<std::pair<std::string, std::string>> labels = {{"kubernetes.io/metadata.name", ns}};
    for (const WebhookReview& r : report->webhooks) {
      if (r.points_at_verifier && r.webhook.CoversPods() && r.webhook.namespace_selector.Matches(labels)) {
        na.webhooks.push_back(r.webhook.configuration + "/" + r.webhook.name);
      }
    }
    if (na.webhooks.empty()) {
      Add(&report->findings, findings::kContProvNamespaceNotCovered, ScopeSeverity(na.production), ns,
          "no verifierd webhook selects this namespace: its pods are admitted without a check");
    }
    report->namespaces.push_back(std::move(na));
  }
}

void CheckDrift(const std::vector<RenderedImage>& rendered, ImageRecord* record, std::vector<ReportFinding>* findings) {
  record->drift = "not-rendered";
  for (const RunningContainer& c : record->unit.containers) {
    for (const RenderedImage& r : rendered) {
      if (r.container != c.container || r.workload != c.workload) continue;
      if (!r.namespace_name.empty() && r.namespace_name != c.namespace_name) continue;
      record->rendered_reference = r.image;
      record->rendered_file = r.file;
      ImageParts rendered_parts = SplitImage(r.image);
      std::string running = c.running_digest.empty() ? SplitImage(c.image).digest : c.running_digest;
      if (rendered_parts.digest.empty()) {
        record->drift = "not-pinned";
      } else if (rendered_parts.digest == running) {
        record->drift = "match";
      } else {
        record->drift = "drift";
        Add(findings, findings::kContProvRenderedDrift, ScopeSeverity(record->production),
            c.namespace_name + "/" + c.workload + "/" + c.container,
            "the rendered manifest (" + r.file + ") pins " + rendered_parts.digest + " but " +
                (running.empty() ? std::string("no digest") : running) + " runs");
      }
      return;
    }
  }
}

Result<Report> RunAudit(const AuditInputs& in, VerifierClient& verifier) {
  if (in.policy == nullptr) return InvalidArgument("audit: no policy");
  Report report;
  report.generated_at = FormatRfc3339(in.at);
  report.seed = in.seed;
  report.sample_size = in.sample;
  report.containers = in.pods.size();
  report.policy_file_digest = in.policy_file_digest;
  report.verifier = in.verifier_url;
  report.verifier_policy = in.verifier_policy;
  report.production_namespaces = in.policy->production_namespaces;
  if (in.signing_log != nullptr) {
    report.signing_log_origin = in.signing_log->origin;
    report.signing_log_size = in.signing_log->tree_size;
  }
  const auto& production = in.policy->production_namespaces;

  // 1. Group the running containers into (namespace, image) units and sample them.
  std::vector<SampleUnit> units = GroupContainers(in.pods);
  report.population = units.size();
  std::set<std::string> running_ns;
  for (const SampleUnit& u : units) running_ns.insert(u.namespace_name);
  for (const std::string& ns : production) {
    if (running_ns.count(ns) == 0) {
      Add(&report.findings, findings::kContProvProductionNotSampled, Severity::kMedium, ns,
          "the policy calls this namespace production, but no pod runs in it");
    }
  }
  std::vector<SampleUnit> sample = Sample(units, in.sample, in.seed, production);

  // 2. Each sampled image: verifierd's verdict, exceptions, drift.
  bool policy_mismatch = false;
  for (SampleUnit& unit : sample) {
    ImageRecord rec;
    rec.unit = std::move(unit);
    rec.production = Contains(production, rec.unit.namespace_name);
    const std::string& ns = rec.unit.namespace_name;
    ImageParts spec = SplitImage(rec.unit.image);
    std::string subject = ns + " " + rec.unit.image;
    if (!rec.unit.running_digest.empty()) {
      rec.verified_reference = rec.unit.running_repository + "@" + rec.unit.running_digest;
    } else if (IsSha256Digest(spec.digest)) {
      rec.verified_reference = spec.repository + "@" + spec.digest;
    }
    if (rec.verified_reference.empty() && in.resolver != nullptr && !spec.tag.empty()) {
      auto resolved = in.resolver->Resolve(rec.unit.image);
      if (resolved.ok() && IsSha256Digest(*resolved)) {
        rec.verified_reference = spec.repository + "@" + *resolved;
        rec.resolved_from_tag = true;
      }
    }
    std::string digest = rec.unit.running_digest.empty() ? spec.digest : rec.unit.running_digest;
    // Exceptions about this digest, or about the deployed tag.
    for (const policy::PolicyException& e : in.policy->exceptions) {
      bool about_digest = !digest.empty() && e.subject == digest;
      bool about_tag = e.finding == findings::kMutableReference && e.subject == rec.unit.image;
      if (!about_digest && !about_tag) continue;
      ExceptionView v{e.finding, e.subject, e.owner, e.ticket, e.expires ? FormatRfc3339(*e.expires) : std::string(), ""};
      if (e.owner.empty() || !e.expires) {
        v.state = "incomplete";
      } else if (in.at >= *e.expires) {
        v.state = "expired";
      } else {
        v.state = "live";
      }
      if (v.state != "live") {
        Add(&report.findings, findings::kContProvStaleException, ScopeSeverity(rec.production), subject,
            "an exception for " + e.finding + " (owner " + (e.owner.empty() ? std::string("none") : e.owner) + ", expiry " +
                (v.expires.empty() ? std::string("none") : v.expires) + ") is " + v.state + " and waives nothing");
      }
      rec.exceptions.push_back(std::move(v));
    }
    // A tag-only workload: the deployed reference is mutable.
    if (spec.digest.empty()) {
      bool waived = std::any_of(rec.exceptions.begin(), rec.exceptions.end(), [&](const ExceptionView& v) {
        return v.finding == findings::kMutableReference && v.state == "live";
      });
      Add(&report.findings, findings::kContProvMutableTag, waived ? Severity::kInfo : ScopeSeverity(rec.production),
          subject,
          waived ? "deployed by tag; a live exception with an owner and expiry covers it"
                 : "deployed by tag, not pinned by digest: what runs can change without a new deployment");
    }
    if (rec.verified_reference.empty()) {
      rec.verdict = "not-verified";
      Add(&report.findings, findings::kContProvRunningDigestUnknown, Severity::kHigh, subject,
          "no container reports the digest of the running image (imageID), so it was not verified");
    } else {
      SIGNET_ASSIGN_OR_RETURN(VerifyOutcome outcome, verifier.Verify(rec.verified_reference, in.verifier_policy));
      rec.verdict = outcome.allowed ? "allowed" : "denied";
      if (!in.policy_file_digest.empty() && outcome.policy_digest != in.policy_file_digest) policy_mismatch = true;
      for (const ChainLink& link : outcome.chain) {
        if (link.status == "PASS" || link.code.empty()) continue;
        Severity sev = link.status == "WAIVED" ? Severity::kInfo
                       : outcome.allowed       ? Severity::kMedium
                                               : ScopeSeverity(rec.production);
        Add(&report.findings, link.code, sev, subject, link.link + ": " + link.status + (link.detail.empty() ? "" : " — " + link.detail));
      }
      if (!outcome.allowed && outcome.chain.empty()) {
        for (const auto& [code, message] : outcome.findings) {
          Add(&report.findings, code, ScopeSeverity(rec.production), subject, message);
        }
      }
      rec.outcome = std::move(outcome);
    }
    // What the appliance's log recorded about this digest.
    if (in.signing_log != nullptr) {
      std::string logged_digest = SplitImage(rec.verified_reference).digest;
      if (logged_digest.empty()) {
        rec.signing = "not-verified";
      } else {
        rec.signings = in.signing_log->For(logged_digest);
        rec.signing = rec.signings.empty() ? "not-logged" : "logged";
        for (const SigningRecord& sr : rec.signings) {
          if (sr.key_verdict.empty() || sr.key_verdict == "valid") continue;
          Add(&report.findings, sr.key_verdict, ScopeSeverity(rec.production), subject,
              "the appliance's log records a signing of " + logged_digest + " at " + sr.signed_at + " (log index " +
                  std::to_string(sr.log_index) + ") by a key the release keyring does not accept then: " +
                  sr.key_verdict_message);
        }
        if (rec.signings.empty() && rec.verdict == "allowed") {
          Add(&report.findings, findings::kContProvSigningNotLogged, Severity::kHigh, subject,
              "verifierd allowed " + logged_digest + ", but the appliance's log (" + in.signing_log->origin +
                  ", tree size " + std::to_string(in.signing_log->tree_size) +
                  ") holds no signing record for it: its signature was not made by this appliance, or not logged");
        }
      }
    }
    if (in.rendered) {
      CheckDrift(*in.rendered, &rec, &report.findings);
    } else {
      rec.drift = "no-rendered-input";
    }
    report.images.push_back(std::move(rec));
  }
  if (policy_mismatch) {
    Add(&report.findings, findings::kContProvPolicyMismatch, Severity::kHigh, in.verifier_policy,
        "verifierd decided under a policy whose digest differs from --policy " + in.policy_file_digest);
  }

  // 3. Admission configuration.
  std::set<std::string> ns_set = running_ns;
  ns_set.insert(production.begin(), production.end());
  std::vector<std::string> namespaces(ns_set.begin(), ns_set.end());
  ReviewAdmission(in.webhooks, in.verifier_url, namespaces, production, &report);

  // 4. The unsigned-image probe, in every namespace: what verifierd does with it is the
  // namespace's mode; in the first production namespace it is the probe of the procedure.
  std::string image = in.probe_image.empty() ? DefaultProbeImage() : in.probe_image;
  std::string probe_ns = production.empty() ? std::string("default") : production.front();
  if (production.empty()) {
    Add(&report.findings, findings::kContProvProductionNotSampled, Severity::kMedium, "(policy)",
        "the policy names no production_namespaces; the probe went to namespace default");
  }
  report.probe.namespace_name = probe_ns;
  report.probe.image = image;
  bool probe_done = false;
  auto probe = [&](const std::string& ns) -> Result<AdmissionOutcome> {
    std::string uid = "signet-audit-probe-" + HexEncode(Sha256(ns)).substr(0, 16);
    SIGNET_ASSIGN_OR_RETURN(AdmissionOutcome outcome, verifier.Admit(ProbeReview(uid, ns, image)));
    if (outcome.uid != uid) return InvalidArgument("verifier: the admission response is for another uid");
    return outcome;
  };
  for (NamespaceAdmission& na : report.namespaces) {
    SIGNET_ASSIGN_OR_RETURN(AdmissionOutcome outcome, probe(na.name));
    na.mode = !outcome.allowed ? "enforce" : (outcome.warnings.empty() ? "admitted" : "audit");
    na.probe_message = !outcome.allowed ? outcome.message
                       : outcome.warnings.empty() ? std::string() : outcome.warnings.front();
    if (na.mode == "audit") {
      Add(&report.findings, findings::kContProvAuditOnlyAdmission, ScopeSeverity(na.production), na.name,
          "verifierd only warns in this namespace (audit mode): an unsigned image is admitted");
    }
    if (na.name == probe_ns) {
      report.probe.sent = true;
      report.probe.denied = !outcome.allowed;
      report.probe.message = na.probe_message;
      probe_done = true;
    }
  }
  if (!probe_done) {
    SIGNET_ASSIGN_OR_RETURN(AdmissionOutcome outcome, probe(probe_ns));
    report.probe.sent = true;
    report.probe.denied = !outcome.allowed;
    report.probe.message = !outcome.allowed ? outcome.message : (outcome.warnings.empty() ? "" : outcome.warnings.front());
  }
  if (!report.probe.denied) {
    Add(&report.findings, findings::kContProvUnsignedAdmitted, Severity::kCritical, probe_ns,
        "verifierd admitted an unsigned image in a production namespace");
  }

  // 5. Findings by severity, then code, then subject.
  std::stable_sort(report.findings.begin(), report.findings.end(), [](const ReportFinding& a, const ReportFinding& b) {
    return std::tie(a.severity, a.code, a.subject) < std::tie(b.severity, b.code, b.subject);
  });
  return report;
}

}  // namespace signet::audit
