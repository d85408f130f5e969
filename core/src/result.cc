#include "signet/core/result.h"

#include <cstdio>

namespace signet {

std::string_view ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk: return "OK";
    case ErrorCode::kInvalidArgument: return "INVALID_ARGUMENT";
    case ErrorCode::kNotFound: return "NOT_FOUND";
    case ErrorCode::kAlreadyExists: return "ALREADY_EXISTS";
    case ErrorCode::kPermissionDenied: return "PERMISSION_DENIED";
    case ErrorCode::kFailedPrecondition: return "FAILED_PRECONDITION";
    case ErrorCode::kResourceExhausted: return "RESOURCE_EXHAUSTED";
    case ErrorCode::kUnavailable: return "UNAVAILABLE";
    case ErrorCode::kUnimplemented: return "UNIMPLEMENTED";
    case ErrorCode::kInternal: return "INTERNAL";
    case ErrorCode::kDataLoss: return "DATA_LOSS";
    case ErrorCode::kVerificationFailed: return "VERIFICATION_FAILED";
  }
  return "UNKNOWN";
}

std::string Error::ToString() const {
  std::string out(ErrorCodeName(code_));
  if (!finding_.empty()) out += " " + finding_;
  out += ": " + message_;
  if (!domain_.empty()) {
    char buf[32];
    std::snprintf(buf, sizeof buf, " 0x%llx", static_cast<unsigned long long>(native_code_));
    out += " [" + domain_ + buf + "]";
  }
  return out;
}

Error InvalidArgument(std::string m) { return Error(ErrorCode::kInvalidArgument, std::move(m)); }
Error NotFound(std::string m) { return Error(ErrorCode::kNotFound, std::move(m)); }
Error AlreadyExists(std::string m) { return Error(ErrorCode::kAlreadyExists, std::move(m)); }
Error PermissionDenied(std::string m) { return Error(ErrorCode::kPermissionDenied, std::move(m)); }
Error FailedPrecondition(std::string m) { return Error(ErrorCode::kFailedPrecondition, std::move(m)); }
Error ResourceExhausted(std::string m) { return Error(ErrorCode::kResourceExhausted, std::move(m)); }
Error Unavailable(std::string m) { return Error(ErrorCode::kUnavailable, std::move(m)); }
Error Unimplemented(std::string m) { return Error(ErrorCode::kUnimplemented, std::move(m)); }
Error Internal(std::string m) { return Error(ErrorCode::kInternal, std::move(m)); }
Error DataLoss(std::string m) { return Error(ErrorCode::kDataLoss, std::move(m)); }
Error VerificationFailed(std::string finding, std::string m) {
  return Error(ErrorCode::kVerificationFailed, std::move(m)).WithFinding(std::move(finding));
}

}  // namespace signet
