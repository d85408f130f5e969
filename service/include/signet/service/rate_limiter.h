// RateLimiter: a per-key token bucket, e.g. limits.requests_per_minute_per_caller in signerd.
//
// Each key (a caller's configured name: a bounded set chosen by the operator, never a value a
// client can invent) has a bucket of `per_minute` tokens that refills evenly, one token every
// 60/per_minute seconds. A request takes one token; with none left it is refused and told how
// many whole seconds until the next token (Retry-After). per_minute 0 = unlimited. Time is a
// monotonic clock passed in, so tests need no sleeping. Thread-safe.
#ifndef SIGNET_SERVICE_RATE_LIMITER_H_
#define SIGNET_SERVICE_RATE_LIMITER_H_

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace signet::service {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  explicit RateLimiter(uint32_t per_minute) : per_minute_(per_minute) {}

  // Admit takes one token from `key`'s bucket at `now`: true when there was one. On false,
  // *retry_after_seconds (when not null) is the whole number of seconds (at least 1) after which
  // a token will be there.
  bool Admit(std::string_view key, Clock::time_point now, uint32_t* retry_after_seconds = nullptr);
  // Admit at Clock::now().
  bool Admit(std::string_view key, uint32_t* retry_after_seconds = nullptr) {
    return Admit(key, Clock::now(), retry_after_seconds);
  }

  uint32_t per_minute() const { return per_minute_; }

 private:
  struct Bucket {
    double tokens = 0;
    Clock::time_point last;
  };
  const uint32_t per_minute_;
  std::mutex mu_;
  std::map<std::string, Bucket, std::less<>> buckets_;
};

}  // namespace signet::service

#endif  // SIGNET_SERVICE_RATE_LIMITER_H_
