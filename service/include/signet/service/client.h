// The HTTPS client every Signet front end shares (`signet sign --signerd`, `signet attest verify
// --url`, the benchmarks): Boost.Beast over OpenSSL 3, the same stack as the server.
//
// It speaks HTTP/1.1 over TLS 1.2/1.3 only, to one origin, on one kept-alive connection. The server
// must present a certificate that chains to `ca_file` (and, when asked, the system store) and
// names the URL's host (a DNS name or an IP literal, RFC 6125 via X509_VERIFY_PARAM); anything else
// fails the handshake. A client certificate is sent when configured (mTLS). Every connect, write and
// read is bounded by `timeout`, and a response body by `max_response_body`.
//
// channel_binding() is the SHA-256 of the SubjectPublicKeyInfo of the leaf certificate the server
// presented on the connection that carried the last response: the value an attestation client
// compares with the one the evidence is bound to (issue 14), computed from the connection actually
// used, never from a file.
//
// No exception crosses this interface. Errors: kInvalidArgument for a bad URL or unreadable TLS
// files (naming the file, never its content), kUnavailable for connect/IO/timeout failures and
// refused handshakes (the message says why: "certificate verify failed", "hostname mismatch"),
// kResourceExhausted for a response over the limits. A response with any HTTP status is a result,
// not an error: the caller decides what a 4xx/5xx means.
#ifndef SIGNET_SERVICE_CLIENT_H_
#define SIGNET_SERVICE_CLIENT_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "signet/core/result.h"

namespace signet::service {

// HttpsUrl is an https URL split for the client: https://HOST[:PORT][/BASE].
struct HttpsUrl {
  std::string host;       // DNS name or IP literal (IPv6 without brackets)
  uint16_t port = 443;
  std::string base_path;  // "" or "/prefix" (no trailing '/'), prepended to every request path

  bool operator==(const HttpsUrl&) const = default;
};

// ParseHttpsUrl reads "https://host[:port][/base]". Refused (kInvalidArgument): another scheme,
// userinfo, a query or fragment, an empty host, a port outside 1..65535, control characters or
// spaces. The message never quotes the URL (it may carry a token).
Result<HttpsUrl> ParseHttpsUrl(std::string_view url);

// ClientOptions configures a client. Paths are used as given.
struct ClientOptions {
  std::string ca_file;            // PEM bundle the server's chain must reach; may be empty only
                                  // when use_system_store is true
  bool use_system_store = false;  // also trust the system's default CA store
  std::string client_certificate;  // PEM chain, leaf first (mTLS); empty = none
  std::string client_key;          // PEM private key for client_certificate
  std::chrono::milliseconds timeout{30000};    // each connect, TLS handshake, write and read
  size_t max_response_body = 64 * 1024 * 1024;  // larger bodies are kResourceExhausted
  std::string user_agent = "signet";
};

// ClientResponse is one HTTP response.
struct ClientResponse {
  int status = 0;
  std::string content_type;  // media type, lower-cased, parameters dropped
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // as received, names lower-cased

  // Header returns the first value of header `name` (case-insensitive), or "".
  std::string Header(std::string_view name) const;
};

// HttpsClient sends requests to one origin over one kept-alive TLS connection. Not thread-safe:
// use one client per thread.
class HttpsClient {
 public:
  // Create checks the options and loads the TLS files into a client context. It does not
  // connect: the first request does.
  static Result<std::unique_ptr<HttpsClient>> Create(HttpsUrl url, ClientOptions options);

  virtual ~HttpsClient() = default;

  // Send sends one request and reads its response. `path` is appended to the URL's base path and
  // may carry a query. `content_type` and `body` are sent when the body is non-empty or the
  // method is POST/PUT. Extra `headers` must not contain CR or LF (kInvalidArgument).
  // A kept-alive connection the server closed meanwhile is re-opened once for GET and HEAD
  // (idempotent); a POST is never sent twice.
  virtual Result<ClientResponse> Send(std::string_view method, std::string_view path,
                                      std::string_view content_type, std::string_view body,
                                      const std::vector<std::pair<std::string, std::string>>& headers = {}) = 0;

  // PostJson is Send("POST", path, "application/json", body).
  Result<ClientResponse> PostJson(std::string_view path, std::string_view body) {
    return Send("POST", path, "application/json", body);
  }
  // Get is Send("GET", path, "", "").
  Result<ClientResponse> Get(std::string_view path) { return Send("GET", path, "", ""); }

  // channel_binding returns the 32-byte SHA-256 of the DER SubjectPublicKeyInfo of the server's
  // leaf certificate on the connection that carried the last response, as 64 lower-case hex
  // characters; "" before the first response.
  virtual std::string channel_binding() const = 0;

  // Close closes the connection (a TLS close_notify when possible). The next Send reconnects.
  virtual void Close() = 0;
};

}  // namespace signet::service

#endif  // SIGNET_SERVICE_CLIENT_H_
