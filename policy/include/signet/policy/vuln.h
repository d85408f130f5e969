// Vulnerability scan readers for the gate's VULN_SEVERITY check.
//
// Accepted shapes, looked up in the predicate of a verified statement:
//   - cosign's vuln predicate (https://cosign.sigstore.dev/attestation/vuln/v1), whose
//     scanner.result holds the scanner's own report;
//   - a Trivy JSON report: Results[].Vulnerabilities[].{VulnerabilityID, Severity};
//   - a Grype JSON report: matches[].vulnerability.{id, severity}.
// Trust decision: fail closed. A report in neither shape is refused (an unreadable scan is not a
// clean scan); an unknown severity ranks as critical.
#ifndef SIGNET_POLICY_VULN_H_
#define SIGNET_POLICY_VULN_H_

#include <string>
#include <vector>

#include "signet/core/json.h"
#include "signet/core/result.h"
#include "signet/policy/policy.h"

namespace signet::policy {

// Vulnerability is one finding of a scan.
struct Vulnerability {
  std::string id;        // e.g. "CVE-2026-1234"
  std::string severity;  // as the scanner wrote it
  Severity level = Severity::kCritical;
};

// ReadVulnerabilities extracts every vulnerability from `predicate`. Steps:
//   1. If predicate.scanner.result exists (cosign vuln), read that object; else the predicate.
//   2. A Trivy report has "Results" (array; entries' "Vulnerabilities" may be absent or null);
//      a Grype report has "matches" (array). Having neither fails.
//   3. Each vulnerability needs a non-empty string id; a missing severity ranks as critical.
// Fails kInvalidArgument with finding MALFORMED_INPUT.
Result<std::vector<Vulnerability>> ReadVulnerabilities(const JsonValue& predicate);

}  // namespace signet::policy

#endif  // SIGNET_POLICY_VULN_H_
