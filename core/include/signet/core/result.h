// Result<T> and Error: the error model every Signet library uses (STYLE.md §2).
//
// Shaped like absl::StatusOr. Libraries return Result<T>; they never throw across a module
// boundary and never log. Error carries a canonical code, a message, the domain that produced it
// (e.g. "pkcs11", "openssl", "tss2") and that domain's native code. Verification failures carry
// a stable finding code (e.g. "SIGNATURE_INVALID") and a fixed message.
#ifndef SIGNET_CORE_RESULT_H_
#define SIGNET_CORE_RESULT_H_

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace signet {

// ErrorCode is the canonical error space. kVerificationFailed is Signet's addition: the input was
// well-formed but did not verify (a refusal, not a malfunction).
enum class ErrorCode {
  kOk = 0,
  kInvalidArgument,     // malformed input or usage
  kNotFound,
  kAlreadyExists,
  kPermissionDenied,
  kFailedPrecondition,
  kResourceExhausted,
  kUnavailable,         // hardware gone or busy; retrying later may work
  kUnimplemented,
  kInternal,
  kDataLoss,
  kVerificationFailed,
};

// ErrorCodeName returns the stable upper-case name of `code`.
std::string_view ErrorCodeName(ErrorCode code);

// Error describes why an operation failed. It never holds secrets.
class Error {
 public:
  Error(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  const std::string& domain() const { return domain_; }
  int64_t native_code() const { return native_code_; }
  // finding() is the stable finding code of a verification refusal, or empty.
  const std::string& finding() const { return finding_; }

  Error&& WithDomain(std::string domain, int64_t native_code) && {
    domain_ = std::move(domain);
    native_code_ = native_code;
    return std::move(*this);
  }
  Error&& WithFinding(std::string finding) && {
    finding_ = std::move(finding);
    return std::move(*this);
  }
  // Prefix adds context in front of the message ("loading policy: ...").
  Error&& Prefix(std::string_view context) && {
    message_ = std::string(context) + ": " + message_;
    return std::move(*this);
  }

  // ToString renders "CODE: message [domain 0x..]" for logs and CLI output.
  std::string ToString() const;

 private:
  ErrorCode code_;
  std::string message_;
  std::string domain_;
  int64_t native_code_ = 0;
  std::string finding_;
};

// Convenience constructors.
Error InvalidArgument(std::string message);
Error NotFound(std::string message);
Error AlreadyExists(std::string message);
Error PermissionDenied(std::string message);
Error FailedPrecondition(std::string message);
Error ResourceExhausted(std::string message);
Error Unavailable(std::string message);
Error Unimplemented(std::string message);
Error Internal(std::string message);
Error DataLoss(std::string message);
// VerificationFailed builds a refusal with a stable finding code and fixed message.
Error VerificationFailed(std::string finding, std::string message);

// Result<T> holds either a T or an Error. Accessing the value of an error Result aborts: that is
// a programming error, and it stays checked in release builds.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  const T& value() const& { Check(); return std::get<0>(v_); }
  T& value() & { Check(); return std::get<0>(v_); }
  T&& value() && { Check(); return std::get<0>(std::move(v_)); }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

  const Error& error() const& {
    if (ok()) std::abort();
    return std::get<1>(v_);
  }
  Error&& error() && {
    if (ok()) std::abort();
    return std::get<1>(std::move(v_));
  }

 private:
  void Check() const {
    if (!ok()) std::abort();
  }
  std::variant<T, Error> v_;
};

// Result<void> ("Status"): success or an Error.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const& {
    if (ok_) std::abort();
    return error_;
  }
  Error&& error() && {
    if (ok_) std::abort();
    return std::move(error_);
  }

 private:
  Error error_{ErrorCode::kOk, ""};
  bool ok_ = true;
};

using Status = Result<void>;

// OkStatus returns a successful Status.
inline Status OkStatus() { return Status(); }

}  // namespace signet

#define SIGNET_CONCAT_INNER_(a, b) a##b
#define SIGNET_CONCAT_(a, b) SIGNET_CONCAT_INNER_(a, b)

// SIGNET_RETURN_IF_ERROR(expr): evaluates a Status/Result expression and returns its Error.
#define SIGNET_RETURN_IF_ERROR(expr)                           \
  do {                                                         \
    auto&& signet_status_ = (expr);                            \
    if (!signet_status_.ok()) return std::move(signet_status_).error(); \
  } while (false)

// SIGNET_ASSIGN_OR_RETURN(lhs, expr): `lhs = value of expr`, or return its Error.
#define SIGNET_ASSIGN_OR_RETURN(lhs, expr) \
  SIGNET_ASSIGN_OR_RETURN_IMPL_(SIGNET_CONCAT_(signet_result_, __LINE__), lhs, expr)
#define SIGNET_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                  \
  if (!tmp.ok()) return std::move(tmp).error();       \
  lhs = std::move(tmp).value()

#endif  // SIGNET_CORE_RESULT_H_
