// TransparencyLog: the appliance's append-only log in the C2SP tlog-tiles layout.
//
// A state directory DIR holds:
//   DIR/log/                the public, static log (tiles.h): checkpoint, tile/...
//   DIR/log.lock            the writer's flock
//   DIR/log-state           the commit point: "signet-tlog-state/v1\n" then the signed checkpoint
//                           note of the last committed tree
//
// Writing (one background committer thread, like signer/audit_log.h's AppendAsync):
//   1. Entries queued while the previous batch commits form the next batch (at most
//      LogOptions::max_batch entries).
//   2. Every tile the batch changes (entry bundles and hash tiles, full or ".p/<W>" partial) is
//      written to a temporary name, fsynced and renamed into place; each touched directory is
//      fsynced once per batch.
//   3. One checkpoint is signed for the batch (Ed25519 signed note with the log key).
//   4. DIR/log-state is replaced atomically (temp, fsync, rename, directory fsync): the commit
//      point. Then DIR/log/checkpoint is renamed into place (no fsync: log-state is the durable
//      copy and Open republishes it).
//   5. Every entry's callback receives its index, the checkpoint and its inclusion proof.
//      Superseded partial tiles are removed.
// A failure in 2-4 fails the whole batch, rolls the in-memory tree back and makes the log refuse
// every later append (fail closed) until Recover (or a reopen) re-reads the committed state.
// A failure to publish DIR/log/checkpoint after the commit point also closes the log, and keeps
// the tiles that the still-published older checkpoint needs.
//
// Crash semantics (Open): the committed tree is the one in DIR/log-state. Temporary files are
// removed, tiles beyond the committed tree (written by a batch that never committed) are
// removed, the tree is rebuilt from the level-0 tiles and must give the committed root, and
// DIR/log/checkpoint is rewritten if it is not the committed one. An entry whose callback never
// ran may or may not be in the log; an entry whose callback ran is in every later tree.
//
// A single process owns the state directory: Open takes an exclusive flock on DIR/log-state.
#ifndef SIGNET_TRANSLOG_LOG_H_
#define SIGNET_TRANSLOG_LOG_H_

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "signet/core/bytes.h"
#include "signet/core/result.h"
#include "signet/core/unique_fd.h"
#include "signet/firmware_iface/signing_key.h"
#include "signet/translog/tree.h"

namespace signet::translog {

// kStateFileName and kLogDirName are the names inside the state directory.
inline constexpr char kStateFileName[] = "log-state";
inline constexpr char kLogDirName[] = "log";
inline constexpr char kStateMagic[] = "signet-tlog-state/v1\n";
inline constexpr char kLockFileName[] = "log.lock";

// LogOptions configures a TransparencyLog.
struct LogOptions {
  // max_batch bounds the entries one checkpoint covers.
  size_t max_batch = 4096;
};

// Integrated is what an append returns once its entry is committed.
struct Integrated {
  uint64_t index = 0;
  uint64_t tree_size = 0;
  std::string checkpoint;            // the signed note covering the entry
  std::vector<Bytes> inclusion_proof;  // from the entry's leaf to the checkpoint's root
};

// NoteSigner signs checkpoint text as a signed note's Ed25519 signer. It wraps a
// fw::SigningKey that must be Ed25519 (the key stays on its device).
class NoteSigner {
 public:
  // Create checks that `key` is Ed25519 (kInvalidArgument otherwise) and that `origin` is a
  // valid key name. `key` is not owned and must outlive the signer.
  static Result<NoteSigner> Create(std::string origin, fw::SigningKey& key);
  const std::string& origin() const { return origin_; }
  // verifier_key is the note verifier key "<origin>+<id>+<base64(0x01 || key)>".
  const std::string& verifier_key() const { return verifier_key_; }
  // Sign returns the full note: `text`, a blank line and one signature line.
  Result<std::string> Sign(std::string_view text) const;

 private:
  NoteSigner() = default;
  std::string origin_;
  std::string verifier_key_;
  Bytes key_id_;
  fw::SigningKey* key_ = nullptr;
};

// TransparencyLog appends entries to one state directory. Thread-safe.
class TransparencyLog {
 public:
  // Create initialises DIR (which must exist): makes DIR/log/ and commits the empty tree with its
  // first signed checkpoint. kAlreadyExists if DIR/log-state exists.
  static Status Create(const std::string& state_dir, const NoteSigner& signer);

  // Open recovers DIR (see the header comment) and starts the committer. kNotFound when DIR has
  // no log-state, kFailedPrecondition when the stored log does not give the committed root or
  // its checkpoint does not verify with the signer's key, kUnavailable if another process holds
  // the log.
  static Result<std::unique_ptr<TransparencyLog>> Open(const std::string& state_dir, NoteSigner signer,
                                                       LogOptions options = {});
  ~TransparencyLog();
  TransparencyLog(const TransparencyLog&) = delete;
  TransparencyLog& operator=(const TransparencyLog&) = delete;

  using Callback = std::function<void(Result<Integrated>)>;
  // AppendAsync queues `entry` and returns at once; `done` runs on the committer thread after
  // the entry is committed (or failed). Release whatever depends on the entry only from there.
  // An entry longer than kMaxEntryBytes fails at once (kInvalidArgument, from this thread).
  void AppendAsync(std::string entry, Callback done);
  // Append queues `entry` and waits until it is committed. Never call it from a callback (the
  // committer would wait for itself).
  Result<Integrated> Append(std::string entry);

  // Recover waits until every entry queued before it has been answered, then recovers the
  // state directory on the committer thread as Open does (the header comment) and, when that
  // succeeds, lets appends through again (after a failed batch: a full disk that has space
  // again). Returns LoadCommitted's error otherwise (the log stays closed). Never call it from a
  // callback.
  Status Recover();
  // checkpoint returns the last committed checkpoint note; size its tree size.
  std::string checkpoint() const;
  uint64_t size() const;

 private:
  struct Pending {
    std::string entry;
    Callback done;
    std::function<void(Status)> recovered;  // set: a Recover request, not an entry
  };
  TransparencyLog(std::string state_dir, NoteSigner signer, LogOptions options);
  // LoadCommitted recovers the state directory and loads the committed tree (committer state).
  Status LoadCommitted();
  void Run();
  Status CommitBatch(const std::vector<std::string>& entries, std::string* checkpoint);

  const std::string state_dir_;
  const std::string log_dir_;
  const NoteSigner signer_;
  const LogOptions options_;
  UniqueFd lock_fd_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Pending> queue_;
  bool stop_ = false;
  Status broken_ = OkStatus();
  std::string checkpoint_;  // guarded by mu_
  uint64_t committed_size_ = 0;  // guarded by mu_

  // Committer-thread state.
  HashTree tree_;
  std::vector<std::string> tail_entries_;  // entries of the last, partial entry bundle
  Status publish_error_ = OkStatus();      // the last batch's failure to publish its checkpoint
  std::thread thread_;
};

// ReadStateCheckpoint returns the checkpoint note stored in DIR/log-state (unverified).
Result<std::string> ReadStateCheckpoint(const std::string& state_dir);

}  // namespace signet::translog

#endif  // SIGNET_TRANSLOG_LOG_H_
