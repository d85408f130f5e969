// DecisionView: verifierd's one adapter over policy::Decision. Only decision_view.cc reads
// Decision's members, so a change of Decision's shape (e.g. accessors) is fixed in one file.
#ifndef SIGNET_VERIFIERD_DECISION_VIEW_H_
#define SIGNET_VERIFIERD_DECISION_VIEW_H_

#include <optional>
#include <string>
#include <vector>

#include "signet/core/time.h"
#include "signet/policy/gate.h"

namespace signet::verifierd {

struct ViewFinding {
  std::string code, message, input, requirement;
};
struct ViewAttestation {
  std::string input, predicate_type, builder;
  std::optional<Timestamp> trusted_time;
};
struct ViewWaiver {
  std::string finding, match, owner;
  Timestamp expires;
};

// DecisionView is the part of a gate decision verifierd uses.
struct DecisionView {
  bool allowed = false;
  bool unusable_input = false;
  std::string subject;        // "sha256:HEX" or ""
  std::string policy_digest;
  Timestamp evaluated_at;
  std::vector<ViewFinding> findings;
  bool provenance_accepted = false;
  std::string provenance_input, provenance_builder, provenance_signer, provenance_san;
  std::vector<std::string> provenance_keys;
  std::optional<Timestamp> provenance_time;
  std::vector<ViewAttestation> attestations;
  std::vector<ViewWaiver> waivers;
};

// ViewDecision copies what verifierd needs out of `d`. Never fails.
DecisionView ViewDecision(const policy::Decision& d);

}  // namespace signet::verifierd

#endif  // SIGNET_VERIFIERD_DECISION_VIEW_H_
