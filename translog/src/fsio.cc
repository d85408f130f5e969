#include "fsio.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "signet/core/unique_fd.h"

namespace signet::translog::internal {
namespace {

Error IoError(std::string what, const std::string& path, int err) {
  return Internal(what + " " + path + ": " + std::strerror(err));
}

std::string DirName(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// MakeParents creates the missing directories above `path`; each new directory's parent is
// added to `dirs` so its entry is made durable.
Status MakeParents(const std::string& path, std::set<std::string>& dirs) {
  std::string dir = DirName(path);
  struct stat st {};
  if (::stat(dir.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) return Internal("not a directory: " + dir);
    return OkStatus();
  }
  SIGNET_RETURN_IF_ERROR(MakeParents(dir, dirs));
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) return IoError("cannot create directory", dir, errno);
  dirs.insert(DirName(dir));
  return OkStatus();
}

Status FsyncDir(const std::string& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return IoError("cannot open directory", dir, errno);
  if (::fsync(fd.get()) != 0) return IoError("fsync failed on", dir, errno);
  return OkStatus();
}

std::atomic<uint64_t> temp_counter{0};

Status ListInto(const std::string& root, const std::string& rel, std::vector<std::string>& out, int depth) {
  if (depth > 16) return Internal("directory tree too deep under " + root);
  std::string dir = rel.empty() ? root : root + "/" + rel;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) {
    if (errno == ENOENT && rel.empty()) return OkStatus();
    return IoError("cannot list", dir, errno);
  }
  std::vector<std::pair<std::string, bool>> children;
  while (struct dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    struct stat st {};
    std::string child_rel = rel.empty() ? name : rel + "/" + name;
    if (::lstat((root + "/" + child_rel).c_str(), &st) != 0) continue;
    if (S_ISDIR(st.st_mode)) children.emplace_back(child_rel, true);
    if (S_ISREG(st.st_mode)) children.emplace_back(child_rel, false);
  }
  ::closedir(d);
  for (auto& [child, is_dir] : children) {
    if (is_dir) {
      SIGNET_RETURN_IF_ERROR(ListInto(root, child, out, depth + 1));
    } else {
      out.push_back(child);
    }
  }
  return OkStatus();
}

}  // namespace

DurableBatch::~DurableBatch() {
  for (const auto& [tmp, final_path] : staged_) ::unlink(tmp.c_str());
}

Status DurableBatch::Stage(const std::string& path, ByteView data) {
  SIGNET_RETURN_IF_ERROR(MakeParents(path, dirs_));
  std::string tmp = path + kTempMarker + std::to_string(::getpid()) + "-" + std::to_string(temp_counter++);
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
  if (!fd.valid()) return IoError("cannot create", tmp, errno);
  staged_.emplace_back(tmp, path);
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd.get(), data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return IoError("write error on", tmp, errno);
    }
    off += static_cast<size_t>(n);
  }
  if (::fsync(fd.get()) != 0) return IoError("fsync failed on", tmp, errno);
  return OkStatus();
}

Status DurableBatch::Commit() {
  for (const auto& [tmp, final_path] : staged_) {
    if (::rename(tmp.c_str(), final_path.c_str()) != 0) return IoError("cannot rename into place", final_path, errno);
    dirs_.insert(DirName(final_path));
  }
  staged_.clear();
  for (const std::string& dir : dirs_) SIGNET_RETURN_IF_ERROR(FsyncDir(dir));
  dirs_.clear();
  return OkStatus();
}

Status ReplaceWithoutSync(const std::string& path, ByteView data) {
  std::string tmp = path + kTempMarker + std::to_string(::getpid()) + "-" + std::to_string(temp_counter++);
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
  if (!fd.valid()) return IoError("cannot create", tmp, errno);
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd.get(), data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::unlink(tmp.c_str());
      return IoError("write error on", tmp, err);
    }
    off += static_cast<size_t>(n);
  }
  fd.Reset();
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return IoError("cannot rename into place", path, err);
  }
  return OkStatus();
}

Result<std::vector<std::string>> ListFiles(const std::string& root) {
  std::vector<std::string> out;
  SIGNET_RETURN_IF_ERROR(ListInto(root, "", out, 0));
  return out;
}

}  // namespace signet::translog::internal
