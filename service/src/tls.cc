// The server's TLS context (see tls.h).
#include "tls.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <exception>
#include <string>

#include "signet/core/file.h"
#include "signet/core/ossl.h"
#include "signet/service/server.h"

namespace signet::service {
namespace internal {
namespace {

constexpr size_t kMaxPemBytes = 1024 * 1024;

// NoPassword refuses to prompt on a terminal for an encrypted key (a daemon has no tty).
int NoPassword(char*, int, int, void*) { return -1; }

Error TlsError(std::string what) {
  std::string queue = ossl::DrainErrors();
  // The queue names OpenSSL's reason ("key values mismatch"), never file content.
  if (!queue.empty()) what += " (" + queue + ")";
  return InvalidArgument(std::move(what));
}

}  // namespace

Result<std::shared_ptr<boost::asio::ssl::context>> MakeTlsContext(const TlsConfig& tls) {
  ERR_clear_error();
  std::shared_ptr<boost::asio::ssl::context> holder;
  try {
    holder = std::make_shared<boost::asio::ssl::context>(boost::asio::ssl::context::tls_server);
  } catch (const std::exception&) {
    return Internal("cannot create a TLS context: " + ossl::DrainErrors());
  }
  SSL_CTX* ctx = holder->native_handle();
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
      SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) != 1) {
    return Internal("cannot restrict TLS versions: " + ossl::DrainErrors());
  }
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                               SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_SSLv3 | SSL_OP_NO_TLSv1 |
                               SSL_OP_NO_TLSv1_1);
  if (SSL_CTX_set_cipher_list(ctx, "ECDHE+AESGCM:ECDHE+CHACHA20") != 1) {
    return Internal("cannot set TLS 1.2 cipher suites: " + ossl::DrainErrors());
  }
  SSL_CTX_set_default_passwd_cb(ctx, NoPassword);
  // Resumed sessions must carry a context id once peers are verified (else OpenSSL refuses them).
  static constexpr unsigned char kSessionContext[] = "signet-service";
  SSL_CTX_set_session_id_context(ctx, kSessionContext, sizeof(kSessionContext) - 1);

  // 1. Certificate chain, leaf first.
  Result<std::string> cert_pem = ReadFile(tls.certificate, kMaxPemBytes);
  if (!cert_pem.ok()) return InvalidArgument("tls.certificate: " + cert_pem.error().message());
  Result<std::vector<ossl::UniquePtr<X509>>> certs = ossl::ParseCertificatesPem(*cert_pem);
  if (!certs.ok()) return TlsError("tls.certificate " + tls.certificate + ": no PEM certificate");
  if (SSL_CTX_use_certificate(ctx, (*certs)[0].get()) != 1) {
    return TlsError("tls.certificate " + tls.certificate + ": refused");
  }
  for (size_t i = 1; i < certs->size(); ++i) {
    if (SSL_CTX_add1_chain_cert(ctx, (*certs)[i].get()) != 1) {
      return TlsError("tls.certificate " + tls.certificate + ": chain certificate refused");
    }
  }

  // 2. Private key; its bytes are wiped once loaded.
  Result<std::string> key_pem = ReadFile(tls.key, kMaxPemBytes);
  if (!key_pem.ok()) return InvalidArgument("tls.key: " + key_pem.error().message());
  ossl::UniquePtr<BIO> bio(BIO_new_mem_buf(key_pem->data(), static_cast<int>(key_pem->size())));
  ossl::UniquePtr<EVP_PKEY> key(
      bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassword, nullptr) : nullptr);
  OPENSSL_cleanse(key_pem->data(), key_pem->size());
  if (!key) return TlsError("tls.key " + tls.key + ": no unencrypted PEM private key");
  if (SSL_CTX_use_PrivateKey(ctx, key.get()) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
    return TlsError("tls.key " + tls.key + ": does not match tls.certificate");
  }

  // 3. Client CA: mTLS, a client without a certificate chaining to it gets no HTTP at all.
  if (!tls.client_ca.empty()) {
    Result<std::string> ca_pem = ReadFile(tls.client_ca, kMaxPemBytes);
    if (!ca_pem.ok()) return InvalidArgument("tls.client_ca: " + ca_pem.error().message());
    Result<std::vector<ossl::UniquePtr<X509>>> cas = ossl::ParseCertificatesPem(*ca_pem);
    if (!cas.ok()) return TlsError("tls.client_ca " + tls.client_ca + ": no PEM certificate");
    X509_STORE* store = SSL_CTX_get_cert_store(ctx);
    for (const auto& ca : *cas) {
      if (X509_STORE_add_cert(store, ca.get()) != 1 || SSL_CTX_add_client_CA(ctx, ca.get()) != 1) {
        return TlsError("tls.client_ca " + tls.client_ca + ": certificate refused");
      }
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
    SSL_CTX_set_verify_depth(ctx, 8);
  } else {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  }
  ERR_clear_error();
  return holder;
}

}  // namespace internal

Status CheckTlsFiles(const TlsConfig& tls) {
  Result<std::shared_ptr<boost::asio::ssl::context>> ctx = internal::MakeTlsContext(tls);
  if (!ctx.ok()) return std::move(ctx).error();
  return OkStatus();
}

}  // namespace signet::service
