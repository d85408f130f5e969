// RateLimiter (see signet/service/rate_limiter.h).
#include "signet/service/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace signet::service {

bool RateLimiter::Admit(std::string_view key, Clock::time_point now, uint32_t* retry_after_seconds) {
  if (per_minute_ == 0) return true;
  const double capacity = static_cast<double>(per_minute_);
  const double per_second = capacity / 60.0;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = buckets_.find(key);
  if (it == buckets_.end()) it = buckets_.emplace(std::string(key), Bucket{capacity, now}).first;
  Bucket& b = it->second;
  if (now > b.last) {
    const double elapsed = std::chrono::duration<double>(now - b.last).count();
    b.tokens = std::min(capacity, b.tokens + elapsed * per_second);
    b.last = now;
  }
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return true;
  }
  if (retry_after_seconds != nullptr) {
    const double wait = (1.0 - b.tokens) / per_second;
    *retry_after_seconds = static_cast<uint32_t>(std::max(1.0, std::ceil(wait)));
  }
  return false;
}

}  // namespace signet::service
