// VerdictCache: verdicts keyed by (subject, policy digest, trust-root digest, evidence-set digest,
// evaluation-time mode), with expiry and singleflight.
//
// Rules (issue 13):
//   - An entry expires no later than the earliest max_age or exception expiry its verdict
//     depended on (the caller computes `expires`), and never later than the configured ttl.
//   - A burst for one key runs one computation; the others wait for it and share its result.
//   - Only deterministic results are stored (gate decisions, allow or deny); internal errors and
//     timeouts are handed to the waiters of that flight but never stored.
//   - Lookups without insertion (admission dryRun) leave no trace.
#ifndef SIGNET_VERIFIERD_CACHE_H_
#define SIGNET_VERIFIERD_CACHE_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "signet/core/time.h"

namespace signet::verifierd {

// CachedValue is what a computation returns to the cache.
template <typename V>
struct CachedValue {
  std::shared_ptr<const V> value;
  bool deterministic = false;  // false: never stored (errors, timeouts)
  Timestamp expires;           // the latest instant the value may be served
};

// VerdictCache<V> maps keys to shared immutable values. Thread-safe.
template <typename V>
class VerdictCache {
 public:
  // max_entries 0 disables storing (every Get computes; singleflight still applies).
  VerdictCache(size_t max_entries, std::chrono::milliseconds ttl) : max_entries_(max_entries), ttl_(ttl) {}

  // Get returns the stored value for `key` if it has not expired at `now` (a hit), else joins a
  // running computation for `key`, else runs `compute` (and stores its result when
  // deterministic and `store` is true). `hit` (optional) tells whether the value came from the
  // store. `compute` must not throw.
  std::shared_ptr<const V> Get(const std::string& key, Timestamp now, bool store,
                               const std::function<CachedValue<V>()>& compute, bool* hit = nullptr) {
    std::shared_ptr<Flight> flight;
    bool leader = false;
    {
      std::unique_lock<std::mutex> lock(mu_);
      auto it = entries_.find(key);
      if (it != entries_.end()) {
        if (now <= it->second.expires) {
          hits_.fetch_add(1, std::memory_order_relaxed);
          if (hit != nullptr) *hit = true;
          return it->second.value;
        }
        entries_.erase(it);
      }
      if (hit != nullptr) *hit = false;
      auto f = flights_.find(key);
      if (f != flights_.end()) {
        flight = f->second;
      } else {
        flight = std::make_shared<Flight>();
        flights_[key] = flight;
        leader = true;
      }
    }
    if (!leader) {
      std::unique_lock<std::mutex> lock(mu_);
      ++flight->waiters;
      flight->cv.wait(lock, [&] { return flight->done; });
      return flight->value;
    }
    CachedValue<V> result = compute();
    {
      std::lock_guard<std::mutex> lock(mu_);
      flight->value = result.value;
      flight->done = true;
      flights_.erase(key);
      const Timestamp cap = now + std::chrono::duration_cast<Timestamp::duration>(ttl_);
      const Timestamp expires = result.expires < cap ? result.expires : cap;
      if (store && result.deterministic && result.value != nullptr && max_entries_ > 0 && now < expires) {
        if (entries_.size() >= max_entries_) Evict(now);
        entries_[key] = Entry{result.value, expires};
      }
    }
    flight->cv.notify_all();
    return result.value;
  }

  // hits returns how many Gets were answered from the store.
  uint64_t hits() const { return hits_.load(std::memory_order_relaxed); }
  // Waiters returns how many callers wait for the running computation of `key` (tests
  // synchronise on it instead of sleeping).
  size_t Waiters(const std::string& key) const {
    std::lock_guard<std::mutex> lock(mu_);
    auto f = flights_.find(key);
    return f == flights_.end() ? 0 : f->second->waiters;
  }
  // size returns the number of stored entries.
  size_t size() const {
    std::lock_guard<std::mutex> lock(mu_);
    return entries_.size();
  }

 private:
  struct Entry {
    std::shared_ptr<const V> value;
    Timestamp expires;
  };
  struct Flight {
    std::condition_variable cv;
    bool done = false;
    size_t waiters = 0;
    std::shared_ptr<const V> value;
  };

  // Evict drops expired entries, then (still full) the entry that expires first.
  void Evict(Timestamp now) {
    for (auto it = entries_.begin(); it != entries_.end();) {
      it = it->second.expires < now ? entries_.erase(it) : std::next(it);
    }
    if (entries_.size() < max_entries_ || entries_.empty()) return;
    auto first = entries_.begin();
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (it->second.expires < first->second.expires) first = it;
    }
    entries_.erase(first);
  }

  const size_t max_entries_;
  const std::chrono::milliseconds ttl_;
  mutable std::mutex mu_;
  std::map<std::string, Entry> entries_;
  std::map<std::string, std::shared_ptr<Flight>> flights_;
  std::atomic<uint64_t> hits_{0};
};

}  // namespace signet::verifierd

#endif  // SIGNET_VERIFIERD_CACHE_H_
