// Small file helpers with the guarantees the CLI and signer rely on.
#ifndef SIGNET_CORE_FILE_H_
#define SIGNET_CORE_FILE_H_

#include <string>
#include <string_view>

#include "signet/core/bytes.h"
#include "signet/core/result.h"

namespace signet {

// ReadFile reads a whole regular file, refusing files larger than `max_bytes`.
Result<std::string> ReadFile(const std::string& path, size_t max_bytes = 64 * 1024 * 1024);

// WriteFileAtomic writes `data` to a temporary name in the same directory, fsyncs it, renames
// it over `path` and fsyncs the directory: readers see the old file or the whole new one.
Status WriteFileAtomic(const std::string& path, std::string_view data, unsigned mode = 0644);

}  // namespace signet

#endif  // SIGNET_CORE_FILE_H_
