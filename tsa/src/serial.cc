#include "serial.h"

#include <fcntl.h>
#include <sys/file.h>

#include <charconv>
#include <limits>

#include "signet/core/file.h"
#include "signet/core/unique_fd.h"
#include "signet/tsa/authority.h"

namespace signet::tsa::internal {

Result<uint64_t> SerialCounter::ReadCounter() const {
  const std::string path = dir_ + "/" + kSerialFileName;
  auto text = ReadFile(path, 64);
  if (!text.ok()) {
    if (text.error().code() == ErrorCode::kNotFound) return uint64_t{1};
    return std::move(text).error();
  }
  std::string_view s = *text;
  if (!s.empty() && s.back() == '\n') s.remove_suffix(1);
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || s.size() > 20 || ec != std::errc() || end != s.data() + s.size() || value == 0 ||
      (s.size() > 1 && s[0] == '0')) {
    return InvalidArgument(path + " is not a TSA serial counter (one positive decimal number)");
  }
  return value;
}

Status SerialCounter::Check() const {
  Result<uint64_t> value = ReadCounter();
  if (!value.ok()) return std::move(value).error();
  return OkStatus();
}

Status SerialCounter::Reserve() {
  const std::string lock_path = dir_ + "/serial.lock";
  UniqueFd lock(::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!lock.valid()) return Internal("cannot open " + lock_path);
  if (::flock(lock.get(), LOCK_EX) != 0) return Internal("cannot lock " + lock_path);
  SIGNET_ASSIGN_OR_RETURN(uint64_t first, ReadCounter());
  if (first > std::numeric_limits<uint64_t>::max() - block_) return Internal("the TSA serial counter is exhausted");
  Status st = WriteFileAtomic(dir_ + "/" + kSerialFileName, std::to_string(first + block_) + "\n", 0600);
  if (!st.ok()) return Internal("cannot reserve TSA serial numbers: " + st.error().message());
  next_ = first;
  end_ = first + block_;
  return OkStatus();  // the lock is released when `lock` closes
}

Result<uint64_t> SerialCounter::Next() {
  std::lock_guard<std::mutex> guard(mu_);
  if (next_ == end_) SIGNET_RETURN_IF_ERROR(Reserve());
  return next_++;
}

}  // namespace signet::tsa::internal
