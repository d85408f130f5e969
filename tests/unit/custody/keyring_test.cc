// Keyrings: parse/serialize, quorum, TUF-style chain, pinning, and the signing-key time rules.
#include "signet/custody/keyring.h"

#include <gtest/gtest.h>

#include "custody_test_util.h"
#include "signet/core/findings.h"

namespace signet::custody {
namespace {

using testing::MakeCustodian;
using testing::MakeKey;
using testing::MakeKeyring;
using testing::TestCustodian;

void ExpectRefused(const Status& s, std::string_view finding) {
  ASSERT_FALSE(s.ok()) << "expected " << finding;
  EXPECT_EQ(s.error().code(), ErrorCode::kVerificationFailed) << s.error().ToString();
  EXPECT_EQ(s.error().finding(), finding) << s.error().ToString();
}

class KeyringTest : public ::testing::Test {
 protected:
  KeyringTest()
      : alice_(MakeCustodian("alice")), bob_(MakeCustodian("bob", "P-384")), carol_(MakeCustodian("carol")),
        dave_(MakeCustodian("dave")), erin_(MakeCustodian("erin")) {}

  Keyring V1() {
    return MakeKeyring({&alice_, &bob_, &carol_}, 2,
                       {MakeKey("release-2026", "2026-01-01T00:00:00Z", ""),
                        MakeKey("old-2025", "2025-01-01T00:00:00Z", "2026-01-31T00:00:00Z", "retired")});
  }
  // Next builds version v+1 on `prev` with the same custodians.
  Keyring Next(const Keyring& prev) {
    Keyring k = prev;
    k.signatures.clear();
    k.version = prev.version + 1;
    k.previous = std::make_shared<const Keyring>(prev);
    return k;
  }
  void Sign(Keyring& k, std::initializer_list<TestCustodian*> who) {
    for (TestCustodian* c : who) ASSERT_TRUE(SignKeyring(k, *c->signer).ok());
  }
  Keyring RoundTrip(const Keyring& k) {
    auto text = SerializeKeyring(k);
    EXPECT_TRUE(text.ok()) << text.error().ToString();
    auto parsed = ParseKeyring(*text);
    EXPECT_TRUE(parsed.ok()) << parsed.error().ToString();
    return *parsed;
  }
  Timestamp T(std::string_view s) { return *ParseRfc3339(s); }

  TestCustodian alice_, bob_, carol_, dave_, erin_;
};

TEST_F(KeyringTest, AQuorumVerifiesAndOneApprovalDoesNot) {
  Keyring k = V1();
  Sign(k, {&alice_});
  ExpectRefused(VerifyKeyring(RoundTrip(k)), findings::kKeyringQuorumNotMet);
  Sign(k, {&alice_});  // twice the same custodian is still one
  ExpectRefused(VerifyKeyring(RoundTrip(k)), findings::kKeyringQuorumNotMet);
  Sign(k, {&bob_});
  EXPECT_TRUE(VerifyKeyring(RoundTrip(k)).ok());
  // A stranger cannot sign at all.
  EXPECT_EQ(SignKeyring(k, *dave_.signer).error().code(), ErrorCode::kPermissionDenied);
}

TEST_F(KeyringTest, AnEditedKeyringIsRefused) {
  Keyring k = V1();
  Sign(k, {&alice_, &bob_, &carol_});
  ASSERT_TRUE(VerifyKeyring(k).ok());
  for (int edit = 0; edit < 5; ++edit) {
    Keyring e = RoundTrip(k);
    switch (edit) {
      case 0: e.keys[1].status = "active"; break;
      case 1: e.keys[0].not_after = "2030-01-01T00:00:00Z"; break;
      case 2: e.threshold = 1; break;
      case 3: e.keys.push_back(MakeKey("extra", "2026-01-01T00:00:00Z", "")); break;
      case 4: e.custodians[2] = dave_.AsKeyringCustodian(); break;
    }
    ExpectRefused(VerifyKeyring(RoundTrip(e)), findings::kKeyringQuorumNotMet);
  }
}

TEST_F(KeyringTest, VersionTwoNeedsThePreviousQuorum) {
  Keyring v1 = V1();
  Sign(v1, {&alice_, &bob_});
  Keyring v2 = Next(v1);
  v2.keys.push_back(MakeKey("release-2027", "2027-01-01T00:00:00Z", ""));
  Sign(v2, {&alice_, &carol_});
  EXPECT_TRUE(VerifyKeyring(RoundTrip(v2)).ok());
  // Version 3 swaps every custodian and is signed only by the new ones.
  Keyring v3 = Next(v2);
  v3.custodians = {dave_.AsKeyringCustodian(), erin_.AsKeyringCustodian()};
  Sign(v3, {&dave_, &erin_});
  ExpectRefused(VerifyKeyring(RoundTrip(v3)), findings::kKeyringChainBroken);
  // One old custodian is not a quorum of the old set either.
  Sign(v3, {&alice_});
  ExpectRefused(VerifyKeyring(RoundTrip(v3)), findings::kKeyringChainBroken);
  // Two old ones are: a legitimate handover.
  Sign(v3, {&bob_});
  EXPECT_TRUE(VerifyKeyring(RoundTrip(v3)).ok());
  // But the new set alone must still reach its own threshold.
  Keyring v3b = Next(v2);
  v3b.custodians = {dave_.AsKeyringCustodian(), erin_.AsKeyringCustodian()};
  v3b.threshold = 2;
  Sign(v3b, {&alice_, &bob_, &dave_});
  ExpectRefused(VerifyKeyring(RoundTrip(v3b)), findings::kKeyringQuorumNotMet);
}

TEST_F(KeyringTest, ChainGapsAndForeignCeremoniesAreRefused) {
  Keyring v1 = V1();
  Sign(v1, {&alice_, &bob_});
  Keyring v3 = Next(v1);
  v3.version = 3;
  Sign(v3, {&alice_, &bob_});
  ExpectRefused(VerifyKeyring(v3), findings::kKeyringChainBroken);
  Keyring other = V1();
  other.ceremony = "ffffffffffffffffffffffffffffffff";
  Sign(other, {&alice_, &bob_});
  Keyring v2 = Next(other);
  v2.ceremony = v1.ceremony;
  Sign(v2, {&alice_, &bob_});
  ExpectRefused(VerifyKeyring(v2), findings::kKeyringChainBroken);
  // A previous version that itself lacks a quorum.
  Keyring weak = V1();
  Sign(weak, {&alice_});
  Keyring on_weak = Next(weak);
  Sign(on_weak, {&alice_, &bob_});
  ExpectRefused(VerifyKeyring(on_weak), findings::kKeyringQuorumNotMet);
}

TEST_F(KeyringTest, PinnedRoot) {
  Keyring v1 = V1();
  Sign(v1, {&alice_, &bob_});
  Keyring v2 = Next(v1);
  Sign(v2, {&alice_, &bob_});
  EXPECT_TRUE(VerifyKeyring(v2, v1).ok());
  EXPECT_TRUE(VerifyKeyring(v2, v2).ok());
  // A rival version 1 with other custodians, properly self-signed, is not the pinned root.
  Keyring rival = MakeKeyring({&dave_, &erin_}, 2, {MakeKey("release-2026", "2026-01-01T00:00:00Z", "")});
  Sign(rival, {&dave_, &erin_});
  ASSERT_TRUE(VerifyKeyring(rival).ok());
  ExpectRefused(VerifyKeyring(rival, v1), findings::kKeyringChainBroken);
  ExpectRefused(VerifyKeyring(v1, v2), findings::kKeyringChainBroken);
}

TEST_F(KeyringTest, ParserRefusesMalformedKeyrings) {
  Keyring k = V1();
  Sign(k, {&alice_, &bob_});
  const std::string good = *SerializeKeyring(k);
  ASSERT_TRUE(ParseKeyring(good).ok());
  auto refused = [&](std::string text, std::string_view why) {
    auto r = ParseKeyring(text);
    ASSERT_FALSE(r.ok()) << why;
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument) << why;
  };
  auto replaced = [&](std::string from, std::string to) {
    std::string t = good;
    size_t at = t.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) t.replace(at, from.size(), to);
    return t;
  };
  refused("", "empty");
  refused("[]", "array");
  refused(good + "x", "trailing data");
  refused(replaced("\"schema\": \"signet.keyring/v1\"", "\"schema\": \"signet.keyring/v2\""), "schema");
  refused(replaced("\"version\": 1", "\"version\": 0"), "version 0");
  refused(replaced("\"version\": 1", "\"version\": 2"), "version 2 without previous");
  refused(replaced("\"threshold\": 2", "\"threshold\": 4"), "threshold above custodians");
  refused(replaced("\"threshold\": 2", "\"threshold\": 0"), "threshold 0");
  refused(replaced("\"threshold\": 2", "\"threshold\": \"2\""), "threshold string");
  refused(replaced("\"status\": \"active\"", "\"status\": \"paused\""), "status");
  refused(replaced("\"status\": \"retired\"", "\"status\": \"revoked\""), "revoked without revoked_at");
  refused(replaced("\"not_before\": \"2026-01-01T00:00:00Z\"", "\"not_before\": \"yesterday\""), "time");
  refused(replaced("\"not_after\": \"2026-01-31T00:00:00Z\"", "\"not_after\": \"2024-01-31T00:00:00Z\""),
          "not_after before not_before");
  refused(replaced("\"backup\": true", "\"backup\": 1"), "backup");
  refused(replaced("\"algorithm\": \"ecdsa-p256\"", "\"algorithm\": \"ed25519\""), "algorithm mismatch");
  refused(replaced("\"label\": \"release-2026\"", "\"label\": \"old-2025\""), "duplicate label");
  refused(replaced("\"name\": \"bob\"", "\"name\": \"alice\""), "duplicate custodian");
  refused(replaced("\"ceremony\": \"" + testing::kCeremony + "\"", "\"ceremony\": \"abc\""), "ceremony id");
  refused(replaced("\"purpose\": \"release\"", "\"purpose\": \"Release!\""), "purpose");
  refused(replaced("\"previous\": null", "\"previous\": 1"), "previous");
  refused(replaced("\"previous\": null", "\"previous\": null, \"extra\": 1"), "unknown member");
  refused(replaced("\"key_id\": \"" + alice_.signer->key_id() + "\"", "\"key_id\": \"" + std::string(64, 'a') + "\""),
          "custodian key_id");
  refused(replaced("\"custodian\": \"alice\"", "\"custodian\": \"al ice\""), "signature custodian");
  // A custodian key outside P-256/P-384.
  Keyring ed = V1();
  ed.custodians[0].public_key = testing::FreshPublicPem("ED25519", nullptr);
  EXPECT_FALSE(SerializeKeyring(ed).ok());
  // Two custodians with one key.
  Keyring dup = V1();
  dup.custodians[1] = alice_.AsKeyringCustodian();
  dup.custodians[1].name = "alias";
  EXPECT_FALSE(ValidateKeyring(dup).ok());
}

TEST_F(KeyringTest, CheckSignatureKeyTimeRules) {
  Keyring k = V1();
  k.keys.push_back(MakeKey("rev", "2025-01-01T00:00:00Z", ""));
  k.keys.back().status = "revoked";
  k.keys.back().revoked_at = "2026-03-01T00:00:00Z";
  k.keys.back().reason = "compromise";
  k.keys.push_back(MakeKey("future", "2030-01-01T00:00:00Z", ""));
  const std::string active = k.keys[0].key_id;
  const std::string retired = k.keys[1].key_id;
  const std::string revoked = k.keys[2].key_id;
  const std::string future = k.keys[3].key_id;
  const Timestamp now = T("2026-06-01T00:00:00Z");
  auto check = [&](const std::string& id, std::optional<Timestamp> t, std::string_view purpose = "release") {
    return CheckSignatureKey(k, id, purpose, t, now);
  };
  // Active key: with and without a trusted time.
  EXPECT_TRUE(check(active, std::nullopt).accepted);
  EXPECT_TRUE(check(active, T("2026-05-01T00:00:00Z")).accepted);
  EXPECT_EQ(check(active, T("2025-12-31T23:59:59Z")).finding, findings::kKeyOutsideValidity);
  // Retired key: only with a trusted time inside its window; not_after is exclusive.
  EXPECT_EQ(check(retired, std::nullopt).finding, findings::kKeyOutsideValidity);
  EXPECT_TRUE(check(retired, T("2026-01-15T00:00:00Z")).accepted);
  EXPECT_EQ(check(retired, T("2026-01-31T00:00:00Z")).finding, findings::kKeyOutsideValidity);
  // Revoked key: before revoked_at fine, at or after refused, and always without a time.
  EXPECT_TRUE(check(revoked, T("2026-02-28T23:59:59Z")).accepted);
  EXPECT_EQ(check(revoked, T("2026-03-01T00:00:00Z")).finding, findings::kKeyRevoked);
  EXPECT_EQ(check(revoked, T("2026-04-01T00:00:00Z")).finding, findings::kKeyRevoked);
  EXPECT_EQ(check(revoked, std::nullopt).finding, findings::kKeyRevoked);
  // An active key whose window has not begun.
  EXPECT_EQ(check(future, std::nullopt).finding, findings::kKeyOutsideValidity);
  // Unknown keys and wrong purposes.
  EXPECT_EQ(check(std::string(64, 'a'), std::nullopt).finding, findings::kKeyringKeyUnknown);
  EXPECT_EQ(check(active, std::nullopt, "tsa").finding, findings::kKeyringKeyUnknown);
  auto v = check(revoked, std::nullopt);
  EXPECT_EQ(v.ToStatus().error().code(), ErrorCode::kVerificationFailed);
  EXPECT_EQ(v.key, &k.keys[2]);
}

}  // namespace
}  // namespace signet::custody
