// Measured launch: moved from ops/src/cmd_attest.cc (issue 13 part 1).
#include "signet/attester/launch.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include <openssl/crypto.h>

#include "signet/core/hash.h"

extern char** environ;

namespace signet::attester {
namespace {

namespace att = signet::attestation;

std::string ErrnoText(std::string_view what, const std::string& path, int err) {
  return std::string(what) + " " + path + ": " + std::strerror(err);
}

}  // namespace

Result<std::string> AbsolutePath(const std::string& p) {
  std::error_code ec;
  std::string out = std::filesystem::absolute(p, ec).lexically_normal().string();
  if (ec) return InvalidArgument("cannot resolve path " + p);
  return out;
}

Result<std::vector<Measure>> ParseMeasures(const std::vector<std::string>& specs, bool allow_installed) {
  std::vector<Measure> out;
  for (const auto& s : specs) {
    auto eq = s.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == s.size()) {
      return InvalidArgument("--measure takes KIND=PATH");
    }
    SIGNET_ASSIGN_OR_RETURN(att::EventKind kind, att::ParseMeasuredKind(s.substr(0, eq)));
    std::string rest = s.substr(eq + 1), installed;
    if (allow_installed) {
      if (auto split = rest.rfind("=/"); split != std::string::npos && split > 0) {
        installed = rest.substr(split + 1);
        rest = rest.substr(0, split);
        if (std::filesystem::path(installed).lexically_normal().string() != installed) {
          return InvalidArgument("the installed path must be absolute and normalized");
        }
      }
    }
    SIGNET_ASSIGN_OR_RETURN(std::string path, AbsolutePath(rest));
    out.push_back({kind, path, installed.empty() ? path : installed});
  }
  if (out.empty()) return InvalidArgument("at least one --measure KIND=PATH is required");
  return out;
}

void ScrubEnv(const std::string& name) {
  if (name.empty()) return;
  if (char* value = std::getenv(name.c_str()); value != nullptr) {
    OPENSSL_cleanse(value, std::strlen(value));
  }
  (void)unsetenv(name.c_str());
}

Result<MeasuredExec> MeasureForLaunch(const LaunchOpts& o, const TpmOpener& open_tpm) {
  if (o.pcr > 23) return InvalidArgument("--pcr must be 0..23");
  if (o.command.empty()) return InvalidArgument("launch needs a command after --");
  SIGNET_ASSIGN_OR_RETURN(std::vector<Measure> ms, ParseMeasures(o.measures, false));
  SIGNET_ASSIGN_OR_RETURN(std::string exec_path, AbsolutePath(o.command[0]));
  att::EventLog log;
  if (!o.reset_pcr) {
    // A later launch in the same boot appends to the boot's log; the verifier refuses events
    // after the first separator, so this is visible rather than silently accepted.
    auto text = ReadFile(o.event_log, 4 * 1024 * 1024);
    if (text.ok()) {
      SIGNET_ASSIGN_OR_RETURN(log, att::ParseEventLog(*text));
      SIGNET_RETURN_IF_ERROR(att::CheckSequence(log));
    } else if (text.error().code() != ErrorCode::kNotFound) {
      return std::move(text).error();
    }
  }
  MeasuredExec exec;
  bool exec_found = false;
  std::vector<att::EventRecord> records;
  for (const auto& m : ms) {
    SIGNET_ASSIGN_OR_RETURN(UniqueFd fd, OpenInputFile(m.path));
    att::EventRecord r;
    r.seq = log.events.size() + records.size();
    r.pcr = o.pcr;
    r.kind = std::string(att::EventKindName(m.kind));
    r.path = m.path;
    SIGNET_ASSIGN_OR_RETURN(r.sha256, HashOpenFile(HashAlgorithm::kSha256, fd.get(), m.path));
    records.push_back(std::move(r));
    if (m.kind == att::EventKind::kBinary && m.path == exec_path && !exec_found) {
      char magic[2] = {0, 0};
      if (::pread(fd.get(), magic, 2, 0) < 0) return Internal(ErrnoText("read error on", m.path, errno));
      exec.script = magic[0] == '#' && magic[1] == '!';
      exec.fd = std::move(fd);
      exec_found = true;
    }
  }
  if (!exec_found) {
    return InvalidArgument("the command must be a measured binary: give --measure binary=" +
                           o.command[0] + " and the same path after --");
  }
  // Refuse before extending: a PCR should never record a launch that cannot happen.
  struct stat st;
  if (::fstat(exec.fd.get(), &st) != 0 || (st.st_mode & (S_IXUSR | S_IXGRP | S_IXOTH)) == 0) {
    return InvalidArgument(o.command[0] + " is not executable");
  }
  records.push_back(att::MakeSeparator(log.events.size() + records.size(), o.pcr));
  if (log.events.size() + records.size() > att::kMaxEvents) {
    return InvalidArgument("the event log would exceed its size limit");
  }
  {
    SIGNET_ASSIGN_OR_RETURN(std::unique_ptr<fw::Tpm> tpm, open_tpm());
    if (o.reset_pcr) SIGNET_RETURN_IF_ERROR(tpm->ResetPcr(o.pcr));
    for (const auto& r : records) {
      SIGNET_RETURN_IF_ERROR(tpm->ExtendPcr(o.pcr, att::EventDigest(r)));
      log.events.push_back(r);
    }
  }
  SIGNET_RETURN_IF_ERROR(WriteFileAtomic(o.event_log, att::SerializeEventLog(log)));
  return exec;
}

Error Launch(const LaunchOpts& o, const TpmOpener& open_tpm) {
  ScrubEnv(o.pin_env);  // before anything else can exec
  if (!o.pcr_set) return InvalidArgument("--pcr is required");
  auto exec = MeasureForLaunch(o, open_tpm);
  if (!exec.ok()) return std::move(exec).error();
  std::vector<char*> argv;
  for (const auto& a : o.command) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::fflush(stdout);
  std::fflush(stderr);
  // A script's interpreter opens it as /dev/fd/N, so that descriptor must survive the exec; the
  // interpreter then reads the very file description that was hashed.
  if (exec->script) {
    const int flags = ::fcntl(exec->fd.get(), F_GETFD);
    if (flags < 0 || ::fcntl(exec->fd.get(), F_SETFD, flags & ~FD_CLOEXEC) != 0) {
      return Internal(ErrnoText("fcntl failed on", o.command[0], errno));
    }
  }
  ::fexecve(exec->fd.get(), argv.data(), environ);
  const int err = errno;
  // ENOENT here is a script's missing interpreter, EACCES/ENOEXEC a file that cannot run: the
  // operator's input (exit 2). The PCR already records the measurement; the log says so.
  const ErrorCode code = err == ENOENT                                     ? ErrorCode::kNotFound
                         : (err == EACCES || err == ENOEXEC || err == EPERM) ? ErrorCode::kInvalidArgument
                                                                             : ErrorCode::kInternal;
  return Error(code, "cannot execute " + o.command[0] + ": " + std::strerror(err));
}

}  // namespace signet::attester
