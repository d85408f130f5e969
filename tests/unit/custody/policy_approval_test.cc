// Quorum-approved policies: approvals over exact bytes, counted against the keyring's custodians.
#include "signet/custody/policy_approval.h"

#include <gtest/gtest.h>

#include "custody_test_util.h"
#include "signet/core/encoding.h"
#include "signet/core/file.h"
#include "signet/core/findings.h"
#include "test_env.h"

namespace signet::custody {
namespace {

using testing::MakeCustodian;

TEST(PolicyApprovalTest, QuorumOverExactBytes) {
  auto alice = MakeCustodian("alice");
  auto bob = MakeCustodian("bob");
  auto carol = MakeCustodian("carol");
  auto mallory = MakeCustodian("mallory");
  Keyring k = testing::MakeKeyring({&alice, &bob, &carol}, 2, {});
  const std::string policy = "version: 1\nbuilders: []\n";
  PolicyApprovals a;
  ASSERT_TRUE(ApprovePolicy(a, policy, "alice", *alice.signer).ok());
  ASSERT_TRUE(ApprovePolicy(a, policy, "mallory", *mallory.signer).ok());
  auto s = VerifyPolicyApproval(a, PolicyDigest(policy), k);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().finding(), findings::kPolicyNotApproved);
  EXPECT_NE(s.error().message().find("missing: bob, carol"), std::string::npos) << s.error().message();
  ASSERT_TRUE(ApprovePolicy(a, policy, "carol", *carol.signer).ok());
  auto round = ParsePolicyApprovals(SerializePolicyApprovals(a));
  ASSERT_TRUE(round.ok()) << round.error().ToString();
  EXPECT_TRUE(VerifyPolicyApproval(*round, PolicyDigest(policy), k).ok());
  // Other bytes: the approvals do not carry over, and approving them starts afresh.
  const std::string edited = policy + "# one more builder\n";
  EXPECT_EQ(VerifyPolicyApproval(*round, PolicyDigest(edited), k).error().finding(), findings::kPolicyNotApproved);
  ASSERT_TRUE(ApprovePolicy(*round, edited, "alice", *alice.signer).ok());
  EXPECT_EQ(round->signatures.size(), 1u);
  // A signature over the policy in another context (a keyring approval) does not count.
  PolicyApprovals forged;
  forged.policy_digest = PolicyDigest(policy);
  auto sig = SignApproval(*bob.signer, kKeyringContext, AsBytes(forged.policy_digest));
  forged.signatures.push_back({"bob", bob.signer->key_id(), Base64Encode(*sig)});
  ASSERT_TRUE(ApprovePolicy(forged, policy, "alice", *alice.signer).ok());
  EXPECT_FALSE(VerifyPolicyApproval(forged, PolicyDigest(policy), k).ok());
}

TEST(PolicyApprovalTest, FilesAndMalformedInput) {
  const std::string dir = signet::testing::MakeTempDir();
  auto alice = MakeCustodian("alice");
  auto bob = MakeCustodian("bob");
  Keyring k = testing::MakeKeyring({&alice, &bob}, 2, {});
  ASSERT_TRUE(SignKeyring(k, *alice.signer).ok());
  ASSERT_TRUE(SignKeyring(k, *bob.signer).ok());
  ASSERT_TRUE(WriteFileAtomic(dir + "/keyring.json", *SerializeKeyring(k)).ok());
  const std::string digest = PolicyDigest("p");
  auto s = VerifyPolicyApprovalFiles(digest, dir + "/none.approvals.json", dir + "/keyring.json");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().finding(), findings::kPolicyNotApproved);
  EXPECT_EQ(VerifyPolicyApprovalFiles(digest, dir + "/x", dir + "/missing.json").error().code(), ErrorCode::kNotFound);
  for (const char* bad : {"{}", "[]", R"({"schema":"signet.policy-approvals/v1","policy_digest":"md5:00","signatures":[]})",
                          R"({"schema":"signet.policy-approvals/v2","policy_digest":"sha256:00","signatures":[]})",
                          R"({"schema":"signet.policy-approvals/v1","policy_digest":"sha256:00","signatures":[],"x":1})"}) {
    EXPECT_EQ(ParsePolicyApprovals(bad).error().code(), ErrorCode::kInvalidArgument) << bad;
  }
  PolicyApprovals a;
  EXPECT_EQ(ApprovePolicy(a, "p", "bad name", *alice.signer).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(PolicyApprovalsPath("/etc/p.yaml"), "/etc/p.yaml.approvals.json");
  signet::testing::RemoveTree(dir);
}

}  // namespace
}  // namespace signet::custody
