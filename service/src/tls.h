// Private: building the server's TLS context from TlsConfig.
#ifndef SIGNET_SERVICE_SRC_TLS_H_
#define SIGNET_SERVICE_SRC_TLS_H_

#include <boost/asio/ssl/context.hpp>
#include <memory>

#include "signet/core/result.h"
#include "signet/service/config.h"

namespace signet::service::internal {

// MakeTlsContext builds a server context: TLS 1.2 minimum and 1.3 maximum (set on the SSL_CTX),
// ECDHE+AEAD suites for 1.2, no compression or renegotiation; the certificate chain and key from
// `tls` (regular files only, key must match); with client_ca, peer verification that fails when
// the client sends no certificate. kInvalidArgument naming the file on any problem.
Result<std::shared_ptr<boost::asio::ssl::context>> MakeTlsContext(const TlsConfig& tls);

}  // namespace signet::service::internal

#endif  // SIGNET_SERVICE_SRC_TLS_H_
