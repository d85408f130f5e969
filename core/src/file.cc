#include "signet/core/file.h"

#include <fcntl.h>
#include <stdio.h>  // renameat2, RENAME_NOREPLACE (glibc >= 2.28, _GNU_SOURCE)
#include <sys/random.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace signet {

namespace {

std::string Errno(std::string_view what, std::string_view path, int err) {
  return std::string(what) + " " + std::string(path) + ": " + std::strerror(err);
}

const char* TypeName(mode_t mode) {
  if (S_ISREG(mode)) return "a regular file";
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISLNK(mode)) return "a symbolic link";
  return "not a regular file";
}

// RandomSuffix returns 8 characters from [a-z0-9] for a temporary file name. Uniqueness comes
// from O_EXCL; randomness only keeps the name from being predictable.
std::string RandomSuffix() {
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  unsigned char raw[8] = {};
  ssize_t got = ::getrandom(raw, sizeof raw, 0);
  if (got != static_cast<ssize_t>(sizeof raw)) {
    // getrandom on Linux >= 3.17 does not fail for 8 bytes once the pool is ready; fall back to
    // the pid and a counter rather than aborting (O_EXCL still guarantees a fresh file).
    static unsigned counter = 0;
    unsigned v = static_cast<unsigned>(::getpid()) * 2654435761u + ++counter;
    for (auto& b : raw) {
      b = static_cast<unsigned char>(v);
      v = v * 1103515245u + 12345u;
    }
  }
  std::string out;
  for (unsigned char b : raw) out += kAlphabet[b % (sizeof kAlphabet - 1)];
  return out;
}

Error OpenError(int err, std::string_view what, std::string_view path) {
  if (err == ENOENT) return NotFound(Errno(what, path, err));
  if (err == EACCES || err == EPERM) return PermissionDenied(Errno(what, path, err));
  return InvalidArgument(Errno(what, path, err));
}

}  // namespace

void UniqueFd::Reset(int fd) {
  if (fd_ >= 0 && fd_ != fd) ::close(fd_);
  fd_ = fd < 0 ? -1 : fd;
}

Result<OutputPath> SplitOutputPath(std::string_view path) {
  if (path.empty()) return InvalidArgument("output path is empty");
  if (path.find('\0') != std::string_view::npos) return InvalidArgument("output path contains a NUL byte");
  if (path.size() > kMaxPathBytes) return InvalidArgument("output path is longer than 4095 bytes");
  if (path.back() == '/') return InvalidArgument("output path " + std::string(path) + " names a directory");
  OutputPath out;
  const size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) {
    out.dir = ".";
    out.name = std::string(path);
  } else {
    out.dir = slash == 0 ? "/" : std::string(path.substr(0, slash));
    out.name = std::string(path.substr(slash + 1));
  }
  if (out.name == "." || out.name == "..") {
    return InvalidArgument("output path " + std::string(path) + " names a directory");
  }
  if (out.name.size() > kMaxOutputNameBytes) return InvalidArgument("output file name is longer than 240 bytes");
  return out;
}

Status CheckInputFileMode(mode_t mode, std::string_view path) {
  if (S_ISREG(mode)) return OkStatus();
  return InvalidArgument(std::string(path) + " is " + TypeName(mode) + "; only regular files are read");
}

Status CheckOutputTargetMode(mode_t mode, std::string_view path) {
  if (S_ISREG(mode)) return OkStatus();
  if (S_ISLNK(mode)) {
    return InvalidArgument(std::string(path) + " is a symbolic link; outputs never follow or replace links");
  }
  return InvalidArgument(std::string(path) + " is " + TypeName(mode) + "; only regular files are replaced");
}

Result<UniqueFd> OpenInputFile(const std::string& path, struct stat* st_out) {
  // O_NONBLOCK: opening a FIFO without a writer (or a device that waits for carrier) must not
  // hang before the type check. O_NOCTTY: a terminal never becomes our controlling tty.
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
  if (!fd.valid()) return OpenError(errno, "cannot open", path);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return Internal(Errno("cannot stat", path, errno));
  SIGNET_RETURN_IF_ERROR(CheckInputFileMode(st.st_mode, path));
  const int flags = ::fcntl(fd.get(), F_GETFL);
  if (flags < 0 || ::fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK) != 0) {
    return Internal(Errno("cannot clear O_NONBLOCK on", path, errno));
  }
  if (st_out != nullptr) *st_out = st;
  return fd;
}

Result<std::string> ReadFile(const std::string& path, size_t max_bytes) {
  struct stat st {};
  SIGNET_ASSIGN_OR_RETURN(UniqueFd fd, OpenInputFile(path, &st));
  if (static_cast<uint64_t>(st.st_size) > max_bytes) return InvalidArgument("file too large: " + path);
  std::string out;
  char buf[65536];
  while (true) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Internal(Errno("read error on", path, errno));
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
    // The file may grow after fstat: the bound holds on what is actually read.
    if (out.size() > max_bytes) return InvalidArgument("file too large: " + path);
  }
  return out;
}

Status WriteFileAtomic(const std::string& path, std::string_view data, unsigned mode) {
  SIGNET_ASSIGN_OR_RETURN(OutputPath target, SplitOutputPath(path));
  // Everything below is relative to one directory descriptor, so the directory we checked is
  // the directory we write into.
  UniqueFd dir(::open(target.dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir.valid()) {
    const int err = errno;
    if (err == EACCES || err == EPERM) return PermissionDenied(Errno("cannot open directory", target.dir, err));
    return InvalidArgument(Errno("cannot use output directory", target.dir, err));
  }
  // 1. What stands at the path now, links not followed: nothing, or a regular file.
  struct stat st {};
  bool existed = false;
  if (::fstatat(dir.get(), target.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
    SIGNET_RETURN_IF_ERROR(CheckOutputTargetMode(st.st_mode, path));
    existed = true;
  } else if (errno != ENOENT) {
    return OpenError(errno, "cannot stat", path);
  }
  // 2. A fresh temporary file next to it (O_EXCL|O_NOFOLLOW: never an existing file or link).
  std::string tmp;
  UniqueFd fd;
  for (int attempt = 0; attempt < 16 && !fd.valid(); ++attempt) {
    tmp = target.name + ".tmp-" + RandomSuffix();
    fd = UniqueFd(::openat(dir.get(), tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!fd.valid() && errno != EEXIST) break;
  }
  if (!fd.valid()) {
    const int err = errno;
    if (err == EACCES || err == EPERM || err == EROFS) {
      return PermissionDenied(Errno("cannot create a temporary file for", path, err));
    }
    return Internal(Errno("cannot create a temporary file for", path, err));
  }
  auto fail = [&](std::string msg) -> Status {
    fd.Reset();
    ::unlinkat(dir.get(), tmp.c_str(), 0);
    return Internal(std::move(msg));
  };
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd.get(), data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(Errno("write error on", tmp, errno));
    }
    off += static_cast<size_t>(n);
  }
  if (::fchmod(fd.get(), static_cast<mode_t>(mode)) != 0) return fail(Errno("chmod failed on", tmp, errno));
  if (::fsync(fd.get()) != 0) return fail(Errno("fsync failed on", tmp, errno));
  fd.Reset();
  // 3. Rename into place. When nothing stood there, RENAME_NOREPLACE refuses anything that
  //    appeared meanwhile; when a regular file stood there, it is checked again right before.
  //    (Someone who can write the directory can always race the last check; the output
  //    directory is the operator's.)
  auto refuse = [&](Error e) -> Status {
    ::unlinkat(dir.get(), tmp.c_str(), 0);
    return e;
  };
  bool renamed = false;
  if (!existed) {
    if (::renameat2(dir.get(), tmp.c_str(), dir.get(), target.name.c_str(), RENAME_NOREPLACE) == 0) {
      renamed = true;
    } else if (errno != EINVAL && errno != ENOSYS) {
      const int err = errno;
      if (err == EEXIST) return refuse(InvalidArgument(path + " appeared while it was being written; not replaced"));
      return refuse(Internal(Errno("rename failed to", path, err)));
    }
  }
  if (!renamed) {
    if (::fstatat(dir.get(), target.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
      if (Status s = CheckOutputTargetMode(st.st_mode, path); !s.ok()) return refuse(std::move(s).error());
    }
    if (::renameat(dir.get(), tmp.c_str(), dir.get(), target.name.c_str()) != 0) {
      return refuse(Internal(Errno("rename failed to", path, errno)));
    }
  }
  ::fsync(dir.get());
  return OkStatus();
}

}  // namespace signet
