// RFC 3339 timestamps and an injectable clock.
#ifndef SIGNET_CORE_TIME_H_
#define SIGNET_CORE_TIME_H_

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "signet/core/result.h"

namespace signet {

// Timestamp is UTC with nanosecond precision (no leap seconds, as in POSIX time).
using Timestamp = std::chrono::sys_time<std::chrono::nanoseconds>;

// FromUnixSeconds converts integer Unix seconds.
inline Timestamp FromUnixSeconds(int64_t s) { return Timestamp(std::chrono::seconds(s)); }
// ToUnixSeconds truncates toward negative infinity.
int64_t ToUnixSeconds(Timestamp t);

// ParseRfc3339 accepts RFC 3339 §5.6 date-time: "YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)".
// 'T' and 'Z' may be lowercase as the RFC allows; a space separator, missing offset, leap
// second 60, out-of-range fields, fractions beyond 9 digits and years outside 1678..2261 (what
// a nanosecond Timestamp can hold) are refused.
Result<Timestamp> ParseRfc3339(std::string_view text);

// FormatRfc3339 renders UTC with a 'Z' suffix; fractional seconds only when non-zero
// (trailing zeros trimmed), e.g. "2026-11-25T10:00:00Z", "2026-11-25T10:00:00.5Z".
std::string FormatRfc3339(Timestamp t);

// ParseDuration accepts Go-style durations made of integer parts: "720h", "90m", "1h30m", "45s".
Result<std::chrono::seconds> ParseDuration(std::string_view text);

// Clock is the only way Signet code reads the current time, so tests can inject one.
class Clock {
 public:
  virtual ~Clock() = default;
  // Now returns the current UTC time.
  virtual Timestamp Now() const = 0;
};

// SystemClock reads CLOCK_REALTIME.
class SystemClock final : public Clock {
 public:
  Timestamp Now() const override;
};

// FixedClock always returns the time it was given (tests, `--at`).
class FixedClock final : public Clock {
 public:
  explicit FixedClock(Timestamp t) : t_(t) {}
  Timestamp Now() const override { return t_; }
  void Set(Timestamp t) { t_ = t; }

 private:
  Timestamp t_;
};

}  // namespace signet

#endif  // SIGNET_CORE_TIME_H_
