// Responses, the error table, the router, request ids and the socket-free request decoder.
#include "signet/service/http.h"

#include <openssl/rand.h>

#include <boost/asio/buffer.hpp>
#include <exception>
#include <string>

#include "request_decode.h"
#include "service/proto/error.pb.h"
#include "signet/core/encoding.h"
#include "signet/service/log.h"
#include "signet/service/proto_json.h"
#include "util.h"

namespace signet::service {

namespace http = boost::beast::http;

Response Response::Json(int status, std::string body) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

Response Response::Text(int status, std::string body) {
  Response r;
  r.status = status;
  r.content_type = "text/plain; charset=utf-8";
  r.body = std::move(body);
  return r;
}

Response ErrorResponse(int status, std::string_view code, std::string_view message) {
  v1::ErrorBody body;
  body.set_code(SanitizeUtf8(code));
  body.set_message(SanitizeUtf8(message));
  Result<std::string> text = PrintProtoJson(body);
  // The fields are valid UTF-8 by construction, so printing cannot fail; if protobuf ever
  // disagrees, a fixed body still says what happened.
  Response r = Response::Json(
      status, text.ok() ? std::move(*text) : std::string(R"({"code":"INTERNAL","message":"internal error"})"));
  r.log.findings.push_back(std::string(code));
  return r;
}

int HttpStatusFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return 400;
    case ErrorCode::kPermissionDenied: return 403;
    case ErrorCode::kNotFound: return 404;
    case ErrorCode::kAlreadyExists: return 409;
    case ErrorCode::kVerificationFailed: return 422;
    case ErrorCode::kResourceExhausted: return 429;
    case ErrorCode::kUnimplemented: return 501;
    case ErrorCode::kUnavailable:
    case ErrorCode::kFailedPrecondition: return 503;
    case ErrorCode::kOk:
    case ErrorCode::kInternal:
    case ErrorCode::kDataLoss: return 500;
  }
  return 500;
}

Response ErrorResponseFor(const Error& error) {
  int status = HttpStatusFor(error.code());
  std::string code = error.finding().empty() ? std::string(ErrorCodeName(error.code())) : error.finding();
  if (status == 500) return ErrorResponse(500, kCodeInternal, "internal error");
  return ErrorResponse(status, code, error.message());
}

Status Router::Add(Route route) {
  if (route.method.empty()) return InvalidArgument("route has no method");
  for (char c : route.method) {
    if (c < 'A' || c > 'Z') return InvalidArgument("route method must be upper-case letters");
  }
  if (route.path.empty() || route.path.front() != '/') {
    return InvalidArgument("route path must start with '/'");
  }
  if (!route.handler) return InvalidArgument("route " + route.path + " has no handler");
  auto& methods = routes_[route.path];
  if (methods.count(route.method) != 0) {
    return InvalidArgument("route " + route.method + " " + route.path + " is already registered");
  }
  std::string method = route.method;
  methods.emplace(std::move(method), std::move(route));
  return OkStatus();
}

Response Router::Dispatch(const Request& request, std::string* route_label) const {
  auto path_it = routes_.find(request.path);
  if (path_it == routes_.end()) {
    if (route_label != nullptr) *route_label = std::string(kUnmatchedRoute);
    return ErrorResponse(404, kCodeNotFound, "no such route");
  }
  if (route_label != nullptr) *route_label = path_it->first;
  auto method_it = path_it->second.find(request.method);
  if (method_it == path_it->second.end()) {
    std::string allow;
    for (const auto& [m, unused] : path_it->second) {
      if (!allow.empty()) allow += ", ";
      allow += m;
    }
    Response r = ErrorResponse(405, kCodeMethodNotAllowed, "method not allowed; allowed: " + allow);
    r.headers.emplace_back("Allow", allow);
    return r;
  }
  const Route& route = method_it->second;
  if (!route.content_type.empty() && request.content_type != route.content_type) {
    return ErrorResponse(415, kCodeUnsupportedMedia, "Content-Type must be " + route.content_type);
  }
  try {
    Result<Response> r = route.handler(request);
    if (!r.ok()) return ErrorResponseFor(r.error());
    return std::move(*r);
  } catch (...) {
    // A handler must not throw; if one does (std::bad_alloc), fail closed with a 500.
    return ErrorResponse(500, kCodeInternal, "internal error");
  }
}

std::vector<std::string> Router::Paths() const {
  std::vector<std::string> out;
  for (const auto& [path, unused] : routes_) out.push_back(path);
  return out;
}

bool IsValidRequestId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string NewRequestId() {
  unsigned char raw[16] = {};
  if (RAND_bytes(raw, sizeof(raw)) != 1) {
    // The DRBG failing is not something to serve through; no id would be unique.
    std::abort();
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(32);
  for (unsigned char b : raw) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0xf]);
  }
  return out;
}

namespace internal {

void ConfigureParser(RequestParser& parser, const Limits& limits) {
  parser.header_limit(static_cast<std::uint32_t>(
      std::min<size_t>(limits.max_header, std::numeric_limits<std::uint32_t>::max())));
  parser.body_limit(static_cast<std::uint64_t>(limits.max_body));
}

int StatusForParseError(const boost::beast::error_code& ec, std::string_view* code) {
  if (ec == http::error::header_limit) {
    *code = kCodeHeaderTooLarge;
    return 431;
  }
  if (ec == http::error::body_limit) {
    *code = kCodeBodyTooLarge;
    return 413;
  }
  *code = kCodeMalformed;
  return 400;
}

bool BodyTooLarge(const RequestParser& parser, const Limits& limits) {
  auto len = parser.content_length();
  return len.has_value() && *len > limits.max_body;
}

void DecodeRequest(const BeastRequest& message, ParsedRequest* out) {
  Request& r = out->request;
  out->status = 0;
  out->error_code.clear();
  r.method = std::string(message.method_string());
  std::string_view target = message.target();
  // Only origin-form targets ("/path?query"): no absolute-form, authority-form or "*".
  if (target.empty() || target.front() != '/' || (message.version() != 11 && message.version() != 10)) {
    out->status = 400;
    out->error_code = std::string(kCodeMalformed);
    return;
  }
  size_t q = target.find('?');
  r.path = std::string(target.substr(0, q));
  r.query = q == std::string_view::npos ? std::string() : std::string(target.substr(q + 1));
  auto ct = message.find(http::field::content_type);
  if (ct != message.end()) {
    std::string_view v = ct->value();
    v = v.substr(0, v.find(';'));
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
    r.content_type = AsciiLower(v);
  }
  auto rid = message.find("X-Request-Id");
  if (rid != message.end() && IsValidRequestId(rid->value())) {
    r.request_id = std::string(rid->value());
  } else {
    r.request_id = NewRequestId();
  }
  r.body = message.body();
  out->keep_alive = message.keep_alive();
}

}  // namespace internal

ParsedRequest ParseRawRequest(std::string_view bytes, const Limits& limits) {
  ParsedRequest out;
  internal::RequestParser parser;
  internal::ConfigureParser(parser, limits);
  parser.eager(true);
  boost::beast::error_code ec;
  std::string_view rest = bytes;
  while (!parser.is_done()) {
    if (rest.empty()) {
      ec = http::error::partial_message;
      break;
    }
    size_t used = parser.put(boost::asio::buffer(rest.data(), rest.size()), ec);
    rest.remove_prefix(used);
    if (ec == http::error::need_more) {
      if (used == 0) {
        ec = http::error::partial_message;
        break;
      }
      ec = {};
      continue;
    }
    if (ec) break;
    if (parser.is_header_done() && !parser.is_done() && internal::BodyTooLarge(parser, limits)) {
      ec = http::error::body_limit;
      break;
    }
  }
  if (ec) {
    std::string_view code;
    out.status = internal::StatusForParseError(ec, &code);
    out.error_code = std::string(code);
    return out;
  }
  internal::DecodeRequest(parser.get(), &out);
  return out;
}

}  // namespace signet::service
