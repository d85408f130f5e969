// The HTTPS server every Signet daemon runs: Boost.Beast over Asio, TLS 1.2/1.3 from OpenSSL 3.
//
// There is no plaintext listener: a connection that does not complete a TLS handshake gets no
// HTTP answer. With TlsConfig::client_ca set, the client must present a certificate that chains
// to it (verify peer + fail if no peer cert). Requests are read under the Limits (header size,
// whole-header deadline, body size and deadline, idle keep-alive timeout, connection count);
// handlers run on a worker pool so a slow one never stalls accepting or reading. The server adds
// GET /healthz, GET /readyz and GET /metrics to the daemon's router and records
// <name>_requests_total{route,code} and <name>_request_duration_seconds{route}; it logs one
// line per request. No exception crosses this interface.
#ifndef SIGNET_SERVICE_SERVER_H_
#define SIGNET_SERVICE_SERVER_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "signet/core/bytes.h"
#include "signet/core/result.h"
#include "signet/service/config.h"
#include "signet/service/http.h"
#include "signet/service/log.h"
#include "signet/service/metrics.h"

namespace signet::service {

// ServerOptions configures one Server.
struct ServerOptions {
  // name: the daemon's name; the prefix of the server's metrics ("verifierd" ->
  // verifierd_requests_total) and the "daemon" field of its log lines.
  std::string name;
  ServerConfig config;
  // ready: the readiness callback behind GET /readyz: OK -> 200, an Error -> 503 NOT_READY with
  // its message. Null means always ready. Called on a worker thread; must be thread-safe.
  std::function<Status()> ready;
  // metrics and logger are owned by the daemon and must outlive the server. Not null.
  MetricsRegistry* metrics = nullptr;
  Logger* logger = nullptr;
  size_t io_threads = 1;      // threads running the network IO (TLS, parsing)
  size_t worker_threads = 2;  // threads running handlers
};

// Server is a running HTTPS listener.
class Server {
 public:
  // Start loads the TLS files, binds and listens on config.listen, adds the built-in routes to
  // `router` and starts the IO and worker threads. kInvalidArgument for bad TLS files or a
  // router that already has a built-in path, kUnavailable when the address cannot be bound,
  // kInternal otherwise. The returned server is serving; port() is the bound port.
  static Result<std::unique_ptr<Server>> Start(ServerOptions options, Router router);

  // The destructor stops the server with a zero drain deadline if Stop() was not called.
  virtual ~Server() = default;

  // port returns the bound TCP port (the kernel's choice when the config said port 0).
  virtual uint16_t port() const = 0;

  // ReloadTls replaces the certificate, key and client CA for connections accepted from now
  // on. On error (files unreadable, key does not match) the old TLS context stays in use.
  virtual Status ReloadTls(const TlsConfig& tls) = 0;

  // Stop stops accepting, closes idle keep-alive connections, lets requests in flight finish
  // and write their responses (with Connection: close) until `drain` has passed, then closes
  // everything and joins the threads. Idempotent. Returns the number of requests that were
  // still in flight when the drain deadline cut them off (0 = a clean drain).
  virtual size_t Stop(std::chrono::milliseconds drain) = 0;

  // ActiveConnections returns how many connections are open now.
  virtual size_t ActiveConnections() const = 0;
};

// CheckTlsFiles loads `tls` into a throwaway TLS context exactly as Server does (certificate
// chain, key, key-matches-certificate, client CA), so --check-config and SIGHUP catch a bad
// file before it matters. kInvalidArgument naming the file (never its content).
// With tls.key_in_tpm it also loads the tpm2 provider and the key from the TPM (kUnavailable
// when the provider or the TPM cannot be reached).
Status CheckTlsFiles(const TlsConfig& tls);

// CertificateChannelBinding returns what Server puts in Request::channel_binding for a
// connection served with this (DER) certificate: the lower-case hex SHA-256 of its DER
// SubjectPublicKeyInfo. kInvalidArgument for bytes that are not one certificate.
Result<std::string> CertificateChannelBinding(ByteView certificate_der);

}  // namespace signet::service

#endif  // SIGNET_SERVICE_SERVER_H_
