// A per-daemon metrics registry rendered in the Prometheus text exposition format 0.0.4.
//
// No global registry: each daemon owns one MetricsRegistry and hands it to its Server (which
// records <name>_requests_total{route,code} and <name>_request_duration_seconds{route}) and to
// its own code (e.g. verifierd_cache_hits_total). Families are created up front; recording is
// thread-safe and lock-light. Label values are escaped (\\, \", \n) on output.
#ifndef SIGNET_SERVICE_METRICS_H_
#define SIGNET_SERVICE_METRICS_H_

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "signet/core/result.h"

namespace signet::service {

// CounterFamily is a monotonically increasing counter per label-value tuple.
class CounterFamily {
 public:
  // Inc adds `n` to the series `label_values` (one value per label name, in order; a wrong
  // count is ignored rather than recorded under a wrong series).
  void Inc(const std::vector<std::string>& label_values, uint64_t n = 1);
  // Value returns the series' current value (0 when never incremented).
  uint64_t Value(const std::vector<std::string>& label_values) const;

 private:
  friend class MetricsRegistry;
  CounterFamily(std::string name, std::string help, std::vector<std::string> labels);
  void Render(std::string* out) const;

  std::string name_, help_;
  std::vector<std::string> labels_;
  mutable std::mutex mu_;
  std::map<std::vector<std::string>, uint64_t> series_;
};

// HistogramFamily counts observations into fixed cumulative buckets per label-value tuple and
// renders _bucket{le=...}, _sum and _count.
class HistogramFamily {
 public:
  // Observe records `value` in the series `label_values` (wrong count: ignored).
  void Observe(const std::vector<std::string>& label_values, double value);
  // Count returns how many observations the series holds.
  uint64_t Count(const std::vector<std::string>& label_values) const;

 private:
  friend class MetricsRegistry;
  HistogramFamily(std::string name, std::string help, std::vector<std::string> labels,
                  std::vector<double> bounds);
  void Render(std::string* out) const;

  struct Series {
    std::vector<uint64_t> buckets;  // per bound, not cumulative; +Inf is `count`
    double sum = 0;
    uint64_t count = 0;
  };
  std::string name_, help_;
  std::vector<std::string> labels_;
  std::vector<double> bounds_;
  mutable std::mutex mu_;
  std::map<std::vector<std::string>, Series> series_;
};

// kDefaultLatencyBuckets suits request latencies in seconds (0.5 ms .. 10 s).
extern const std::vector<double> kDefaultLatencyBuckets;

// MetricsRegistry owns metric families; pointers it returns live as long as the registry.
class MetricsRegistry {
 public:
  // AddCounter creates a counter family. kInvalidArgument for a name or label name that is not
  // [a-zA-Z_:][a-zA-Z0-9_:]* (labels: no ':' and no "__" prefix), or a name already taken.
  Result<CounterFamily*> AddCounter(std::string name, std::string help,
                                    std::vector<std::string> label_names = {});
  // AddHistogram creates a histogram family; `bounds` must be finite and strictly increasing
  // ("le" is a reserved label name).
  Result<HistogramFamily*> AddHistogram(std::string name, std::string help,
                                        std::vector<std::string> label_names = {},
                                        std::vector<double> bounds = kDefaultLatencyBuckets);

  // Render returns every family in text format 0.0.4 (# HELP, # TYPE, samples), in the order
  // the families were added.
  std::string Render() const;

 private:
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<CounterFamily>> counters_;
  std::vector<std::unique_ptr<HistogramFamily>> histograms_;
  std::vector<std::pair<bool, size_t>> order_;  // (is_histogram, index)
  std::vector<std::string> names_;
};

// kPrometheusContentType is the Content-Type of GET /metrics.
inline constexpr std::string_view kPrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace signet::service

#endif  // SIGNET_SERVICE_METRICS_H_
