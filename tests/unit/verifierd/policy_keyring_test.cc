// verifierd's `policy_keyring` (issue 17 point 7): a policy loads only with a quorum of the
// keyring's custodians approving its exact bytes; otherwise VerifierState::Load fails, which the
// daemon's SIGHUP handler logs while it keeps serving the previous state.
#include <gtest/gtest.h>

#include "custody_test_util.h"
#include "signet/core/file.h"
#include "signet/core/findings.h"
#include "signet/core/yaml.h"
#include "signet/custody/policy_approval.h"
#include "signet/verifierd/config.h"
#include "verifierd_fixture.h"

namespace signet::verifierd::testing {
namespace {

namespace ct = custody::testing;

class PolicyKeyringTest : public VerifierdTest {
 protected:
  PolicyKeyringTest() : alice_(ct::MakeCustodian("alice")), bob_(ct::MakeCustodian("bob")), carol_(ct::MakeCustodian("carol")) {}
  void SetUp() override {
    VerifierdTest::SetUp();
    custody::Keyring k = ct::MakeKeyring({&alice_, &bob_, &carol_}, 2, {ct::MakeKey("r", "2026-01-01T00:00:00Z", "")});
    ASSERT_TRUE(custody::SignKeyring(k, *alice_.signer).ok());
    ASSERT_TRUE(custody::SignKeyring(k, *bob_.signer).ok());
    keyring_ = dir_.Write("keyring.json", *custody::SerializeKeyring(k));
    policy_ = Policy();
  }
  void Approve(ct::TestCustodian& c) {
    auto bytes = ReadFile(policy_);
    ASSERT_TRUE(bytes.ok());
    custody::PolicyApprovals a;
    const std::string path = custody::PolicyApprovalsPath(policy_);
    if (auto text = ReadFile(path); text.ok()) a = *custody::ParsePolicyApprovals(*text);
    ASSERT_TRUE(custody::ApprovePolicy(a, *bytes, c.name, *c.signer).ok());
    ASSERT_TRUE(WriteFileAtomic(path, custody::SerializePolicyApprovals(a)).ok());
  }
  Result<std::shared_ptr<const VerifierState>> Load() {
    VerifierdConfig c;
    c.policies["default"] = policy_;
    c.policy_keyring = keyring_;
    return VerifierState::Load(c);
  }
  ct::TestCustodian alice_, bob_, carol_;
  std::string keyring_, policy_;
};

void ExpectNotApproved(const Result<std::shared_ptr<const VerifierState>>& s) {
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kVerificationFailed);
  EXPECT_EQ(s.error().finding(), findings::kPolicyNotApproved) << s.error().ToString();
}

TEST_F(PolicyKeyringTest, OnlyAQuorumApprovedPolicyLoads) {
  ExpectNotApproved(Load());  // no approvals file
  Approve(alice_);
  ExpectNotApproved(Load());  // one administrator alone
  Approve(bob_);
  auto s = Load();
  ASSERT_TRUE(s.ok()) << s.error().ToString();
  // Editing the policy after approval (say, adding a builder) unapproves it.
  auto text = ReadFile(policy_);
  ASSERT_TRUE(WriteFileAtomic(policy_, *text + "# a new builder\n").ok());
  ExpectNotApproved(Load());
}

TEST_F(PolicyKeyringTest, AKeyringWithoutQuorumRefusesEveryPolicy) {
  Approve(alice_);
  Approve(bob_);
  custody::Keyring weak = ct::MakeKeyring({&alice_, &bob_, &carol_}, 2, {});
  ASSERT_TRUE(custody::SignKeyring(weak, *alice_.signer).ok());
  keyring_ = dir_.Write("weak.json", *custody::SerializeKeyring(weak));
  auto s = Load();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().finding(), findings::kKeyringQuorumNotMet);
}

TEST(PolicyKeyringConfigTest, ParsesAndResolves) {
  auto root = ParseYaml("policies: {default: p.yaml}\npolicy_keyring: keys/keyring.json\n");
  ASSERT_TRUE(root.ok());
  auto c = ParseVerifierdConfig(*root, "/etc/verifierd");
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  EXPECT_EQ(c->policy_keyring, "/etc/verifierd/keys/keyring.json");
  root = ParseYaml("policies: {default: p.yaml}\npolicy_keyring: \"\"\n");
  EXPECT_FALSE(ParseVerifierdConfig(*root, "/etc/verifierd").ok());
}

}  // namespace
}  // namespace signet::verifierd::testing
