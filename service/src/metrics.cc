// Prometheus text exposition format 0.0.4 (see signet/service/metrics.h).
#include "signet/service/metrics.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace signet::service {
namespace {

bool ValidName(std::string_view name, bool label) {
  if (name.empty()) return false;
  if (label && name.size() >= 2 && name.substr(0, 2) == "__") return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (!label && c == ':');
    bool digit = c >= '0' && c <= '9';
    if (!(alpha || (i > 0 && digit))) return false;
  }
  return true;
}

void AppendEscaped(std::string* out, std::string_view v, bool help) {
  for (char c : v) {
    if (c == '\\') {
      *out += "\\\\";
    } else if (c == '\n') {
      *out += "\\n";
    } else if (c == '"' && !help) {
      *out += "\\\"";
    } else {
      out->push_back(c);
    }
  }
}

void AppendLabels(std::string* out, const std::vector<std::string>& names,
                  const std::vector<std::string>& values, std::string_view extra_name = {},
                  std::string_view extra_value = {}) {
  if (names.empty() && extra_name.empty()) return;
  out->push_back('{');
  bool first = true;
  for (size_t i = 0; i < names.size(); ++i) {
    if (!first) out->push_back(',');
    first = false;
    *out += names[i];
    *out += "=\"";
    AppendEscaped(out, values[i], false);
    out->push_back('"');
  }
  if (!extra_name.empty()) {
    if (!first) out->push_back(',');
    *out += extra_name;
    *out += "=\"";
    AppendEscaped(out, extra_value, false);
    out->push_back('"');
  }
  out->push_back('}');
}

std::string FormatDouble(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (std::isnan(v)) return "NaN";
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.17g", v);
  // Shorter when it round-trips (0.005 rather than 0.0050000000000000001), and without an
  // exponent where a plain form exists (10 rather than 1e+01).
  for (int precision = 1; precision < 17; ++precision) {
    char shorter[64];
    std::snprintf(shorter, sizeof(shorter), "%.*g", precision, v);
    if (std::strtod(shorter, nullptr) == v && std::string_view(shorter).find('e') == std::string_view::npos) {
      return shorter;
    }
  }
  return buf;
}

void AppendHeader(std::string* out, const std::string& name, const std::string& help,
                  std::string_view type) {
  *out += "# HELP " + name + " ";
  AppendEscaped(out, help, true);
  *out += "\n# TYPE " + name + " ";
  *out += type;
  out->push_back('\n');
}

}  // namespace

const std::vector<double> kDefaultLatencyBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                    0.1,    0.25,  0.5,    1,     2.5,  5,     10};

CounterFamily::CounterFamily(std::string name, std::string help, std::vector<std::string> labels)
    : name_(std::move(name)), help_(std::move(help)), labels_(std::move(labels)) {}

void CounterFamily::Inc(const std::vector<std::string>& label_values, uint64_t n) {
  if (label_values.size() != labels_.size()) return;
  std::lock_guard<std::mutex> lock(mu_);
  series_[label_values] += n;
}

uint64_t CounterFamily::Value(const std::vector<std::string>& label_values) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = series_.find(label_values);
  return it == series_.end() ? 0 : it->second;
}

void CounterFamily::Render(std::string* out) const {
  AppendHeader(out, name_, help_, "counter");
  std::lock_guard<std::mutex> lock(mu_);
  if (series_.empty() && labels_.empty()) {
    *out += name_ + " 0\n";
    return;
  }
  for (const auto& [values, v] : series_) {
    *out += name_;
    AppendLabels(out, labels_, values);
    *out += " " + std::to_string(v) + "\n";
  }
}

HistogramFamily::HistogramFamily(std::string name, std::string help, std::vector<std::string> labels,
                                 std::vector<double> bounds)
    : name_(std::move(name)), help_(std::move(help)), labels_(std::move(labels)), bounds_(std::move(bounds)) {}

void HistogramFamily::Observe(const std::vector<std::string>& label_values, double value) {
  if (label_values.size() != labels_.size() || std::isnan(value)) return;
  std::lock_guard<std::mutex> lock(mu_);
  Series& s = series_[label_values];
  if (s.buckets.empty()) s.buckets.assign(bounds_.size(), 0);
  for (size_t i = 0; i < bounds_.size(); ++i) {
    if (value <= bounds_[i]) {
      ++s.buckets[i];
      break;
    }
  }
  s.sum += value;
  ++s.count;
}

uint64_t HistogramFamily::Count(const std::vector<std::string>& label_values) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = series_.find(label_values);
  return it == series_.end() ? 0 : it->second.count;
}

void HistogramFamily::Render(std::string* out) const {
  AppendHeader(out, name_, help_, "histogram");
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [values, s] : series_) {
    uint64_t cumulative = 0;
    for (size_t i = 0; i < bounds_.size(); ++i) {
      cumulative += s.buckets[i];
      *out += name_ + "_bucket";
      AppendLabels(out, labels_, values, "le", FormatDouble(bounds_[i]));
      *out += " " + std::to_string(cumulative) + "\n";
    }
    *out += name_ + "_bucket";
    AppendLabels(out, labels_, values, "le", "+Inf");
    *out += " " + std::to_string(s.count) + "\n";
    *out += name_ + "_sum";
    AppendLabels(out, labels_, values);
    *out += " " + FormatDouble(s.sum) + "\n";
    *out += name_ + "_count";
    AppendLabels(out, labels_, values);
    *out += " " + std::to_string(s.count) + "\n";
  }
}

Result<CounterFamily*> MetricsRegistry::AddCounter(std::string name, std::string help,
                                                   std::vector<std::string> label_names) {
  if (!ValidName(name, false)) return InvalidArgument("invalid metric name");
  for (const auto& l : label_names) {
    if (!ValidName(l, true)) return InvalidArgument("invalid label name for " + name);
  }
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& n : names_) {
    if (n == name) return InvalidArgument("metric " + name + " already exists");
  }
  names_.push_back(name);
  counters_.push_back(std::unique_ptr<CounterFamily>(
      new CounterFamily(std::move(name), std::move(help), std::move(label_names))));
  order_.emplace_back(false, counters_.size() - 1);
  return counters_.back().get();
}

Result<HistogramFamily*> MetricsRegistry::AddHistogram(std::string name, std::string help,
                                                       std::vector<std::string> label_names,
                                                       std::vector<double> bounds) {
  if (!ValidName(name, false)) return InvalidArgument("invalid metric name");
  for (const auto& l : label_names) {
    if (!ValidName(l, true) || l == "le") return InvalidArgument("invalid label name for " + name);
  }
  if (bounds.empty()) return InvalidArgument("histogram " + name + " has no buckets");
  for (size_t i = 0; i < bounds.size(); ++i) {
    if (!std::isfinite(bounds[i]) || (i > 0 && bounds[i] <= bounds[i - 1])) {
      return InvalidArgument("histogram " + name + " buckets must be finite and increasing");
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& n : names_) {
    if (n == name) return InvalidArgument("metric " + name + " already exists");
  }
  names_.push_back(name);
  histograms_.push_back(std::unique_ptr<HistogramFamily>(
      new HistogramFamily(std::move(name), std::move(help), std::move(label_names), std::move(bounds))));
  order_.emplace_back(true, histograms_.size() - 1);
  return histograms_.back().get();
}

std::string MetricsRegistry::Render() const {
  std::string out;
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [is_histogram, index] : order_) {
    if (is_histogram) {
      histograms_[index]->Render(&out);
    } else {
      counters_[index]->Render(&out);
    }
  }
  return out;
}

}  // namespace signet::service
