// `signet audit`: the auditor's procedure as one command (issue 18 part 4). The procedure and the
// report live in audit/; this file reads the inputs, reaches verifierd over HTTPS (and, for a
// container that reports no digest, the registry), writes report.json and report.html and, with
// --state-dir, appends the report's SHA-256 to the appliance's transparency log.
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "signet/audit/audit.h"
#include "signet/audit/inputs.h"
#include "signet/audit/render.h"
#include "signet/core/encoding.h"
#include "signet/core/file.h"
#include "signet/core/hash.h"
#include "signet/core/json.h"
#include "signet/core/time.h"
#include "signet/ops/commands.h"
#include "signet/ops/exit_codes.h"
#include "signet/policy/policy.h"
#include "signet/registry/registry.h"
#include "signet/service/client.h"
#include "signet/signer/state_log.h"
#include "signet/translog/log.h"
#include "signet/translog/verify.h"
#include "keyring_wiring.h"
#include "signet/custody/keyring.h"
#include "state_dir.h"
#include "wiring.h"

namespace signet::ops {
namespace {

namespace fs = std::filesystem;

struct AuditFlags {
  std::string pods, webhooks, rendered, policy, verifier, verifier_ca, verifier_policy = "default";
  std::string registry_config, registry_ca, state_dir, log_key, out, at, probe_image, log_dir, log_vkey;
  std::string keyring, revocations;
  std::string seed = "0";
  size_t sample = 20;
  KeyBackendFlags backend;
  bool json = false;
};

// HttpsVerifier is verifierd over the shared HTTPS client. A status other than 200, or a body
// that is not the route's message, is an error (exit 3): the audit never guesses a verdict.
class HttpsVerifier final : public audit::VerifierClient {
 public:
  explicit HttpsVerifier(std::unique_ptr<service::HttpsClient> client) : client_(std::move(client)) {}

  Result<audit::VerifyOutcome> Verify(const std::string& image, const std::string& policy_name) override {
    JsonValue req;
    req.Set("image", JsonValue::String(image)).Set("policy", JsonValue::String(policy_name));
    SIGNET_ASSIGN_OR_RETURN(std::string body, Post("/v1/verify", WriteJson(req)));
    return audit::ParseVerifyResponse(body);
  }

  Result<audit::AdmissionOutcome> Admit(const JsonValue& review) override {
    SIGNET_ASSIGN_OR_RETURN(std::string body, Post("/v1/admission", WriteJson(review)));
    return audit::ParseAdmissionResponse(body);
  }

 private:
  Result<std::string> Post(std::string_view path, const std::string& body) {
    SIGNET_ASSIGN_OR_RETURN(service::ClientResponse resp, client_->PostJson(path, body));
    if (resp.status != 200) {
      return Unavailable("verifier: " + std::string(path) + " answered HTTP " + std::to_string(resp.status));
    }
    return std::move(resp.body);
  }
  std::unique_ptr<service::HttpsClient> client_;
};

// RegistryResolver resolves a tag through the registry client (--registry-config/--registry-ca).
class RegistryResolver final : public audit::TagResolver {
 public:
  explicit RegistryResolver(registry::RegistryOptions options) : options_(std::move(options)) {}
  Result<std::string> Resolve(const std::string& image) override {
    audit::ImageParts parts = audit::SplitImage(image);
    size_t slash = parts.repository.find('/');
    if (slash == std::string::npos) return InvalidArgument("no registry host in the reference");
    std::string host = parts.repository.substr(0, slash);
    if (host.find('.') == std::string::npos && host.find(':') == std::string::npos && host != "localhost") {
      return InvalidArgument("no registry host in the reference");
    }
    SIGNET_ASSIGN_OR_RETURN(auto reg, registry::Registry::Open(host, options_));
    SIGNET_ASSIGN_OR_RETURN(registry::Manifest m, reg->GetManifest(parts.repository.substr(slash + 1), parts.tag));
    return m.digest;
  }

 private:
  registry::RegistryOptions options_;
};

// ReadSigningLog reads the appliance's log at `log_dir`, verified against its note verifier key
// (`vkey_file`, else the appliance.yaml beside it): every entry the signed checkpoint commits to,
// and of those the signing records with their signatures (signer::ReadSignings).
Result<audit::SigningLog> ReadSigningLog(const std::string& log_dir, const std::string& vkey_file) {
  SIGNET_ASSIGN_OR_RETURN(attestation::NoteVerifierKey vkey, LoadLogVerifierKey(log_dir, vkey_file));
  SIGNET_ASSIGN_OR_RETURN(translog::VerifiedEntries verified, translog::ReadVerifiedEntries(log_dir, vkey));
  SIGNET_ASSIGN_OR_RETURN(std::vector<signer::LoggedSigning> signings, signer::ReadSignings(verified.entries));
  audit::SigningLog out;
  out.origin = verified.checkpoint.origin;
  out.tree_size = verified.checkpoint.tree_size;
  for (signer::LoggedSigning& s : signings) {
    audit::SigningRecord r;
    r.log_index = s.index;
    r.subject = std::move(s.entry.record.subject);
    r.signed_at = FormatRfc3339(s.entry.record.time);
    r.key_id = std::move(s.entry.record.key_id);
    r.key_label = std::move(s.entry.record.key_label);
    r.policy_digest = std::move(s.entry.record.policy_digest);
    for (signer::LoggedSignatureRecord& g : s.signatures) {
      r.signatures.push_back({g.index, std::move(g.kind), std::move(g.signature), std::move(g.key_details), std::move(g.key_id)});
    }
    out.records.push_back(std::move(r));
  }
  return out;
}

// JudgeSigningKeys names each record's key version in `keyring` (the release key with its key
// id) and judges it at the record's time, which the log's signed checkpoint commits to.
void JudgeSigningKeys(const custody::Keyring& keyring, Timestamp now, audit::SigningLog& log) {
  for (audit::SigningRecord& r : log.records) {
    auto at = ParseRfc3339(r.signed_at);
    custody::KeyringVerdict v =
        custody::CheckSignatureKey(keyring, r.key_id, "release", at.ok() ? std::optional<Timestamp>(*at) : std::nullopt, now);
    if (v.key != nullptr) r.key_version = v.key->label;
    r.key_verdict = v.accepted ? "valid" : v.finding;
    r.key_verdict_message = v.message;
  }
}

// PrepareOut creates --out (0755) or accepts an empty directory; anything else is refused: the
// audit never replaces a report someone may already rely on.
Status PrepareOut(const std::string& out) {
  std::error_code ec;
  fs::file_status st = fs::symlink_status(out, ec);
  if (st.type() == fs::file_type::not_found) {
    if (::mkdir(out.c_str(), 0755) != 0) return InvalidArgument("--out: cannot create " + out);
    return OkStatus();
  }
  if (st.type() != fs::file_type::directory || !fs::is_empty(out, ec)) {
    return InvalidArgument("--out must be a new or empty directory: " + out);
  }
  return OkStatus();
}

int RunAudit(Backends& backends, const AuditFlags& f) {
  // 1. Inputs (exit 2 on any of them).
  auto pods_text = ReadFile(f.pods, audit::kMaxInputBytes);
  if (!pods_text.ok()) return ReportError(std::move(pods_text).error().Prefix("--pods"));
  auto pods = audit::ParsePods(*pods_text);
  if (!pods.ok()) return ReportError(std::move(pods).error().Prefix("--pods"));
  auto vwc_text = ReadFile(f.webhooks, audit::kMaxInputBytes);
  if (!vwc_text.ok()) return ReportError(std::move(vwc_text).error().Prefix("--webhooks"));
  auto webhooks = audit::ParseWebhooks(*vwc_text);
  if (!webhooks.ok()) return ReportError(std::move(webhooks).error().Prefix("--webhooks"));
  audit::AuditInputs in;
  in.pods = std::move(*pods);
  in.webhooks = std::move(*webhooks);
  if (!f.rendered.empty()) {
    auto rendered = audit::ReadRenderedDirectory(f.rendered);
    if (!rendered.ok()) return ReportError(std::move(rendered).error().Prefix("--rendered"));
    in.rendered = std::move(*rendered);
  }
  auto policy = policy::LoadPolicy(f.policy);
  if (!policy.ok()) return ReportError(std::move(policy).error().Prefix("--policy"));
  in.policy = &policy->policy;
  in.policy_file_digest = policy->digest;
  if (f.sample == 0) return ReportError(InvalidArgument("--sample must be at least 1"));
  in.sample = f.sample;
  in.seed = f.seed;
  in.verifier_url = f.verifier;
  in.verifier_policy = f.verifier_policy;
  in.probe_image = f.probe_image;
  if (!f.probe_image.empty() && !audit::IsSha256Digest(audit::SplitImage(f.probe_image).digest)) {
    return ReportError(InvalidArgument("--probe-image must be pinned by digest (REPO@sha256:HEX)"));
  }
  if (f.at.empty()) {
    in.at = SystemClock().Now();
  } else {
    auto at = ParseRfc3339(f.at);
    if (!at.ok()) return ReportError(std::move(at).error().Prefix("--at"));
    in.at = *at;
  }
  if (Status out = PrepareOut(f.out); !out.ok()) return ReportError(out.error());
  // The log is opened (and locked) before anything is asked, so a broken --state-dir costs no
  // audit and a written report is always logged.
  std::optional<OpenedLog> log_key;
  std::unique_ptr<translog::TransparencyLog> log;
  if (!f.state_dir.empty()) {
    auto opened = OpenLogSigner(backends, f.state_dir, f.log_key, f.backend);
    if (!opened.ok()) return ReportError(std::move(opened).error().Prefix("--state-dir"));
    log_key = std::move(*opened);
    auto opened_log = translog::TransparencyLog::Open(f.state_dir, *log_key->signer);
    if (!opened_log.ok()) return ReportError(std::move(opened_log).error().Prefix("--state-dir"));
    log = std::move(*opened_log);
  }

  // The appliance's log, for who signed each sampled image: --log, else --state-dir's own log.
  std::optional<audit::SigningLog> signing_log;
  if (!f.log_dir.empty() || !f.state_dir.empty()) {
    const std::string log_dir = !f.log_dir.empty() ? f.log_dir : (fs::path(f.state_dir) / translog::kLogDirName).string();
    auto read = ReadSigningLog(log_dir, f.log_vkey);
    if (!read.ok()) return ReportError(std::move(read).error().Prefix(f.log_dir.empty() ? "--state-dir's log" : "--log"));
    signing_log = std::move(*read);
    in.signing_log = &*signing_log;
  } else if (!f.log_vkey.empty()) {
    return ReportError(InvalidArgument("--log-vkey needs --log"));
  }
  // The release keyring: each logged signing's key version, judged at the log's time.
  if (!f.keyring.empty()) {
    if (!signing_log) return ReportError(InvalidArgument("--keyring needs --log or --state-dir (the signings it judges)"));
    SystemClock clock;
    auto keyring = LoadVerifiedKeyring(f.keyring, f.revocations, clock.Now());
    if (!keyring.ok()) return ReportError(keyring.error());
    JudgeSigningKeys(*keyring, clock.Now(), *signing_log);
  } else if (!f.revocations.empty()) {
    return ReportError(InvalidArgument("--revocations needs --keyring"));
  }

  // 2. The verifier (and the registry, for tags without a running digest).
  auto url = service::ParseHttpsUrl(f.verifier);
  if (!url.ok()) return ReportError(std::move(url).error().Prefix("--verifier"));
  service::ClientOptions options;
  options.ca_file = f.verifier_ca;
  options.use_system_store = f.verifier_ca.empty();
  options.user_agent = "signet-audit";
  auto client = service::HttpsClient::Create(*url, options);
  if (!client.ok()) return ReportError(std::move(client).error().Prefix("--verifier"));
  HttpsVerifier verifier(std::move(*client));
  std::unique_ptr<RegistryResolver> resolver;
  if (!f.registry_config.empty() || !f.registry_ca.empty()) {
    registry::RegistryOptions reg;
    reg.registry_config = f.registry_config;
    reg.registry_ca = f.registry_ca;
    resolver = std::make_unique<RegistryResolver>(reg);
    in.resolver = resolver.get();
  }

  // 3. The procedure. Any failure now is the verifier's: exit 3.
  auto report = audit::RunAudit(in, verifier);
  if (!report.ok()) {
    std::fprintf(stderr, "signet: audit: %s\n", report.error().message().c_str());
    return kExitInternal;
  }
  auto json = audit::RenderJson(*report);
  if (!json.ok()) return ReportError(json.error());
  std::string html = audit::RenderHtml(*report);
  std::string json_path = (fs::path(f.out) / "report.json").string();
  std::string html_path = (fs::path(f.out) / "report.html").string();
  if (Status st = WriteFileAtomic(json_path, *json + "\n"); !st.ok()) return ReportError(st.error());
  if (Status st = WriteFileAtomic(html_path, html); !st.ok()) return ReportError(st.error());
  std::string json_sha = HexEncode(Sha256(*json + "\n"));
  std::string html_sha = HexEncode(Sha256(html));

  // 4. The report's digest into the appliance's log.
  std::optional<translog::Integrated> logged;
  if (log != nullptr) {
    JsonValue entry;
    entry.Set("type", JsonValue::String("signet-audit-report/v1"))
        .Set("generatedAt", JsonValue::String(report->generated_at))
        .Set("reportJsonSha256", JsonValue::String(json_sha))
        .Set("reportHtmlSha256", JsonValue::String(html_sha))
        .Set("critical", JsonValue::Bool(report->HasCritical()));
    auto canonical = WriteCanonicalJson(entry);
    if (!canonical.ok()) return ReportError(canonical.error());
    auto integrated = log->Append(*canonical);
    if (!integrated.ok()) return ReportError(std::move(integrated).error().Prefix("appending to the log"));
    logged = std::move(*integrated);
  }

  size_t by_sev[4] = {0, 0, 0, 0};
  for (const audit::ReportFinding& fi : report->findings) by_sev[static_cast<int>(fi.severity)]++;
  if (f.json) {
    JsonValue out;
    out.Set("report", JsonValue::String(html_path))
        .Set("reportJson", JsonValue::String(json_path))
        .Set("reportJsonSha256", JsonValue::String(json_sha))
        .Set("images", JsonValue::Uint(report->images.size()))
        .Set("critical", JsonValue::Uint(by_sev[0]))
        .Set("probeDenied", JsonValue::Bool(report->probe.denied));
    if (logged) out.Set("logIndex", JsonValue::Uint(logged->index));
    std::printf("%s\n", WriteJson(out, 2).c_str());
  } else {
    std::printf("audited %zu of %zu running images; probe in %s: %s\n", report->images.size(), report->population,
                report->probe.namespace_name.c_str(), report->probe.denied ? "denied" : "ADMITTED");
    std::printf("findings: %zu critical, %zu high, %zu medium, %zu info\n", by_sev[0], by_sev[1], by_sev[2], by_sev[3]);
    std::printf("report: %s\nreport.json sha256: %s\n", html_path.c_str(), json_sha.c_str());
    if (logged) {
      std::printf("log index: %llu (tree size %llu)\n", static_cast<unsigned long long>(logged->index),
                  static_cast<unsigned long long>(logged->tree_size));
    }
  }
  return report->HasCritical() ? kExitDenied : kExitOk;
}

}  // namespace

void RegisterAuditCommand(Cli& cli, Backends& backends) {
  auto flags = std::make_shared<AuditFlags>();
  auto* cmd = cli.app.add_subcommand(
      "audit",
      "The auditor's procedure as one command: sample the running images (--sample, --seed; every\n"
      "production namespace of the policy first), ask verifierd about each one (/v1/verify: the\n"
      "CONT-PROV chain, exceptions with owner and expiry), compare the running digest with the\n"
      "rendered manifests (CONT-PROV-RENDERED-DRIFT), review the validating webhooks (pointed at\n"
      "verifierd? failurePolicy Fail? namespaces covered? timeout), send verifierd an AdmissionReview\n"
      "for an unsigned image in every namespace (audit-mode namespaces: CONT-PROV-AUDIT-ONLY-ADMISSION;\n"
      "in a production namespace the probe must be denied), and write --out/report.html (self-contained)\n"
      "and --out/report.json. With --log (or --state-dir) each sampled image's signing records come from\n"
      "the appliance's verified log: key id and label, time, signatures (CONT-PROV-SIGNING-NOT-LOGGED when\n"
      "verifierd allowed a digest the log never signed). With --state-dir the report's SHA-256 is appended\n"
      "to the appliance's log.\n"
      "Exit 0: report written, no critical finding; 1: critical findings; 2: bad input;\n"
      "3: verifier unreachable or failing, internal error.");
  cmd->add_option("--pods", flags->pods, "`kubectl get pods -A -o json` output")->required();
  cmd->add_option("--webhooks", flags->webhooks, "`kubectl get validatingwebhookconfigurations -o json` output")->required();
  cmd->add_option("--rendered", flags->rendered, "A directory of rendered manifests (e.g. `helm template` output)");
  cmd->add_option("--policy", flags->policy, "The policy file (production_namespaces, exceptions)")->required();
  cmd->add_option("--verifier", flags->verifier, "verifierd's URL, https://HOST[:PORT]")->required();
  cmd->add_option("--verifier-ca", flags->verifier_ca, "PEM CA bundle for verifierd (default: the system store)");
  cmd->add_option("--verifier-policy", flags->verifier_policy, "The policy name verifierd decides under (default: default)");
  cmd->add_option("--registry-config", flags->registry_config,
                  "A docker config.json, to resolve the tag of a container that reports no digest");
  cmd->add_option("--registry-ca", flags->registry_ca, "A PEM CA bundle trusted for the registry in addition to the system store");
  cmd->add_option("--sample", flags->sample, "How many running images to sample (default 20)");
  cmd->add_option("--seed", flags->seed, "The sampling seed (the same inputs and seed give the same sample)");
  cmd->add_option("--probe-image", flags->probe_image, "The unsigned test image, REPO@sha256:HEX (default: a fixed unsigned digest)");
  cmd->add_option("--at", flags->at, "The audit's time, RFC 3339 (default: now): exception expiry is judged at it");
  cmd->add_option("--state-dir", flags->state_dir, "The appliance's state directory (`signet log init`): log the report's SHA-256");
  cmd->add_option("--log-key", flags->log_key, "pkcs11: URI of the log key (default: appliance.yaml's)");
  cmd->add_option("--log", flags->log_dir,
                  "The appliance's transparency log directory (DIR/log, or a copy of it): who signed each sampled\n"
                  "image, with which key and when (default with --state-dir: its log)");
  cmd->add_option("--log-vkey", flags->log_vkey, "File holding --log's note verifier key (default: the appliance.yaml beside it)");
  cmd->add_option("--keyring", flags->keyring,
                  "The release keyring (keyring.json, verified with its custodians' quorum): name each logged\n"
                  "signing's key version and report a key revoked or outside its window at the signing time\n"
                  "(KEY_REVOKED, KEY_OUTSIDE_VALIDITY, KEYRING_KEY_UNKNOWN); needs --log or --state-dir");
  cmd->add_option("--revocations", flags->revocations,
                  "The keyring's signed revocation list (revocations.json); stale: REVOCATION_LIST_STALE, exit 1");
  AddKeyBackendFlags(cmd, flags->backend);
  cmd->add_option("--out", flags->out, "A new (or empty) directory for report.html and report.json")->required();
  cmd->add_flag("--json", flags->json, "Print the summary as JSON");
  cmd->callback([&cli, &backends, flags] { cli.action = [&backends, flags] { return RunAudit(backends, *flags); }; });
}

}  // namespace signet::ops
