#include "signet/signer/audit_log.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "signet/core/encoding.h"
#include "signet/core/file.h"
#include "signet/core/hash.h"

namespace signet::signer {

namespace {

constexpr char kDomain[] = "signet-audit-v1\n";
const std::string kZeroHash(64, '0');
constexpr size_t kMaxEntryBytes = 1 << 20;

std::string Errno(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

bool IsHex64(const std::string& s) { return s.size() == 64 && HexDecode(s).ok(); }

Result<AuditEntry> EntryFromJson(const JsonValue& v) {
  if (!v.is_object()) return InvalidArgument("entry is not an object");
  static const char* kKeys[] = {"decision", "findings", "hash",    "inputs", "key_id", "policy_digest",
                                "prev",     "seq",      "subject", "time",   "v"};
  if (v.object().size() != std::size(kKeys)) return InvalidArgument("entry has unexpected or missing fields");
  for (const char* k : kKeys) {
    if (v.Find(k) == nullptr) return InvalidArgument(std::string("entry lacks \"") + k + "\"");
  }
  SIGNET_ASSIGN_OR_RETURN(int64_t version, v.GetInt64("v"));
  if (version != 1) return InvalidArgument("unsupported entry version");
  AuditEntry e;
  SIGNET_ASSIGN_OR_RETURN(uint64_t seq, v.Find("seq")->AsUint64());
  e.seq = seq;
  SIGNET_ASSIGN_OR_RETURN(e.prev, v.GetString("prev"));
  SIGNET_ASSIGN_OR_RETURN(e.hash, v.GetString("hash"));
  if (!IsHex64(e.prev) || !IsHex64(e.hash)) return InvalidArgument("prev/hash must be 64 lowercase hex digits");
  SIGNET_ASSIGN_OR_RETURN(std::string time, v.GetString("time"));
  SIGNET_ASSIGN_OR_RETURN(e.record.time, ParseRfc3339(time));
  SIGNET_ASSIGN_OR_RETURN(e.record.subject, v.GetString("subject"));
  SIGNET_ASSIGN_OR_RETURN(e.record.policy_digest, v.GetString("policy_digest"));
  SIGNET_ASSIGN_OR_RETURN(e.record.decision, v.GetString("decision"));
  if (e.record.decision != "allow" && e.record.decision != "deny") return InvalidArgument("decision must be allow or deny");
  SIGNET_ASSIGN_OR_RETURN(e.record.key_id, v.GetString("key_id"));
  SIGNET_ASSIGN_OR_RETURN(const JsonValue::Array* inputs, v.GetArray("inputs"));
  for (const auto& in : *inputs) {
    AuditInput ai;
    SIGNET_ASSIGN_OR_RETURN(ai.name, in.GetString("name"));
    SIGNET_ASSIGN_OR_RETURN(ai.sha256, in.GetString("sha256"));
    if (in.object().size() != 2) return InvalidArgument("input has unexpected fields");
    e.record.inputs.push_back(std::move(ai));
  }
  SIGNET_ASSIGN_OR_RETURN(const JsonValue::Array* findings, v.GetArray("findings"));
  for (const auto& f : *findings) {
    if (!f.is_string()) return InvalidArgument("findings must be strings");
    e.record.findings.push_back(f.string_value());
  }
  return e;
}

// ParseLine parses one stored line and checks that it is canonical and self-consistent.
Result<AuditEntry> ParseLine(std::string_view line) {
  JsonLimits limits;
  limits.max_bytes = kMaxEntryBytes;
  limits.max_depth = 8;
  SIGNET_ASSIGN_OR_RETURN(JsonValue v, ParseJson(line, limits));
  Result<std::string> canonical = WriteCanonicalJson(v);
  if (!canonical.ok() || *canonical != line) return InvalidArgument("entry is not in canonical form");
  SIGNET_ASSIGN_OR_RETURN(AuditEntry e, EntryFromJson(v));
  if (ComputeEntryHash(e) != e.hash) return InvalidArgument("entry hash does not match its content");
  return e;
}

}  // namespace

JsonValue EntryToJson(const AuditEntry& e, bool with_hash) {
  JsonValue inputs = JsonValue::MakeArray();
  for (const auto& in : e.record.inputs) {
    JsonValue o;
    o.Set("name", JsonValue::String(in.name)).Set("sha256", JsonValue::String(in.sha256));
    inputs.Push(std::move(o));
  }
  JsonValue findings = JsonValue::MakeArray();
  for (const auto& f : e.record.findings) findings.Push(JsonValue::String(f));
  JsonValue v;
  v.Set("v", JsonValue::Int(1))
      .Set("seq", JsonValue::Uint(e.seq))
      .Set("prev", JsonValue::String(e.prev))
      .Set("time", JsonValue::String(FormatRfc3339(e.record.time)))
      .Set("subject", JsonValue::String(e.record.subject))
      .Set("policy_digest", JsonValue::String(e.record.policy_digest))
      .Set("inputs", std::move(inputs))
      .Set("decision", JsonValue::String(e.record.decision))
      .Set("key_id", JsonValue::String(e.record.key_id))
      .Set("findings", std::move(findings));
  if (with_hash) v.Set("hash", JsonValue::String(e.hash));
  return v;
}

std::string ComputeEntryHash(const AuditEntry& entry) {
  // Cannot fail: every number in an entry is an integer the program made (v, seq).
  std::string data = kDomain + WriteCanonicalJson(EntryToJson(entry, /*with_hash=*/false)).value();
  return HexEncode(Sha256(AsBytes(data)));
}

AuditLog::AuditLog(int fd, uint64_t next_seq, std::string head, size_t torn)
    : fd_(fd), next_seq_(next_seq), head_(std::move(head)), torn_bytes_(torn) {
  committer_ = std::thread([this] { CommitLoop(); });
}

AuditLog::~AuditLog() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  committer_.join();  // commits whatever is still queued first
  if (fd_ >= 0) ::close(fd_);  // also releases the flock
}

Result<std::unique_ptr<AuditLog>> AuditLog::Open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EACCES || errno == EROFS) return PermissionDenied(Errno(("cannot open audit log " + path).c_str()));
    if (errno == ENOENT) return NotFound(Errno(("cannot create audit log " + path).c_str()));
    return Internal(Errno(("cannot open audit log " + path).c_str()));
  }
  auto fail = [fd](Error e) -> Result<std::unique_ptr<AuditLog>> {
    ::close(fd);
    return e;
  };
  if (::flock(fd, LOCK_EX) != 0) return fail(Internal(Errno("cannot lock audit log")));
  struct stat st;
  if (::fstat(fd, &st) != 0) return fail(Internal(Errno("cannot stat audit log")));
  if (!S_ISREG(st.st_mode)) return fail(InvalidArgument("audit log is not a regular file: " + path));
  size_t size = static_cast<size_t>(st.st_size);
  if (size == 0) return std::unique_ptr<AuditLog>(new AuditLog(fd, 0, kZeroHash, 0));

  // Read the tail: enough for the last complete entry plus a torn one.
  size_t want = std::min(size, 2 * kMaxEntryBytes + 2);
  std::string tail(want, '\0');
  ssize_t n = ::pread(fd, tail.data(), want, static_cast<off_t>(size - want));
  if (n != static_cast<ssize_t>(want)) return fail(Internal(Errno("cannot read audit log tail")));

  size_t torn = 0;
  if (tail.back() != '\n') {
    // A final line without its newline was never acknowledged (Append returns after the whole
    // line is durable), so no signature was released for it: cut it off.
    size_t nl = tail.rfind('\n');
    if (nl == std::string::npos && want < size) return fail(FailedPrecondition("audit log tail is corrupt"));
    size_t keep = nl == std::string::npos ? 0 : nl + 1;
    torn = tail.size() - keep;
    if (::ftruncate(fd, static_cast<off_t>(size - torn)) != 0 || ::fsync(fd) != 0) {
      return fail(Internal(Errno("cannot repair torn audit log tail")));
    }
    tail.resize(keep);
    size -= torn;
    if (size == 0) return std::unique_ptr<AuditLog>(new AuditLog(fd, 0, kZeroHash, torn));
  }
  tail.pop_back();  // the final '\n'
  size_t start = tail.rfind('\n');
  std::string_view last = std::string_view(tail).substr(start == std::string::npos ? 0 : start + 1);
  if (start == std::string::npos && want < size) return fail(FailedPrecondition("audit log tail is corrupt"));
  auto entry = ParseLine(last);
  if (!entry.ok()) {
    return fail(FailedPrecondition("audit log's last entry is invalid (" + entry.error().message() +
                                   "); run `signet log verify`"));
  }
  return std::unique_ptr<AuditLog>(new AuditLog(fd, entry->seq + 1, entry->hash, torn));
}

Result<AuditEntry> AuditLog::Append(const AuditRecord& record) {
  std::mutex m;
  std::condition_variable cv;
  bool done = false;
  Result<AuditEntry> result = Internal("not committed");
  AppendAsync(record, [&](Result<AuditEntry> r) {
    std::lock_guard<std::mutex> lock(m);
    result = std::move(r);
    done = true;
    cv.notify_one();
  });
  std::unique_lock<std::mutex> lock(m);
  cv.wait(lock, [&] { return done; });
  return result;
}

void AuditLog::AppendAsync(AuditRecord record, DurableCallback on_durable) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!failed_ && !stopping_) {
      queue_.push_back(Pending{std::move(record), std::move(on_durable)});
      cv_.notify_all();
      return;
    }
  }
  on_durable(Internal("audit log is in a failed state; reopen it"));
}

void AuditLog::CommitLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, nothing left
    std::deque<Pending> batch;
    batch.swap(queue_);
    // Chain fields are assigned in queue order; only this thread touches next_seq_/head_.
    uint64_t seq = next_seq_;
    std::string prev = head_;
    const bool already_failed = failed_;
    lock.unlock();
    std::vector<AuditEntry> entries;
    entries.reserve(batch.size());
    std::string buffer;
    for (Pending& p : batch) {
      AuditEntry e;
      e.seq = seq++;
      e.prev = prev;
      e.record = std::move(p.record);
      e.hash = ComputeEntryHash(e);
      prev = e.hash;
      buffer += WriteCanonicalJson(EntryToJson(e)).value();  // integers only, as in ComputeEntryHash
      buffer += '\n';
      entries.push_back(std::move(e));
    }
    // One write and one fdatasync for the whole batch (group commit).
    std::string error = already_failed ? "audit log is in a failed state; reopen it" : "";
    size_t off = 0;
    while (error.empty() && off < buffer.size()) {
      ssize_t n = ::write(fd_, buffer.data() + off, buffer.size() - off);
      if (n < 0) {
        if (errno == EINTR) continue;
        error = Errno("audit log write failed");
        break;
      }
      off += static_cast<size_t>(n);
    }
    if (error.empty() && ::fdatasync(fd_) != 0) error = Errno("audit log fdatasync failed");
    lock.lock();
    if (error.empty()) {
      next_seq_ = seq;
      head_ = prev;
    } else {
      failed_ = true;  // fail closed: nothing more is appended after an I/O error
    }
    lock.unlock();
    for (size_t i = 0; i < batch.size(); ++i) {
      if (error.empty()) {
        batch[i].done(std::move(entries[i]));
      } else {
        batch[i].done(Internal(error));
      }
    }
    lock.lock();
  }
}

Result<AuditVerifyReport> VerifyAuditLog(const std::string& path) {
  SIGNET_ASSIGN_OR_RETURN(std::string data, ReadFile(path, size_t{1} << 34));
  AuditVerifyReport report;
  report.head = kZeroHash;
  size_t pos = 0;
  int64_t line_no = 0;
  while (pos < data.size()) {
    ++line_no;
    size_t nl = data.find('\n', pos);
    if (nl == std::string::npos) {
      report.first_bad_line = line_no;
      report.problem = "incomplete final entry (no newline): a write that was never acknowledged";
      return report;
    }
    std::string_view line(data.data() + pos, nl - pos);
    pos = nl + 1;
    auto entry = ParseLine(line);
    if (!entry.ok()) {
      report.first_bad_line = line_no;
      report.problem = entry.error().message();
      return report;
    }
    if (entry->seq != report.entries) {
      report.first_bad_line = line_no;
      report.problem = "sequence number " + std::to_string(entry->seq) + " where " +
                       std::to_string(report.entries) + " was expected (entry deleted, inserted or moved)";
      return report;
    }
    if (entry->prev != report.head) {
      report.first_bad_line = line_no;
      report.problem = "prev does not match the previous entry's hash (chain broken)";
      return report;
    }
    report.head = entry->hash;
    ++report.entries;
  }
  report.ok = true;
  return report;
}

}  // namespace signet::signer
