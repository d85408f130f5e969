// Structured logs for daemons: spdlog, one JSON object per line on stderr.
//
// Every line is {"ts": RFC 3339 UTC with ms, "level": ..., "msg": ..., fields...}. Field values
// are JSON-escaped by core's writer and invalid UTF-8 is replaced with U+FFFD first, so a
// client-chosen string can never break a line or forge a field. Callers pass no secret and no
// request body. Only daemons log (the libraries below return errors).
#ifndef SIGNET_SERVICE_LOG_H_
#define SIGNET_SERVICE_LOG_H_

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "signet/core/json.h"

namespace spdlog {
class logger;
}

namespace signet::service {

// LogField is one key/value of a log line.
struct LogField {
  LogField(std::string k, std::string_view v);
  LogField(std::string k, const char* v) : LogField(std::move(k), std::string_view(v)) {}
  LogField(std::string k, const std::string& v) : LogField(std::move(k), std::string_view(v)) {}
  LogField(std::string k, int64_t v);
  LogField(std::string k, int v) : LogField(std::move(k), static_cast<int64_t>(v)) {}
  LogField(std::string k, uint64_t v);
  LogField(std::string k, double v);
  LogField(std::string k, bool v);
  LogField(std::string k, const std::vector<std::string>& v);

  std::string key;
  JsonValue value;
};

// SanitizeUtf8 returns `s` with every invalid UTF-8 sequence replaced by U+FFFD.
std::string SanitizeUtf8(std::string_view s);

// Logger writes JSON lines. Thread-safe. No global state: each daemon owns one.
class Logger {
 public:
  // Stderr returns a logger writing to standard error (spdlog's mutex-protected stderr sink).
  static std::unique_ptr<Logger> Stderr(std::string name);
  // ToFunction returns a logger handing each finished line (without newline) to `sink`; tests
  // use it to read what would be logged.
  static std::unique_ptr<Logger> ToFunction(std::string name,
                                            std::function<void(std::string_view)> sink);
  ~Logger();
  Logger(const Logger&) = delete;
  Logger& operator=(const Logger&) = delete;

  void Info(std::string_view msg, std::initializer_list<LogField> fields = {});
  void Warn(std::string_view msg, std::initializer_list<LogField> fields = {});
  void Error(std::string_view msg, std::initializer_list<LogField> fields = {});
  // Log is the general form; `fields` may be built up at run time.
  enum class Level { kInfo, kWarn, kError };
  void Log(Level level, std::string_view msg, const std::vector<LogField>& fields);

 private:
  explicit Logger(std::shared_ptr<spdlog::logger> impl);
  std::shared_ptr<spdlog::logger> impl_;
};

}  // namespace signet::service

#endif  // SIGNET_SERVICE_LOG_H_
