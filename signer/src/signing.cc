#include "signet/signer/signing.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>  // renameat2, RENAME_NOREPLACE, RENAME_EXCHANGE (glibc >= 2.28)
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <set>

#include "signet/attestation/dsse.h"
#include "signet/core/public_key.h"
#include "signet/core/encoding.h"
#include "signet/core/hash.h"
#include "signet/core/json.h"
#include "signet/signer/rekor_v2.h"

namespace signet::signer {

namespace {

// Room CheckSignRequest keeps in an entry for what is only known after the decision: the key id
// (64 hex) and the distinct finding codes (a fixed, small set; see MakeRecord).
constexpr size_t kDecisionReserveBytes = 4096;
constexpr char kStagingInfix[] = ".staging-";

std::vector<AuditInput> InputDigests(const SignRequest& req) {
  std::vector<AuditInput> out;
  for (const auto* list : {&req.provenance, &req.attestations}) {
    for (const auto& in : *list) out.push_back({in.name, HexEncode(Sha256(AsBytes(in.bytes)))});
  }
  return out;
}

// MakeRecord records each distinct finding code once, in first-seen order: the set of codes is
// fixed (findings.h), so a deny's entry stays small however many objects an input holds.
AuditRecord MakeRecord(const SignRequest& req, const policy::Decision& d, const std::string& decision,
                       const std::string& key_id, const std::string& key_label = "") {
  AuditRecord r;
  // The label is a name from the device: kept only when it is short, printable UTF-8, so it can
  // never make the record unstorable (CheckAuditRecord) and so refuse a signing.
  if (key_label.size() <= 128 && ValidateUtf8(key_label) &&
      std::none_of(key_label.begin(), key_label.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; })) {
    r.key_label = key_label;
  }
  r.time = d.evaluated_at;
  r.subject = req.image.ToString();
  r.policy_digest = d.policy_digest;
  r.inputs = InputDigests(req);
  r.decision = decision;
  r.key_id = key_id;
  std::set<std::string> seen;
  for (const auto& f : d.findings) {
    if (seen.insert(f.code).second) r.findings.push_back(f.code);
  }
  return r;
}

// SignAll signs each message on the device and verifies each signature on the host against
// the key's own public key. On failure `*finding` names the code of the `failed` record.
// HostKey returns the public key parsed from the DER SubjectPublicKeyInfo `spki`, parsing each
// distinct SPKI once per process: OpenSSL 3's decoder (d2i_PUBKEY) plus the key's profile checks
// cost about as much as the three host verifications themselves. Entries are keyed by the exact
// SPKI bytes, so a key is only ever checked with the key it was parsed from; the result is the
// same PublicKey FromSpkiDer returns (shared read-only between threads, as the gate's policy keys
// are). Bounded: past kMaxHostKeys distinct keys the cache starts over.
Result<std::shared_ptr<const PublicKey>> HostKey(const Bytes& spki) {
  static constexpr size_t kMaxHostKeys = 16;
  static std::mutex* mu = new std::mutex;  // never destroyed: used until the process ends
  static auto* cache = new std::map<Bytes, std::shared_ptr<const PublicKey>>;
  {
    std::lock_guard<std::mutex> lock(*mu);
    if (auto it = cache->find(spki); it != cache->end()) return it->second;
  }
  SIGNET_ASSIGN_OR_RETURN(PublicKey parsed, PublicKey::FromSpkiDer(spki));
  auto key = std::make_shared<const PublicKey>(std::move(parsed));
  std::lock_guard<std::mutex> lock(*mu);
  if (cache->size() >= kMaxHostKeys) cache->clear();
  cache->emplace(spki, key);
  return key;
}

Result<std::vector<Bytes>> SignAll(fw::SigningKey& key, const std::vector<Bytes>& messages, const char** finding) {
  *finding = kFailedDeviceError;
  SIGNET_ASSIGN_OR_RETURN(std::shared_ptr<const PublicKey> pub, HostKey(key.public_key_spki()));
  std::vector<Bytes> sigs;
  for (const Bytes& m : messages) {
    SIGNET_ASSIGN_OR_RETURN(Bytes sig, key.Sign(m));
    if (!pub->Verify(m, sig).ok()) {
      *finding = kFailedSignatureInvalid;
      return Internal("the signing device returned a signature that does not verify; nothing released");
    }
    sigs.push_back(std::move(sig));
  }
  return sigs;
}

// UnusableInput turns a decision the gate could not make into one error naming each input.
Error UnusableInput(const policy::Decision& d) {
  std::string msg = "unusable input, nothing decided or logged:";
  for (const auto& f : d.findings) {
    msg += " ";
    msg += f.input.empty() ? std::string("request") : f.input;
    msg += ": " + f.message + " (" + f.code + ");";
  }
  msg.pop_back();
  return InvalidArgument(std::move(msg)).WithFinding("MALFORMED_INPUT");
}

// --- outputs ---

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

// SplitOutDir splits `dir` into its parent and last component ("out/" → ".", "out").
Result<std::pair<std::string, std::string>> SplitOutDir(const std::string& dir) {
  if (dir.empty()) return InvalidArgument("output directory is empty");
  std::string d = dir;
  while (d.size() > 1 && d.back() == '/') d.pop_back();
  const size_t slash = d.rfind('/');
  std::string parent = slash == std::string::npos ? "." : slash == 0 ? "/" : d.substr(0, slash);
  std::string base = slash == std::string::npos ? d : d.substr(slash + 1);
  if (base.empty() || base == "." || base == ".." || base == "/") {
    return InvalidArgument("output directory must name a directory to create or replace: " + dir);
  }
  return std::make_pair(std::move(parent), std::move(base));
}

// IsOutputName reports whether `name` is one of kOutputFiles, or a temporary name an earlier
// Signet version left beside one ("<output>.tmp-XXXXXX").
bool IsOutputName(std::string_view name) {
  for (const char* f : kOutputFiles) {
    std::string_view o(f);
    if (name == o) return true;
    if (name.size() == o.size() + 11 && name.starts_with(o) && name.substr(o.size(), 5) == ".tmp-") return true;
  }
  return false;
}

// Dir owns an open directory descriptor.
class Dir {
 public:
  explicit Dir(int fd) : fd_(fd) {}
  ~Dir() {
    if (fd_ >= 0) ::close(fd_);
  }
  Dir(const Dir&) = delete;
  Dir& operator=(const Dir&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

// ListDir returns the names in the directory open at `fd` (without . and ..).
Result<std::vector<std::pair<std::string, unsigned char>>> ListDir(int fd) {
  int dup = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (dup < 0) return Internal(Errno("cannot list directory"));
  DIR* d = ::fdopendir(dup);
  if (d == nullptr) {
    ::close(dup);
    return Internal(Errno("cannot list directory"));
  }
  ::rewinddir(d);
  std::vector<std::pair<std::string, unsigned char>> out;
  while (dirent* e = ::readdir(d)) {
    std::string_view n(e->d_name);
    if (n == "." || n == "..") continue;
    out.emplace_back(std::string(n), e->d_type);
  }
  ::closedir(d);
  return out;
}

// HoldsOnlyOutputs reports whether the directory open at `fd` holds only output files.
Result<bool> HoldsOnlyOutputs(int fd) {
  SIGNET_ASSIGN_OR_RETURN(auto entries, ListDir(fd));
  for (const auto& entry : entries) {
    if (!IsOutputName(entry.first)) return false;
    struct stat st;
    if (::fstatat(fd, entry.first.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode)) return false;
  }
  return true;
}

// RemoveOutputSet removes the directory `name` in `parent_fd` if it holds only output files;
// anything else is left alone. Best effort: a leftover is retried by the next run.
void RemoveOutputSet(int parent_fd, const std::string& name) {
  Dir d(::openat(parent_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (d.fd() < 0) return;
  auto only = HoldsOnlyOutputs(d.fd());
  if (!only.ok() || !*only) return;
  auto entries = ListDir(d.fd());
  if (!entries.ok()) return;
  for (const auto& e : *entries) ::unlinkat(d.fd(), e.first.c_str(), 0);
  ::unlinkat(parent_fd, name.c_str(), AT_REMOVEDIR);
}

// CleanStaleStaging removes `<base>.staging-XXXXXX` directories that no live run holds: a run
// keeps an exclusive flock on its staging directory until it has renamed it into place.
void CleanStaleStaging(int parent_fd, const std::string& base) {
  auto entries = ListDir(parent_fd);
  if (!entries.ok()) return;
  const std::string prefix = base + kStagingInfix;
  for (const auto& entry : *entries) {
    const std::string& name = entry.first;
    if (name.size() != prefix.size() + 6 || !name.starts_with(prefix)) continue;
    Dir d(::openat(parent_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (d.fd() < 0) continue;
    if (::flock(d.fd(), LOCK_EX | LOCK_NB) != 0) continue;  // a live run's staging
    RemoveOutputSet(parent_fd, name);
  }
}

Status WriteAllAt(int dir_fd, const std::string& name, std::string_view data) {
  int fd = ::openat(dir_fd, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) return Internal(Errno("cannot create output " + name));
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      Error e = Internal(Errno("cannot write output " + name));
      ::close(fd);
      return e;
    }
    off += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    Error e = Internal(Errno("cannot sync output " + name));
    ::close(fd);
    return e;
  }
  if (::close(fd) != 0) return Internal(Errno("cannot close output " + name));
  return OkStatus();
}

}  // namespace

Status CheckSignRequest(const SignRequest& req) {
  // 0. Annotations go into the signed simple-signing payload.
  for (const auto& [k, v] : req.annotations) {
    if (!ValidateUtf8(k) || !ValidateUtf8(v)) return InvalidArgument("an --annotation is not valid UTF-8");
  }
  AuditRecord prospective;
  prospective.subject = req.image.ToString();
  prospective.policy_digest = "sha256:" + std::string(64, '0');
  prospective.inputs = InputDigests(req);
  prospective.decision = kAuditDecisionFailed;  // the longest decision value
  auto st = CheckAuditRecord(prospective, kDecisionReserveBytes);
  if (!st.ok()) return std::move(st).error().Prefix("refused before the decision");
  return OkStatus();
}

Status CheckOutputDir(const std::string& dir) {
  SIGNET_ASSIGN_OR_RETURN(auto split, SplitOutDir(dir));
  const auto& [parent, base] = split;
  struct stat st;
  if (::stat(parent.c_str(), &st) != 0) {
    if (errno == ENOENT) return NotFound("parent of output directory does not exist: " + dir);
    return InvalidArgument("cannot use output directory " + dir + ": " + std::strerror(errno));
  }
  if (!S_ISDIR(st.st_mode)) return InvalidArgument("parent of output directory is not a directory: " + dir);
  if (::lstat(dir.c_str(), &st) == 0) {
    if (S_ISLNK(st.st_mode)) return InvalidArgument("output directory is a symbolic link: " + dir);
    if (!S_ISDIR(st.st_mode)) return InvalidArgument("output path is not a directory: " + dir);
    Dir d(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (d.fd() < 0) return PermissionDenied("cannot open output directory " + dir + ": " + std::strerror(errno));
    SIGNET_ASSIGN_OR_RETURN(bool only, HoldsOnlyOutputs(d.fd()));
    if (!only) {
      return InvalidArgument("output directory " + dir +
                             " holds files that are not Signet outputs; give a new or empty directory, or one "
                             "holding only a previous output set");
    }
  } else if (errno != ENOENT) {
    return InvalidArgument("cannot use output directory " + dir + ": " + std::strerror(errno));
  }
  // The staging directory goes beside `dir`: probe that it can be made (and remove it; named
  // like a staging directory so that a run killed right here leaves nothing the next one keeps).
  std::string probe = parent + "/" + base + kStagingInfix + "XXXXXX";
  if (::mkdtemp(probe.data()) == nullptr) {
    return PermissionDenied("cannot create the output directory beside " + dir + ": " + std::strerror(errno));
  }
  ::rmdir(probe.c_str());
  return OkStatus();
}

Result<SignOutcome> DecideAndSign(const policy::Gate& gate, fw::SigningKey& key, const Clock& clock, const SignRequest& req,
                                  AuditRecord* record) {
  *record = AuditRecord{};
  // 0. Nothing the log or a payload could not hold gets as far as a decision.
  SIGNET_RETURN_IF_ERROR(CheckSignRequest(req));

  SignOutcome out;
  // 1. Decide, now.
  policy::GateRequest gr;
  gr.subject = req.image.ToString();
  gr.provenance = req.provenance;
  gr.attestations = req.attestations;
  gr.at = clock.Now();
  out.decision = gate.Evaluate(gr);
  const policy::Decision& d = out.decision;
  if (d.unusable_input) return UnusableInput(d);  // bad input: no record

  if (!d.allowed) {
    // Deny: only the audit record.
    *record = MakeRecord(req, d, kAuditDecisionDeny, "");
    return out;
  }

  // 2. Sign the three payloads and check each signature on the host.
  std::string simple = SimpleSigningPayload(req.image, req.annotations);
  SIGNET_ASSIGN_OR_RETURN(std::string statement, WriteCanonicalJson(CosignSignStatement(req.image)));
  VsaParams vp;
  vp.verifier_id = req.verifier_id;
  vp.time_verified = d.evaluated_at;
  vp.policy_uri = req.policy_uri;
  vp.policy_sha256 = d.policy_digest.substr(d.policy_digest.find(':') + 1);
  for (const auto& in : InputDigests(req)) vp.inputs.push_back({in.name, in.sha256});
  vp.verified_levels = req.verified_levels;
  SIGNET_ASSIGN_OR_RETURN(std::string vsa, WriteCanonicalJson(VsaStatement(req.image, vp)));

  const char* finding = nullptr;
  auto sigs = SignAll(key,
                      {Bytes(simple.begin(), simple.end()), attestation::Pae(kInTotoPayloadType, AsBytes(statement)),
                       attestation::Pae(kInTotoPayloadType, AsBytes(vsa))},
                      &finding);
  if (!sigs.ok()) {
    // The gate allowed, the device failed: the attempt is recorded, nothing is released.
    *record = MakeRecord(req, d, kAuditDecisionFailed, key.key_id(), key.attributes().label);
    record->findings = {finding};
    return std::move(sigs).error();
  }
  const Bytes& simple_sig = (*sigs)[0];
  const Bytes& stmt_sig = (*sigs)[1];
  const Bytes& vsa_sig = (*sigs)[2];
  const Bytes& spki = key.public_key_spki();
  const SignatureAlgorithm alg = key.algorithm();

  // The log entries of the three signatures, and the timestamps of the two bundles'.
  out.signatures.resize(3);
  ReleasedSignature& rs_simple = out.signatures[0];
  ReleasedSignature& rs_image = out.signatures[1];
  ReleasedSignature& rs_vsa = out.signatures[2];
  rs_simple.output = "simplesigning.sig";
  rs_simple.payload = simple;
  rs_simple.signature = simple_sig;
  rs_image.output = "image.sigstore.json";
  rs_image.payload_type = kInTotoPayloadType;
  rs_image.payload = statement;
  rs_image.signature = stmt_sig;
  rs_vsa.output = "vsa.sigstore.json";
  rs_vsa.payload_type = kInTotoPayloadType;
  rs_vsa.payload = vsa;
  rs_vsa.signature = vsa_sig;
  for (ReleasedSignature& rs : out.signatures) {
    Result<std::string> body = rs.payload_type.empty()
                                   ? HashedRekordBody(Sha256(AsBytes(rs.payload)), rs.signature, spki, alg)
                                   : DsseBody(AsBytes(rs.payload), rs.signature, spki, alg);
    if (!body.ok()) return std::move(body).error();
    rs.entry = {rs.payload_type.empty() ? kRekorKindHashedRekord : kRekorKindDsse, std::move(*body)};
    if (req.timestamp && !rs.payload_type.empty()) {
      auto stamp = req.timestamp(rs.signature);
      if (!stamp.ok()) {
        // Signed, but not stamped: recorded as a failed signing, nothing released.
        *record = MakeRecord(req, d, kAuditDecisionFailed, key.key_id(), key.attributes().label);
        record->findings = {kFailedDeviceError};
        return std::move(stamp).error().Prefix("the timestamp authority did not stamp the signature");
      }
      rs.timestamps.push_back(std::move(*stamp));
    }
  }

  *record = MakeRecord(req, d, kAuditDecisionAllow, key.key_id(), key.attributes().label);

  BundleMaterial image_material, vsa_material;
  image_material.rfc3161_timestamps = rs_image.timestamps;
  vsa_material.rfc3161_timestamps = rs_vsa.timestamps;
  out.outputs = {
      {"simplesigning.json", std::move(simple)},
      {"simplesigning.sig", Base64Encode(simple_sig)},
      {"image.sigstore.json", DsseBundle(kInTotoPayloadType, AsBytes(statement), stmt_sig, spki, image_material)},
      {"vsa.sigstore.json", DsseBundle(kInTotoPayloadType, AsBytes(vsa), vsa_sig, spki, vsa_material)},
      {"decision.json", WriteJson(d.ToJson(), 2) + "\n"},
  };
  return out;
}

Result<SignOutcome> DecideSignAndLog(const policy::Gate& gate, fw::SigningKey& key, AuditAppender& log, const Clock& clock,
                                     const SignRequest& req) {
  AuditRecord record;
  auto out = DecideAndSign(gate, key, clock, req, &record);
  if (!out.ok()) {
    if (record.decision == kAuditDecisionFailed) {
      // 3. A failed signing leaves its record; the signing error is what the caller reports.
      auto logged = log.Append(record);
      if (!logged.ok()) return std::move(logged).error().Prefix("signing failed and its record could not be logged");
    }
    return std::move(out).error();
  }
  // 3. The decision is durable before any signature leaves this process; in a transparency log
  // every signature has its entry, covered by a signed checkpoint.
  if (!out->decision.allowed) {
    SIGNET_ASSIGN_OR_RETURN(out->audit_entry, log.Append(record));
    return out;
  }
  std::vector<SignatureLogEntry> entries;
  for (const auto& rs : out->signatures) entries.push_back(rs.entry);
  SIGNET_ASSIGN_OR_RETURN(SignedAppend logged, log.AppendWithSignatures(record, entries));
  out->audit_entry = std::move(logged.record);
  if (logged.signatures.empty()) return out;  // a log without signature entries (the audit file)
  if (logged.signatures.size() != out->signatures.size()) {
    return Internal("the log returned " + std::to_string(logged.signatures.size()) + " signature entries for " +
                    std::to_string(out->signatures.size()) + " signatures; nothing released");
  }
  for (size_t i = 0; i < out->signatures.size(); ++i) {
    ReleasedSignature& rs = out->signatures[i];
    rs.logged = std::move(logged.signatures[i]);
    if (rs.payload_type.empty()) continue;
    // The bundle again, now carrying its entry.
    SIGNET_ASSIGN_OR_RETURN(JsonValue tlog_entry, TlogEntryJson(*rs.logged));
    BundleMaterial material;
    material.tlog_entries.push_back(std::move(tlog_entry));
    material.rfc3161_timestamps = rs.timestamps;
    for (auto& [name, content] : out->outputs) {
      if (name == rs.output) {
        content = DsseBundle(rs.payload_type, AsBytes(rs.payload), rs.signature, key.public_key_spki(), material);
      }
    }
  }
  return out;
}

Status WriteOutputs(const std::string& out_dir, SignOutcome& outcome) {
  SIGNET_ASSIGN_OR_RETURN(auto split, SplitOutDir(out_dir));
  const auto& [parent, base] = split;
  Dir parent_dir(::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (parent_dir.fd() < 0) return Internal(Errno("cannot open the parent of " + out_dir));
  const int pfd = parent_dir.fd();
  CleanStaleStaging(pfd, base);

  // Stage the whole set, locked against other runs' cleanup until it is in place.
  std::string staging_path = parent + "/" + base + kStagingInfix + "XXXXXX";
  if (::mkdtemp(staging_path.data()) == nullptr) return Internal(Errno("cannot create a staging directory for " + out_dir));
  const std::string staging = staging_path.substr(staging_path.rfind('/') + 1);
  Dir stage(::openat(pfd, staging.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  auto fail = [&](Error e) -> Status {
    RemoveOutputSet(pfd, staging);
    return e;
  };
  if (stage.fd() < 0 || ::flock(stage.fd(), LOCK_EX) != 0) return fail(Internal(Errno("cannot open " + staging_path)));
  if (::fchmod(stage.fd(), 0755) != 0) return fail(Internal(Errno("cannot chmod " + staging_path)));
  for (const auto& [name, content] : outcome.outputs) {
    if (auto st = WriteAllAt(stage.fd(), name, content); !st.ok()) return fail(std::move(st).error());
  }
  if (::fsync(stage.fd()) != 0) return fail(Internal(Errno("cannot sync " + staging_path)));

  // One step into place.
  int rc = ::renameat2(pfd, staging.c_str(), pfd, base.c_str(), RENAME_NOREPLACE);
  if (rc != 0 && errno == EINVAL) {
    // A file system without renameat2 flags: rename(2) moves onto a missing name just as well.
    struct stat st;
    if (::fstatat(pfd, base.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
      errno = EEXIST;
    } else {
      rc = ::renameat(pfd, staging.c_str(), pfd, base.c_str());
    }
  }
  if (rc != 0) {
    if (errno != EEXIST && errno != ENOTEMPTY) return fail(Internal(Errno("cannot move the outputs into " + out_dir)));
    // An existing --out: only an output set (or nothing) may be replaced.
    Dir old(::openat(pfd, base.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (old.fd() < 0) return fail(InvalidArgument(Errno("output path is not a directory: " + out_dir)));
    auto only = HoldsOnlyOutputs(old.fd());
    if (!only.ok()) return fail(only.error());
    if (!*only) return fail(InvalidArgument("output directory " + out_dir + " holds files that are not Signet outputs"));
    if (::renameat2(pfd, staging.c_str(), pfd, base.c_str(), RENAME_EXCHANGE) == 0) {
      RemoveOutputSet(pfd, staging);  // the old set, now under the staging name
    } else if (errno == EINVAL) {
      // No RENAME_EXCHANGE: move the old set aside under a staging name (cleaned like any
      // leftover), then the new one in. --out is briefly absent, never mixed.
      std::string aside = parent + "/" + base + kStagingInfix + "XXXXXX";
      if (::mkdtemp(aside.data()) == nullptr) return fail(Internal(Errno("cannot stage the old outputs")));
      aside = aside.substr(aside.rfind('/') + 1);
      if (::renameat(pfd, base.c_str(), pfd, aside.c_str()) != 0) {
        ::unlinkat(pfd, aside.c_str(), AT_REMOVEDIR);
        return fail(Internal(Errno("cannot move the old outputs aside")));
      }
      if (::renameat(pfd, staging.c_str(), pfd, base.c_str()) != 0) {
        return fail(Internal(Errno("cannot move the outputs into " + out_dir)));
      }
      RemoveOutputSet(pfd, aside);
    } else {
      return fail(Internal(Errno("cannot exchange the outputs with " + out_dir)));
    }
  }
  if (::fsync(pfd) != 0) return Internal(Errno("cannot sync the parent of " + out_dir));
  for (const auto& [name, content] : outcome.outputs) outcome.written.push_back(out_dir + "/" + name);
  return OkStatus();
}

Result<SignOutcome> SignImage(const policy::Gate& gate, fw::SigningKey& key, AuditAppender& log, const Clock& clock,
                              const SignRequest& req) {
  SIGNET_ASSIGN_OR_RETURN(SignOutcome out, DecideSignAndLog(gate, key, log, clock, req));
  // 4. Outputs, as one set, only after the audit entry is durable; nothing for a deny.
  if (!out.decision.allowed) return out;
  SIGNET_RETURN_IF_ERROR(WriteOutputs(req.out_dir, out));
  return out;
}

}  // namespace signet::signer
