// Small file helpers with the guarantees the CLI and signer rely on.
//
// File-handling rules (STYLE.md §10, issue 12 items 21 and 23):
//   - Inputs are regular files only. A reader opens with O_NONBLOCK|O_NOCTTY, checks the type
//     with fstat on the opened descriptor and only then reads, so a FIFO, a device or a directory
//     is refused at once (kInvalidArgument, exit 2) instead of blocking or reading forever.
//     Symbolic links to regular files are fine for inputs.
//   - Outputs replace only regular files. A writer never follows a symbolic link at the output
//     path and never replaces one, nor a device, FIFO, socket or directory (kInvalidArgument).
#ifndef SIGNET_CORE_FILE_H_
#define SIGNET_CORE_FILE_H_

#include <sys/stat.h>
#include <sys/types.h>

#include <string>
#include <string_view>

#include "signet/core/bytes.h"
#include "signet/core/result.h"
#include "signet/core/unique_fd.h"

namespace signet {

// OutputPath is an output path split into its directory and its last component.
struct OutputPath {
  std::string dir;   // "." when the path has no '/'; "/" for a file in the root directory
  std::string name;  // the last component: never empty, ".", ".." and never contains '/'
};

// kMaxPathBytes bounds every path a writer accepts (PATH_MAX including the terminating NUL).
inline constexpr size_t kMaxPathBytes = 4095;
// kMaxOutputNameBytes bounds the last component of an output path, leaving room for the
// temporary suffix (".tmp-XXXXXXXX") within NAME_MAX (255).
inline constexpr size_t kMaxOutputNameBytes = 240;

// SplitOutputPath validates `path` as the name of an output file without touching the file
// system (it is pure, and fuzzed by tests/fuzz/output_path_fuzz.cc). It refuses, with
// kInvalidArgument: an empty path, a NUL byte, a path longer than kMaxPathBytes, a path ending
// in '/', a last component that is "." or "..", and a last component longer than
// kMaxOutputNameBytes. Repeated slashes before the last component are kept as given.
Result<OutputPath> SplitOutputPath(std::string_view path);

// CheckInputFileMode accepts only a regular file's st_mode; anything else (FIFO, character or
// block device, directory, socket, symbolic link) is kInvalidArgument naming `path` and the type.
Status CheckInputFileMode(mode_t mode, std::string_view path);

// CheckOutputTargetMode is the rule for something that already stands at an output path
// (lstat's st_mode, links not followed): only a regular file may be replaced. A symbolic link is
// refused (a writer never follows nor replaces one), as is any other non-regular file.
// kInvalidArgument naming `path` and the type.
Status CheckOutputTargetMode(mode_t mode, std::string_view path);

// OpenInputFile opens `path` read-only for an input, without blocking: O_NONBLOCK|O_NOCTTY on
// open, fstat on the descriptor, CheckInputFileMode, then O_NONBLOCK is cleared. `st` (optional)
// receives the fstat result. Errors: kNotFound (no such file), kPermissionDenied (EACCES),
// kInvalidArgument (not a regular file, or any other open failure).
Result<UniqueFd> OpenInputFile(const std::string& path, struct stat* st = nullptr);

// ReadFile reads a whole regular file (OpenInputFile's checks), refusing files larger than
// `max_bytes` (kInvalidArgument). A read error is kInternal.
Result<std::string> ReadFile(const std::string& path, size_t max_bytes = 64 * 1024 * 1024);

// WriteFileAtomic writes `data` to a fresh temporary name in the same directory (O_EXCL,
// O_NOFOLLOW), fsyncs it, renames it over `path` and fsyncs the directory: readers see the old
// file or the whole new one. `path` must pass SplitOutputPath, and whatever already stands at it
// must pass CheckOutputTargetMode (a regular file; never a link, device, FIFO or directory);
// otherwise kInvalidArgument and nothing is written. When nothing stood at `path`, the rename
// refuses to replace anything that appeared meanwhile. Other failures: kPermissionDenied
// (EACCES), kInvalidArgument (the directory does not exist), kInternal (I/O).
Status WriteFileAtomic(const std::string& path, std::string_view data, unsigned mode = 0644);

}  // namespace signet

#endif  // SIGNET_CORE_FILE_H_
