// Quorum-approved policies (issue 17 point 7): `P.approvals.json` beside a policy file P.
//
//   {"schema": "signet.policy-approvals/v1", "policy_digest": "sha256:<hex of P's bytes>",
//    "signatures": [{"custodian", "key_id", "signature"}]}
//
// Each signature is over ApprovalMessage(kPolicyContext, "sha256:<hex>") of the exact policy
// bytes. A policy is approved when at least the keyring's threshold of its custodians signed
// that digest, so one administrator cannot approve a new builder alone.
#ifndef SIGNET_CUSTODY_POLICY_APPROVAL_H_
#define SIGNET_CUSTODY_POLICY_APPROVAL_H_

#include <string>
#include <string_view>
#include <vector>

#include "signet/core/bytes.h"
#include "signet/core/result.h"
#include "signet/custody/approval.h"
#include "signet/custody/keyring.h"

namespace signet::custody {

inline constexpr std::string_view kPolicyApprovalsSchema = "signet.policy-approvals/v1";
inline constexpr size_t kMaxPolicyApprovalsBytes = 256 * 1024;

// PolicyApprovals is a parsed approvals file.
struct PolicyApprovals {
  std::string policy_digest;  // "sha256:<64 hex>"
  std::vector<KeyringSignature> signatures;
};

// PolicyApprovalsPath returns the approvals file of `policy_path`: policy_path + ".approvals.json".
std::string PolicyApprovalsPath(const std::string& policy_path);
// PolicyDigest returns "sha256:<hex>" of the policy bytes.
std::string PolicyDigest(std::string_view policy_bytes);
// ParsePolicyApprovals parses strictly (kInvalidArgument, finding MALFORMED_INPUT).
Result<PolicyApprovals> ParsePolicyApprovals(std::string_view json);
// SerializePolicyApprovals renders the file (two-space indent, trailing newline).
std::string SerializePolicyApprovals(const PolicyApprovals& approvals);
// ApprovePolicy signs `policy_bytes` as custodian `name` into `approvals`. An approvals file for
// other bytes is started afresh (its signatures approve another policy); the signer's earlier
// signature is replaced.
Status ApprovePolicy(PolicyApprovals& approvals, std::string_view policy_bytes, std::string_view name,
                     ApprovalSigner& signer);
// VerifyPolicyApproval checks that 1. the approvals name `policy_digest` (PolicyDigest of the
// policy bytes actually loaded, e.g. policy::LoadedPolicy::digest) and 2. at least
// `keyring.threshold` distinct custodians of `keyring` (which VerifyKeyring accepted) signed it.
// Otherwise kVerificationFailed POLICY_NOT_APPROVED naming who is missing.
Status VerifyPolicyApproval(const PolicyApprovals& approvals, std::string_view policy_digest, const Keyring& keyring);

// VerifyPolicyApprovalFiles is what `signet policy verify` and the daemons' `policy_keyring`
// run: it reads and verifies the keyring at `keyring_path` (VerifyKeyring), reads the approvals at
// `approvals_path` (missing: POLICY_NOT_APPROVED) and applies VerifyPolicyApproval.
Status VerifyPolicyApprovalFiles(std::string_view policy_digest, const std::string& approvals_path,
                                 const std::string& keyring_path);

}  // namespace signet::custody

#endif  // SIGNET_CUSTODY_POLICY_APPROVAL_H_
