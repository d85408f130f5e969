#include "signet/policy/vuln.h"

#include "signet/core/findings.h"

namespace signet::policy {
namespace {

constexpr size_t kMaxVulnerabilities = 100000;

Error Malformed(const std::string& what) {
  return InvalidArgument("vulnerability report: " + what).WithFinding(findings::kMalformedInput);
}

Result<Vulnerability> Make(const JsonValue& obj, std::string_view id_key,
                           std::string_view sev_key) {
  const JsonValue* id = obj.Find(id_key);
  if (id == nullptr || !id->is_string() || id->string_value().empty()) {
    return Malformed("a vulnerability has no id");
  }
  Vulnerability v;
  v.id = id->string_value();
  const JsonValue* sev = obj.Find(sev_key);
  if (sev != nullptr && !sev->is_null()) {
    if (!sev->is_string()) return Malformed("a severity is not a string");
    v.severity = sev->string_value();
  }
  v.level = ParseSeverity(v.severity);
  return v;
}

}  // namespace

Result<std::vector<Vulnerability>> ReadVulnerabilities(const JsonValue& predicate) {
  // 1. cosign's vuln predicate wraps the scanner's report.
  const JsonValue* report = &predicate;
  if (const JsonValue* scanner = predicate.Find("scanner")) {
    const JsonValue* result = scanner->Find("result");
    if (result == nullptr || !result->is_object()) return Malformed("scanner.result is not an object");
    report = result;
  }
  if (!report->is_object()) return Malformed("not an object");
  std::vector<Vulnerability> out;
  // 2. Trivy or Grype.
  const JsonValue* trivy = report->Find("Results");
  const JsonValue* grype = report->Find("matches");
  if (trivy == nullptr && grype == nullptr) return Malformed("neither a Trivy nor a Grype report");
  if (trivy != nullptr) {
    if (!trivy->is_array()) return Malformed("Results is not an array");
    for (const auto& r : trivy->array()) {
      if (!r.is_object()) return Malformed("a Results entry is not an object");
      const JsonValue* vs = r.Find("Vulnerabilities");
      if (vs == nullptr || vs->is_null()) continue;
      if (!vs->is_array()) return Malformed("Vulnerabilities is not an array");
      for (const auto& v : vs->array()) {
        if (!v.is_object()) return Malformed("a vulnerability is not an object");
        // 3.
        SIGNET_ASSIGN_OR_RETURN(Vulnerability x, Make(v, "VulnerabilityID", "Severity"));
        out.push_back(std::move(x));
        if (out.size() > kMaxVulnerabilities) return Malformed("too many vulnerabilities");
      }
    }
  }
  if (grype != nullptr) {
    if (!grype->is_array()) return Malformed("matches is not an array");
    for (const auto& m : grype->array()) {
      const JsonValue* v = m.Find("vulnerability");
      if (v == nullptr || !v->is_object()) return Malformed("a match has no vulnerability");
      SIGNET_ASSIGN_OR_RETURN(Vulnerability x, Make(*v, "id", "severity"));
      out.push_back(std::move(x));
      if (out.size() > kMaxVulnerabilities) return Malformed("too many vulnerabilities");
    }
  }
  return out;
}

}  // namespace signet::policy
