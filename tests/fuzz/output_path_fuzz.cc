// Fuzzes the pure half of the file-handling rules (core/file.h): SplitOutputPath, which every
// writer runs before it touches the file system, and the type rules for inputs and for what
// stands at an output path. The file-system half (O_NONBLOCK + fstat, lstat + O_EXCL|O_NOFOLLOW +
// RENAME_NOREPLACE) is covered by tests/unit/core/file_test.cc.
//
// Invariants: an accepted path splits into a directory and a last component that rebuild it
// exactly; the last component is never empty, ".", "..", never holds '/' or NUL and fits
// NAME_MAX with the temporary suffix; refusals are kInvalidArgument. Only S_IFREG passes either
// mode rule, and a symbolic link never does.
#include <sys/stat.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "signet/core/file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view path(reinterpret_cast<const char*>(data), size);
  auto split = signet::SplitOutputPath(path);
  if (split.ok()) {
    const std::string& dir = split->dir;
    const std::string& name = split->name;
    if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos ||
        name.find('\0') != std::string::npos || name.size() > signet::kMaxOutputNameBytes) {
      std::abort();
    }
    if (path.empty() || path.size() > signet::kMaxPathBytes || path.back() == '/') std::abort();
    const size_t slash = path.rfind('/');
    if (slash == std::string_view::npos) {
      if (dir != "." || name != path) std::abort();
    } else {
      // path = prefix + "/" + name, and dir is the prefix ("/" when the prefix is empty).
      const std::string_view prefix = path.substr(0, slash);
      if (path.substr(slash + 1) != name) std::abort();
      if (prefix.empty() ? dir != "/" : dir != prefix) std::abort();
    }
    // The temporary name the writer derives stays within NAME_MAX.
    if (name.size() + std::strlen(".tmp-") + 8 > 255) std::abort();
  } else if (split.error().code() != signet::ErrorCode::kInvalidArgument) {
    std::abort();
  }

  // The mode rules over every file type the first bytes can name.
  if (size >= 2) {
    static constexpr mode_t kTypes[] = {S_IFREG, S_IFDIR, S_IFIFO, S_IFCHR, S_IFBLK, S_IFSOCK, S_IFLNK, 0};
    const mode_t mode = kTypes[data[0] % (sizeof kTypes / sizeof kTypes[0])] | (static_cast<mode_t>(data[1]) & 0777);
    const bool regular = S_ISREG(mode);
    const std::string name(path.substr(2));
    auto in = signet::CheckInputFileMode(mode, name);
    auto out = signet::CheckOutputTargetMode(mode, name);
    if (in.ok() != regular || out.ok() != regular) std::abort();
    if (S_ISLNK(mode) && out.ok()) std::abort();
    if (!in.ok() && in.error().code() != signet::ErrorCode::kInvalidArgument) std::abort();
    if (!out.ok() && out.error().code() != signet::ErrorCode::kInvalidArgument) std::abort();
  }
  return 0;
}
