// JSON-lines logging over spdlog (see signet/service/log.h).
#include "signet/service/log.h"

#include <spdlog/logger.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <cmath>
#include <cstdio>
#include <mutex>

namespace signet::service {
namespace {

// FunctionSink hands each formatted line to a callback (tests).
class FunctionSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit FunctionSink(std::function<void(std::string_view)> fn) : fn_(std::move(fn)) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t formatted;
    formatter_->format(msg, formatted);
    std::string_view line(formatted.data(), formatted.size());
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
    fn_(line);
  }
  void flush_() override {}

 private:
  std::function<void(std::string_view)> fn_;
};

std::shared_ptr<spdlog::logger> MakeLogger(std::string name, spdlog::sink_ptr sink) {
  auto logger = std::make_shared<spdlog::logger>(std::move(name), std::move(sink));
  // ts and level come from spdlog; %v is the rest of the object, already JSON (see Log()).
  logger->set_formatter(std::make_unique<spdlog::pattern_formatter>(
      R"({"ts":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l",%v})", spdlog::pattern_time_type::utc));
  logger->set_level(spdlog::level::info);
  logger->flush_on(spdlog::level::info);  // one line per request, visible at once (tests, journald)
  return logger;
}

}  // namespace

std::string SanitizeUtf8(std::string_view s) {
  if (ValidateUtf8(s)) return std::string(s);
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    // Take the longest prefix (1..4 bytes) that is one valid code point.
    size_t len = 0;
    for (size_t n = 1; n <= 4 && i + n <= s.size(); ++n) {
      if (ValidateUtf8(s.substr(i, n))) {
        len = n;
        break;
      }
    }
    if (len == 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD
      ++i;
    } else {
      out.append(s.substr(i, len));
      i += len;
    }
  }
  return out;
}

LogField::LogField(std::string k, std::string_view v)
    : key(std::move(k)), value(JsonValue::String(SanitizeUtf8(v))) {}
LogField::LogField(std::string k, int64_t v) : key(std::move(k)), value(JsonValue::Int(v)) {}
LogField::LogField(std::string k, uint64_t v) : key(std::move(k)), value(JsonValue::Uint(v)) {}
LogField::LogField(std::string k, bool v) : key(std::move(k)), value(JsonValue::Bool(v)) {}
LogField::LogField(std::string k, double v) : key(std::move(k)) {
  if (std::isfinite(v)) {
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%.3f", v);
    value = JsonValue::NumberText(buf);
  }
}
LogField::LogField(std::string k, const std::vector<std::string>& v) : key(std::move(k)) {
  JsonValue::Array items;
  items.reserve(v.size());
  for (const auto& s : v) items.push_back(JsonValue::String(SanitizeUtf8(s)));
  value = JsonValue::MakeArray(std::move(items));
}

std::unique_ptr<Logger> Logger::Stderr(std::string name) {
  return std::unique_ptr<Logger>(
      new Logger(MakeLogger(std::move(name), std::make_shared<spdlog::sinks::stderr_sink_mt>())));
}

std::unique_ptr<Logger> Logger::ToFunction(std::string name, std::function<void(std::string_view)> sink) {
  return std::unique_ptr<Logger>(
      new Logger(MakeLogger(std::move(name), std::make_shared<FunctionSink>(std::move(sink)))));
}

Logger::Logger(std::shared_ptr<spdlog::logger> impl) : impl_(std::move(impl)) {}
Logger::~Logger() = default;

void Logger::Info(std::string_view msg, std::initializer_list<LogField> fields) {
  Log(Level::kInfo, msg, std::vector<LogField>(fields));
}
void Logger::Warn(std::string_view msg, std::initializer_list<LogField> fields) {
  Log(Level::kWarn, msg, std::vector<LogField>(fields));
}
void Logger::Error(std::string_view msg, std::initializer_list<LogField> fields) {
  Log(Level::kError, msg, std::vector<LogField>(fields));
}

void Logger::Log(Level level, std::string_view msg, const std::vector<LogField>& fields) {
  JsonValue::Object members;
  members.reserve(fields.size() + 1);
  members.emplace_back("msg", JsonValue::String(SanitizeUtf8(msg)));
  for (const auto& f : fields) {
    if (f.key == "ts" || f.key == "level" || f.key == "msg") continue;  // never shadow the frame
    members.emplace_back(SanitizeUtf8(f.key), f.value);
  }
  std::string body = WriteJson(JsonValue::MakeObject(std::move(members)));
  // WriteJson gives "{...}"; the formatter supplies the braces around ts, level and this.
  std::string_view inner(body);
  inner = inner.substr(1, inner.size() - 2);
  spdlog::level::level_enum lvl = level == Level::kInfo   ? spdlog::level::info
                                  : level == Level::kWarn ? spdlog::level::warn
                                                          : spdlog::level::err;
  impl_->log(lvl, spdlog::string_view_t(inner.data(), inner.size()));
}

}  // namespace signet::service
