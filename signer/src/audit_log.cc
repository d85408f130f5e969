#include "signet/signer/audit_log.h"

#include <cerrno>
#include <cstring>
#include <limits>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "signet/core/encoding.h"
#include "signet/core/findings.h"
#include "signet/core/hash.h"

namespace signet::signer {

namespace {

constexpr char kDomain[] = "signet-audit-v1\n";
const std::string kZeroHash(64, '0');
constexpr size_t kMaxEntryBytes = kMaxAuditEntryBytes;
// Every canonical entry starts with this: "decision" sorts first among the entry's keys.
constexpr std::string_view kEntryStart = "{\"decision\":\"";

std::string Errno(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

bool IsHex64(const std::string& s) { return s.size() == 64 && HexDecode(s).ok(); }

Result<AuditEntry> EntryFromJson(const JsonValue& v) {
  if (!v.is_object()) return InvalidArgument("entry is not an object");
  static const char* kKeys[] = {"decision", "findings", "hash",    "inputs", "key_id", "policy_digest",
                                "prev",     "seq",      "subject", "time",   "v"};
  // "key_label" is the one optional member (entries before it, and keys without a label, lack it).
  const bool has_label = v.Find("key_label") != nullptr;
  if (v.object().size() != std::size(kKeys) + (has_label ? 1 : 0)) {
    return InvalidArgument("entry has unexpected or missing fields");
  }
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
  if (e.record.decision != kAuditDecisionAllow && e.record.decision != kAuditDecisionDeny &&
      e.record.decision != kAuditDecisionFailed) {
    return InvalidArgument("decision must be allow, deny or failed");
  }
  SIGNET_ASSIGN_OR_RETURN(e.record.key_id, v.GetString("key_id"));
  if (has_label) {
    SIGNET_ASSIGN_OR_RETURN(e.record.key_label, v.GetString("key_label"));
    if (e.record.key_label.empty()) return InvalidArgument("key_label is present but empty");
  }
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
  if (line.size() > kMaxEntryBytes) return InvalidArgument("entry is longer than the bound of 65536 bytes");
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

// LooksLikeTornEntry reports whether `tail` (the bytes after the last newline) can be the start
// of an entry cut short by a crash: it begins like every canonical entry, holds only printable
// bytes (canonical JSON escapes control characters) and is within the entry bound.
bool LooksLikeTornEntry(std::string_view tail) {
  if (tail.empty() || tail.size() > kMaxEntryBytes) return false;
  if (tail.size() <= kEntryStart.size() ? !kEntryStart.starts_with(tail) : !tail.starts_with(kEntryStart)) return false;
  for (char c : tail) {
    if (static_cast<unsigned char>(c) < 0x20) return false;
  }
  return true;
}

// PreadAll reads exactly `n` bytes at `off`.
bool PreadAll(int fd, char* buf, size_t n, off_t off) {
  while (n > 0) {
    ssize_t r = ::pread(fd, buf, n, off);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    buf += r;
    n -= static_cast<size_t>(r);
    off += r;
  }
  return true;
}

// Printable renders the first bytes of `s` with non-printable bytes escaped, for messages.
std::string Printable(std::string_view s, size_t max = 80) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < s.size() && i < max; ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  if (s.size() > max) out += "...";
  return out;
}

}  // namespace

Result<AuditEntry> ParseAuditEntry(std::string_view stored) { return ParseLine(stored); }

Status CheckAuditRecord(const AuditRecord& r, size_t reserve_bytes) {
  if (r.decision != kAuditDecisionAllow && r.decision != kAuditDecisionDeny && r.decision != kAuditDecisionFailed) {
    return InvalidArgument("audit record: decision must be allow, deny or failed");
  }
  auto utf8 = [](const std::string& s, const std::string& what) -> Status {
    if (!ValidateUtf8(s)) return InvalidArgument(what + " is not valid UTF-8");
    return OkStatus();
  };
  SIGNET_RETURN_IF_ERROR(utf8(r.subject, "the image reference"));
  SIGNET_RETURN_IF_ERROR(utf8(r.policy_digest, "the policy digest"));
  SIGNET_RETURN_IF_ERROR(utf8(r.key_id, "the key id"));
  SIGNET_RETURN_IF_ERROR(utf8(r.key_label, "the key label"));
  for (size_t i = 0; i < r.inputs.size(); ++i) {
    SIGNET_RETURN_IF_ERROR(utf8(r.inputs[i].name, "input file name #" + std::to_string(i + 1)));
    SIGNET_RETURN_IF_ERROR(utf8(r.inputs[i].sha256, "input digest #" + std::to_string(i + 1)));
  }
  for (const auto& f : r.findings) SIGNET_RETURN_IF_ERROR(utf8(f, "a finding code"));
  // The stored size at the widest seq, with full-length chain fields.
  AuditEntry e;
  e.seq = std::numeric_limits<uint64_t>::max();
  e.prev = kZeroHash;
  e.hash = kZeroHash;
  e.record = r;
  SIGNET_ASSIGN_OR_RETURN(std::string stored, WriteCanonicalJson(EntryToJson(e)));
  const size_t size = stored.size();
  if (size > kMaxEntryBytes || reserve_bytes > kMaxEntryBytes - size) {
    return InvalidArgument("the audit entry would be " + std::to_string(size + reserve_bytes) +
                           " bytes, over the bound of " + std::to_string(kMaxEntryBytes) +
                           " (shorten the input file names or pass fewer inputs)");
  }
  return OkStatus();
}

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
  if (!e.record.key_label.empty()) v.Set("key_label", JsonValue::String(e.record.key_label));
  if (with_hash) v.Set("hash", JsonValue::String(e.hash));
  return v;
}

std::string ComputeEntryHash(const AuditEntry& entry) {
  // Cannot fail: every number in an entry is an integer the program made (v, seq).
  std::string data = kDomain + WriteCanonicalJson(EntryToJson(entry, /*with_hash=*/false)).value();
  return HexEncode(Sha256(AsBytes(data)));
}

AuditLog::AuditLog(int fd, uint64_t next_seq, std::string head, std::string torn_tail)
    : fd_(fd), next_seq_(next_seq), head_(std::move(head)), torn_tail_(std::move(torn_tail)) {
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
  const std::string name = "audit log " + path;
  // 1. A regular file, never through a link. lstat first so that opening never touches a device
  // or FIFO; fstat after opening closes the race.
  struct stat lst;
  if (::lstat(path.c_str(), &lst) == 0 && !S_ISREG(lst.st_mode)) {
    return InvalidArgument(name + " is not a regular file" +
                           (S_ISDIR(lst.st_mode) ? " (a directory)" : S_ISLNK(lst.st_mode) ? " (a symbolic link)" : ""));
  }
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0600);
  if (fd < 0) {
    const int err = errno;
    const std::string why = name + ": " + std::strerror(err);
    if (err == ELOOP || err == EISDIR || err == ENOTDIR || err == ENXIO || err == ENAMETOOLONG) {
      return InvalidArgument("cannot open " + why);
    }
    if (err == EACCES || err == EROFS || err == EPERM) return PermissionDenied("cannot open " + why);
    if (err == ENOENT) return NotFound("cannot create " + why);
    return Internal("cannot open " + why);
  }
  auto fail = [fd](Error e) -> Result<std::unique_ptr<AuditLog>> {
    ::close(fd);
    return e;
  };
  struct stat st;
  if (::fstat(fd, &st) != 0) return fail(Internal(Errno("cannot stat audit log")));
  if (!S_ISREG(st.st_mode)) return fail(InvalidArgument(name + " is not a regular file"));
  if (::flock(fd, LOCK_EX) != 0) return fail(Internal(Errno("cannot lock audit log")));
  if (::fstat(fd, &st) != 0) return fail(Internal(Errno("cannot stat audit log")));  // size under the lock
  size_t size = static_cast<size_t>(st.st_size);
  if (size == 0) return std::unique_ptr<AuditLog>(new AuditLog(fd, 0, kZeroHash, ""));

  // 2. The first line must be a valid first entry: anything else is not ours to touch.
  {
    std::string head(std::min(size, kMaxEntryBytes + 1), '\0');
    if (!PreadAll(fd, head.data(), head.size(), 0)) return fail(Internal(Errno("cannot read audit log")));
    const size_t nl = head.find('\n');
    if (nl == std::string::npos) {
      // No complete line at all: only a torn first entry may be cut (step 3).
      if (size > kMaxEntryBytes || !LooksLikeTornEntry(head)) {
        return fail(InvalidArgument(name + " is not a Signet audit log (no complete entry; refusing to change it)"));
      }
    } else {
      auto first = ParseLine(std::string_view(head).substr(0, nl));
      if (!first.ok() || first->seq != 0 || first->prev != kZeroHash) {
        return fail(InvalidArgument(name + " is not a Signet audit log (its first line is not a first entry: " +
                                    (first.ok() ? std::string("seq or prev is wrong") : first.error().message()) +
                                    "; refusing to change it)"));
      }
    }
  }

  // 3. A torn final entry: bytes after the last newline.
  const size_t window = std::min(size, 2 * (kMaxEntryBytes + 1) + 1);
  std::string tail(window, '\0');
  if (!PreadAll(fd, tail.data(), window, static_cast<off_t>(size - window))) {
    return fail(Internal(Errno("cannot read audit log tail")));
  }
  std::string torn;
  if (tail.back() != '\n') {
    const size_t nl = tail.rfind('\n');
    if (nl == std::string::npos && window < size) {
      return fail(FailedPrecondition(name + " is torn: its last " + std::to_string(window) +
                                     "+ bytes have no newline and are not an entry; not cutting them "
                                     "(run `signet log verify`)"));
    }
    const size_t keep = nl == std::string::npos ? 0 : nl + 1;
    std::string_view fragment = std::string_view(tail).substr(keep);
    if (!LooksLikeTornEntry(fragment)) {
      return fail(FailedPrecondition(name + " is torn: its final " + std::to_string(fragment.size()) +
                                     " bytes end without a newline and are not the start of an entry (\"" +
                                     Printable(fragment) + "\"); not cutting them (run `signet log verify`)"));
    }
    // Append returns only after the whole line, newline included, is durable: this entry was
    // never acknowledged and nothing was released for it.
    torn = std::string(fragment);
    if (::ftruncate(fd, static_cast<off_t>(size - torn.size())) != 0 || ::fsync(fd) != 0) {
      return fail(Internal(Errno("cannot cut the torn final entry of the audit log")));
    }
    size -= torn.size();
    if (size == 0) return std::unique_ptr<AuditLog>(new AuditLog(fd, 0, kZeroHash, std::move(torn)));
    // Read the last two entries afresh: the cut bytes took part of the window.
    tail.assign(std::min(size, 2 * (kMaxEntryBytes + 1) + 1), '\0');
    if (!PreadAll(fd, tail.data(), tail.size(), static_cast<off_t>(size - tail.size()))) {
      return fail(Internal(Errno("cannot read audit log tail")));
    }
  }

  // 4. The last entry verifies and links to the one before it.
  std::string_view body = std::string_view(tail).substr(0, tail.size() - 1);  // without the final '\n'
  const size_t last_start = body.rfind('\n');
  if (last_start == std::string_view::npos && body.size() < size - 1) {
    return fail(FailedPrecondition(name + " is malformed: its last line is longer than an entry may be "
                                   "(run `signet log verify`)"));
  }
  std::string_view last_line = body.substr(last_start == std::string_view::npos ? 0 : last_start + 1);
  auto last = ParseLine(last_line);
  if (!last.ok()) {
    return fail(FailedPrecondition(name + " is malformed: its last entry is invalid (" + last.error().message() +
                                   "); run `signet log verify`"));
  }
  if (last_start != std::string_view::npos) {
    std::string_view before = body.substr(0, last_start);
    const size_t prev_start = before.rfind('\n');
    if (prev_start == std::string_view::npos && before.size() < size - 1 - last_line.size() - 1) {
      return fail(FailedPrecondition(name + " is malformed: its second-to-last line is longer than an entry "
                                     "may be (run `signet log verify`)"));
    }
    auto prev = ParseLine(before.substr(prev_start == std::string_view::npos ? 0 : prev_start + 1));
    if (!prev.ok()) {
      return fail(FailedPrecondition(name + " is malformed: its second-to-last entry is invalid (" +
                                     prev.error().message() + "); run `signet log verify`"));
    }
    if (last->seq != prev->seq + 1 || last->prev != prev->hash) {
      return fail(FailedPrecondition(name + " has a broken chain: its last entry does not follow the one before "
                                     "it (run `signet log verify`)"));
    }
  } else if (last->seq != 0 || last->prev != kZeroHash) {
    return fail(FailedPrecondition(name + " has a broken chain: its only entry is not a first entry"));
  }
  return std::unique_ptr<AuditLog>(new AuditLog(fd, last->seq + 1, last->hash, std::move(torn)));
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
  // A record that could not be read back is refused before it is queued: the log stays usable.
  if (auto st = CheckAuditRecord(record); !st.ok()) {
    on_durable(std::move(st).error());
    return;
  }
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
    const off_t start = already_failed ? -1 : ::lseek(fd_, 0, SEEK_END);
    if (start < 0 && error.empty()) error = Errno("audit log seek failed");
    size_t off = 0;
    bool write_failed = false;
    while (error.empty() && off < buffer.size()) {
      ssize_t n = ::write(fd_, buffer.data() + off, buffer.size() - off);
      if (n < 0) {
        if (errno == EINTR) continue;
        error = Errno("audit log write failed");
        write_failed = true;
        break;
      }
      off += static_cast<size_t>(n);
    }
    if (error.empty() && ::fdatasync(fd_) != 0) error = Errno("audit log fdatasync failed");
    // A write that failed part-way (ENOSPC) leaves the start of an entry nobody was answered
    // for: cut it, so the file stays a log that verifies and the next batch can follow the
    // last good entry once there is space again. A failed fdatasync (or a cut that fails)
    // closes the log: what reached the disk is then unknown.
    bool recovered = false;
    if (write_failed) {
      recovered = ::ftruncate(fd_, start) == 0 && ::fdatasync(fd_) == 0;
    }
    lock.lock();
    if (error.empty()) {
      next_seq_ = seq;
      head_ = prev;
    } else if (!recovered) {
      failed_ = true;  // fail closed: nothing more is appended after an I/O error
    }
    lock.unlock();
    for (size_t i = 0; i < batch.size(); ++i) {
      if (error.empty()) {
        batch[i].done(std::move(entries[i]));
      } else {
        batch[i].done(Unavailable(error).WithFinding(findings::kLogUnavailable));
      }
    }
    lock.lock();
  }
}

Result<AuditVerifyReport> VerifyAuditLog(const std::string& path) {
  // Non-blocking, so that a FIFO cannot hang us; then only a regular file is read.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) {
    const int err = errno;
    const std::string why = "cannot open audit log " + path + ": " + std::strerror(err);
    if (err == ENOENT) return NotFound(why);
    if (err == EACCES || err == EPERM) return PermissionDenied(why);
    return InvalidArgument(why);
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st;
  if (::fstat(fd, &st) != 0) return Internal(Errno("cannot stat audit log"));
  if (!S_ISREG(st.st_mode)) {
    return InvalidArgument("audit log " + path + " is not a regular file" + (S_ISDIR(st.st_mode) ? " (a directory)" : ""));
  }

  AuditVerifyReport report;
  report.head = kZeroHash;
  int64_t line_no = 0;
  auto bad = [&](std::string kind, std::string problem) {
    report.first_bad_line = line_no;
    report.kind = std::move(kind);
    report.problem = std::move(problem);
    return report;
  };
  // One line at a time: the buffer never holds more than one entry plus one read.
  constexpr size_t kChunk = 64 * 1024;
  std::string buf;
  std::string chunk(kChunk, '\0');
  size_t pos = 0;      // start of the current line in buf
  size_t scanned = 0;  // buf[pos, scanned) holds no '\n'
  bool eof = false;
  while (true) {
    const size_t nl = buf.find('\n', scanned);
    if (nl == std::string::npos) {
      if (buf.size() - pos > kMaxEntryBytes) {
        ++line_no;
        return bad("malformed", "line longer than an entry may be (" + std::to_string(kMaxEntryBytes) + " bytes)");
      }
      if (eof) {
        if (buf.size() == pos) break;
        ++line_no;
        return bad("torn", "incomplete final entry (no newline): a write that was never acknowledged");
      }
      buf.erase(0, pos);  // keep only the unfinished line
      pos = 0;
      scanned = buf.size();
      ssize_t n = ::read(fd, chunk.data(), chunk.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        return Internal(Errno("cannot read audit log"));
      }
      if (n == 0) eof = true;
      buf.append(chunk.data(), static_cast<size_t>(n));
      continue;
    }
    ++line_no;
    auto entry = ParseLine(std::string_view(buf).substr(pos, nl - pos));
    pos = scanned = nl + 1;
    if (!entry.ok()) return bad("malformed", entry.error().message());
    if (entry->seq != report.entries) {
      return bad("chain", "sequence number " + std::to_string(entry->seq) + " where " +
                              std::to_string(report.entries) + " was expected (entry deleted, inserted or moved)");
    }
    if (entry->prev != report.head) return bad("chain", "prev does not match the previous entry's hash (chain broken)");
    report.head = entry->hash;
    ++report.entries;
  }
  report.ok = true;
  return report;
}

}  // namespace signet::signer
