// Quorum-approved policies (see policy_approval.h).
#include "signet/custody/policy_approval.h"

#include "json_fields.h"
#include "signet/core/encoding.h"
#include "signet/core/file.h"
#include "signet/core/findings.h"
#include "signet/core/hash.h"
#include "signet/core/json.h"

namespace signet::custody {

std::string PolicyApprovalsPath(const std::string& policy_path) { return policy_path + ".approvals.json"; }

std::string PolicyDigest(std::string_view policy_bytes) { return "sha256:" + HexEncode(Sha256(policy_bytes)); }

Result<PolicyApprovals> ParsePolicyApprovals(std::string_view json) {
  if (json.size() > kMaxPolicyApprovalsBytes) return internal::Malformed("policy approvals: larger than the limit");
  Result<JsonValue> doc = ParseJson(json, JsonLimits{kMaxPolicyApprovalsBytes, 8});
  if (!doc.ok()) return std::move(doc).error().Prefix("policy approvals").WithFinding(findings::kMalformedInput);
  SIGNET_RETURN_IF_ERROR(internal::ExactMembers(*doc, {"schema", "policy_digest", "signatures"}, "policy approvals"));
  SIGNET_ASSIGN_OR_RETURN(std::string schema, internal::GetStringField(*doc, "schema", "policy approvals"));
  if (schema != kPolicyApprovalsSchema) return internal::Malformed("policy approvals: schema must be \"signet.policy-approvals/v1\"");
  PolicyApprovals a;
  SIGNET_ASSIGN_OR_RETURN(a.policy_digest, internal::GetStringField(*doc, "policy_digest", "policy approvals"));
  if (a.policy_digest.rfind("sha256:", 0) != 0 || !internal::IsKeyIdHex(a.policy_digest.substr(7))) {
    return internal::Malformed("policy approvals: policy_digest must be sha256:<64 hex>");
  }
  SIGNET_ASSIGN_OR_RETURN(a.signatures, internal::ParseSignatures(*doc->Find("signatures"), "policy approvals"));
  return a;
}

std::string SerializePolicyApprovals(const PolicyApprovals& approvals) {
  JsonValue o = JsonValue::MakeObject();
  o.Set("schema", JsonValue::String(std::string(kPolicyApprovalsSchema)));
  o.Set("policy_digest", JsonValue::String(approvals.policy_digest));
  o.Set("signatures", internal::SignaturesToJson(approvals.signatures));
  return WriteJson(o, 2) + "\n";
}

Status ApprovePolicy(PolicyApprovals& approvals, std::string_view policy_bytes, std::string_view name,
                     ApprovalSigner& signer) {
  if (!internal::IsName(name)) return InvalidArgument("policy approve: the custodian name is not valid");
  const std::string digest = PolicyDigest(policy_bytes);
  if (approvals.policy_digest != digest) {
    approvals.policy_digest = digest;
    approvals.signatures.clear();
  }
  return internal::AddSignature(approvals.signatures, name, signer, ApprovalMessage(kPolicyContext, AsBytes(digest)));
}

Status VerifyPolicyApproval(const PolicyApprovals& approvals, std::string_view policy_digest, const Keyring& keyring) {
  const std::string digest(policy_digest);
  // 1. The approvals are for these bytes.
  if (approvals.policy_digest != digest) {
    return VerificationFailed(findings::kPolicyNotApproved, "the approvals are for another policy (" +
                                                                approvals.policy_digest + ", the policy is " + digest + ")");
  }
  // 2. A quorum of the keyring's custodians.
  SIGNET_ASSIGN_OR_RETURN(std::vector<CustodianKey> custodians, KeyringCustodianKeys(keyring));
  QuorumResult q = CountSignatures(custodians, keyring.threshold, approvals.signatures,
                                   ApprovalMessage(kPolicyContext, AsBytes(digest)));
  if (!q.met()) {
    std::string missing;
    for (const std::string& n : q.missing) missing += (missing.empty() ? "" : ", ") + n;
    return VerificationFailed(findings::kPolicyNotApproved,
                              "the policy has " + std::to_string(q.approved.size()) + " of the " +
                                  std::to_string(q.threshold) + " custodian approvals it needs; missing: " + missing);
  }
  return OkStatus();
}

Status VerifyPolicyApprovalFiles(std::string_view policy_digest, const std::string& approvals_path,
                                 const std::string& keyring_path) {
  SIGNET_ASSIGN_OR_RETURN(std::string ktext, ReadFile(keyring_path, kMaxKeyringBytes));
  auto keyring = ParseKeyring(ktext);
  if (!keyring.ok()) return std::move(keyring).error().Prefix("policy keyring " + keyring_path);
  SIGNET_RETURN_IF_ERROR(VerifyKeyring(*keyring));
  auto text = ReadFile(approvals_path, kMaxPolicyApprovalsBytes);
  if (!text.ok() && text.error().code() == ErrorCode::kNotFound) {
    return VerificationFailed(findings::kPolicyNotApproved, "the policy has no approvals file (" + approvals_path + ")");
  }
  if (!text.ok()) return std::move(text).error();
  auto approvals = ParsePolicyApprovals(*text);
  if (!approvals.ok()) return std::move(approvals).error().Prefix(approvals_path);
  return VerifyPolicyApproval(*approvals, policy_digest, *keyring);
}

}  // namespace signet::custody
