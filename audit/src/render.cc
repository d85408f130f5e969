// report.json and report.html (render.h).
#include "signet/audit/render.h"

#include <algorithm>
#include <map>
#include <string>

namespace signet::audit {
namespace {

JsonValue S(const std::string& s) { return JsonValue::String(s); }

JsonValue Strings(const std::vector<std::string>& list) {
  JsonValue a = JsonValue::MakeArray();
  for (const std::string& s : list) a.Push(S(s));
  return a;
}

JsonValue ContainerJson(const RunningContainer& c) {
  JsonValue v;
  v.Set("pod", S(c.pod)).Set("workload", S(c.workload)).Set("container", S(c.container)).Set("init", JsonValue::Bool(c.init))
      .Set("imageID", S(c.image_id));
  return v;
}

JsonValue SigningJson(const SigningRecord& r) {
  JsonValue sigs = JsonValue::MakeArray();
  for (const LoggedSignature& g : r.signatures) {
    JsonValue v;
    v.Set("logIndex", JsonValue::Uint(g.log_index)).Set("kind", S(g.kind)).Set("signature", S(g.signature))
        .Set("keyDetails", S(g.key_details)).Set("keyId", S(g.key_id));
    sigs.Push(std::move(v));
  }
  JsonValue v;
  v.Set("logIndex", JsonValue::Uint(r.log_index))
      .Set("subject", S(r.subject))
      .Set("signedAt", S(r.signed_at))
      .Set("keyId", S(r.key_id))
      .Set("keyLabel", S(r.key_label))
      .Set("keyVersion", S(r.key_version))
      .Set("keyVerdict", S(r.key_verdict))
      .Set("policyDigest", S(r.policy_digest))
      .Set("signatures", std::move(sigs));
  return v;
}

JsonValue ImageJson(const ImageRecord& r) {
  JsonValue containers = JsonValue::MakeArray();
  for (const RunningContainer& c : r.unit.containers) containers.Push(ContainerJson(c));
  JsonValue chain = JsonValue::MakeArray();
  JsonValue gate = JsonValue::MakeArray();
  if (r.outcome) {
    for (const ChainLink& l : r.outcome->chain) {
      JsonValue link;
      link.Set("link", S(l.link)).Set("status", S(l.status)).Set("code", S(l.code)).Set("detail", S(l.detail));
      chain.Push(std::move(link));
    }
    for (const auto& [code, message] : r.outcome->findings) {
      JsonValue f;
      f.Set("code", S(code)).Set("message", S(message));
      gate.Push(std::move(f));
    }
  }
  JsonValue exceptions = JsonValue::MakeArray();
  for (const ExceptionView& e : r.exceptions) {
    JsonValue v;
    v.Set("finding", S(e.finding)).Set("subject", S(e.subject)).Set("owner", S(e.owner)).Set("ticket", S(e.ticket))
        .Set("expires", S(e.expires)).Set("state", S(e.state));
    exceptions.Push(std::move(v));
  }
  JsonValue signings = JsonValue::MakeArray();
  for (const SigningRecord& sr : r.signings) signings.Push(SigningJson(sr));
  JsonValue v;
  v.Set("namespace", S(r.unit.namespace_name))
      .Set("production", JsonValue::Bool(r.production))
      .Set("image", S(r.unit.image))
      .Set("runningRepository", S(r.unit.running_repository))
      .Set("runningDigest", S(r.unit.running_digest))
      .Set("verifiedReference", S(r.verified_reference))
      .Set("resolvedFromTag", JsonValue::Bool(r.resolved_from_tag))
      .Set("verdict", S(r.verdict))
      .Set("evaluatedAt", S(r.outcome ? r.outcome->evaluated_at : ""))
      .Set("policyDigest", S(r.outcome ? r.outcome->policy_digest : ""))
      .Set("chain", std::move(chain))
      .Set("verifierFindings", std::move(gate))
      .Set("exceptions", std::move(exceptions))
      .Set("signing", S(r.signing))
      .Set("signings", std::move(signings))
      .Set("drift", S(r.drift))
      .Set("renderedReference", S(r.rendered_reference))
      .Set("renderedFile", S(r.rendered_file))
      .Set("containers", std::move(containers));
  return v;
}

// Counts per namespace of the sampled images' verdicts, for the chart.
std::map<std::string, std::map<std::string, int>> VerdictsByNamespace(const Report& report) {
  std::map<std::string, std::map<std::string, int>> out;
  for (const ImageRecord& r : report.images) out[r.unit.namespace_name][r.verdict]++;
  return out;
}

constexpr const char* kCss = R"CSS(
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em;color:#1d2330;background:#fff}
h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #ccd}
table{border-collapse:collapse;width:100%;font-size:.85em;margin:.5em 0}
th,td{border:1px solid #ccd;padding:.3em .5em;text-align:left;vertical-align:top}
th{background:#eef0f6}code{font-size:.95em;word-break:break-all}
.allowed,.match,.enforce,.live,.denied-ok,.signer{color:#0a6b2d;font-weight:600}
.denied,.drift,.critical,.audit,.admitted,.expired,.incomplete{color:#b3141b;font-weight:600}
.high{color:#c25400;font-weight:600}.medium{color:#8a6d00;font-weight:600}.info{color:#4a5568}
.not-verified,.not-pinned,.not-rendered,.not-logged{color:#8a6d00;font-weight:600}
.badge{display:inline-block;padding:0 .4em;border-radius:.3em;background:#1d2330;color:#fff;font-size:.75em}
dl{display:grid;grid-template-columns:max-content auto;gap:.2em 1em}dt{font-weight:600}dd{margin:0}
ul.chain{margin:0;padding-left:1.1em}
)CSS";

std::string Td(const std::string& text, const std::string& cls = "") {
  return cls.empty() ? "<td>" + HtmlEscape(text) + "</td>" : "<td class=\"" + HtmlEscape(cls) + "\">" + HtmlEscape(text) + "</td>";
}

std::string Code(const std::string& text) { return "<code>" + HtmlEscape(text) + "</code>"; }

// SigningCell is the "Signed by" cell: per signing record, the key's label (or "(no label)"),
// its keyring version when known, its id, the log's time and index, and each released signature.
std::string SigningCell(const ImageRecord& r) {
  std::string h = "<td class=\"signing\" data-signing=\"" + HtmlEscape(r.signing) + "\">";
  if (r.signing == "no-log") return h + "<span class=\"info\">no log given</span></td>";
  if (r.signings.empty()) return h + "<span class=\"" + HtmlEscape(r.signing) + "\">" + HtmlEscape(r.signing) + "</span></td>";
  for (const SigningRecord& s : r.signings) {
    h += "<div class=\"signing-record\"><span class=\"signer\">" +
         HtmlEscape(s.key_label.empty() ? std::string("(no label)") : s.key_label) + "</span>" +
         (s.key_version.empty() ? "" : " version " + HtmlEscape(s.key_version)) +
         (s.key_verdict.empty() || s.key_verdict == "valid"
              ? ""
              : " <span class=\"critical key-verdict\">" + HtmlEscape(s.key_verdict) + "</span>") +
         "<br>key " + Code(s.key_id.substr(0, 16) + "…") +
         "<br>signed <span class=\"signed-at\">" + HtmlEscape(s.signed_at) + "</span>, log index " +
         std::to_string(s.log_index) + "<ul class=\"chain\">";
    for (const LoggedSignature& g : s.signatures) {
      h += "<li>" + HtmlEscape(g.kind) + " #" + std::to_string(g.log_index) + " " + Code(g.signature.substr(0, 16) + "…") +
           (g.key_id == s.key_id ? "" : " <span class=\"critical\">another key</span>") + "</li>";
    }
    h += "</ul></div>";
  }
  return h + "</td>";
}

std::string Chart(const Report& report) {
  auto counts = VerdictsByNamespace(report);
  const std::vector<std::pair<std::string, std::string>> kinds = {
      {"allowed", "#2f9e55"}, {"denied", "#d64045"}, {"not-verified", "#e0a526"}};
  int max = 1;
  for (const auto& [ns, c] : counts) {
    int total = 0;
    for (const auto& [k, n] : c) total += n;
    max = std::max(max, total);
  }
  const int label_w = 180, bar_w = 420, row_h = 26, top = 30;
  int height = top + row_h * static_cast<int>(counts.size()) + 10;
  std::string svg = "<svg id=\"verdict-chart\" role=\"img\" aria-label=\"Verdicts per namespace\" width=\"" +
                    std::to_string(label_w + bar_w + 80) + "\" height=\"" + std::to_string(height) +
                    "\" viewBox=\"0 0 " + std::to_string(label_w + bar_w + 80) + " " + std::to_string(height) + "\">";
  int lx = label_w;
  for (const auto& [kind, color] : kinds) {
    svg += "<rect x=\"" + std::to_string(lx) + "\" y=\"6\" width=\"12\" height=\"12\" fill=\"" + color + "\"/>";
    svg += "<text x=\"" + std::to_string(lx + 16) + "\" y=\"16\" font-size=\"12\">" + HtmlEscape(kind) + "</text>";
    lx += 110;
  }
  int y = top;
  for (const auto& [ns, c] : counts) {
    svg += "<text x=\"" + std::to_string(label_w - 8) + "\" y=\"" + std::to_string(y + 16) +
           "\" font-size=\"12\" text-anchor=\"end\">" + HtmlEscape(ns) + "</text>";
    int x = label_w;
    int total = 0;
    for (const auto& [kind, color] : kinds) {
      auto it = c.find(kind);
      if (it == c.end() || it->second == 0) continue;
      int w = it->second * bar_w / max;
      svg += "<rect x=\"" + std::to_string(x) + "\" y=\"" + std::to_string(y + 3) + "\" width=\"" + std::to_string(w) +
             "\" height=\"" + std::to_string(row_h - 8) + "\" fill=\"" + color + "\"><title>" + HtmlEscape(ns) + ": " +
             std::to_string(it->second) + " " + HtmlEscape(kind) + "</title></rect>";
      x += w;
      total += it->second;
    }
    svg += "<text x=\"" + std::to_string(x + 6) + "\" y=\"" + std::to_string(y + 16) + "\" font-size=\"12\">" +
           std::to_string(total) + "</text>";
    y += row_h;
  }
  svg += "</svg>";
  return svg;
}

}  // namespace

std::string HtmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

JsonValue ReportToJson(const Report& report) {
  JsonValue images = JsonValue::MakeArray();
  for (const ImageRecord& r : report.images) images.Push(ImageJson(r));
  JsonValue webhooks = JsonValue::MakeArray();
  for (const WebhookReview& w : report.webhooks) {
    JsonValue v;
    v.Set("configuration", S(w.webhook.configuration))
        .Set("name", S(w.webhook.name))
        .Set("target", S(w.webhook.Target()))
        .Set("pointsAtVerifier", JsonValue::Bool(w.points_at_verifier))
        .Set("failurePolicy", S(w.webhook.failure_policy))
        .Set("timeoutSeconds", JsonValue::Int(w.webhook.timeout_seconds))
        .Set("coversPods", JsonValue::Bool(w.webhook.CoversPods()));
    webhooks.Push(std::move(v));
  }
  JsonValue namespaces = JsonValue::MakeArray();
  for (const NamespaceAdmission& n : report.namespaces) {
    JsonValue v;
    v.Set("name", S(n.name)).Set("production", JsonValue::Bool(n.production)).Set("webhooks", Strings(n.webhooks))
        .Set("covered", JsonValue::Bool(!n.webhooks.empty())).Set("mode", S(n.mode)).Set("probeMessage", S(n.probe_message));
    namespaces.Push(std::move(v));
  }
  JsonValue probe;
  probe.Set("namespace", S(report.probe.namespace_name))
      .Set("image", S(report.probe.image))
      .Set("sent", JsonValue::Bool(report.probe.sent))
      .Set("denied", JsonValue::Bool(report.probe.denied))
      .Set("message", S(report.probe.message));
  JsonValue findings = JsonValue::MakeArray();
  for (const ReportFinding& f : report.findings) {
    JsonValue v;
    v.Set("code", S(f.code)).Set("severity", S(std::string(SeverityName(f.severity)))).Set("subject", S(f.subject))
        .Set("message", S(f.message));
    findings.Push(std::move(v));
  }
  JsonValue signing_log;
  signing_log.Set("origin", S(report.signing_log_origin)).Set("treeSize", JsonValue::Uint(report.signing_log_size));
  JsonValue admission;
  admission.Set("webhooks", std::move(webhooks)).Set("namespaces", std::move(namespaces));
  JsonValue v;
  v.Set("schema", S("signet-audit-report/v1"))
      .Set("generatedAt", S(report.generated_at))
      .Set("seed", S(report.seed))
      .Set("sampleSize", JsonValue::Uint(report.sample_size))
      .Set("population", JsonValue::Uint(report.population))
      .Set("containers", JsonValue::Uint(report.containers))
      .Set("policyDigest", S(report.policy_file_digest))
      .Set("verifier", S(report.verifier))
      .Set("verifierPolicy", S(report.verifier_policy))
      .Set("productionNamespaces", Strings(report.production_namespaces))
      .Set("images", std::move(images))
      .Set("admission", std::move(admission))
      .Set("probe", std::move(probe))
      .Set("signingLog", std::move(signing_log))
      .Set("findings", std::move(findings))
      .Set("critical", JsonValue::Bool(report.HasCritical()));
  return v;
}

Result<std::string> RenderJson(const Report& report) { return WriteCanonicalJson(ReportToJson(report)); }

std::string RenderHtml(const Report& report) {
  std::string h;
  h += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">";
  h += "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">";
  h += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">";
  h += "<title>Signet audit report</title><style>";
  h += kCss;
  h += "</style></head><body>\n";
  h += "<h1>Signet audit report</h1>\n<dl id=\"summary\">";
  auto row = [&](const std::string& k, const std::string& v) { h += "<dt>" + HtmlEscape(k) + "</dt><dd>" + v + "</dd>"; };
  row("Generated", HtmlEscape(report.generated_at));
  row("Verifier", Code(report.verifier) + " (policy " + Code(report.verifier_policy) + ")");
  row("Policy", Code(report.policy_file_digest));
  row("Production namespaces", HtmlEscape([&] {
        std::string s;
        for (const std::string& ns : report.production_namespaces) s += (s.empty() ? "" : ", ") + ns;
        return s.empty() ? std::string("(none)") : s;
      }()));
  row("Sample", std::to_string(report.images.size()) + " of " + std::to_string(report.population) +
                    " running images (--sample " + std::to_string(report.sample_size) + ", --seed " +
                    HtmlEscape(report.seed) + "; " + std::to_string(report.containers) + " containers)");
  row("Appliance log", report.signing_log_origin.empty()
                           ? std::string("(not given: signing records not looked up)")
                           : Code(report.signing_log_origin) + ", tree size " + std::to_string(report.signing_log_size));
  row("Result", report.HasCritical() ? "<span class=\"critical\">critical findings</span>"
                                     : "<span class=\"allowed\">no critical finding</span>");
  h += "</dl>\n";

  // Findings by severity.
  h += "<h2>Findings by severity</h2>\n";
  for (Severity sev : {Severity::kCritical, Severity::kHigh, Severity::kMedium, Severity::kInfo}) {
    std::string name(SeverityName(sev));
    size_t n = std::count_if(report.findings.begin(), report.findings.end(), [&](const ReportFinding& f) { return f.severity == sev; });
    h += "<h3 class=\"" + name + "\">" + name + " (" + std::to_string(n) + ")</h3>\n";
    if (n == 0) continue;
    h += "<table class=\"findings\" id=\"findings-" + name + "\"><thead><tr><th>Code</th><th>Subject</th><th>Message</th></tr></thead><tbody>";
    for (const ReportFinding& f : report.findings) {
      if (f.severity != sev) continue;
      h += "<tr><td>" + Code(f.code) + "</td>" + Td(f.subject) + Td(f.message) + "</tr>";
    }
    h += "</tbody></table>\n";
  }

  // The probe.
  h += "<h2>Unsigned-image probe</h2>\n<table id=\"probe\"><thead><tr><th>Namespace</th><th>Image</th><th>Result</th><th>verifierd said</th></tr></thead><tbody>";
  std::string result = !report.probe.sent ? "not sent"
                       : report.probe.denied ? "denied: the unsigned image was refused"
                                             : "ADMITTED: the unsigned image was not refused";
  h += "<tr id=\"probe-row\" data-denied=\"" + std::string(report.probe.denied ? "true" : "false") + "\">" +
       Td(report.probe.namespace_name) + "<td>" + Code(report.probe.image) + "</td>" +
       Td(result, report.probe.denied ? "denied-ok" : "critical") + Td(report.probe.message) + "</tr>";
  h += "</tbody></table>\n";

  // Chart and evidence.
  h += "<h2>Verdicts per namespace</h2>\n" + Chart(report) + "\n";
  h += "<h2>Evidence</h2>\n<table id=\"evidence\"><thead><tr><th>Namespace</th><th>Image</th><th>Running digest</th>"
       "<th>Verdict</th><th>Evidence chain</th><th>Signed by (appliance log)</th><th>Rendered reference</th><th>Exceptions</th>"
       "<th>Workloads</th></tr></thead><tbody>";
  for (const ImageRecord& r : report.images) {
    h += "<tr class=\"image-row\">";
    h += "<td>" + HtmlEscape(r.unit.namespace_name) + (r.production ? " <span class=\"badge\">production</span>" : "") + "</td>";
    h += "<td>" + Code(r.unit.image) + "</td>";
    h += "<td>" + Code(r.unit.running_digest.empty() ? "(unknown)" : r.unit.running_digest) + "</td>";
    h += Td(r.verdict, r.verdict);
    h += "<td><ul class=\"chain\">";
    if (r.outcome) {
      for (const ChainLink& l : r.outcome->chain) {
        std::string cls = l.status == "PASS" ? "allowed" : (l.status == "WAIVED" ? "medium" : "denied");
        h += "<li>" + HtmlEscape(l.link) + ": <span class=\"" + cls + "\">" + HtmlEscape(l.status) + "</span>" +
             (l.code.empty() ? "" : " " + Code(l.code)) + (l.detail.empty() ? "" : " — " + HtmlEscape(l.detail)) + "</li>";
      }
    }
    h += "</ul></td>";
    h += SigningCell(r);
    h += "<td><span class=\"" + HtmlEscape(r.drift) + "\">" + HtmlEscape(r.drift) + "</span>" +
         (r.rendered_reference.empty() ? "" : "<br>" + Code(r.rendered_reference) + " (" + HtmlEscape(r.rendered_file) + ")") + "</td>";
    h += "<td>";
    for (const ExceptionView& e : r.exceptions) {
      h += Code(e.finding) + " owner " + HtmlEscape(e.owner.empty() ? "(none)" : e.owner) + ", expires " +
           HtmlEscape(e.expires.empty() ? "(none)" : e.expires) + (e.ticket.empty() ? "" : ", " + HtmlEscape(e.ticket)) +
           " <span class=\"" + HtmlEscape(e.state) + "\">" + HtmlEscape(e.state) + "</span><br>";
    }
    h += "</td><td>";
    for (const RunningContainer& c : r.unit.containers) {
      h += HtmlEscape(c.workload) + " / " + HtmlEscape(c.pod) + " / " + HtmlEscape(c.container) + "<br>";
    }
    h += "</td></tr>\n";
  }
  h += "</tbody></table>\n";

  // Admission.
  h += "<h2>Admission configuration</h2>\n<table id=\"webhooks\"><thead><tr><th>Webhook</th><th>Target</th>"
       "<th>Points at verifierd</th><th>failurePolicy</th><th>Timeout</th><th>Covers pod creation</th></tr></thead><tbody>";
  for (const WebhookReview& w : report.webhooks) {
    h += "<tr>" + Td(w.webhook.configuration + "/" + w.webhook.name) + "<td>" + Code(w.webhook.Target()) + "</td>" +
         Td(w.points_at_verifier ? "yes" : "no") +
         Td(w.webhook.failure_policy, w.webhook.failure_policy == "Fail" ? "allowed" : "critical") +
         Td(std::to_string(w.webhook.timeout_seconds) + " s") + Td(w.webhook.CoversPods() ? "yes" : "no") + "</tr>";
  }
  h += "</tbody></table>\n<table id=\"namespaces\"><thead><tr><th>Namespace</th><th>Covered by</th><th>Mode</th>"
       "<th>verifierd on the probe</th></tr></thead><tbody>";
  for (const NamespaceAdmission& n : report.namespaces) {
    std::string hooks;
    for (const std::string& w : n.webhooks) hooks += (hooks.empty() ? "" : ", ") + w;
    h += "<tr><td>" + HtmlEscape(n.name) + (n.production ? " <span class=\"badge\">production</span>" : "") + "</td>" +
         Td(hooks.empty() ? "not covered" : hooks, hooks.empty() ? "critical" : "") + Td(n.mode, n.mode) + Td(n.probe_message) + "</tr>";
  }
  h += "</tbody></table>\n";
  h += "<p class=\"info\">report.json holds the same data; its SHA-256 is what `signet audit --state-dir` appends to the appliance's log.</p>\n";
  h += "</body></html>\n";
  return h;
}

}  // namespace signet::audit
