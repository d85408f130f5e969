// translog/: tile paths, the hash tree and its proofs (checked by attestation's verifiers), the
// writer's batching, commit point and recovery, the offline verifier and the witness.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <set>

#include <gtest/gtest.h>

#include "signet/attestation/checkpoint.h"
#include "signet/attestation/merkle.h"
#include "signet/core/file.h"
#include "signet/core/findings.h"
#include "signet/translog/appliance_config.h"
#include "signet/translog/log.h"
#include "signet/translog/tiles.h"
#include "signet/translog/tree.h"
#include "signet/translog/verify.h"
#include "soft_ed25519_key.h"

namespace signet::translog {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "signet-translog-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() { fs::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(TilePathTest, EncodesAsTheSpecSays) {
  EXPECT_EQ(EncodeTileIndex(0), "000");
  EXPECT_EQ(EncodeTileIndex(5), "005");
  EXPECT_EQ(EncodeTileIndex(1234067), "x001/x234/067");
  EXPECT_EQ(TilePath(TileId{0, 1234067, 8}), "tile/0/x001/x234/067.p/8");
  EXPECT_EQ(TilePath(TileId{kEntriesLevel, 1000, 256}), "tile/entries/x001/000");
  EXPECT_EQ(TilePath(TileId{3, 7, 256}), "tile/3/007");
}

TEST(TilePathTest, ParsesOnlyCanonicalPaths) {
  for (const TileId& t : {TileId{0, 0, 256}, TileId{0, 1234067, 8}, TileId{kEntriesLevel, 999, 255},
                          TileId{63, UINT64_MAX, 1}}) {
    auto parsed = ParseTilePath(TilePath(t));
    ASSERT_TRUE(parsed.ok()) << TilePath(t);
    EXPECT_EQ(*parsed, t);
  }
  for (const char* bad : {"tile/0/5", "tile/0/0005", "tile/0/x000/005", "tile/0/005.p/0", "tile/0/005.p/256",
                          "tile/0/005.p/05", "tile/00/005", "tile/64/005", "tile/0/x005", "tile/data/000",
                          "tile/0/005/", "tiles/0/005", "tile/0/00a", "tile/0/x1/005", "tile/0/005.p/", ""}) {
    EXPECT_FALSE(ParseTilePath(bad).ok()) << bad;
  }
}

TEST(TilesTest, ChangedTilesAreTheNewFullAndPartialOnes) {
  auto paths = [](const std::vector<TileId>& v) {
    std::set<std::string> out;
    for (const TileId& t : v) out.insert(TilePath(t));
    return out;
  };
  EXPECT_EQ(paths(TilesFor(5)), (std::set<std::string>{"tile/entries/000.p/5", "tile/0/000.p/5"}));
  EXPECT_EQ(paths(TilesChanged(250, 260)),
            (std::set<std::string>{"tile/entries/000", "tile/entries/001.p/4", "tile/0/000", "tile/0/001.p/4",
                                   "tile/1/000.p/1"}));
  EXPECT_TRUE(TilesChanged(7, 7).empty());
  EXPECT_TRUE(TilesFor(0).empty());
}

TEST(TilesTest, EntryBundlesAreStrict) {
  auto enc = EncodeEntryBundle({"a", "", std::string(300, 'x')});
  ASSERT_TRUE(enc.ok());
  auto dec = ParseEntryBundle(*enc, 3);
  ASSERT_TRUE(dec.ok());
  EXPECT_EQ((*dec)[2], std::string(300, 'x'));
  EXPECT_EQ(ParseEntryBundle(*enc, 2).error().finding(), findings::kTlogTilesInvalid);  // more than its width
  EXPECT_FALSE(ParseEntryBundle(*enc, 4).ok());                                          // fewer
  Bytes cut(enc->begin(), enc->end() - 1);
  EXPECT_FALSE(ParseEntryBundle(cut, 3).ok());  // ends inside an entry
  EXPECT_FALSE(ParseEntryBundle(Bytes{0x00}, 1).ok());  // ends inside a length
  EXPECT_FALSE(EncodeEntryBundle({std::string(kMaxEntryBytes + 1, 'x')}).ok());
  EXPECT_FALSE(ParseHashTile(Bytes(33), 1).ok());
}

TEST(HashTreeTest, ProofsVerifyWithTheAttestationVerifiers) {
  HashTree tree;
  EXPECT_EQ(*tree.Root(0), Bytes({0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
                                  0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55}));
  for (int i = 0; i < 70; ++i) tree.AppendEntry(AsBytes("entry " + std::to_string(i)));
  for (uint64_t n = 1; n <= 70; ++n) {
    Bytes root = *tree.Root(n);
    for (uint64_t m = 0; m < n; ++m) {
      Hash leaf = LeafHash(AsBytes("entry " + std::to_string(m)));
      auto proof = tree.InclusionProof(m, n);
      ASSERT_TRUE(proof.ok());
      EXPECT_TRUE(attestation::VerifyInclusionProof(m, n, Bytes(leaf.begin(), leaf.end()), *proof, root).ok())
          << m << " in " << n;
    }
    for (uint64_t m = 0; m <= n; ++m) {
      auto proof = tree.ConsistencyProof(m, n);
      ASSERT_TRUE(proof.ok());
      EXPECT_TRUE(attestation::VerifyConsistencyProof(m, n, *tree.Root(m), root, *proof).ok()) << m << " -> " << n;
    }
  }
  EXPECT_FALSE(tree.InclusionProof(70, 70).ok());
  EXPECT_FALSE(tree.ConsistencyProof(5, 71).ok());
  // Truncate gives back exactly the smaller tree.
  Bytes root40 = *tree.Root(40);
  tree.Truncate(40);
  EXPECT_EQ(tree.size(), 40u);
  EXPECT_EQ(*tree.Root(40), root40);
}

TEST(ConsistencyProofTest, RefusesEveryBrokenProof) {
  HashTree tree;
  for (int i = 0; i < 13; ++i) tree.AppendEntry(AsBytes(std::to_string(i)));
  Bytes r7 = *tree.Root(7), r13 = *tree.Root(13);
  auto proof = *tree.ConsistencyProof(7, 13);
  ASSERT_TRUE(attestation::VerifyConsistencyProof(7, 13, r7, r13, proof).ok());
  auto code = [](const Status& s) { return s.ok() ? std::string() : s.error().finding(); };
  EXPECT_EQ(code(attestation::VerifyConsistencyProof(13, 7, r13, r7, proof)), findings::kConsistencyProofInvalid);
  EXPECT_EQ(code(attestation::VerifyConsistencyProof(7, 13, r13, r13, proof)), findings::kConsistencyProofInvalid);
  EXPECT_EQ(code(attestation::VerifyConsistencyProof(7, 13, r7, r7, proof)), findings::kConsistencyProofInvalid);
  auto bad = proof;
  bad[0][0] ^= 1;
  EXPECT_FALSE(attestation::VerifyConsistencyProof(7, 13, r7, r13, bad).ok());
  bad = proof;
  bad.pop_back();
  EXPECT_FALSE(attestation::VerifyConsistencyProof(7, 13, r7, r13, bad).ok());
  bad = proof;
  bad.push_back(r7);
  EXPECT_FALSE(attestation::VerifyConsistencyProof(7, 13, r7, r13, bad).ok());
  EXPECT_FALSE(attestation::VerifyConsistencyProof(7, 13, r7, r13, {}).ok());
  EXPECT_FALSE(attestation::VerifyConsistencyProof(13, 13, r13, r7, {}).ok());
  EXPECT_FALSE(attestation::VerifyConsistencyProof(0, 13, r7, r13, proof).ok());
  EXPECT_TRUE(attestation::VerifyConsistencyProof(13, 13, r13, r13, {}).ok());
}

TEST(NoteKeyTest, VerifierKeysRoundTripAndAreStrict) {
  auto key = testing::SoftEd25519Key::Generate();
  Bytes raw = *attestation::Ed25519RawPublicKey(key->public_key_spki());
  std::string vkey = attestation::FormatNoteVerifierKey("log.example", attestation::kNoteAlgEd25519, raw);
  auto parsed = attestation::ParseNoteVerifierKey(vkey + "\n");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->name, "log.example");
  EXPECT_EQ(parsed->public_key, raw);
  std::string wrong_id = vkey;
  wrong_id[vkey.find('+') + 1] = wrong_id[vkey.find('+') + 1] == '0' ? '1' : '0';
  EXPECT_FALSE(attestation::ParseNoteVerifierKey(wrong_id).ok());
  EXPECT_FALSE(attestation::ParseNoteVerifierKey("log.example+00000000").ok());
  EXPECT_FALSE(attestation::ParseNoteVerifierKey("log example+" + vkey.substr(vkey.find('+') + 1)).ok());
  EXPECT_FALSE(attestation::ParseNoteVerifierKey("").ok());
}

class LogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    key_ = testing::SoftEd25519Key::Generate();
    ASSERT_TRUE(key_);
    auto signer = NoteSigner::Create("log.example", *key_);
    ASSERT_TRUE(signer.ok());
    signer_ = std::make_unique<NoteSigner>(std::move(*signer));
    ASSERT_TRUE(TransparencyLog::Create(dir_.path(), *signer_).ok());
    vkey_ = std::move(*attestation::ParseNoteVerifierKey(signer_->verifier_key()));
  }
  std::unique_ptr<TransparencyLog> OpenLog(size_t max_batch = 4096) {
    LogOptions o;
    o.max_batch = max_batch;
    auto log = TransparencyLog::Open(dir_.path(), *signer_, o);
    EXPECT_TRUE(log.ok()) << (log.ok() ? "" : log.error().ToString());
    return log.ok() ? std::move(*log) : nullptr;
  }
  std::string LogDir() const { return dir_.path() + "/log"; }
  void AppendN(TransparencyLog& log, int from, int to) {
    std::vector<std::future<Result<Integrated>>> waits;
    for (int i = from; i < to; ++i) {
      auto p = std::make_shared<std::promise<Result<Integrated>>>();
      waits.push_back(p->get_future());
      log.AppendAsync("entry " + std::to_string(i), [p](Result<Integrated> r) { p->set_value(std::move(r)); });
    }
    for (auto& w : waits) ASSERT_TRUE(w.get().ok());
  }

  TempDir dir_;
  std::unique_ptr<testing::SoftEd25519Key> key_;
  std::unique_ptr<NoteSigner> signer_;
  attestation::NoteVerifierKey vkey_;
};

TEST_F(LogTest, CreateCommitsTheEmptyTree) {
  auto rep = VerifyLogDir(LogDir(), vkey_);
  ASSERT_TRUE(rep.ok()) << rep.error().ToString();
  EXPECT_EQ(rep->checkpoint.tree_size, 0u);
  EXPECT_EQ(TransparencyLog::Create(dir_.path(), *signer_).error().code(), ErrorCode::kAlreadyExists);
}

TEST_F(LogTest, AppendReturnsACoveringCheckpointAndProof) {
  auto log = OpenLog();
  for (int i = 0; i < 3; ++i) {
    auto r = log->Append("hello " + std::to_string(i));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->index, static_cast<uint64_t>(i));
    auto cp = attestation::VerifyCheckpoint(r->checkpoint, {vkey_.note_key()});
    ASSERT_TRUE(cp.ok());
    EXPECT_EQ(cp->tree_size, r->tree_size);
    Hash leaf = LeafHash(AsBytes("hello " + std::to_string(i)));
    EXPECT_TRUE(attestation::VerifyInclusionProof(r->index, r->tree_size, Bytes(leaf.begin(), leaf.end()),
                                                  r->inclusion_proof, cp->root_hash)
                    .ok());
  }
  EXPECT_EQ(log->size(), 3u);
  EXPECT_EQ(*ReadFile(LogDir() + "/checkpoint"), log->checkpoint());
}

TEST_F(LogTest, OneSignaturePerBatchAndTilesVerify) {
  {
    auto log = OpenLog(100);
    std::mutex mu;
    std::set<uint64_t> sizes;
    std::vector<std::future<void>> waits;
    for (int i = 0; i < 1000; ++i) {
      auto p = std::make_shared<std::promise<void>>();
      waits.push_back(p->get_future());
      log->AppendAsync("e" + std::to_string(i), [&, p](Result<Integrated> r) {
        ASSERT_TRUE(r.ok());
        std::lock_guard<std::mutex> lock(mu);
        sizes.insert(r->tree_size);
        p->set_value();
      });
    }
    for (auto& w : waits) w.get();
    // One signature per batch (plus the one Create made), never one per entry.
    EXPECT_EQ(key_->sign_calls, static_cast<int>(sizes.size()) + 1);
    EXPECT_GE(sizes.size(), 10u);  // max_batch 100
  }
  auto rep = VerifyLogDir(LogDir(), vkey_);
  ASSERT_TRUE(rep.ok()) << rep.error().ToString();
  EXPECT_EQ(rep->checkpoint.tree_size, 1000u);
  // No superseded partial tile is left: exactly the tiles of the tree.
  std::set<std::string> want;
  for (const TileId& t : TilesFor(1000)) want.insert(TilePath(t));
  std::set<std::string> got;
  for (auto& e : fs::recursive_directory_iterator(LogDir() + "/tile")) {
    if (e.is_regular_file()) got.insert(fs::relative(e.path(), LogDir()).string());
  }
  EXPECT_EQ(got, want);
}

TEST_F(LogTest, ReopenContinuesTheTree) {
  { auto log = OpenLog(); AppendN(*log, 0, 300); }
  std::string old = *ReadFile(LogDir() + "/checkpoint");
  { auto log = OpenLog(); AppendN(*log, 300, 520); EXPECT_EQ(log->size(), 520u); }
  auto rep = VerifyLogDir(LogDir(), vkey_, old);
  ASSERT_TRUE(rep.ok()) << rep.error().ToString();
  EXPECT_EQ(rep->consistent_from, 300u);
  auto log = OpenLog();
  EXPECT_FALSE(TransparencyLog::Open(dir_.path(), *signer_).ok());  // one writer at a time
}

TEST_F(LogTest, RecoveryRemovesTempFilesAndUncommittedTiles) {
  { auto log = OpenLog(); AppendN(*log, 0, 5); }
  // What a batch that crashed before its commit point leaves: a temp file, a wider partial
  // tile and a torn temp of the state file.
  std::ofstream(LogDir() + "/tile/entries/000.p/9") << "uncommitted";
  std::ofstream(LogDir() + "/tile/0/000.p/9") << "uncommitted";
  std::ofstream(LogDir() + "/tile/0/000.p/5.tmp-1-2") << "torn";
  std::ofstream(dir_.path() + "/log-state.tmp-abcdefgh") << "torn";
  auto log = OpenLog();
  EXPECT_FALSE(fs::exists(LogDir() + "/tile/entries/000.p/9"));
  EXPECT_FALSE(fs::exists(LogDir() + "/tile/0/000.p/9"));
  EXPECT_FALSE(fs::exists(LogDir() + "/tile/0/000.p/5.tmp-1-2"));
  EXPECT_FALSE(fs::exists(dir_.path() + "/log-state.tmp-abcdefgh"));
  AppendN(*log, 5, 9);
  log.reset();
  EXPECT_TRUE(VerifyLogDir(LogDir(), vkey_).ok());
}

TEST_F(LogTest, RecoveryRepublishesTheCommittedCheckpoint) {
  std::string first = *ReadFile(LogDir() + "/checkpoint");
  { auto log = OpenLog(); AppendN(*log, 0, 5); }
  std::string committed = *ReadFile(LogDir() + "/checkpoint");
  ASSERT_TRUE(WriteFileAtomic(LogDir() + "/checkpoint", first).ok());  // crash between the two renames
  auto log = OpenLog();
  EXPECT_EQ(*ReadFile(LogDir() + "/checkpoint"), committed);
}

TEST_F(LogTest, OpenRefusesTamperedTiles) {
  { auto log = OpenLog(); AppendN(*log, 0, 5); }
  std::string tile = *ReadFile(LogDir() + "/tile/0/000.p/5");
  tile[3] ^= 1;
  ASSERT_TRUE(WriteFileAtomic(LogDir() + "/tile/0/000.p/5", tile).ok());
  auto log = TransparencyLog::Open(dir_.path(), *signer_);
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(log.error().code(), ErrorCode::kFailedPrecondition);
}

TEST_F(LogTest, SigningFailureFailsTheBatchAndClosesTheLog) {
  auto log = OpenLog();
  AppendN(*log, 0, 3);
  key_->fail_signing = true;
  auto r = log->Append("never");
  ASSERT_FALSE(r.ok());
  key_->fail_signing = false;
  EXPECT_FALSE(log->Append("refused: the log is closed").ok());
  EXPECT_EQ(log->size(), 3u);
  log.reset();
  // Reopening recovers the committed tree and drops the failed batch's tiles.
  log = OpenLog();
  EXPECT_EQ(log->size(), 3u);
  auto ok = log->Append("after");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->index, 3u);
}

TEST_F(LogTest, RecoverLetsAppendsThroughAfterAFailedBatch) {
  auto log = OpenLog();
  AppendN(*log, 0, 3);
  key_->fail_signing = true;
  ASSERT_FALSE(log->Append("fails: no checkpoint signature").ok());
  key_->fail_signing = false;
  EXPECT_FALSE(log->Append("refused: the log is closed until it recovers").ok());
  // Recover answers every entry queued before it first (they fail: the log is still closed).
  auto p = std::make_shared<std::promise<Result<Integrated>>>();
  auto queued = p->get_future();
  log->AppendAsync("queued before Recover", [p](Result<Integrated> r) { p->set_value(std::move(r)); });
  ASSERT_TRUE(log->Recover().ok());
  EXPECT_FALSE(queued.get().ok());
  EXPECT_EQ(log->size(), 3u);
  auto ok = log->Append("after recovery");
  ASSERT_TRUE(ok.ok()) << ok.error().ToString();
  EXPECT_EQ(ok->index, 3u);
  // The same process's tree and the directory agree: a reopen sees the same log.
  log.reset();
  log = OpenLog();
  EXPECT_EQ(log->size(), 4u);
}

TEST_F(LogTest, RecoverFailsWhileTheStateCannotBeRead) {
  auto log = OpenLog();
  AppendN(*log, 0, 2);
  key_->fail_signing = true;
  ASSERT_FALSE(log->Append("fails").ok());
  key_->fail_signing = false;
  const std::string state = dir_.path() + "/log-state";
  ASSERT_EQ(::rename(state.c_str(), (state + ".away").c_str()), 0);
  EXPECT_FALSE(log->Recover().ok());
  EXPECT_FALSE(log->Append("still closed").ok());
  ASSERT_EQ(::rename((state + ".away").c_str(), state.c_str()), 0);
  ASSERT_TRUE(log->Recover().ok());
  auto ok = log->Append("after");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->index, 2u);
}

TEST_F(LogTest, VerifyDetectsTampering) {
  { auto log = OpenLog(); AppendN(*log, 0, 600); }
  std::string old = *ReadFile(LogDir() + "/checkpoint");
  auto finding = [&](const std::optional<std::string>& from = std::nullopt) {
    auto rep = VerifyLogDir(LogDir(), vkey_, from);
    return rep.ok() ? std::string("ok") : rep.error().finding();
  };
  ASSERT_EQ(finding(), "ok");
  auto flip = [&](const std::string& rel, size_t at) {
    std::string data = *ReadFile(LogDir() + "/" + rel);
    data[at] ^= 1;
    ASSERT_TRUE(WriteFileAtomic(LogDir() + "/" + rel, data).ok());
  };
  // A hash tile byte (level 0 full, level 1 partial).
  flip("tile/0/001", 40);
  EXPECT_EQ(finding(), findings::kTlogTilesInvalid);
  flip("tile/0/001", 40);
  flip("tile/1/000.p/2", 0);
  EXPECT_EQ(finding(), findings::kTlogTilesInvalid);
  flip("tile/1/000.p/2", 0);
  // An entry.
  flip("tile/entries/002.p/88", 5);
  EXPECT_EQ(finding(), findings::kTlogTilesInvalid);
  flip("tile/entries/002.p/88", 5);
  // The checkpoint.
  flip("checkpoint", 2);
  EXPECT_EQ(finding(), findings::kCheckpointInvalid);
  flip("checkpoint", 2);
  ASSERT_EQ(finding(), "ok");
  // A missing tile.
  fs::remove(LogDir() + "/tile/0/000");
  EXPECT_EQ(finding(), findings::kTlogTilesInvalid);
}

TEST_F(LogTest, ReadVerifiedEntriesReturnsTheCommittedEntriesOnly) {
  { auto log = OpenLog(); AppendN(*log, 0, 300); }
  auto read = ReadVerifiedEntries(LogDir(), vkey_);
  ASSERT_TRUE(read.ok()) << read.error().ToString();
  EXPECT_EQ(read->checkpoint.tree_size, 300u);
  ASSERT_EQ(read->entries.size(), 300u);
  EXPECT_EQ(read->entries[0], "entry 0");
  EXPECT_EQ(read->entries[299], "entry 299");
  // An empty log has no entries.
  TempDir other;
  ASSERT_TRUE(TransparencyLog::Create(other.path(), *signer_).ok());
  auto empty = ReadVerifiedEntries(other.path() + "/log", vkey_);
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->entries.empty());
  // One changed entry byte, a missing bundle, a checkpoint under another key: refused.
  auto finding = [&] {
    auto r = ReadVerifiedEntries(LogDir(), vkey_);
    return r.ok() ? std::string("ok") : r.error().finding();
  };
  std::string data = *ReadFile(LogDir() + "/tile/entries/001.p/44");
  std::string changed = data;
  changed[3] ^= 1;
  ASSERT_TRUE(WriteFileAtomic(LogDir() + "/tile/entries/001.p/44", changed).ok());
  EXPECT_EQ(finding(), findings::kTlogTilesInvalid);
  ASSERT_TRUE(WriteFileAtomic(LogDir() + "/tile/entries/001.p/44", data).ok());
  ASSERT_EQ(finding(), "ok");
  fs::rename(LogDir() + "/tile/entries/000", LogDir() + "/tile/entries/000.moved");
  EXPECT_EQ(finding(), findings::kTlogTilesInvalid);
  fs::rename(LogDir() + "/tile/entries/000.moved", LogDir() + "/tile/entries/000");
  auto other_key = testing::SoftEd25519Key::Generate();
  auto other_signer = NoteSigner::Create("log.example", *other_key);
  ASSERT_TRUE(other_signer.ok());
  auto other_vkey = attestation::ParseNoteVerifierKey(other_signer->verifier_key());
  ASSERT_TRUE(other_vkey.ok());
  auto wrong = ReadVerifiedEntries(LogDir(), *other_vkey);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().finding(), findings::kCheckpointInvalid);
}

TEST_F(LogTest, VerifyFromDetectsRollbackAndFork) {
  { auto log = OpenLog(); AppendN(*log, 0, 40); }
  std::string at40 = *ReadFile(LogDir() + "/checkpoint");
  { auto log = OpenLog(); AppendN(*log, 40, 50); }
  std::string at50 = *ReadFile(LogDir() + "/checkpoint");
  EXPECT_TRUE(VerifyLogDir(LogDir(), vkey_, at40).ok());
  EXPECT_TRUE(VerifyLogDir(LogDir(), vkey_, at50).ok());
  // A fork: the same key signs a different history of 60 entries.
  TempDir other;
  ASSERT_TRUE(TransparencyLog::Create(other.path(), *signer_).ok());
  {
    auto log = TransparencyLog::Open(other.path(), *signer_);
    ASSERT_TRUE(log.ok());
    AppendN(**log, 100, 160);
  }
  auto fork = VerifyLogDir(other.path() + "/log", vkey_, at50);
  ASSERT_FALSE(fork.ok());
  EXPECT_EQ(fork.error().finding(), findings::kConsistencyProofInvalid);
  // A rollback: the older state of the log is served again after a newer checkpoint was seen.
  TempDir small;
  ASSERT_TRUE(TransparencyLog::Create(small.path(), *signer_).ok());
  {
    auto log = TransparencyLog::Open(small.path(), *signer_);
    AppendN(**log, 0, 40);
  }
  auto back = VerifyLogDir(small.path() + "/log", vkey_, at50);
  ASSERT_FALSE(back.ok());
  EXPECT_EQ(back.error().finding(), findings::kTlogRollback);
  // A checkpoint from another key is not an older checkpoint of this log.
  auto key2 = testing::SoftEd25519Key::Generate();
  auto signer2 = NoteSigner::Create("log.example", *key2);
  auto foreign = signer2->Sign("log.example\n1\n" + std::string(43, 'A') + "=\n");
  EXPECT_EQ(VerifyLogDir(LogDir(), vkey_, *foreign).error().finding(), findings::kCheckpointInvalid);
}

TEST_F(LogTest, WitnessCosignsConsistentCheckpointsAndRefusesForks) {
  TempDir wdir;
  { auto log = OpenLog(); AppendN(*log, 0, 10); }
  auto first = RunWitness(wdir.path(), LogDir(), vkey_, "witness.example", 1700000000);
  ASSERT_TRUE(first.ok()) << first.error().ToString();
  EXPECT_FALSE(first->previous_size.has_value());
  auto wkey = attestation::ParseNoteVerifierKey(*ReadFile(wdir.path() + "/witness.vkey"));
  ASSERT_TRUE(wkey.ok());
  EXPECT_EQ(*attestation::VerifyCosignature(first->cosigned, *wkey), 1700000000u);
  // The cosigned note still verifies with the log key (the extra line is ignored).
  EXPECT_TRUE(attestation::VerifyCheckpoint(first->cosigned, {vkey_.note_key()}).ok());
  // A tampered cosigned note does not verify.
  std::string bad = first->cosigned;
  bad[2] ^= 1;
  EXPECT_FALSE(attestation::VerifyCosignature(bad, *wkey).ok());

  { auto log = OpenLog(); AppendN(*log, 10, 30); }
  auto second = RunWitness(wdir.path(), LogDir(), vkey_, "ignored", 1700000100);
  ASSERT_TRUE(second.ok()) << second.error().ToString();
  EXPECT_EQ(second->previous_size, 10u);
  EXPECT_EQ(second->size, 30u);

  // A fork of the log: refused, and the witness keeps what it saw.
  std::string seen = *ReadFile(wdir.path() + "/checkpoint");
  TempDir other;
  ASSERT_TRUE(TransparencyLog::Create(other.path(), *signer_).ok());
  {
    auto log = TransparencyLog::Open(other.path(), *signer_);
    AppendN(**log, 500, 540);
  }
  auto forked = RunWitness(wdir.path(), other.path() + "/log", vkey_, "ignored", 1700000200);
  ASSERT_FALSE(forked.ok());
  EXPECT_EQ(forked.error().finding(), findings::kConsistencyProofInvalid);
  EXPECT_EQ(*ReadFile(wdir.path() + "/checkpoint"), seen);
  // A shrunk log: refused.
  TempDir small;
  ASSERT_TRUE(TransparencyLog::Create(small.path(), *signer_).ok());
  {
    auto log = TransparencyLog::Open(small.path(), *signer_);
    AppendN(**log, 0, 10);
  }
  auto shrunk = RunWitness(wdir.path(), small.path() + "/log", vkey_, "ignored", 1700000300);
  ASSERT_FALSE(shrunk.ok());
  EXPECT_EQ(shrunk.error().finding(), findings::kTlogRollback);
}

TEST(ApplianceConfigTest, RoundTripsAndNeverStoresAPin) {
  TempDir dir;
  ApplianceConfig c{"log.example", "pkcs11:token=t;object=k?pin-source=/p", "log.example+01020304+AQ"};
  ASSERT_TRUE(WriteApplianceConfig(dir.path(), c).ok());
  auto back = ReadApplianceConfig(dir.path());
  ASSERT_TRUE(back.ok()) << back.error().ToString();
  EXPECT_EQ(back->log_key_uri, c.log_key_uri);
  EXPECT_EQ(back->log_verifier_key, c.log_verifier_key);
  c.log_key_uri = "pkcs11:token=t;object=k?pin-value=1234";
  EXPECT_FALSE(WriteApplianceConfig(dir.path(), c).ok());
  c.log_key_uri = "a\"b";
  EXPECT_FALSE(WriteApplianceConfig(dir.path(), c).ok());
  std::ofstream(dir.path() + "/appliance.yaml") << "origin: x\nlog:\n  key: k\n  verifier_key: v\nextra: 1\n";
  EXPECT_FALSE(ReadApplianceConfig(dir.path()).ok());
}

TEST(ApplianceConfigTest, TsaSectionRoundTripsAndIsStrict) {
  TempDir dir;
  ApplianceConfig c;
  c.origin = "log.example";
  c.log_key_uri = "pkcs11:token=t;object=k";
  c.log_verifier_key = "log.example+01020304+AQ";
  ASSERT_TRUE(WriteApplianceConfig(dir.path(), c).ok());
  auto none = ReadApplianceConfig(dir.path());
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->tsa_key_uri.empty());
  EXPECT_TRUE(none->tsa_require_synchronized_clock);
  c.tsa_key_uri = "pkcs11:token=t;object=tsa";
  c.tsa_ca_key_uri = "pkcs11:token=t;object=tsa-ca";
  c.tsa_policy_oid = "1.2.3.4";
  c.tsa_require_synchronized_clock = false;
  ASSERT_TRUE(WriteApplianceConfig(dir.path(), c).ok());
  auto back = ReadApplianceConfig(dir.path());
  ASSERT_TRUE(back.ok()) << back.error().ToString();
  EXPECT_EQ(back->tsa_key_uri, c.tsa_key_uri);
  EXPECT_EQ(back->tsa_ca_key_uri, c.tsa_ca_key_uri);
  EXPECT_EQ(back->tsa_policy_oid, "1.2.3.4");
  EXPECT_FALSE(back->tsa_require_synchronized_clock);
  c.tsa_ca_key_uri = "pkcs11:token=t;object=tsa-ca?pin-value=1234";
  EXPECT_FALSE(WriteApplianceConfig(dir.path(), c).ok());
  c.tsa_ca_key_uri.clear();
  EXPECT_FALSE(WriteApplianceConfig(dir.path(), c).ok());
  const std::string head = "origin: x\nlog:\n  key: k\n  verifier_key: v\n";
  std::ofstream(dir.path() + "/appliance.yaml") << head << "tsa:\n  key: a\n  ca_key: b\n  require_synchronized_clock: \"no\"\n";
  EXPECT_FALSE(ReadApplianceConfig(dir.path()).ok());
  std::ofstream(dir.path() + "/appliance.yaml") << head << "tsa:\n  key: a\n  ca_key: b\n  other: 1\n";
  EXPECT_FALSE(ReadApplianceConfig(dir.path()).ok());
  std::ofstream(dir.path() + "/appliance.yaml") << head << "tsa:\n  key: a\n";
  EXPECT_FALSE(ReadApplianceConfig(dir.path()).ok());
}

TEST(NoteSignerTest, RefusesNonEd25519KeysAndBadOrigins) {
  auto key = testing::SoftEd25519Key::Generate();
  EXPECT_FALSE(NoteSigner::Create("https://log.example", *key).ok());
  EXPECT_FALSE(NoteSigner::Create("log example", *key).ok());
  EXPECT_FALSE(NoteSigner::Create("", *key).ok());
}

}  // namespace
}  // namespace signet::translog
