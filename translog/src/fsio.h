// Private file helpers of translog: batched durable writes and directory walks.
#ifndef SIGNET_TRANSLOG_SRC_FSIO_H_
#define SIGNET_TRANSLOG_SRC_FSIO_H_

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "signet/core/bytes.h"
#include "signet/core/result.h"

namespace signet::translog::internal {

// kTempMarker marks every temporary file name translog (and core WriteFileAtomic) creates.
inline constexpr char kTempMarker[] = ".tmp-";

// DurableBatch writes several files so that each is complete under its final name or absent:
// Stage writes a temporary file next to the target and fsyncs it; Commit renames every staged
// file into place and fsyncs each directory involved once. Files staged but not committed are
// removed by the destructor.
class DurableBatch {
 public:
  ~DurableBatch();
  // Stage creates the missing parent directories of `path` (0755) and writes `data` to a
  // temporary file beside it. kInternal on I/O errors.
  Status Stage(const std::string& path, ByteView data);
  // Commit renames every staged file into place and fsyncs the directories.
  Status Commit();

 private:
  std::vector<std::pair<std::string, std::string>> staged_;  // (temporary, final)
  std::set<std::string> dirs_;
};

// ReplaceWithoutSync writes `data` to a temporary file beside `path` and renames it over `path`,
// without fsync: readers see the old or the new file whole, but after a power loss the file may
// be empty or old. Only for files that are rebuilt from a durable source on open.
Status ReplaceWithoutSync(const std::string& path, ByteView data);

// ListFiles returns every regular file under `root`, as paths relative to it (no symlinks are
// followed). kInternal on I/O errors; a missing root gives an empty list.
Result<std::vector<std::string>> ListFiles(const std::string& root);

}  // namespace signet::translog::internal

#endif  // SIGNET_TRANSLOG_SRC_FSIO_H_
