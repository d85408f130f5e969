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
// A torn final line (a crash mid-write, never acknowledged) is cut off when the log is opened.
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

namespace signet::signer {

// AuditInput names one input and its SHA-256 (hex).
struct AuditInput {
  std::string name;
  std::string sha256;
};

// AuditRecord is what a caller logs; seq, prev and hash are assigned by the log.
struct AuditRecord {
  Timestamp time;
  std::string subject;        // "sha256:<hex>" or the refused reference
  std::string policy_digest;  // "sha256:<hex>"
  std::vector<AuditInput> inputs;
  std::string decision;       // "allow" or "deny"
  std::string key_id;         // the signing key's id (hex SHA-256 of its SPKI), may be empty on deny
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

// AuditLog appends to one file. Thread-safe. The file is locked (flock) while open, so two
// processes never interleave entries.
class AuditLog {
 public:
  // Open opens or creates `path` (mode 0600), takes an exclusive lock, verifies the last entry
  // and cuts a torn final line. Fails kFailedPrecondition if another process holds the lock or
  // the tail does not parse, kPermissionDenied/kNotFound for file errors.
  static Result<std::unique_ptr<AuditLog>> Open(const std::string& path);
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // Append writes `record` as the next entry and returns after it is durable. Returns the
  // stored entry. Fails kInternal on write/fsync errors; after such an error the log refuses
  // further appends (fail closed) until reopened.
  Result<AuditEntry> Append(const AuditRecord& record);

  // DurableCallback receives the stored entry once it is durable, or the error.
  using DurableCallback = std::function<void(Result<AuditEntry>)>;
  // AppendAsync queues `record` and returns at once; `on_durable` runs on the committer thread
  // after the entry is durable (or failed, as Append). Release signatures only from there.
  void AppendAsync(AuditRecord record, DurableCallback on_durable);

  // torn_bytes_repaired reports how many bytes of a torn final line Open() removed.
  size_t torn_bytes_repaired() const { return torn_bytes_; }

 private:
  struct Pending {
    AuditRecord record;
    DurableCallback done;
  };
  AuditLog(int fd, uint64_t next_seq, std::string head, size_t torn);
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
  size_t torn_bytes_;
};

// AuditVerifyReport is the result of VerifyAuditLog.
struct AuditVerifyReport {
  bool ok = false;
  uint64_t entries = 0;          // entries that verified
  std::string head;              // hash of the last good entry
  int64_t first_bad_line = -1;   // 1-based line of the first broken link, -1 if none
  std::string problem;           // what is wrong there
};

// VerifyAuditLog reads the whole file and checks every link. I/O errors are an Error; a broken
// chain is a report with ok=false naming the first broken link.
Result<AuditVerifyReport> VerifyAuditLog(const std::string& path);

}  // namespace signet::signer

#endif  // SIGNET_SIGNER_AUDIT_LOG_H_
