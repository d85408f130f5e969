#include "decision_view.h"

namespace signet::verifierd {

DecisionView ViewDecision(const policy::Decision& d) {
  DecisionView v;
  v.allowed = d.allowed;
  v.unusable_input = d.unusable_input;
  v.subject = d.subject;
  v.policy_digest = d.policy_digest;
  v.evaluated_at = d.evaluated_at;
  for (const auto& f : d.findings) v.findings.push_back(ViewFinding{f.code, f.message, f.input, f.requirement});
  if (d.provenance) {
    v.provenance_accepted = true;
    v.provenance_input = d.provenance->input;
    v.provenance_builder = d.provenance->builder;
    v.provenance_signer = d.provenance->signer;
    v.provenance_san = d.provenance->san;
    v.provenance_keys = d.provenance->keys;
    v.provenance_time = d.provenance->trusted_time;
  }
  for (const auto& a : d.attestations) {
    v.attestations.push_back(ViewAttestation{a.input, a.predicate_type, a.builder, a.trusted_time});
  }
  for (const auto& w : d.waivers) v.waivers.push_back(ViewWaiver{w.finding, w.match, w.owner, w.expires});
  return v;
}

}  // namespace signet::verifierd
