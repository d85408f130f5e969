#include "serial.h"

#include <fcntl.h>
#include <sys/file.h>

#include <algorithm>
#include <charconv>
#include <limits>

#include "signet/core/file.h"
#include "signet/core/findings.h"
#include "signet/core/unique_fd.h"
#include "signet/tsa/authority.h"

namespace signet::tsa::internal {
namespace {

Error ClockBehind() {
  return Unavailable("the clock is behind a timestamp this TSA already issued; no token until it catches up")
      .WithFinding(findings::kClockSteppedBack);
}

}  // namespace

Result<SerialCounter::Stored> SerialCounter::ReadCounter() const {
  const std::string path = dir_ + "/" + kSerialFileName;
  auto text = ReadFile(path, 64);
  if (!text.ok()) {
    if (text.error().code() == ErrorCode::kNotFound) return Stored{};
    return std::move(text).error();
  }
  const Error bad = InvalidArgument(path + " is not a TSA serial counter (a positive decimal number, then optionally a "
                                           "space and the Unix time of the newest token)");
  std::string_view s = *text;
  if (!s.empty() && s.back() == '\n') s.remove_suffix(1);
  // Each field: decimal digits, no sign, no leading zero.
  auto field = [](std::string_view f, uint64_t* out) {
    auto [end, ec] = std::from_chars(f.data(), f.data() + f.size(), *out);
    return !f.empty() && f.size() <= 20 && ec == std::errc() && end == f.data() + f.size() && (f.size() == 1 || f[0] != '0');
  };
  Stored stored;
  const size_t space = s.find(' ');
  uint64_t time = 0;
  if (!field(s.substr(0, space), &stored.next) || stored.next == 0) return bad;
  if (space != std::string_view::npos) {
    if (!field(s.substr(space + 1), &time) || time > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return bad;
    }
    stored.time = static_cast<int64_t>(time);
  }
  return stored;
}

Status SerialCounter::Check() const {
  Result<Stored> value = ReadCounter();
  if (!value.ok()) return std::move(value).error();
  return OkStatus();
}

Status SerialCounter::Reserve(int64_t now) {
  const std::string lock_path = dir_ + "/serial.lock";
  UniqueFd lock(::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!lock.valid()) return Internal("cannot open " + lock_path);
  if (::flock(lock.get(), LOCK_EX) != 0) return Internal("cannot lock " + lock_path);
  SIGNET_ASSIGN_OR_RETURN(Stored stored, ReadCounter());
  if (now < stored.time) {
    floor_ = std::max(floor_, stored.time);
    return ClockBehind();
  }
  if (stored.next > std::numeric_limits<uint64_t>::max() - block_) return Internal("the TSA serial counter is exhausted");
  Status st = WriteFileAtomic(dir_ + "/" + kSerialFileName,
                              std::to_string(stored.next + block_) + " " + std::to_string(now) + "\n", 0600);
  if (!st.ok()) return Internal("cannot reserve TSA serial numbers: " + st.error().message());
  next_ = stored.next;
  end_ = stored.next + block_;
  return OkStatus();  // the lock is released when `lock` closes
}

Result<uint64_t> SerialCounter::Next(const Clock& clock, int64_t* gen_time) {
  std::lock_guard<std::mutex> guard(mu_);
  const int64_t now = ToUnixSeconds(clock.Now());
  if (now < floor_) return ClockBehind();
  if (next_ == end_) SIGNET_RETURN_IF_ERROR(Reserve(now));
  floor_ = now;
  *gen_time = now;
  return next_++;
}

}  // namespace signet::tsa::internal
