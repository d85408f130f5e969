#include "signet/core/file.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace signet {

namespace {
std::string Errno(std::string_view what, const std::string& path) {
  return std::string(what) + " " + path + ": " + std::strerror(errno);
}
}  // namespace

Result<std::string> ReadFile(const std::string& path, size_t max_bytes) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return NotFound(Errno("cannot open", path));
    if (errno == EACCES) return PermissionDenied(Errno("cannot open", path));
    return InvalidArgument(Errno("cannot open", path));
  }
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return InvalidArgument("not a regular file: " + path);
  }
  if (static_cast<size_t>(st.st_size) > max_bytes) {
    ::close(fd);
    return InvalidArgument("file too large: " + path);
  }
  std::string out;
  char buf[65536];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      std::string msg = Errno("read error on", path);
      ::close(fd);
      return Internal(msg);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
    if (out.size() > max_bytes) {
      ::close(fd);
      return InvalidArgument("file too large: " + path);
    }
  }
  ::close(fd);
  return out;
}

Status WriteFileAtomic(const std::string& path, std::string_view data, unsigned mode) {
  std::string dir = ".";
  if (auto slash = path.rfind('/'); slash != std::string::npos) dir = slash == 0 ? "/" : path.substr(0, slash);
  std::string tmp = path + ".tmp-XXXXXX";
  int fd = ::mkstemp(tmp.data());
  if (fd < 0) return PermissionDenied(Errno("cannot create temporary file for", path));
  auto fail = [&](std::string msg) -> Status {
    ::close(fd);
    ::unlink(tmp.c_str());
    return Internal(std::move(msg));
  };
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(Errno("write error on", tmp));
    }
    off += static_cast<size_t>(n);
  }
  if (::fchmod(fd, static_cast<mode_t>(mode)) != 0) return fail(Errno("chmod failed on", tmp));
  if (::fsync(fd) != 0) return fail(Errno("fsync failed on", tmp));
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    std::string msg = Errno("rename failed to", path);
    ::unlink(tmp.c_str());
    return Internal(msg);
  }
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return OkStatus();
}

}  // namespace signet
