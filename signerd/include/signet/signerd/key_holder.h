// KeyHolder: signerd's one signing key, and its recovery when the token goes away.
//
// The key is opened through an Opener (main() binds it to the one backend factory: a new key
// store, i.e. new PKCS#11 sessions and a login, then the key looked up again). While no key is
// open, Get() fails kUnavailable at once, except that at most one caller at a time re-opens it
// once the backoff (doubling from `backoff_initial` to `backoff_max`) has passed: a token that
// comes back is used again without a restart. A caller whose signing failed on the device calls
// Broken(): the key is dropped (requests still holding it finish on their own reference) and the
// next Get() after the backoff re-opens it. An Opener failing with kPermissionDenied (a wrong or
// locked PIN) is never retried: retrying a wrong PIN would lock the token.
#ifndef SIGNET_SIGNERD_KEY_HOLDER_H_
#define SIGNET_SIGNERD_KEY_HOLDER_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "signet/core/result.h"
#include "signet/firmware_iface/signing_key.h"

namespace signet::signerd {

class KeyHolder {
 public:
  using Clock = std::chrono::steady_clock;
  // Opener returns the key; the shared_ptr keeps whatever the key needs (its store) alive.
  using Opener = std::function<Result<std::shared_ptr<fw::SigningKey>>()>;

  KeyHolder(Opener open, std::chrono::milliseconds backoff_initial = std::chrono::milliseconds(250),
            std::chrono::milliseconds backoff_max = std::chrono::milliseconds(5000));

  // Get returns the open key, or re-opens it when the backoff has passed. kUnavailable ("the
  // signing token is unavailable: ...") while there is none; kPermissionDenied after a PIN
  // refusal.
  Result<std::shared_ptr<fw::SigningKey>> Get();

  // Broken drops `key` if it is still the current one (a device error on it).
  void Broken(const std::shared_ptr<fw::SigningKey>& key, const std::string& reason);

  // RetryAfterSeconds is the Retry-After to send while unavailable (at least 1).
  uint32_t RetryAfterSeconds() const;

 private:
  const Opener open_;
  const std::chrono::milliseconds backoff_initial_, backoff_max_;
  mutable std::mutex mu_;
  std::shared_ptr<fw::SigningKey> key_;
  bool opening_ = false;
  bool pin_refused_ = false;
  Clock::time_point next_try_{};
  std::chrono::milliseconds backoff_;
  std::string reason_ = "not opened yet";
};

}  // namespace signet::signerd

#endif  // SIGNET_SIGNERD_KEY_HOLDER_H_
