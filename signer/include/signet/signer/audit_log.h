// AuditLog: the append-only, hash-chained record of every signing decision.
//
// Format: one JSON object per line (RFC 8785 canonical JSON), e.g.
//   {"decision":"allow","findings":[],"hash":"…","inputs":[{"name":"prov.json","sha256":"…"}],
//    "key_id":"…","policy_digest":"sha256:…","prev":"…","seq":0,"subject":"sha256:…",
//    "time":"2026-11-25T10:00:00Z","v":1}
// hash = SHA-256("signet-audit-v1\n" || canonical JSON of the entry without "hash"), hex.
// prev = the previous entry's hash (64 zeros for seq 0). seq counts from 0 without gaps.
//
// Durability: Append() returns only after the entry is written and fdatasync'ed, so a caller
// that releases a signature after Append() returns never releases one whose entry could be lost.
// AppendAsync() calls its callback at that same point, so a pipelined caller (a daemon with
// many requests in flight) releases each signature from the callback. One committer thread
// group-commits: one write and one fdatasync cover every entry queued while the previous
// batch was being synced.
//
// Bounds: every string in an entry is valid UTF-8 and a stored entry (one line, without its
// newline) is at most kMaxAuditEntryBytes. Append refuses a record that breaks either rule
// without writing anything, so one request can never leave a line the next Open or
// `log verify` would refuse (CheckAuditRecord lets a caller check before deciding).
//
// Opening is never a guess (AuditLog::Open): the path is opened with O_NOFOLLOW and must be a
// regular file; a non-empty file must be a Signet audit log (its first line a valid first
// entry); a torn final entry (the bytes after the last newline are the start of an entry: a
// crash mid-write, never acknowledged) is cut and reported; anything else is refused and the
// error says whether the log is torn, malformed or broken in its chain.
//
// Tamper evidence: changing any byte of an entry breaks its own hash; deleting, inserting or
// swapping entries breaks seq and prev. Truncating whole entries from the end is not detectable
// from the file alone — anchor the head hash elsewhere (a signed checkpoint will replace this
// chain; the entry format stays).
//
// Entries never hold secrets: no payloads, no PINs, only digests and identifiers.
#ifndef SIGNET_SIGNER_AUDIT_LOG_H_
#define SIGNET_SIGNER_AUDIT_LOG_H_

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "signet/core/json.h"
#include "signet/core/result.h"
#include "signet/core/time.h"
#include "signet/signer/rekor_v2.h"

namespace signet::signer {

// AuditInput names one input and its SHA-256 (hex).
struct AuditInput {
  std::string name;
  std::string sha256;
};

// kMaxAuditEntryBytes bounds one stored entry (its line without the newline). Records that
// would exceed it are refused before anything is written.
inline constexpr size_t kMaxAuditEntryBytes = 64 * 1024;

// kAuditDecisionAllow/Deny/Failed are the values of AuditRecord::decision. "failed": the gate
// allowed but signing did not produce signatures that verify, so nothing was released.
inline constexpr char kAuditDecisionAllow[] = "allow";
inline constexpr char kAuditDecisionDeny[] = "deny";
inline constexpr char kAuditDecisionFailed[] = "failed";

// AuditRecord is what a caller logs; seq, prev and hash are assigned by the log.
struct AuditRecord {
  Timestamp time;
  std::string subject;        // "sha256:<hex>" or the refused reference
  std::string policy_digest;  // "sha256:<hex>"
  std::vector<AuditInput> inputs;
  std::string decision;       // kAuditDecisionAllow, kAuditDecisionDeny or kAuditDecisionFailed
  std::string key_id;         // the signing key's id (hex SHA-256 of its SPKI), empty on deny
  // key_label is the signing key's label on its device (PKCS#11 CKA_LABEL), stored as the
  // optional member "key_label" only when non-empty (so entries without it keep their bytes and
  // hash). Who signed, by name; key_id stays the key's identity.
  std::string key_label;
  std::vector<std::string> findings;  // finding codes
};

// AuditEntry is a record as stored, with its chain fields.
struct AuditEntry {
  uint64_t seq = 0;
  std::string prev;
  std::string hash;
  AuditRecord record;
};

// EntryToJson renders the stored form (without "hash" when with_hash is false).
JsonValue EntryToJson(const AuditEntry& entry, bool with_hash = true);
// ComputeEntryHash returns the hex hash of `entry` (ignoring entry.hash).
std::string ComputeEntryHash(const AuditEntry& entry);
// ParseAuditEntry parses one stored entry (a line of the hash-chained log, or an entry of the
// transparency log of state_log.h): it must be canonical JSON within kMaxAuditEntryBytes with
// exactly the entry's members and a hash that matches its content. kInvalidArgument otherwise.
// The chain (seq, prev) is not checked: that needs the neighbours.
Result<AuditEntry> ParseAuditEntry(std::string_view stored);

// CheckAuditRecord checks that `record` can be stored: a known decision, every string valid
// UTF-8, and the stored entry (at the largest possible seq) plus `reserve_bytes` within
// kMaxAuditEntryBytes. Fails kInvalidArgument naming the field (never echoing its bytes).
// `reserve_bytes` lets a caller keep room for fields it fills in after the check.
Status CheckAuditRecord(const AuditRecord& record, size_t reserve_bytes = 0);

// SignatureLogEntry is one released signature to log beside its record (rekor_v2.h).
struct SignatureLogEntry {
  std::string kind;  // kRekorKindHashedRekord or kRekorKindDsse
  std::string body;  // HashedRekordBody / DsseBody
};

// SignedAppend is what AppendWithSignatures returns: the record as stored and one LoggedEntry
// per signature, in order (none from a log that holds no signature entries).
struct SignedAppend {
  AuditEntry record;
  std::vector<LoggedEntry> signatures;
};

// AuditAppender is what a signing path needs from an audit log: one durable append.
class AuditAppender {
 public:
  virtual ~AuditAppender() = default;
  // Append stores `record` as the next entry and returns it once durable (see AuditLog::Append).
  virtual Result<AuditEntry> Append(const AuditRecord& record) = 0;
  // AppendWithSignatures stores `record` and, in a log that holds them (the transparency log of
  // state_log.h), one entry per element of `signatures`; it returns once every entry is durable
  // (and, in the transparency log, covered by a signed checkpoint). The default, used by the
  // hash-chained AuditLog, stores the record only and returns no signature entries.
  virtual Result<SignedAppend> AppendWithSignatures(const AuditRecord& record,
                                                    const std::vector<SignatureLogEntry>& signatures) {
    (void)signatures;
    auto entry = Append(record);
    if (!entry.ok()) return std::move(entry).error();
    return SignedAppend{std::move(*entry), {}};
  }
};

// AuditLog appends to one file. Thread-safe. The file is locked (flock) while open, so two
// processes never interleave entries.
class AuditLog final : public AuditAppender {
 public:
  // Open opens or creates `path` (mode 0600, O_NOFOLLOW) and takes an exclusive lock (waiting
  // for another writer). Then:
  //   1. the path must be a regular file: a symbolic link, directory, FIFO or device is
  //      kInvalidArgument;
  //   2. a non-empty file must start with a valid first entry (seq 0), else kInvalidArgument
  //      "not a Signet audit log" (nothing is changed);
  //   3. bytes after the last newline that are the start of an entry are a torn final entry:
  //      they are cut (ftruncate + fsync) and returned by torn_tail(); any other bytes there are
  //      kFailedPrecondition "torn" and are left alone;
  //   4. the last entry must parse and verify (kFailedPrecondition "malformed") and link to the
  //      one before it (kFailedPrecondition "broken chain").
  // kNotFound when the parent directory is missing, kPermissionDenied when it cannot be
  // opened, kInternal for other I/O errors.
  static Result<std::unique_ptr<AuditLog>> Open(const std::string& path);
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // Append writes `record` as the next entry and returns after it is durable. Returns the
  // stored entry. Fails kUnavailable with finding LOG_UNAVAILABLE on write/fsync errors. A
  // write that fails part-way (a full disk) is cut back to the last whole entry and the log
  // stays usable (the next append succeeds once there is space); after a failed fdatasync, or
  // a cut that fails, the log refuses further appends (fail closed) until reopened.
  // A record CheckAuditRecord refuses is kInvalidArgument, nothing is written and the log
  // stays usable.
  Result<AuditEntry> Append(const AuditRecord& record) override;

  // DurableCallback receives the stored entry once it is durable, or the error.
  using DurableCallback = std::function<void(Result<AuditEntry>)>;
  // AppendAsync queues `record` and returns at once; `on_durable` runs on the committer thread
  // after the entry is durable (or failed, as Append). Release signatures only from there.
  void AppendAsync(AuditRecord record, DurableCallback on_durable);

  // torn_bytes_repaired reports how many bytes of a torn final entry Open() removed.
  size_t torn_bytes_repaired() const { return torn_tail_.size(); }
  // torn_tail returns the bytes Open() cut (empty if none): the start of an entry that was
  // never acknowledged (digests and identifiers only, never a secret).
  const std::string& torn_tail() const { return torn_tail_; }

 private:
  struct Pending {
    AuditRecord record;
    DurableCallback done;
  };
  AuditLog(int fd, uint64_t next_seq, std::string head, std::string torn_tail);
  void CommitLoop();

  int fd_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Pending> queue_;
  bool stopping_ = false;
  bool failed_ = false;
  std::thread committer_;
  uint64_t next_seq_;
  std::string head_;
  std::string torn_tail_;
};

// AuditVerifyReport is the result of VerifyAuditLog.
struct AuditVerifyReport {
  bool ok = false;
  uint64_t entries = 0;          // entries that verified
  std::string head;              // hash of the last good entry
  int64_t first_bad_line = -1;   // 1-based line of the first broken link, -1 if none
  std::string kind;              // when !ok: "torn", "malformed" or "chain"
  std::string problem;           // what is wrong there
};

// VerifyAuditLog streams the file (constant memory: one entry at a time, whatever the log's
// size) and checks every link: each line parses as a canonical entry within
// kMaxAuditEntryBytes whose own hash verifies ("malformed"), seq counts from 0 and prev is the
// previous hash ("chain"), and the file ends with a newline ("torn"). A path that is not a
// regular file (checked without blocking: FIFOs and devices are refused) is kInvalidArgument;
// I/O errors are an Error. A broken log is a report with ok=false naming the first bad line.
Result<AuditVerifyReport> VerifyAuditLog(const std::string& path);

}  // namespace signet::signer

#endif  // SIGNET_SIGNER_AUDIT_LOG_H_
