// Rekor v2 entries, bundle tlog entries, the trusted root (rekor_v2.h) and the state directory's
// log (state_log.h) with an in-memory Ed25519 log key.
#include "signet/signer/rekor_v2.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "signet/attestation/checkpoint.h"
#include "signet/attestation/merkle.h"
#include "signet/core/encoding.h"
#include "signet/core/hash.h"
#include "signet/core/json.h"
#include "signet/core/ossl.h"
#include "signet/signer/cosign_formats.h"
#include "signet/signer/state_log.h"
#include "signet/translog/log.h"
#include "signet/translog/verify.h"
#include "soft_ed25519_key.h"
#include "test_env.h"

namespace signet::signer {
namespace {

const Bytes kSpki = {0x30, 0x01, 0x02};
const Bytes kSig = {0x0a, 0x0b, 0x0c};

JsonValue Parse(const std::string& text) {
  auto v = ParseJson(text);
  EXPECT_TRUE(v.ok()) << text;
  return v.ok() ? std::move(*v) : JsonValue();
}

TEST(RekorV2Test, HashedRekordBodyIsCanonicalAndComplete) {
  const Bytes digest = Sha256(std::string_view("message"));
  auto body = HashedRekordBody(digest, kSig, kSpki, SignatureAlgorithm::kEcdsaP256Sha256);
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(*body, "{\"apiVersion\":\"0.0.2\",\"kind\":\"hashedrekord\",\"spec\":{\"hashedRekordV002\":{\"data\":{"
                   "\"algorithm\":\"SHA2_256\",\"digest\":\"" + Base64Encode(digest) +
                       "\"},\"signature\":{\"content\":\"CgsM\",\"verifier\":{\"keyDetails\":\"PKIX_ECDSA_P256_SHA_256\","
                       "\"publicKey\":{\"rawBytes\":\"MAEC\"}}}}}}");
  EXPECT_FALSE(HashedRekordBody(Bytes(31, 0), kSig, kSpki, SignatureAlgorithm::kEd25519).ok());
}

TEST(RekorV2Test, DsseBodyHashesThePayloadNotThePae) {
  auto body = DsseBody(AsBytes(std::string_view("{\"a\":1}")), kSig, kSpki, SignatureAlgorithm::kEd25519);
  ASSERT_TRUE(body.ok());
  JsonValue v = Parse(*body);
  EXPECT_EQ(*v.GetString("kind"), "dsse");
  EXPECT_EQ(*v.GetString("apiVersion"), "0.0.2");
  const JsonValue* spec = v.Find("spec")->Find("dsseV002");
  ASSERT_NE(spec, nullptr);
  EXPECT_EQ(*spec->Find("payloadHash")->GetString("digest"), Base64Encode(Sha256(std::string_view("{\"a\":1}"))));
  ASSERT_EQ(spec->Find("signatures")->array().size(), 1u);
  EXPECT_EQ(*spec->Find("signatures")->array()[0].GetString("content"), "CgsM");
  EXPECT_EQ(*spec->Find("signatures")->array()[0].Find("verifier")->GetString("keyDetails"), "PKIX_ED25519");
}

TEST(RekorV2Test, KeyDetailsNames) {
  EXPECT_EQ(KeyDetailsName(SignatureAlgorithm::kEcdsaP384Sha384), "PKIX_ECDSA_P384_SHA_384");
  EXPECT_EQ(KeyDetailsName(SignatureAlgorithm::kRsa2048Pkcs1Sha256), "PKIX_RSA_PKCS1V15_2048_SHA256");
  EXPECT_EQ(KeyDetailsName(SignatureAlgorithm::kRsaPssSha256), "");
  auto body = DsseBody(AsBytes(std::string_view("x")), kSig, kSpki, SignatureAlgorithm::kRsaPssSha256);
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(body->find("keyDetails"), std::string::npos);
}

TEST(RekorV2Test, LogIdStartsWithTheNoteKeyId) {
  const Bytes key(32, 0x42);
  Bytes id = LogKeyId("log.example", key);
  ASSERT_EQ(id.size(), 32u);
  EXPECT_EQ(Bytes(id.begin(), id.begin() + 4), attestation::NoteKeyId("log.example", attestation::kNoteAlgEd25519, key));
}

LoggedEntry Entry() {
  LoggedEntry e;
  e.kind = kRekorKindDsse;
  e.body = "{\"kind\":\"dsse\"}";
  e.index = 5;
  e.tree_size = 7;
  e.checkpoint = "log.example\n7\n" + Base64Encode(Bytes(32, 1)) + "\n\n\xe2\x80\x94 log.example AAAA\n";
  e.inclusion_proof = {Bytes(32, 2), Bytes(32, 3)};
  e.log_id = Bytes(32, 9);
  return e;
}

TEST(RekorV2Test, TlogEntryIsRekorV2Form) {
  auto j = TlogEntryJson(Entry());
  ASSERT_TRUE(j.ok());
  EXPECT_EQ(*j->GetString("logIndex"), "5");
  EXPECT_EQ(*j->GetString("integratedTime"), "0");
  EXPECT_EQ(j->Find("inclusionPromise"), nullptr);
  EXPECT_EQ(*j->Find("kindVersion")->GetString("kind"), "dsse");
  EXPECT_EQ(*j->Find("kindVersion")->GetString("version"), "0.0.2");
  EXPECT_EQ(*j->Find("logId")->GetString("keyId"), Base64Encode(Bytes(32, 9)));
  EXPECT_EQ(*j->GetString("canonicalizedBody"), Base64Encode(AsBytes(std::string_view("{\"kind\":\"dsse\"}"))));
  const JsonValue* p = j->Find("inclusionProof");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(*p->GetString("logIndex"), "5");
  EXPECT_EQ(*p->GetString("treeSize"), "7");
  EXPECT_EQ(*p->GetString("rootHash"), Base64Encode(Bytes(32, 1)));
  EXPECT_EQ(p->Find("hashes")->array().size(), 2u);
  EXPECT_EQ(*p->Find("checkpoint")->GetString("envelope"), Entry().checkpoint);
}

TEST(RekorV2Test, TlogEntryRefusesACheckpointWithoutRoot) {
  LoggedEntry e = Entry();
  e.checkpoint = "log.example\n7\nnot base64!\n\n";
  EXPECT_FALSE(TlogEntryJson(e).ok());
  e.checkpoint = "log.example\n";
  EXPECT_FALSE(TlogEntryJson(e).ok());
}

TEST(RekorV2Test, BundleCarriesEntriesAndTimestamps) {
  BundleMaterial m;
  m.tlog_entries.push_back(*TlogEntryJson(Entry()));
  m.rfc3161_timestamps.push_back(Bytes{1, 2, 3});
  JsonValue b = Parse(DsseBundle(kInTotoPayloadType, AsBytes(std::string_view("{}")), kSig, kSpki, m));
  const JsonValue* vm = b.Find("verificationMaterial");
  ASSERT_NE(vm, nullptr);
  EXPECT_EQ(vm->Find("tlogEntries")->array().size(), 1u);
  const JsonValue* ts = vm->Find("timestampVerificationData");
  ASSERT_NE(ts, nullptr);
  EXPECT_EQ(*ts->Find("rfc3161Timestamps")->array()[0].GetString("signedTimestamp"), "AQID");
  // Without material: no entries and no timestampVerificationData, as before.
  JsonValue plain = Parse(DsseBundle(kInTotoPayloadType, AsBytes(std::string_view("{}")), kSig, kSpki));
  EXPECT_TRUE(plain.Find("verificationMaterial")->Find("tlogEntries")->array().empty());
  EXPECT_EQ(plain.Find("verificationMaterial")->Find("timestampVerificationData"), nullptr);
}

TEST(RekorV2Test, TrustedRootNamesTheLogAndTheTsa) {
  const Bytes key(32, 0x42);
  TrustedRootLog log{"log.example", key, FromUnixSeconds(1795600800)};
  auto root = TrustedRootJson(log, std::nullopt);
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(*root->GetString("mediaType"), kTrustedRootMediaType);
  ASSERT_EQ(root->Find("tlogs")->array().size(), 1u);
  const JsonValue& t = root->Find("tlogs")->array()[0];
  EXPECT_EQ(*t.GetString("baseUrl"), "https://log.example");
  EXPECT_EQ(*t.GetString("hashAlgorithm"), "SHA2_256");
  EXPECT_EQ(*t.Find("logId")->GetString("keyId"), Base64Encode(LogKeyId("log.example", key)));
  EXPECT_EQ(*t.Find("publicKey")->GetString("keyDetails"), "PKIX_ED25519");
  EXPECT_EQ(*t.Find("publicKey")->Find("validFor")->GetString("start"), "2026-11-25T10:00:00Z");
  // rawBytes is an SPKI OpenSSL parses back to the same raw key.
  auto spki = Base64Decode(*t.Find("publicKey")->GetString("rawBytes"));
  ASSERT_TRUE(spki.ok());
  auto raw = attestation::Ed25519RawPublicKey(*spki);
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(*raw, key);
  EXPECT_TRUE(root->Find("timestampAuthorities")->array().empty());

  TrustedRootTsa tsa{"https://log.example/v1/timestamp", "Signet TSA", {Bytes{1}, Bytes{2}},
                     FromUnixSeconds(1795600800), FromUnixSeconds(1795600900)};
  auto with_tsa = TrustedRootJson(log, tsa);
  ASSERT_TRUE(with_tsa.ok());
  const JsonValue& a = with_tsa->Find("timestampAuthorities")->array()[0];
  ASSERT_EQ(a.Find("certChain")->Find("certificates")->array().size(), 2u);
  EXPECT_EQ(*a.Find("certChain")->Find("certificates")->array()[0].GetString("rawBytes"), "AQ==");
  EXPECT_EQ(*a.Find("validFor")->GetString("end"), "2026-11-25T10:01:40Z");

  EXPECT_FALSE(TrustedRootJson({"log.example", Bytes(31, 0), {}}, std::nullopt).ok());
  tsa.chain_der.clear();
  EXPECT_FALSE(TrustedRootJson(log, tsa).ok());
}

AuditRecord Record(const std::string& decision) {
  AuditRecord r;
  r.time = FromUnixSeconds(1795600800);
  r.subject = "sha256:" + std::string(64, 'a');
  r.policy_digest = "sha256:" + std::string(64, 'b');
  r.decision = decision;
  return r;
}

class StateLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::MakeTempDir();
    key_ = signet::testing::SoftEd25519Key::Generate();
    auto signer = translog::NoteSigner::Create("log.example", *key_);
    ASSERT_TRUE(signer.ok());
    signer_ = std::make_unique<translog::NoteSigner>(std::move(*signer));
    ASSERT_TRUE(translog::TransparencyLog::Create(dir_, *signer_).ok());
  }
  void TearDown() override { testing::RemoveTree(dir_); }
  std::unique_ptr<StateLog> Open() {
    auto log = StateLog::Open(dir_, *signer_);
    EXPECT_TRUE(log.ok()) << (log.ok() ? "" : log.error().ToString());
    return log.ok() ? std::move(*log) : nullptr;
  }
  std::string dir_;
  std::unique_ptr<signet::testing::SoftEd25519Key> key_;
  std::unique_ptr<translog::NoteSigner> signer_;
};

TEST_F(StateLogTest, RecordsAndSignaturesAreEntriesWithProofs) {
  auto log = Open();
  ASSERT_TRUE(log);
  auto vkey = attestation::ParseNoteVerifierKey(signer_->verifier_key());
  ASSERT_TRUE(vkey.ok());
  EXPECT_EQ(log->log_id(), LogKeyId("log.example", vkey->public_key));

  auto deny = log->Append(Record("deny"));
  ASSERT_TRUE(deny.ok()) << deny.error().ToString();
  EXPECT_EQ(deny->seq, 0u);
  EXPECT_EQ(deny->prev, std::string(64, '0'));
  EXPECT_EQ(deny->hash, ComputeEntryHash(*deny));

  std::vector<SignatureLogEntry> sigs = {{kRekorKindHashedRekord, "{\"one\":1}"}, {kRekorKindDsse, "{\"two\":2}"}};
  auto out = log->AppendWithSignatures(Record("allow"), sigs);
  ASSERT_TRUE(out.ok()) << out.error().ToString();
  EXPECT_EQ(out->record.seq, 1u);
  ASSERT_EQ(out->signatures.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    const LoggedEntry& e = out->signatures[i];
    EXPECT_EQ(e.index, 2 + i);
    EXPECT_EQ(e.kind, sigs[i].kind);
    EXPECT_EQ(e.body, sigs[i].body);
    EXPECT_EQ(e.log_id, log->log_id());
    // The checkpoint verifies with the log key and the proof leads from the body to its root.
    auto cp = attestation::VerifyCheckpoint(e.checkpoint, {vkey->note_key()});
    ASSERT_TRUE(cp.ok()) << cp.error().ToString();
    EXPECT_EQ(cp->tree_size, e.tree_size);
    EXPECT_TRUE(attestation::VerifyInclusionProof(e.index, e.tree_size, attestation::MerkleLeafHash(AsBytes(e.body)),
                                                  e.inclusion_proof, cp->root_hash)
                    .ok());
  }
  // A record the audit format refuses is refused before anything is queued.
  AuditRecord bad = Record("maybe");
  EXPECT_FALSE(log->Append(bad).ok());
  EXPECT_EQ(log->log().size(), 4u);

  // Reopened, the next entry continues the numbering.
  log.reset();
  log = Open();
  ASSERT_TRUE(log);
  auto again = log->Append(Record("deny"));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->seq, 4u);
}

TEST_F(StateLogTest, AFailedCommitIsLogUnavailableAndTheNextAppendRecovers) {
  auto log = Open();
  ASSERT_TRUE(log);
  ASSERT_TRUE(log->Append(Record("deny")).ok());
  key_->fail_signing = true;  // the checkpoint cannot be signed: the batch fails
  auto failed = log->AppendWithSignatures(Record("allow"), {{kRekorKindHashedRekord, "{\"one\":1}"}});
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(failed.error().finding(), "LOG_UNAVAILABLE");
  key_->fail_signing = false;
  // The next append recovers the log and takes the committed size as its index.
  auto next = log->AppendWithSignatures(Record("allow"), {{kRekorKindHashedRekord, "{\"one\":1}"}});
  ASSERT_TRUE(next.ok()) << next.error().ToString();
  EXPECT_EQ(next->record.seq, 1u);
  ASSERT_EQ(next->signatures.size(), 1u);
  EXPECT_EQ(next->signatures[0].index, 2u);
  EXPECT_EQ(log->log().size(), 3u);
}

TEST_F(StateLogTest, ARecordFromAClockSteppedBackIsRefused) {
  auto log = Open();
  ASSERT_TRUE(log);
  ASSERT_TRUE(log->Append(Record("deny")).ok());
  AuditRecord earlier = Record("deny");
  earlier.time -= std::chrono::hours(1);
  auto refused = log->Append(earlier);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(refused.error().finding(), "CLOCK_STEPPED_BACK");
  EXPECT_EQ(log->log().size(), 1u);
  // Within the allowance (records of concurrent decisions reach the log out of order): taken.
  AuditRecord slightly = Record("deny");
  slightly.time -= kClockStepAllowance - std::chrono::seconds(1);
  EXPECT_TRUE(log->Append(slightly).ok());
  // A reopened log remembers the newest record it stores.
  log.reset();
  log = Open();
  ASSERT_TRUE(log);
  EXPECT_FALSE(log->Append(earlier).ok());
  EXPECT_TRUE(log->Append(Record("deny")).ok());
}

TEST_F(StateLogTest, ReadSigningsFindsEachAllowWithItsSignatures) {
  auto log = Open();
  ASSERT_TRUE(log);
  const std::string key_id = HexEncode(Sha256(kSpki));
  const Bytes digest = Sha256(std::string_view("message"));
  auto hashed = HashedRekordBody(digest, kSig, kSpki, SignatureAlgorithm::kEcdsaP256Sha256);
  auto dsse = DsseBody(AsBytes(std::string_view("{\"a\":1}")), kSig, kSpki, SignatureAlgorithm::kEcdsaP256Sha256);
  ASSERT_TRUE(hashed.ok() && dsse.ok());
  ASSERT_TRUE(log->Append(Record("deny")).ok());                                        // 0
  AuditRecord allow = Record("allow");
  allow.subject = "registry.example/app@sha256:" + std::string(64, 'c');
  allow.key_id = key_id;
  allow.key_label = "release-2026";
  ASSERT_TRUE(log->AppendWithSignatures(allow, {{kRekorKindHashedRekord, *hashed}, {kRekorKindDsse, *dsse}}).ok());  // 1-3
  ASSERT_TRUE(log->log().Append("{\"type\":\"signet-audit-report/v1\"}").ok());         // 4: not a signing
  log.reset();  // the StateLog numbers its own entries: reopen it after a foreign append
  log = Open();
  ASSERT_TRUE(log);
  AuditRecord unlabelled = Record("allow");
  unlabelled.key_id = key_id;
  ASSERT_TRUE(log->AppendWithSignatures(unlabelled, {{kRekorKindDsse, *dsse}}).ok());  // 5-6
  log.reset();

  auto vkey = attestation::ParseNoteVerifierKey(signer_->verifier_key());
  ASSERT_TRUE(vkey.ok());
  auto entries = translog::ReadVerifiedEntries(dir_ + "/log", *vkey);
  ASSERT_TRUE(entries.ok()) << entries.error().ToString();
  ASSERT_EQ(entries->entries.size(), 7u);
  // The label is stored only when set: an entry without one keeps the old member set.
  EXPECT_NE(entries->entries[1].find("\"key_label\":\"release-2026\""), std::string::npos);
  EXPECT_EQ(entries->entries[5].find("key_label"), std::string::npos);
  auto signings = ReadSignings(entries->entries);
  ASSERT_TRUE(signings.ok()) << signings.error().ToString();
  ASSERT_EQ(signings->size(), 2u);
  const LoggedSigning& a = (*signings)[0];
  EXPECT_EQ(a.index, 1u);
  EXPECT_EQ(a.entry.record.subject, allow.subject);
  EXPECT_EQ(a.entry.record.key_label, "release-2026");
  EXPECT_EQ(a.entry.record.key_id, key_id);
  ASSERT_EQ(a.signatures.size(), 2u);
  EXPECT_EQ(a.signatures[0].index, 2u);
  EXPECT_EQ(a.signatures[0].kind, kRekorKindHashedRekord);
  EXPECT_EQ(a.signatures[0].signature, Base64Encode(kSig));
  EXPECT_EQ(a.signatures[0].key_details, "PKIX_ECDSA_P256_SHA_256");
  EXPECT_EQ(a.signatures[0].key_id, key_id);
  EXPECT_EQ(a.signatures[1].kind, kRekorKindDsse);
  const LoggedSigning& b = (*signings)[1];
  EXPECT_EQ(b.index, 5u);
  EXPECT_TRUE(b.entry.record.key_label.empty());
  ASSERT_EQ(b.signatures.size(), 1u);
  EXPECT_EQ(b.signatures[0].index, 6u);

  // A malformed record or signature entry of ours is an error naming its index, never skipped.
  std::vector<std::string> bad = entries->entries;
  bad[1].replace(bad[1].find("release-2026"), 12, "release-2027");  // the hash no longer matches
  auto r1 = ReadSignings(bad);
  ASSERT_FALSE(r1.ok());
  EXPECT_NE(r1.error().message().find("log entry 1"), std::string::npos) << r1.error().message();
  bad = entries->entries;
  bad[3] = "{\"apiVersion\":\"0.0.2\",\"kind\":\"dsse\",\"spec\":{}}";
  auto r2 = ReadSignings(bad);
  ASSERT_FALSE(r2.ok());
  EXPECT_NE(r2.error().message().find("log entry 3"), std::string::npos) << r2.error().message();
  bad = entries->entries;
  bad[2] = "{\"apiVersion\":\"0.0.2\",\"kind\":\"hashedrekord\",\"spec\":{\"hashedRekordV002\":{\"signature\":"
           "{\"content\":\"CgsM\",\"verifier\":{\"publicKey\":{\"rawBytes\":\"not base64!\"}}}}}}";
  EXPECT_FALSE(ReadSignings(bad).ok());
}

}  // namespace
}  // namespace signet::signer