#include "chain.h"

#include <algorithm>

#include "chain_codes.h"
#include "signet/core/findings.h"

namespace signet::verifierd {

namespace {

namespace f = signet::findings;
namespace cc = chain_codes;

v1::ChainLink Link(const std::string& link, const std::string& status, const std::string& code,
                   const std::string& detail) {
  v1::ChainLink l;
  l.set_link(link);
  l.set_status(status);
  l.set_code(code);
  l.set_detail(detail);
  return l;
}

v1::ChainLink Pass(const std::string& link, const std::string& detail) { return Link(link, "PASS", "", detail); }

bool Has(const std::vector<const ViewFinding*>& fs, std::string_view code) {
  return std::any_of(fs.begin(), fs.end(), [&](const ViewFinding* x) { return x->code == code; });
}

// RequirementFindings returns the findings about requirements of the given kind: those the gate
// attributed to such a requirement, and input-level ones ("*") from an input whose (unverified)
// predicate type is of that kind.
std::vector<const ViewFinding*> RequirementFindings(const ChainInputs& in, bool (*kind)(const std::string&)) {
  std::vector<const ViewFinding*> out;
  for (const auto& x : in.decision->findings) {
    if (x.requirement.empty()) continue;
    if (x.requirement == "*") {
      auto it = in.input_types.find(x.input);
      if (it == in.input_types.end()) continue;
      if (std::any_of(it->second.begin(), it->second.end(), [&](const std::string& t) { return kind(t); })) {
        out.push_back(&x);
      }
    } else if (kind(x.requirement)) {
      out.push_back(&x);
    }
  }
  return out;
}

// RequirementLink judges the sbom or scan link.
v1::ChainLink RequirementLink(const ChainInputs& in, const std::string& name, bool (*kind)(const std::string&),
                              bool scan) {
  std::vector<std::string> required;
  for (const auto& r : in.policy->require) {
    if (kind(r.predicate_type) || (scan && r.max_severity && !IsSbomType(r.predicate_type))) {
      required.push_back(r.predicate_type);
    }
  }
  const char* missing = scan ? cc::kScanMissing : cc::kSbomMissing;
  if (required.empty()) return Pass(name, "the policy requires no " + name);
  if (in.decision == nullptr) return Pass(name, "covered by " + in.vsa.detail);
  const DecisionView& d = *in.decision;
  if (d.subject.empty()) return Link(name, "MISSING", missing, "not evaluated: the reference is not digest-pinned");
  std::vector<std::string> unmet;
  for (const auto& t : required) {
    bool met = std::any_of(d.attestations.begin(), d.attestations.end(),
                           [&](const ViewAttestation& a) { return a.predicate_type == t; });
    if (!met) unmet.push_back(t);
  }
  if (unmet.empty()) {
    bool waived = scan && std::any_of(d.waivers.begin(), d.waivers.end(),
                                      [](const ViewWaiver& w) { return w.finding == f::kVulnSeverity; });
    if (waived) return Link(name, "WAIVED", "", "met; its findings are waived by live exceptions");
    return Pass(name, "a verified " + name + " attestation about this digest meets the policy");
  }
  std::vector<const ViewFinding*> fs = RequirementFindings(in, kind);
  if (scan) {
    if (Has(fs, f::kVulnSeverity) || Has(fs, f::kAttestationTooOld) || Has(fs, f::kExceptionExpired)) {
      return Link(name, "FAIL", cc::kScanFailing, "the scan reports vulnerabilities above the limit or is too old");
    }
  } else if (Has(fs, f::kAttestationSubjectMismatch)) {
    return Link(name, "FAIL", cc::kSbomDigestMismatch, "the SBOM is about another digest");
  }
  return Link(name, "MISSING", missing, "no acceptable " + unmet.front() + " attestation");
}

}  // namespace

bool IsSbomType(const std::string& t) {
  return t.rfind("https://spdx.dev/Document", 0) == 0 || t.rfind("https://cyclonedx.org/bom", 0) == 0;
}

bool IsScanType(const std::string& t) {
  return t == "https://cosign.sigstore.dev/attestation/vuln/v1" || t.rfind("https://in-toto.io/attestation/vulns", 0) == 0;
}

std::vector<v1::ChainLink> BuildChain(const ChainInputs& in) {
  std::vector<v1::ChainLink> out;
  const DecisionView* d = in.decision;
  // reference
  const bool pinned = d == nullptr || !d->subject.empty();
  if (pinned) {
    out.push_back(Pass("reference", "digest-pinned"));
  } else {
    out.push_back(Link("reference", "FAIL", cc::kMutableTag, "the reference is not pinned by a sha256 digest"));
  }
  // provenance-side findings (steps 1-4 of the gate)
  std::vector<const ViewFinding*> prov;
  if (d != nullptr) {
    for (const auto& x : d->findings) {
      if (x.requirement.empty() && x.code != f::kMutableReference) prov.push_back(&x);
    }
  }
  // signature
  using RS = ReleaseResult::Status;
  if (in.release.status != RS::kNotRequired) {
    switch (in.release.status) {
      case RS::kPass: out.push_back(Pass("signature", in.release.detail)); break;
      case RS::kDigestMismatch:
        out.push_back(Link("signature", "FAIL", cc::kSignatureDigestMismatch, in.release.detail));
        break;
      case RS::kWeakSigner:
      case RS::kKeyRefused:  // a keyring key revoked, outside its window, or a stale list
        out.push_back(Link("signature", "FAIL", cc::kWeakSignerIdentity, in.release.detail));
        break;
      default: out.push_back(Link("signature", "MISSING", cc::kSignatureMissing, in.release.detail)); break;
    }
  } else if (d == nullptr) {
    out.push_back(Pass("signature", "covered by " + in.vsa.detail));
  } else if (!pinned) {
    out.push_back(Link("signature", "MISSING", cc::kSignatureMissing, "not evaluated: the reference is not digest-pinned"));
  } else if (d->provenance_accepted) {
    out.push_back(Pass("signature", d->provenance_signer == "keyless"
                                        ? "the provenance's certificate " + d->provenance_san + " verifies"
                                        : "the provenance's signature verifies under builder " + d->provenance_builder));
  } else if (Has(prov, f::kSignatureInvalid) || Has(prov, f::kSubjectMismatch)) {
    out.push_back(Link("signature", "FAIL", cc::kSignatureDigestMismatch,
                       "a provenance signature does not verify or covers another digest"));
  } else if (Has(prov, f::kUntrustedSigner)) {
    out.push_back(Link("signature", "FAIL", cc::kWeakSignerIdentity,
                       "the provenance is not signed by a key or identity the policy trusts"));
  } else if (std::any_of(prov.begin(), prov.end(), [](const ViewFinding* x) {
               return x->code != f::kMalformedInput && x->code != f::kMissingAttestation;
             })) {
    out.push_back(Pass("signature", "a provenance signature verifies (its content is refused: see provenance)"));
  } else {
    out.push_back(Link("signature", "MISSING", cc::kSignatureMissing, "no readable signed provenance"));
  }
  // provenance
  if (d == nullptr) {
    out.push_back(Pass("provenance", "covered by " + in.vsa.detail));
  } else if (!pinned) {
    out.push_back(Link("provenance", "MISSING", cc::kProvenanceMissing, "not evaluated: the reference is not digest-pinned"));
  } else if (d->provenance_accepted) {
    out.push_back(Pass("provenance", "from approved builder " + d->provenance_builder));
  } else if (std::any_of(prov.begin(), prov.end(), [](const ViewFinding* x) {
               // Signature findings belong to the signature link: a provenance that does not
               // verify is a missing provenance here, not an unapproved builder.
               return x->code != f::kMalformedInput && x->code != f::kMissingAttestation &&
                      x->code != f::kSignatureInvalid && x->code != f::kSubjectMismatch &&
                      x->code != f::kUntrustedSigner;
             })) {
    out.push_back(Link("provenance", "FAIL", cc::kBuilderNotApproved, "no provenance passes the policy's builder checks"));
  } else {
    out.push_back(Link("provenance", "MISSING", cc::kProvenanceMissing, "no verified provenance for this digest"));
  }
  // sbom, scan
  out.push_back(RequirementLink(in, "sbom", &IsSbomType, false));
  out.push_back(RequirementLink(in, "scan", &IsScanType, true));
  // exceptions
  std::string digest = d != nullptr ? d->subject : "";
  bool stale = d != nullptr && std::any_of(d->findings.begin(), d->findings.end(),
                                           [](const ViewFinding& x) { return x.code == f::kExceptionExpired; });
  for (const auto& e : in.policy->exceptions) {
    if (!digest.empty() && e.subject == digest && (e.owner.empty() || !e.expires || in.at >= *e.expires)) {
      stale = true;
    }
  }
  if (stale) {
    out.push_back(Link("exceptions", "FAIL", cc::kStaleException,
                       "an exception for this digest has expired or lacks an owner or expiry"));
  } else if (d != nullptr && !d->waivers.empty()) {
    out.push_back(Pass("exceptions", std::to_string(d->waivers.size()) + " live exception(s) with owner and expiry applied"));
  } else {
    out.push_back(Pass("exceptions", "no exception applies"));
  }
  return out;
}

}  // namespace signet::verifierd
