// The socket-free half of the HTTP layer: decoded requests, responses, the error table, routes
// and the router. Handlers are plain functions from a Request to a Response (or an Error), so a
// daemon's routes are unit-tested without a socket (STYLE.md §9).
#ifndef SIGNET_SERVICE_HTTP_H_
#define SIGNET_SERVICE_HTTP_H_

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "signet/core/result.h"
#include "signet/service/config.h"

namespace signet::service {

// kJsonContentType is the media type every API route speaks.
inline constexpr std::string_view kJsonContentType = "application/json";

// Request is one decoded HTTP request, as a handler sees it.
struct Request {
  std::string method;          // "GET", "POST", ... (case as received; methods are case-sensitive)
  std::string path;            // origin-form path without the query, e.g. "/v1/verify"
  std::string query;           // the text after '?', without it ("" when absent)
  std::string content_type;    // media type only, lower-cased, parameters dropped ("" when absent)
  std::string body;            // at most Limits::max_body bytes
  std::string request_id;      // the client's valid X-Request-Id, else a generated one
  std::string peer;            // "IP:PORT" of the client ("" when not from a socket)
  std::string client_subject;  // RFC 2253 subject of the verified client certificate (mTLS), or ""
  // client_sans: the DNS and URI subjectAltNames of the verified client certificate, as written
  // in it (only printable ASCII names; others are left out, so they can never match).
  std::vector<std::string> client_sans;
  // channel_binding: lower-case hex SHA-256 of the DER SubjectPublicKeyInfo of the server's
  // leaf certificate that served this connection (64 characters; "" when not from a socket).
  // Computed once per handshake: after ReloadTls, only new connections carry the new key's.
  std::string channel_binding;
};

// LogFields are what a handler adds to its request's one log line. They must hold no secret.
struct LogFields {
  std::string digest;                 // "sha256:HEX" the request was about, or ""
  std::string verdict;                // e.g. "allow", "deny", "audit", or ""
  std::vector<std::string> findings;  // finding codes
};

// Response is what a handler returns. Server adds Content-Length, X-Request-Id and the
// hardening headers (Cache-Control: no-store, X-Content-Type-Options: nosniff).
struct Response {
  int status = 200;
  std::string content_type = std::string(kJsonContentType);
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers (no CR/LF in them)
  LogFields log;

  // Json builds a response with `status` and an application/json `body`.
  static Response Json(int status, std::string body);
  // Text builds a text/plain; charset=utf-8 response.
  static Response Text(int status, std::string body);
};

// ErrorResponse builds the one error body shape, the proto message signet.service.v1.ErrorBody
// printed with every field: {"code": CODE, "message": MESSAGE}. `message` must hold no secret;
// invalid UTF-8 in it is replaced.
Response ErrorResponse(int status, std::string_view code, std::string_view message);

// HttpStatusFor is the one table from Error codes to HTTP statuses:
//   kInvalidArgument 400, kPermissionDenied 403, kNotFound 404, kAlreadyExists 409,
//   kVerificationFailed 422, kResourceExhausted 429, kUnimplemented 501,
//   kUnavailable and kFailedPrecondition 503 (hardware/state missing), everything else 500.
int HttpStatusFor(ErrorCode code);

// ErrorResponseFor renders `error` with HttpStatusFor: code = error.finding() when set, else the
// ErrorCodeName. A 500's message is replaced by a fixed "internal error" (no internals leak);
// other messages are passed through (library messages hold no secrets by rule).
Response ErrorResponseFor(const Error& error);

// The server's own error codes (the `code` of the body) for protocol-level refusals.
inline constexpr std::string_view kCodeMalformed = "MALFORMED_REQUEST";          // 400
inline constexpr std::string_view kCodeNotFound = "NOT_FOUND";                   // 404
inline constexpr std::string_view kCodeMethodNotAllowed = "METHOD_NOT_ALLOWED";  // 405
inline constexpr std::string_view kCodeBodyTooLarge = "BODY_TOO_LARGE";          // 413
inline constexpr std::string_view kCodeUnsupportedMedia = "UNSUPPORTED_MEDIA_TYPE";  // 415
inline constexpr std::string_view kCodeHeaderTooLarge = "HEADER_TOO_LARGE";      // 431
inline constexpr std::string_view kCodeNotReady = "NOT_READY";                   // 503
inline constexpr std::string_view kCodeInternal = "INTERNAL";                    // 500

// Handler answers one request. It runs on a worker thread, never on an IO thread; it must be
// thread-safe (read daemon state through a StateSnapshot). A returned Error is rendered with
// ErrorResponseFor. A thrown exception is caught by the router and becomes a 500.
using Handler = std::function<Result<Response>(const Request&)>;

// Route binds one method and one exact path to a handler.
struct Route {
  std::string method;        // "GET" / "POST"
  std::string path;          // exact match, e.g. "/v1/verify"
  // content_type: the media type a request body must have (e.g. kJsonContentType), or "" for a
  // route that takes no body (then any Content-Type is ignored). Others get 415.
  std::string content_type;
  Handler handler;
};

// Router maps method + exact path to a handler. Add routes before the server starts; the
// router is then read-only and safe to share between threads.
class Router {
 public:
  // Add registers `route`. kInvalidArgument for an empty method, a path not starting with '/',
  // a null handler, or a method+path that is already registered.
  Status Add(Route route);

  // Dispatch answers `request`: 404 for an unknown path, 405 (with Allow) for a known path with
  // another method, 415 for a body route whose Content-Type differs, else the handler's
  // response (its Error rendered by ErrorResponseFor; an exception becomes 500). It never
  // throws. `route_label`, when given, receives the label for logs and metrics: the route's
  // path, or "unmatched" for a 404 (so client-chosen paths never become label values).
  Response Dispatch(const Request& request, std::string* route_label = nullptr) const;

  // Paths returns the registered paths (sorted, unique).
  std::vector<std::string> Paths() const;

 private:
  // path -> method -> route
  std::map<std::string, std::map<std::string, Route>, std::less<>> routes_;
};

// kUnmatchedRoute is the route label of a request that matched no path.
inline constexpr std::string_view kUnmatchedRoute = "unmatched";

// IsValidRequestId accepts a client X-Request-Id: 1..64 characters of [A-Za-z0-9._-].
bool IsValidRequestId(std::string_view id);

// NewRequestId returns a fresh random request id (32 lower-case hex characters).
std::string NewRequestId();

// ParsedRequest is the outcome of ParseRawRequest: either `request` (status 0) or the HTTP
// status the server answers with before any handler runs (400, 413 or 431), with `error_code`
// one of the kCode* names.
struct ParsedRequest {
  int status = 0;
  std::string error_code;
  Request request;
  bool keep_alive = false;
};

// ParseRawRequest decodes one complete HTTP/1.1 request from `bytes` with the same parser
// configuration and the same checks as Server (header size, body size from Content-Length and
// while reading chunks, origin-form target, request id). Incomplete input is 400. Socket-free:
// the fuzz target tests/fuzz/http_request_fuzz.cc drives it.
ParsedRequest ParseRawRequest(std::string_view bytes, const Limits& limits);

}  // namespace signet::service

#endif  // SIGNET_SERVICE_HTTP_H_
