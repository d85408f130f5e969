// chain[]: the six links of the evidence chain, derived from a gate decision (through
// DecisionView), the policy, the release-signature result and an accepted VSA.
#ifndef SIGNET_VERIFIERD_CHAIN_H_
#define SIGNET_VERIFIERD_CHAIN_H_

#include <map>
#include <set>
#include <string>
#include <vector>

#include "decision_view.h"
#include "release.h"
#include "signet/policy/policy.h"
#include "verifierd/proto/verifierd.pb.h"

namespace signet::verifierd {

// ChainInputs is what the links are judged from.
struct ChainInputs {
  std::string subject;                   // the request's reference
  const DecisionView* decision = nullptr;  // null when a VSA stood in for the evidence
  const policy::Policy* policy = nullptr;
  ReleaseResult release;
  VsaResult vsa;
  // input_types: the (unverified) predicate types of each evidence input, to attribute findings
  // about attestation inputs that were not matched to a requirement.
  std::map<std::string, std::set<std::string>> input_types;
  Timestamp at;
};

// IsSbomType / IsScanType sort requirement predicate types into the sbom and scan links.
bool IsSbomType(const std::string& predicate_type);
bool IsScanType(const std::string& predicate_type);

// BuildChain returns exactly six links: reference, signature, provenance, sbom, scan,
// exceptions (codes: chain_codes.h; rules: verifierd/ARCHITECTURE.md). Never fails.
std::vector<v1::ChainLink> BuildChain(const ChainInputs& in);

}  // namespace signet::verifierd

#endif  // SIGNET_VERIFIERD_CHAIN_H_
