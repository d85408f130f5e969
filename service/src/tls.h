// Private: building the server's TLS context from TlsConfig.
#ifndef SIGNET_SERVICE_SRC_TLS_H_
#define SIGNET_SERVICE_SRC_TLS_H_

#include <openssl/x509.h>

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>

#include "signet/core/result.h"
#include "signet/service/config.h"

namespace signet::service::internal {

// ChannelBindingOf returns the lower-case hex SHA-256 of `certificate`'s DER
// SubjectPublicKeyInfo ("" for null or an unencodable key): Request::channel_binding.
std::string ChannelBindingOf(const X509* certificate);

// MakeTlsContext builds a server context: TLS 1.2 minimum and 1.3 maximum (set on the SSL_CTX),
// ECDHE+AEAD suites for 1.2, no compression or renegotiation; the certificate chain and key from
// `tls` (regular files only, key must match); with client_ca, peer verification that fails when
// the client sends no certificate. kInvalidArgument naming the file on any problem.
// With tls.key_in_tpm the key is loaded through the tpm2 provider in its own OSSL_LIB_CTX
// (tpm2 + base) and handed to the context as an EC key whose signatures run in the TPM (one at
// a time); the rest of TLS stays in the default provider. kUnavailable when the provider cannot
// be loaded or reach its TPM.
Result<std::shared_ptr<boost::asio::ssl::context>> MakeTlsContext(const TlsConfig& tls);

}  // namespace signet::service::internal

#endif  // SIGNET_SERVICE_SRC_TLS_H_
