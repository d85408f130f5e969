// verifierd's release_signers given a keyring (issue 17 point 3): a release signature counts
// when a keyring release key version verifies it and custody::CheckSignatureKey accepts that key
// (here without a trusted time: the key must be active and inside its window at the evaluation
// time; ceremony_e2e covers trusted log/TSA times through the daemon); release_revocations apply
// a signed revocation list and fail closed once it is stale; keyrings and lists without their
// quorum stop the policy from loading.
#include <gtest/gtest.h>

#include "custody_test_util.h"
#include "signet/core/file.h"
#include "signet/core/findings.h"
#include "signet/custody/revocation.h"
#include "verifierd_fixture.h"

namespace signet::verifierd::testing {
namespace {

namespace ct = custody::testing;

class ReleaseKeyringTest : public VerifierdTest {
 protected:
  ReleaseKeyringTest()
      : alice_(ct::MakeCustodian("alice")), bob_(ct::MakeCustodian("bob")), carol_(ct::MakeCustodian("carol")) {}
  void SetUp() override {
    VerifierdTest::SetUp();
    old_ = policy::testutil::MakeKey(dir_, "release-2025");
    new_ = policy::testutil::MakeKey(dir_, "release-2026");
  }
  // Entry is the keyring version of test key `k`.
  static custody::KeyringKey Entry(const TestKey& k, const std::string& label, const std::string& not_before,
                                   const std::string& not_after, const std::string& status) {
    custody::KeyringKey e;
    e.label = label;
    e.purpose = "release";
    e.algorithm = "ecdsa-p256";
    auto pub = PublicKey::FromEvp(k.key.get());
    e.public_key = policy::testutil::ReadText(k.pub_path);
    e.key_id = custody::KeyId(*pub);
    e.token_uri = "pkcs11:token=release;object=" + label;
    e.not_before = not_before;
    e.not_after = not_after;
    e.status = status;
    return e;
  }
  // The rotated keyring: release-2025 retired on 2026-02-01, release-2026 active since 2026-01-01.
  custody::Keyring Rotated() const {
    return ct::MakeKeyring({&alice_, &bob_, &carol_}, 2,
                           {Entry(old_, "release-2025", "2025-01-01T00:00:00Z", "2026-02-01T00:00:00Z", "retired"),
                            Entry(new_, "release-2026", "2026-01-01T00:00:00Z", "", "active")});
  }
  std::string WriteKeyring(custody::Keyring k, const std::vector<const ct::TestCustodian*>& signers,
                           const std::string& name = "keyring.json") {
    for (const auto* c : signers) EXPECT_TRUE(custody::SignKeyring(k, *c->signer).ok());
    return dir_.Write(name, *custody::SerializeKeyring(k));
  }
  std::string WriteRevocations(const custody::Keyring& k, const std::string& next_update,
                               const std::vector<const ct::TestCustodian*>& signers, const std::string& ceremony = "") {
    custody::RevocationList list;
    list.ceremony = ceremony.empty() ? k.ceremony : ceremony;
    list.issued = "2026-11-01T00:00:00Z";
    list.next_update = next_update;
    list.revoked.push_back({"release-2026", k.keys[1].key_id, "2026-06-01T00:00:00Z", "compromise"});
    for (const auto* c : signers) {
      Status s = custody::SignRevocationList(list, k, *c->signer);
      EXPECT_TRUE(s.ok() || !ceremony.empty()) << s.error().ToString();
    }
    return dir_.Write("revocations.json", *custody::SerializeRevocationList(list));
  }
  Result<std::shared_ptr<const VerifierState>> Load(const std::string& top_extra) {
    VerifierdConfig c;
    c.policies["default"] = Policy(top_extra);
    c.evaluation_time = *ParseRfc3339(kAt);
    return VerifierState::Load(c);
  }
  v1::VerifyResponse SignedBy(const VerifierState& s, const TestKey& k) {
    return Verify(s, Req(Image(), {{"p", Prov(), ""}, {"image.sigstore.json", CosignBundle(k), ""}}));
  }
  static std::string LastFinding(const v1::VerifyResponse& r) {
    return r.findings_size() == 0 ? "" : r.findings(r.findings_size() - 1).code();
  }

  ct::TestCustodian alice_, bob_, carol_;
  TestKey old_, new_;
};

TEST_F(ReleaseKeyringTest, AnActiveKeyVerifiesARetiredOneDoesNotWithoutATrustedTime) {
  const std::string keyring = WriteKeyring(Rotated(), {&alice_, &bob_});
  auto s = Load("release_signers: [" + keyring + "]\n");
  ASSERT_TRUE(s.ok()) << s.error().ToString();
  auto r = SignedBy(**s, new_);
  ASSERT_TRUE(r.allowed()) << Show(r);
  EXPECT_EQ(LinkOf(r, "signature").status(), "PASS");
  EXPECT_NE(LinkOf(r, "signature").detail().find("key release-2026 of keyring"), std::string::npos) << Show(r);
  // The simple-signing pair counts the same way.
  auto [payload, sig] = SimpleSigning(new_);
  r = Verify(**s, Req(Image(), {{"p", Prov(), ""}, {"simplesigning.json", payload, ""}, {"simplesigning.sig", sig, ""}}));
  EXPECT_TRUE(r.allowed()) << Show(r);
  // The retired key's signature has no trusted time here: refused, naming the window.
  r = SignedBy(**s, old_);
  EXPECT_FALSE(r.allowed());
  EXPECT_EQ(LinkOf(r, "signature").status(), "FAIL");
  EXPECT_EQ(LinkOf(r, "signature").code(), "CONT-PROV-WEAK-SIGNER-IDENTITY");
  EXPECT_EQ(LastFinding(r), findings::kKeyOutsideValidity) << Show(r);
  // A key the keyring does not hold.
  r = SignedBy(**s, other_);
  EXPECT_FALSE(r.allowed());
  EXPECT_EQ(LastFinding(r), findings::kUntrustedSigner) << Show(r);
  // Pinned keys and keyrings may be mixed: the pinned key counts as before.
  auto mixed = Load("release_signers: [" + keyring + ", " + release_.pub_path + "]\n");
  ASSERT_TRUE(mixed.ok()) << mixed.error().ToString();
  EXPECT_TRUE(SignedBy(**mixed, release_).allowed());
  EXPECT_TRUE(SignedBy(**mixed, new_).allowed());
}

TEST_F(ReleaseKeyringTest, ARevocationListRevokesAndFailsClosedWhenStale) {
  const custody::Keyring k = Rotated();
  const std::string keyring = WriteKeyring(k, {&alice_, &carol_});
  const std::string fresh = WriteRevocations(k, "2026-12-01T00:00:00Z", {&bob_, &carol_});
  auto s = Load("release_signers: [" + keyring + "]\nrelease_revocations: [" + fresh + "]\n");
  ASSERT_TRUE(s.ok()) << s.error().ToString();
  auto r = SignedBy(**s, new_);
  EXPECT_FALSE(r.allowed());
  EXPECT_EQ(LastFinding(r), findings::kKeyRevoked) << Show(r);
  EXPECT_EQ(LinkOf(r, "signature").code(), "CONT-PROV-WEAK-SIGNER-IDENTITY");

  // next_update (2026-11-20) before the evaluation time (2026-11-25): every keyring signature
  // is refused, even by a key the list does not name.
  const std::string stale = WriteRevocations(k, "2026-11-20T00:00:00Z", {&bob_, &carol_});
  s = Load("release_signers: [" + keyring + "]\nrelease_revocations: [" + stale + "]\n");
  ASSERT_TRUE(s.ok()) << s.error().ToString();
  r = SignedBy(**s, new_);
  EXPECT_FALSE(r.allowed());
  EXPECT_EQ(LastFinding(r), findings::kRevocationListStale) << Show(r);
}

TEST_F(ReleaseKeyringTest, KeyringsAndListsWithoutTheirQuorumDoNotLoad) {
  custody::Keyring k = Rotated();
  // One custodian of a threshold of two.
  std::string one = WriteKeyring(k, {&alice_}, "one.json");
  auto s = Load("release_signers: [" + one + "]\n");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().finding(), findings::kKeyringQuorumNotMet) << s.error().ToString();
  // Edited after approval: the signatures no longer cover it.
  std::string edited = WriteKeyring(k, {&alice_, &bob_}, "edited.json");
  auto text = ReadFile(edited);
  ASSERT_TRUE(text.ok());
  std::string changed = *text;
  const size_t at = changed.find("\"threshold\": 2");
  ASSERT_NE(at, std::string::npos);
  changed.replace(at, 14, "\"threshold\": 1");
  edited = dir_.Write("edited.json", changed);
  s = Load("release_signers: [" + edited + "]\n");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().finding(), findings::kKeyringQuorumNotMet) << s.error().ToString();
  // A revocation list signed by one custodian; one of another ceremony; one without a keyring.
  const std::string keyring = WriteKeyring(k, {&alice_, &bob_});
  std::string list = WriteRevocations(k, "2026-12-01T00:00:00Z", {&bob_});
  s = Load("release_signers: [" + keyring + "]\nrelease_revocations: [" + list + "]\n");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().finding(), findings::kKeyringQuorumNotMet) << s.error().ToString();
  list = WriteRevocations(k, "2026-12-01T00:00:00Z", {}, std::string(32, 'f'));
  s = Load("release_signers: [" + keyring + "]\nrelease_revocations: [" + list + "]\n");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message().find("no release_signers keyring"), std::string::npos) << s.error().ToString();
  s = Load("release_signers: [" + release_.pub_path + "]\nrelease_revocations: [" + list + "]\n");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message().find("needs a keyring"), std::string::npos) << s.error().ToString();
  // A keyring without a release key.
  custody::Keyring logs = Rotated();
  for (auto& key : logs.keys) key.purpose = "log";
  std::string nolog = WriteKeyring(logs, {&alice_, &bob_}, "logs.json");
  s = Load("release_signers: [" + nolog + "]\n");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message().find("no key with purpose release"), std::string::npos) << s.error().ToString();
}

TEST_F(ReleaseKeyringTest, AVsaCountsOnlyFromAnActiveKeyringKey) {
  const std::string keyring = WriteKeyring(Rotated(), {&alice_, &bob_});
  const std::string pol = Policy("release_signers: [" + keyring + "]\naccept_vsa: true\n" + Requirements());
  VerifierdConfig c;
  c.policies["default"] = pol;
  c.evaluation_time = *ParseRfc3339(kAt);
  auto s = VerifierState::Load(c);
  ASSERT_TRUE(s.ok()) << s.error().ToString();
  auto r = Verify(**s, Req(Image(), {{"vsa.sigstore.json", Vsa(new_, pol), ""},
                                     {"image.sigstore.json", CosignBundle(new_), ""}}));
  ASSERT_TRUE(r.allowed()) << Show(r);
  EXPECT_NE(LinkOf(r, "provenance").detail().find("covered by VSA"), std::string::npos);
  // By the retired key: not accepted, so the evidence is needed (and missing).
  r = Verify(**s, Req(Image(), {{"vsa.sigstore.json", Vsa(old_, pol), ""},
                                {"image.sigstore.json", CosignBundle(new_), ""}}));
  EXPECT_FALSE(r.allowed());
  EXPECT_EQ(LinkOf(r, "provenance").status(), "MISSING") << Show(r);
}

}  // namespace
}  // namespace signet::verifierd::testing
