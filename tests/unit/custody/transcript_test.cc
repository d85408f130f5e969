// Ceremony transcripts: the hash chain, approvals, quorum counting and every broken-chain case.
#include "signet/custody/transcript.h"

#include <gtest/gtest.h>

#include <fstream>

#include "custody_test_util.h"
#include "signet/core/encoding.h"
#include "signet/core/file.h"
#include "signet/core/findings.h"
#include "test_env.h"

namespace signet::custody {
namespace {

using testing::MakeCustodian;

class TranscriptTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = signet::testing::MakeTempDir();
    path_ = dir_ + "/transcript.jsonl";
  }
  void TearDown() override { signet::testing::RemoveTree(dir_); }
  Timestamp T(int s) { return FromUnixSeconds(1780000000 + s); }
  JsonValue Details(std::string_view k, std::string_view v) {
    JsonValue d = JsonValue::MakeObject();
    d.Set(std::string(k), JsonValue::String(std::string(v)));
    return d;
  }
  std::string dir_;
  std::string path_;
};

void ExpectBroken(const Result<Transcript>& s, std::string_view line) {
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kVerificationFailed);
  EXPECT_EQ(s.error().finding(), findings::kTranscriptChainBroken);
  EXPECT_NE(s.error().message().find(line), std::string::npos) << s.error().message();
}

TEST_F(TranscriptTest, AppendOpenAndQuorum) {
  auto alice = MakeCustodian("alice");
  auto bob = MakeCustodian("bob");
  auto carol = MakeCustodian("carol");
  auto t = Transcript::Create(path_);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->Head().error().code(), ErrorCode::kFailedPrecondition);
  ASSERT_TRUE(t->Append("init", Details("ceremony", testing::kCeremony), T(0)).ok());
  ASSERT_TRUE(t->Append("generate", Details("label", "release-2026"), T(1)).ok());
  auto head = t->Head();
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(*head, t->entries().back().hash);
  ASSERT_TRUE(t->Approve(*alice.signer, "alice", T(2)).ok());
  EXPECT_EQ(*t->Head(), *head);  // an approval does not move the head

  std::vector<CustodianKey> all = {alice.AsCustodianKey(), bob.AsCustodianKey(), carol.AsCustodianKey()};
  auto reopened = Transcript::Open(path_);
  ASSERT_TRUE(reopened.ok()) << reopened.error().ToString();
  ASSERT_EQ(reopened->entries().size(), 3u);
  EXPECT_EQ(reopened->entries()[0].prev, std::string(64, '0'));
  EXPECT_EQ(reopened->entries()[1].prev, HexEncode(reopened->entries()[0].hash));
  auto q = reopened->CheckQuorum(all, 2);
  ASSERT_TRUE(q.ok());
  EXPECT_FALSE(q->met());
  EXPECT_EQ(q->approved, std::vector<std::string>{"alice"});
  EXPECT_EQ(q->missing, (std::vector<std::string>{"bob", "carol"}));

  // The same custodian twice still counts once.
  ASSERT_TRUE(reopened->Approve(*alice.signer, "alice", T(3)).ok());
  EXPECT_FALSE(reopened->CheckQuorum(all, 2)->met());
  ASSERT_TRUE(reopened->Approve(*carol.signer, "carol", T(4)).ok());
  q = reopened->CheckQuorum(all, 2);
  EXPECT_TRUE(q->met());
  EXPECT_EQ(q->missing, std::vector<std::string>{"bob"});

  // A later step moves the head: the old approvals no longer count.
  ASSERT_TRUE(reopened->Append("rotate", Details("label", "release-2027"), T(5)).ok());
  q = reopened->CheckQuorum(all, 2);
  EXPECT_FALSE(q->met());
  EXPECT_TRUE(q->approved.empty());
  EXPECT_TRUE(Transcript::Open(path_).ok());
}

TEST_F(TranscriptTest, ApprovalsByStrangersOrWithBadSignaturesCountForNobody) {
  auto alice = MakeCustodian("alice");
  auto mallory = MakeCustodian("mallory");
  auto t = Transcript::Create(path_);
  ASSERT_TRUE(t->Append("init", JsonValue::MakeObject(), T(0)).ok());
  // mallory signs but calls herself alice.
  ASSERT_TRUE(t->Approve(*mallory.signer, "alice", T(1)).ok());
  std::vector<CustodianKey> only_alice = {alice.AsCustodianKey()};
  EXPECT_FALSE(t->CheckQuorum(only_alice, 1)->met());
  // An approval line with alice's key id but mallory's signature.
  auto head = t->Head();
  auto sig = SignApproval(*mallory.signer, kTranscriptContext, *head);
  JsonValue d = JsonValue::MakeObject();
  d.Set("custodian", JsonValue::String("alice"));
  d.Set("key_id", JsonValue::String(alice.signer->key_id()));
  d.Set("head", JsonValue::String(HexEncode(*head)));
  d.Set("signature", JsonValue::String(Base64Encode(*sig)));
  ASSERT_TRUE(t->Append("approve", d, T(2)).ok());
  EXPECT_FALSE(t->CheckQuorum(only_alice, 1)->met());
  // Duplicate keys under two names count once.
  ASSERT_TRUE(t->Approve(*alice.signer, "alice", T(3)).ok());
  std::vector<CustodianKey> twice = {alice.AsCustodianKey(), CustodianKey{"alias", alice.public_key()}};
  auto q = t->CheckQuorum(twice, 2);
  EXPECT_FALSE(q->met());
  EXPECT_EQ(q->missing, std::vector<std::string>{"alias"});
}

TEST_F(TranscriptTest, BrokenChainsNameTheLine) {
  auto t = Transcript::Create(path_);
  ASSERT_TRUE(t->Append("init", Details("a", "1"), T(0)).ok());
  ASSERT_TRUE(t->Append("generate", Details("a", "2"), T(1)).ok());
  ASSERT_TRUE(t->Append("generate", Details("a", "3"), T(2)).ok());
  const std::string good = t->Text();
  // An edited middle line breaks the link from line 3.
  std::string edited = good;
  edited.replace(edited.find("\"2\""), 3, "\"9\"");
  ExpectBroken(Transcript::Parse("t", edited), "line 3");
  // A deleted line.
  std::string deleted = good.substr(0, good.find('\n') + 1) + good.substr(good.find('\n', good.find('\n') + 1) + 1);
  ExpectBroken(Transcript::Parse("t", deleted), "line 2");
  // A torn last line and a malformed one.
  ExpectBroken(Transcript::Parse("t", good.substr(0, good.size() - 5)), "line 3");
  ExpectBroken(Transcript::Parse("t", good + "{not json}\n"), "line 4");
  ExpectBroken(Transcript::Parse("t", good + "\n"), "line 4");
  // A line with an unknown member, or a wrong first prev.
  std::string first = good.substr(0, good.find('\n') + 1);
  std::string bad_prev = first;
  bad_prev.replace(bad_prev.find(std::string(64, '0')), 1, "1");
  ExpectBroken(Transcript::Parse("t", bad_prev), "line 1");
  std::string extra = first;
  extra.insert(1, "\"x\":1,");
  ExpectBroken(Transcript::Parse("t", extra), "line 1");
  // A malformed approval line.
  std::string bad_approval = good;
  const std::string prev = HexEncode(Transcript::Parse("t", good)->entries().back().hash);
  bad_approval += "{\"seq\":4,\"time\":\"2026-01-01T00:00:00Z\",\"step\":\"approve\",\"details\":{},\"prev\":\"" + prev + "\"}\n";
  ExpectBroken(Transcript::Parse("t", bad_approval), "line 4");
  // Wrong seq.
  std::string bad_seq = first;
  bad_seq.replace(bad_seq.find("\"seq\":1"), 7, "\"seq\":2");
  ExpectBroken(Transcript::Parse("t", bad_seq), "line 1");
  EXPECT_TRUE(Transcript::Parse("t", good).ok());
  EXPECT_TRUE(Transcript::Parse("t", "").ok());
}

TEST_F(TranscriptTest, CreateRefusesAnExistingFileAndOpenAMissingOne) {
  ASSERT_TRUE(WriteFileAtomic(path_, "").ok());
  EXPECT_EQ(Transcript::Create(path_).error().code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(Transcript::Open(dir_ + "/missing.jsonl").error().code(), ErrorCode::kNotFound);
  auto t = Transcript::Create(dir_ + "/t2.jsonl");
  EXPECT_EQ(t->Append("", JsonValue::MakeObject(), T(0)).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(t->Append("init", JsonValue::String("x"), T(0)).error().code(), ErrorCode::kInvalidArgument);
  auto alice = MakeCustodian("alice");
  EXPECT_EQ(t->Approve(*alice.signer, "alice", T(0)).error().code(), ErrorCode::kFailedPrecondition);
}

}  // namespace
}  // namespace signet::custody
