#include "signet/signer/audit_log.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <condition_variable>
#include <csignal>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "signet/core/file.h"
#include "test_env.h"

namespace signet::signer {
namespace {

AuditRecord Record(int i, const std::string& decision = "allow") {
  AuditRecord r;
  r.time = FromUnixSeconds(1795600800 + i);
  r.subject = "sha256:" + std::string(64, 'a');
  r.policy_digest = "sha256:" + std::string(64, 'b');
  r.inputs = {{"prov-" + std::to_string(i) + ".json", std::string(64, 'c')}};
  r.decision = decision;
  r.key_id = decision == "allow" ? std::string(64, 'd') : "";
  if (decision == "deny") r.findings = {"SUBJECT_MISMATCH"};
  return r;
}

class AuditLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::MakeTempDir();
    path_ = dir_ + "/audit.log";
  }
  void TearDown() override { testing::RemoveTree(dir_); }

  void WriteN(int n) {
    auto log = AuditLog::Open(path_);
    ASSERT_TRUE(log.ok()) << log.error().ToString();
    for (int i = 0; i < n; ++i) ASSERT_TRUE((*log)->Append(Record(i, i % 3 == 2 ? "deny" : "allow")).ok());
  }
  std::vector<std::string> Lines() {
    std::ifstream in(path_);
    std::vector<std::string> out;
    std::string l;
    while (std::getline(in, l)) out.push_back(l);
    return out;
  }
  void WriteLines(const std::vector<std::string>& lines) {
    std::string s;
    for (const auto& l : lines) s += l + "\n";
    ASSERT_TRUE(WriteFileAtomic(path_, s).ok());
  }
  AuditVerifyReport Verify() {
    auto r = VerifyAuditLog(path_);
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : AuditVerifyReport{};
  }

  std::string dir_, path_;
};

TEST_F(AuditLogTest, AppendsChainedEntriesAndVerifies) {
  WriteN(5);
  auto rep = Verify();
  EXPECT_TRUE(rep.ok) << rep.problem;
  EXPECT_EQ(rep.entries, 5u);
  auto lines = Lines();
  ASSERT_EQ(lines.size(), 5u);
  auto first = *ParseJson(lines[0]);
  EXPECT_EQ(*first.GetString("prev"), std::string(64, '0'));
  EXPECT_EQ(*first.GetInt64("seq"), 0);
  auto second = *ParseJson(lines[1]);
  EXPECT_EQ(*second.GetString("prev"), *first.GetString("hash"));
  EXPECT_EQ(*second.GetString("decision"), "allow");
  EXPECT_EQ(*(*ParseJson(lines[2])).GetString("decision"), "deny");
}

TEST_F(AuditLogTest, ReopenContinuesTheChain) {
  WriteN(2);
  WriteN(3);
  auto rep = Verify();
  EXPECT_TRUE(rep.ok) << rep.problem;
  EXPECT_EQ(rep.entries, 5u);
}

TEST_F(AuditLogTest, OneChangedByteInAnyEntryIsRefused) {
  WriteN(4);
  auto lines = Lines();
  for (size_t victim = 0; victim < lines.size(); ++victim) {
    for (size_t pos : {size_t{10}, lines[victim].size() / 2, lines[victim].size() - 3}) {
      auto copy = lines;
      copy[victim][pos] = copy[victim][pos] == 'a' ? 'b' : 'a';
      WriteLines(copy);
      auto rep = Verify();
      EXPECT_FALSE(rep.ok) << "victim " << victim << " pos " << pos;
      EXPECT_EQ(rep.first_bad_line, static_cast<int64_t>(victim) + 1);
    }
  }
}

TEST_F(AuditLogTest, DeletedEntryIsRefused) {
  WriteN(4);
  auto lines = Lines();
  lines.erase(lines.begin() + 1);
  WriteLines(lines);
  auto rep = Verify();
  EXPECT_FALSE(rep.ok);
  EXPECT_EQ(rep.first_bad_line, 2);
  EXPECT_NE(rep.problem.find("sequence"), std::string::npos);
}

TEST_F(AuditLogTest, SwappedEntriesAreRefused) {
  WriteN(4);
  auto lines = Lines();
  std::swap(lines[1], lines[2]);
  WriteLines(lines);
  auto rep = Verify();
  EXPECT_FALSE(rep.ok);
  EXPECT_EQ(rep.first_bad_line, 2);
}

TEST_F(AuditLogTest, RewrittenEntryWithRecomputedHashBreaksTheNextLink) {
  WriteN(3);
  auto lines = Lines();
  // An attacker edits entry 0 and recomputes its own hash: entry 1's prev no longer matches.
  AuditEntry e;
  e.seq = 0;
  e.prev = std::string(64, '0');
  e.record = Record(0);
  e.record.decision = "deny";
  e.hash = ComputeEntryHash(e);
  lines[0] = WriteCanonicalJson(EntryToJson(e)).value();
  WriteLines(lines);
  auto rep = Verify();
  EXPECT_FALSE(rep.ok);
  EXPECT_EQ(rep.first_bad_line, 2);
  EXPECT_NE(rep.problem.find("prev"), std::string::npos);
}

TEST_F(AuditLogTest, NonCanonicalOrExtraFieldsRefused) {
  WriteN(1);
  auto lines = Lines();
  auto spaced = lines;
  spaced[0].insert(1, " ");
  WriteLines(spaced);
  EXPECT_FALSE(Verify().ok);
  auto extra = lines;
  extra[0].insert(1, "\"aaa\":1,");
  WriteLines(extra);
  EXPECT_FALSE(Verify().ok);
}

TEST_F(AuditLogTest, TornTailIsReportedThenRepairedOnOpen) {
  WriteN(2);
  {
    std::ofstream out(path_, std::ios::app);
    out << "{\"decision\":\"al";  // crash mid-write
  }
  auto rep = Verify();
  EXPECT_FALSE(rep.ok);
  EXPECT_EQ(rep.first_bad_line, 3);
  auto log = AuditLog::Open(path_);
  ASSERT_TRUE(log.ok());
  EXPECT_EQ((*log)->torn_bytes_repaired(), 15u);
  auto e = (*log)->Append(Record(7));
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->seq, 2u);
  log->reset();
  auto rep2 = Verify();
  EXPECT_TRUE(rep2.ok) << rep2.problem;
  EXPECT_EQ(rep2.entries, 3u);
}

TEST_F(AuditLogTest, CorruptTailRefusesToOpen) {
  WriteN(2);
  auto lines = Lines();
  lines[1][20] ^= 1;
  WriteLines(lines);
  auto log = AuditLog::Open(path_);
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(log.error().code(), ErrorCode::kFailedPrecondition);
}

TEST_F(AuditLogTest, ConcurrentAppendsAreGroupCommittedWithoutGaps) {
  auto log = AuditLog::Open(path_);
  ASSERT_TRUE(log.ok());
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        if (!(*log)->Append(Record(t * 100 + i)).ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  log->reset();
  auto rep = Verify();
  EXPECT_TRUE(rep.ok) << rep.problem;
  EXPECT_EQ(rep.entries, 400u);
}

TEST_F(AuditLogTest, AsyncAppendsCallBackInOrderAfterTheyAreDurable) {
  auto log = AuditLog::Open(path_);
  ASSERT_TRUE(log.ok());
  std::mutex m;
  std::condition_variable cv;
  std::vector<uint64_t> seqs;
  for (int i = 0; i < 100; ++i) {
    (*log)->AppendAsync(Record(i), [&](Result<AuditEntry> e) {
      ASSERT_TRUE(e.ok());
      // Durable means: a fresh reader already sees this entry.
      auto rep = VerifyAuditLog(path_);
      ASSERT_TRUE(rep.ok());
      EXPECT_GE(rep->entries, e->seq + 1);
      std::lock_guard<std::mutex> lock(m);
      seqs.push_back(e->seq);
      cv.notify_one();
    });
  }
  std::unique_lock<std::mutex> lock(m);
  cv.wait(lock, [&] { return seqs.size() == 100; });
  for (uint64_t i = 0; i < 100; ++i) EXPECT_EQ(seqs[i], i);
}

TEST_F(AuditLogTest, OpenErrors) {
  EXPECT_EQ(AuditLog::Open(dir_ + "/missing/dir/log").error().code(), ErrorCode::kNotFound);
  EXPECT_FALSE(AuditLog::Open(dir_).ok());  // a directory
  EXPECT_FALSE(VerifyAuditLog(dir_ + "/missing").ok());
}

TEST_F(AuditLogTest, EmptyLogVerifies) {
  ASSERT_TRUE(AuditLog::Open(path_).ok());
  auto rep = Verify();
  EXPECT_TRUE(rep.ok);
  EXPECT_EQ(rep.entries, 0u);
}

// --- issue 12: the log is opened, never guessed at; one request cannot brick it ---

std::string Contents(const std::string& path) {
  auto s = ReadFile(path);
  return s.ok() ? *s : "<unreadable>";
}

TEST_F(AuditLogTest, SymlinkAsAuditLogIsRefusedAndItsTargetUntouched) {
  ASSERT_TRUE(WriteFileAtomic(dir_ + "/target", "precious\n").ok());
  ASSERT_EQ(::symlink("target", path_.c_str()), 0);
  auto log = AuditLog::Open(path_);
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(log.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(Contents(dir_ + "/target"), "precious\n");
}

TEST_F(AuditLogTest, DirectoryAsAuditLogIsUnusableInput) {
  auto log = AuditLog::Open(dir_);
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(log.error().code(), ErrorCode::kInvalidArgument) << log.error().ToString();
  auto rep = VerifyAuditLog(dir_);
  ASSERT_FALSE(rep.ok());
  EXPECT_EQ(rep.error().code(), ErrorCode::kInvalidArgument);
}

TEST_F(AuditLogTest, FifoAsAuditLogIsRefusedWithoutBlocking) {
  ASSERT_EQ(::mkfifo(path_.c_str(), 0600), 0);
  auto log = AuditLog::Open(path_);
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(log.error().code(), ErrorCode::kInvalidArgument);
  auto rep = VerifyAuditLog(path_);  // blocked forever before: it opened the FIFO for reading
  ASSERT_FALSE(rep.ok());
  EXPECT_EQ(rep.error().code(), ErrorCode::kInvalidArgument);
}

TEST_F(AuditLogTest, FileWithNoNewlineIsNotWipedButRefused) {
  ASSERT_TRUE(WriteFileAtomic(path_, "my notes, no newline").ok());
  auto log = AuditLog::Open(path_);
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(log.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(log.error().message().find("not a Signet audit log"), std::string::npos) << log.error().message();
  EXPECT_EQ(Contents(path_), "my notes, no newline");
}

TEST_F(AuditLogTest, ForeignFileWhoseLastLineLacksANewlineIsNotCut) {
  ASSERT_TRUE(WriteFileAtomic(path_, "line one\nline two").ok());
  auto log = AuditLog::Open(path_);
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(log.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(Contents(path_), "line one\nline two");
}

TEST_F(AuditLogTest, SignetLogEndingInForeignBytesIsReportedTornAndLeftAlone) {
  WriteN(2);
  { std::ofstream(path_, std::ios::app) << "not an entry"; }
  const std::string before = Contents(path_);
  auto log = AuditLog::Open(path_);
  ASSERT_FALSE(log.ok());
  EXPECT_NE(log.error().message().find("is torn"), std::string::npos) << log.error().message();
  EXPECT_EQ(Contents(path_), before);
}

TEST_F(AuditLogTest, TornFirstEntryIsCutAndReported) {
  ASSERT_TRUE(WriteFileAtomic(path_, "{\"decision\":\"allow\",\"findings\":[],\"ha").ok());
  auto log = AuditLog::Open(path_);
  ASSERT_TRUE(log.ok()) << log.error().ToString();
  EXPECT_EQ((*log)->torn_tail(), "{\"decision\":\"allow\",\"findings\":[],\"ha");
  ASSERT_TRUE((*log)->Append(Record(0)).ok());
  log->reset();
  EXPECT_TRUE(Verify().ok);
}

TEST_F(AuditLogTest, LargeTornEntryAfterLargeEntriesIsCutAndTheChainStillChecked) {
  auto log = AuditLog::Open(path_);
  ASSERT_TRUE(log.ok());
  for (int i = 0; i < 3; ++i) {
    AuditRecord r = Record(i);
    r.inputs[0].name = std::string(60000, static_cast<char>('p' + i));  // entries near the bound
    ASSERT_TRUE((*log)->Append(r).ok());
  }
  log->reset();
  const std::string last = Lines().back();
  { std::ofstream(path_, std::ios::app) << last.substr(0, 60000); }  // a large torn entry
  auto reopened = AuditLog::Open(path_);
  ASSERT_TRUE(reopened.ok()) << reopened.error().ToString();
  EXPECT_EQ((*reopened)->torn_bytes_repaired(), 60000u);
  auto next = (*reopened)->Append(Record(9));
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->seq, 3u);
}

TEST_F(AuditLogTest, MalformedLastEntryIsReportedMalformed) {
  WriteN(3);
  auto lines = Lines();
  lines[2] = "{\"decision\":\"allow\"}";
  WriteLines(lines);
  auto log = AuditLog::Open(path_);
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(log.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(log.error().message().find("malformed"), std::string::npos) << log.error().message();
  auto rep = Verify();
  EXPECT_EQ(rep.kind, "malformed");
  EXPECT_EQ(rep.first_bad_line, 3);
}

TEST_F(AuditLogTest, BrokenChainAtTheEndIsReportedAsBrokenChain) {
  WriteN(3);
  auto lines = Lines();
  std::swap(lines[1], lines[2]);
  WriteLines(lines);
  auto log = AuditLog::Open(path_);
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(log.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(log.error().message().find("broken chain"), std::string::npos) << log.error().message();
  EXPECT_EQ(Verify().kind, "chain");
}

TEST_F(AuditLogTest, TornTailIsReportedTornByVerify) {
  WriteN(1);
  { std::ofstream(path_, std::ios::app) << "{\"decision\":\"de"; }
  auto rep = Verify();
  EXPECT_FALSE(rep.ok);
  EXPECT_EQ(rep.kind, "torn");
}

TEST_F(AuditLogTest, InvalidUtf8RecordIsRefusedAndTheLogStaysUsable) {
  auto log = AuditLog::Open(path_);
  ASSERT_TRUE(log.ok());
  ASSERT_TRUE((*log)->Append(Record(0)).ok());
  AuditRecord bad = Record(1);
  bad.subject = "registry.example.com/a/b:\xff\xfe";
  auto refused = (*log)->Append(bad);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), ErrorCode::kInvalidArgument);
  AuditRecord bad_name = Record(1);
  bad_name.inputs[0].name = "prov\xc3(.json";
  EXPECT_FALSE((*log)->Append(bad_name).ok());
  auto next = (*log)->Append(Record(2));
  ASSERT_TRUE(next.ok()) << next.error().ToString();
  EXPECT_EQ(next->seq, 1u);
  log->reset();
  ASSERT_TRUE(AuditLog::Open(path_).ok()) << "the log was bricked";
  auto rep = Verify();
  EXPECT_TRUE(rep.ok) << rep.problem;
  EXPECT_EQ(rep.entries, 2u);
}

TEST_F(AuditLogTest, RecordOverTheEntryBoundIsRefusedAndTheLogStaysUsable) {
  auto log = AuditLog::Open(path_);
  ASSERT_TRUE(log.ok());
  AuditRecord big = Record(0);
  for (int i = 0; i < 40; ++i) big.inputs.push_back({std::string(2000, 'n'), std::string(64, 'c')});
  EXPECT_EQ(CheckAuditRecord(big).error().code(), ErrorCode::kInvalidArgument);
  auto refused = (*log)->Append(big);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), ErrorCode::kInvalidArgument);
  ASSERT_TRUE((*log)->Append(Record(1)).ok());
  log->reset();
  EXPECT_TRUE(AuditLog::Open(path_).ok());
  // Control characters are escaped (six bytes each): the bound is on the stored form.
  AuditRecord escaped = Record(0);
  escaped.inputs[0].name = std::string(kMaxAuditEntryBytes / 6 + 1, '\x01');
  EXPECT_FALSE(CheckAuditRecord(escaped).ok());
  EXPECT_TRUE(CheckAuditRecord(Record(0)).ok());
}

TEST_F(AuditLogTest, AWriteCutShortLeavesNoTornEntryAndTheLogRecovers) {
  auto log = AuditLog::Open(path_);
  ASSERT_TRUE(log.ok());
  ASSERT_TRUE((*log)->Append(Record(0)).ok());
  ASSERT_TRUE((*log)->Append(Record(1)).ok());
  struct stat st {};
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  const off_t size = st.st_size;
  // A file size limit stands in for a full disk: the write stops part-way through the entry,
  // then fails (EFBIG instead of ENOSPC; SIGXFSZ ignored).
  struct rlimit old {};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old), 0);
  auto previous = std::signal(SIGXFSZ, SIG_IGN);
  struct rlimit small = old;
  small.rlim_cur = static_cast<rlim_t>(size + 100);
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  auto full = (*log)->Append(Record(2));
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &old), 0);
  std::signal(SIGXFSZ, previous);
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.error().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(full.error().finding(), "LOG_UNAVAILABLE");
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_size, size) << "the partial entry was not cut";
  EXPECT_TRUE(Verify().ok);
  // With space again the same log appends the next entry in the chain.
  auto next = (*log)->Append(Record(3));
  ASSERT_TRUE(next.ok()) << next.error().ToString();
  EXPECT_EQ(next->seq, 2u);
  EXPECT_EQ(Verify().entries, 3u);
}

TEST_F(AuditLogTest, FailedDecisionIsStoredAndVerifies) {
  auto log = AuditLog::Open(path_);
  ASSERT_TRUE(log.ok());
  AuditRecord failed = Record(0);
  failed.decision = kAuditDecisionFailed;
  failed.findings = {"SIGNATURE_INVALID"};
  ASSERT_TRUE((*log)->Append(failed).ok());
  AuditRecord unknown = Record(1);
  unknown.decision = "maybe";
  EXPECT_FALSE((*log)->Append(unknown).ok());
  log->reset();
  ASSERT_TRUE(AuditLog::Open(path_).ok());
  EXPECT_TRUE(Verify().ok);
}

TEST_F(AuditLogTest, VerifyStreamsALogOfAnySize) {
  // 3 entries, then a 17 GiB hole (sparse: no disk used). A whole-file read refused this as too
  // large; a streaming reader verifies the entries and stops at the first over-long line.
  WriteN(3);
  ASSERT_EQ(::truncate(path_.c_str(), off_t{17} << 30), 0);
  auto rep = VerifyAuditLog(path_);
  ASSERT_TRUE(rep.ok()) << rep.error().ToString();
  EXPECT_FALSE(rep->ok);
  EXPECT_EQ(rep->entries, 3u);
  EXPECT_EQ(rep->first_bad_line, 4);
  EXPECT_EQ(rep->kind, "malformed");
}

TEST_F(AuditLogTest, VerifyHandlesEntriesAcrossReadBoundaries) {
  auto log = AuditLog::Open(path_);
  ASSERT_TRUE(log.ok());
  for (int i = 0; i < 300; ++i) {
    AuditRecord r = Record(i);
    r.inputs[0].name = std::string(static_cast<size_t>(100 + i * 7), 'p');  // lines of many lengths
    ASSERT_TRUE((*log)->Append(r).ok());
  }
  log->reset();
  auto rep = Verify();
  EXPECT_TRUE(rep.ok) << rep.problem;
  EXPECT_EQ(rep.entries, 300u);
}

}  // namespace
}  // namespace signet::signer
