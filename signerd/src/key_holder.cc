// KeyHolder (see signet/signerd/key_holder.h).
#include "signet/signerd/key_holder.h"

#include <algorithm>
#include <utility>

namespace signet::signerd {

KeyHolder::KeyHolder(Opener open, std::chrono::milliseconds backoff_initial, std::chrono::milliseconds backoff_max)
    : open_(std::move(open)), backoff_initial_(backoff_initial), backoff_max_(backoff_max), backoff_(backoff_initial) {}

Result<std::shared_ptr<fw::SigningKey>> KeyHolder::Get() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (key_) return key_;
    if (pin_refused_) return PermissionDenied("the signing token refused the PIN: " + reason_);
    if (opening_ || Clock::now() < next_try_) return Unavailable("the signing token is unavailable: " + reason_);
    opening_ = true;
  }
  // Opened outside the lock: other requests get kUnavailable at once rather than wait for it.
  Result<std::shared_ptr<fw::SigningKey>> opened = open_ ? open_() : Internal("no key opener");
  std::lock_guard<std::mutex> lock(mu_);
  opening_ = false;
  if (opened.ok() && *opened) {
    key_ = *opened;
    backoff_ = backoff_initial_;
    reason_.clear();
    return key_;
  }
  reason_ = opened.ok() ? std::string("the opener returned no key") : opened.error().message();
  if (!opened.ok() && opened.error().code() == ErrorCode::kPermissionDenied) {
    pin_refused_ = true;
    return PermissionDenied("the signing token refused the PIN: " + reason_);
  }
  next_try_ = Clock::now() + backoff_;
  backoff_ = std::min(backoff_max_, backoff_ * 2);
  return Unavailable("the signing token is unavailable: " + reason_);
}

void KeyHolder::Broken(const std::shared_ptr<fw::SigningKey>& key, const std::string& reason) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!key_ || key_ != key) return;
  key_.reset();
  reason_ = reason;
  next_try_ = Clock::now() + backoff_;
  backoff_ = std::min(backoff_max_, backoff_ * 2);
}

uint32_t KeyHolder::RetryAfterSeconds() const {
  std::lock_guard<std::mutex> lock(mu_);
  const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next_try_ - Clock::now());
  const auto ms = std::max<int64_t>(wait.count(), backoff_.count());
  return static_cast<uint32_t>(std::max<int64_t>(1, (ms + 999) / 1000));
}

}  // namespace signet::signerd
