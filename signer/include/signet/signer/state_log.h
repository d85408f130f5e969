// StateLog: the signing path's log in an appliance state directory (issue 16 part 2): every audit
// record and every released signature is an entry of DIR/log/, the tile-based transparency log
// of translog/log.h. `signet sign --state-dir DIR` and signerd (state_dir) use it alike.
//
// Entries:
//   - an audit record is stored in the stable entry format of audit_log.h (canonical JSON of
//     EntryToJson), with seq = its index in the log and prev = 64 zeros: the Merkle tree orders
//     and links the entries, so the hash chain's link is not used here (hash still covers the
//     entry, so a lone entry can be checked as before);
//   - a released signature is its Rekor v2 entry (rekor_v2.h).
// AppendWithSignatures queues the record and its signatures together (one batch when the
// committer is idle) and returns once all are committed, each with its index, the checkpoint
// covering it and its inclusion proof: the caller releases the signatures only then.
//
// Indices: the StateLog assigns the next index as it queues an entry (entries are committed in
// queue order) and checks it against the index the log committed; a mismatch fails the append
// (kInternal), so an entry's seq is always its index. A failed batch closes the log (translog):
// the appends queued behind it fail too. The next append then asks the log to Recover (re-read
// the committed state from disk, as a reopen does) and takes its indices from the recovered
// size; while recovery fails (the disk is still full) every append fails. Failures to commit are
// kUnavailable with finding LOG_UNAVAILABLE (signerd answers 503, the CLI exits 3).
//
// Time: a record whose time is more than kClockStepAllowance before the newest record in the
// log (this process's, or the last one stored when the log was opened) is refused with kUnavailable
// and finding CLOCK_STEPPED_BACK, so the records' times never run backwards by more than that
// (the allowance covers concurrent decisions whose records reach the log out of order).
#ifndef SIGNET_SIGNER_STATE_LOG_H_
#define SIGNET_SIGNER_STATE_LOG_H_

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "signet/core/bytes.h"
#include "signet/core/result.h"
#include "signet/signer/audit_log.h"
#include "signet/translog/log.h"

namespace signet::signer {

// kClockStepAllowance: how far a record's time may lie before the newest record's.
inline constexpr std::chrono::seconds kClockStepAllowance{60};

class StateLog final : public AuditAppender {
 public:
  // Open opens (and recovers) the log of `state_dir` with `signer`, the log key's note signer
  // (translog::TransparencyLog::Open's errors).
  static Result<std::unique_ptr<StateLog>> Open(const std::string& state_dir, translog::NoteSigner signer,
                                                translog::LogOptions options = {});

  // Append stores `record` alone (a deny, a failed signing, a refused reference).
  Result<AuditEntry> Append(const AuditRecord& record) override;
  // AppendWithSignatures stores `record`, then one entry per signature; see the header comment.
  Result<SignedAppend> AppendWithSignatures(const AuditRecord& record,
                                            const std::vector<SignatureLogEntry>& signatures) override;

  // log_id is the Rekor v2 log ID of the log key (rekor_v2.h LogKeyId).
  const Bytes& log_id() const { return log_id_; }
  translog::TransparencyLog& log() { return *log_; }

 private:
  StateLog(std::unique_ptr<translog::TransparencyLog> log, Bytes log_id, Timestamp newest);
  std::unique_ptr<translog::TransparencyLog> log_;
  Bytes log_id_;
  // Recover has the log re-read its committed state and resets next_index_ (mu_ held).
  Status RecoverLocked();

  std::mutex mu_;  // orders index assignment with queueing
  uint64_t next_index_ = 0;
  Timestamp newest_time_{};          // guarded by mu_: the newest record time queued
  std::atomic<bool> stale_{false};   // an append failed: recover before the next one
};

// LoggedSignatureRecord is one signature entry (Rekor v2) that follows an audit record.
struct LoggedSignatureRecord {
  uint64_t index = 0;
  std::string kind;         // kRekorKindHashedRekord or kRekorKindDsse
  std::string signature;    // base64, as logged
  std::string key_details;  // the verifier's keyDetails ("" when the entry has none)
  std::string key_id;       // hex SHA-256 of the verifier's SPKI, computed here
};

// LoggedSigning is one audit record of a state directory's log, at `index`, with the signature
// entries released with it.
struct LoggedSigning {
  uint64_t index = 0;
  AuditEntry entry;
  std::vector<LoggedSignatureRecord> signatures;
};

// ReadSignings walks the entries of a StateLog's log (entries[i] at index i, e.g. from
// translog::ReadVerifiedEntries) and returns every audit record whose decision is "allow", each
// with the Rekor v2 entries that directly follow it (AppendWithSignatures queues a record and its
// signatures as one contiguous run). Entries of other kinds (an audit report's digest, a
// deny) end a run and are skipped. A record or signature entry that does not parse is
// kInvalidArgument naming its index: a verified log holding a malformed entry of ours is
// reported, never skipped. Signature entries whose key is not the record's key_id are kept (the
// caller sees the mismatch through key_id).
Result<std::vector<LoggedSigning>> ReadSignings(const std::vector<std::string>& entries);

}  // namespace signet::signer

#endif  // SIGNET_SIGNER_STATE_LOG_H_
