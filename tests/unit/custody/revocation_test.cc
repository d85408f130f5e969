// Revocation lists: quorum, staleness, ceremony binding and application to a keyring.
#include "signet/custody/revocation.h"

#include <gtest/gtest.h>

#include "custody_test_util.h"
#include "signet/core/findings.h"

namespace signet::custody {
namespace {

using testing::MakeCustodian;
using testing::MakeKey;
using testing::MakeKeyring;

class RevocationTest : public ::testing::Test {
 protected:
  RevocationTest() : alice_(MakeCustodian("alice")), bob_(MakeCustodian("bob")), carol_(MakeCustodian("carol")) {
    keyring_ = MakeKeyring({&alice_, &bob_, &carol_}, 2, {MakeKey("release-2026", "2026-01-01T00:00:00Z", "")});
    list_.ceremony = testing::kCeremony;
    list_.issued = "2026-06-01T00:00:00Z";
    list_.next_update = "2026-07-01T00:00:00Z";
    list_.revoked.push_back({"release-2026", keyring_.keys[0].key_id, "2026-05-01T00:00:00Z", "compromise"});
  }
  Timestamp T(std::string_view s) { return *ParseRfc3339(s); }
  testing::TestCustodian alice_, bob_, carol_;
  Keyring keyring_;
  RevocationList list_;
};

TEST_F(RevocationTest, QuorumFreshnessAndApplication) {
  ASSERT_TRUE(SignRevocationList(list_, keyring_, *alice_.signer).ok());
  auto parsed = ParseRevocationList(*SerializeRevocationList(list_));
  ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
  auto s = VerifyRevocationList(*parsed, keyring_, T("2026-06-02T00:00:00Z"));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().finding(), findings::kKeyringQuorumNotMet);
  ASSERT_TRUE(SignRevocationList(list_, keyring_, *carol_.signer).ok());
  parsed = ParseRevocationList(*SerializeRevocationList(list_));
  EXPECT_TRUE(VerifyRevocationList(*parsed, keyring_, T("2026-06-02T00:00:00Z")).ok());
  s = VerifyRevocationList(*parsed, keyring_, T("2026-07-01T00:00:00Z"));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kVerificationFailed);
  EXPECT_EQ(s.error().finding(), findings::kRevocationListStale);
  // An edited list loses its signatures.
  RevocationList edited = *parsed;
  edited.next_update = "2027-07-01T00:00:00Z";
  EXPECT_EQ(VerifyRevocationList(edited, keyring_, T("2026-06-02T00:00:00Z")).error().finding(),
            findings::kKeyringQuorumNotMet);
  // Another ceremony's list.
  RevocationList other = *parsed;
  other.ceremony = "ffffffffffffffffffffffffffffffff";
  EXPECT_EQ(VerifyRevocationList(other, keyring_, T("2026-06-02T00:00:00Z")).error().finding(),
            findings::kKeyringChainBroken);
  // Applying it revokes the key from revoked_at on.
  Keyring k = keyring_;
  ApplyRevocations(k, *parsed);
  EXPECT_EQ(k.keys[0].status, "revoked");
  EXPECT_EQ(k.keys[0].revoked_at, "2026-05-01T00:00:00Z");
  const Timestamp now = T("2026-06-02T00:00:00Z");
  EXPECT_TRUE(CheckSignatureKey(k, k.keys[0].key_id, "release", T("2026-04-30T00:00:00Z"), now).accepted);
  EXPECT_EQ(CheckSignatureKey(k, k.keys[0].key_id, "release", T("2026-05-01T00:00:00Z"), now).finding,
            findings::kKeyRevoked);
  // A stranger cannot sign.
  auto dave = MakeCustodian("dave");
  EXPECT_EQ(SignRevocationList(list_, keyring_, *dave.signer).error().code(), ErrorCode::kPermissionDenied);
}

TEST_F(RevocationTest, ApplyKeepsTheEarlierRevocationAndIgnoresStrangers) {
  Keyring k = keyring_;
  k.keys[0].status = "revoked";
  k.keys[0].revoked_at = "2026-04-01T00:00:00Z";
  k.keys[0].reason = "superseded";
  RevocationList l = list_;
  l.revoked.push_back({"nope", std::string(64, 'b'), "2026-01-01T00:00:00Z", "compromise"});
  ApplyRevocations(k, l);
  EXPECT_EQ(k.keys[0].revoked_at, "2026-04-01T00:00:00Z");
  EXPECT_EQ(k.keys.size(), 1u);
  // The same key_id under another label is not applied.
  Keyring k2 = keyring_;
  RevocationList l2 = list_;
  l2.revoked[0].label = "other";
  ApplyRevocations(k2, l2);
  EXPECT_EQ(k2.keys[0].status, "active");
}

TEST_F(RevocationTest, ParserRefusesMalformedLists) {
  ASSERT_TRUE(SignRevocationList(list_, keyring_, *alice_.signer).ok());
  const std::string good = *SerializeRevocationList(list_);
  auto replaced = [&](std::string from, std::string to) {
    std::string t = good;
    t.replace(t.find(from), from.size(), to);
    return t;
  };
  for (const std::string& bad :
       {std::string("{}"), good + "]", replaced("signet.revocations/v1", "signet.revocations/v0"),
        replaced("\"next_update\": \"2026-07-01T00:00:00Z\"", "\"next_update\": \"2026-05-01T00:00:00Z\""),
        replaced("\"reason\": \"compromise\"", "\"reason\": \"\""),
        replaced("\"revoked_at\": \"2026-05-01T00:00:00Z\"", "\"revoked_at\": 5"),
        replaced("\"issued\"", "\"issued_at\""), replaced("\"revoked\": [", "\"revoked\": [1, ")}) {
    auto r = ParseRevocationList(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
    }
  }
  RevocationList dup = list_;
  dup.revoked.push_back(dup.revoked[0]);
  EXPECT_FALSE(SerializeRevocationList(dup).ok());
}

}  // namespace
}  // namespace signet::custody
