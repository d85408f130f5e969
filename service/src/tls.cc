// The server's TLS context (see tls.h).
#include "tls.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/provider.h>
#include <openssl/ssl.h>
#include <openssl/store.h>
#include <openssl/x509.h>

#include <stdlib.h>

#include <cstdlib>
#include <exception>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "signet/core/encoding.h"
#include "signet/core/file.h"
#include "signet/core/hash.h"
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

// ProviderContext owns the OSSL_LIB_CTX a TPM-backed TLS context lives in: the tpm2 provider
// (with its own TCTI connection, opened when it loads) and the default provider for the rest.
// Freeing the library context unloads both.
class ProviderContext {
 public:
  explicit ProviderContext(OSSL_LIB_CTX* libctx) : libctx_(libctx) {}
  ~ProviderContext() { OSSL_LIB_CTX_free(libctx_); }
  ProviderContext(const ProviderContext&) = delete;
  ProviderContext& operator=(const ProviderContext&) = delete;
  OSSL_LIB_CTX* get() const { return libctx_; }

 private:
  OSSL_LIB_CTX* libctx_;
};

// TpmTlsContext keeps the providers alive as long as anyone holds the SSL context: sessions
// hold the shared_ptr MakeTlsContext returns, which aliases `ssl`. Members are destroyed in
// reverse order, so the SSL_CTX (and the TPM key in it) goes before the providers.
struct TpmTlsContext {
  std::unique_ptr<ProviderContext> providers;
  std::optional<boost::asio::ssl::context> ssl;
};

struct StoreClose {
  void operator()(OSSL_STORE_CTX* p) const { OSSL_STORE_close(p); }
};
struct StoreInfoFree {
  void operator()(OSSL_STORE_INFO* p) const { OSSL_STORE_INFO_free(p); }
};

// LoadProviders makes a library context with the tpm2 and default providers. tpm2-openssl
// 1.1.1 reads its TCTI once, in its init function, from TPM2OPENSSL_TCTI (else from a "tcti"
// config parameter, which OpenSSL 3.0.19 does not hand it: measured, the init sees NULL). So
// tls.tcti is put into the environment for the duration of the load, under a process-wide
// mutex, and the previous value restored (the environment is left as it was).
Result<std::unique_ptr<ProviderContext>> LoadProviders(const TlsConfig& tls) {
  static std::mutex env_mu;
  std::lock_guard<std::mutex> lock(env_mu);
  const char* env = std::getenv("TPM2OPENSSL_TCTI");
  const std::optional<std::string> previous = env ? std::optional<std::string>(env) : std::nullopt;
  if (!tls.tcti.empty() && previous && *previous != tls.tcti) {
    return InvalidArgument("tls.tcti differs from TPM2OPENSSL_TCTI in the environment, which the "
                           "tpm2 provider would use instead: unset one");
  }
  auto providers = std::make_unique<ProviderContext>(OSSL_LIB_CTX_new());
  if (providers->get() == nullptr) return Internal("cannot create an OpenSSL library context");
  if (!tls.tcti.empty() && !previous) setenv("TPM2OPENSSL_TCTI", tls.tcti.c_str(), 1);
  // The provider objects stay owned by the library context (freed with it).
  OSSL_PROVIDER* tpm2 = OSSL_PROVIDER_load(providers->get(), "tpm2");
  if (!tls.tcti.empty() && !previous) unsetenv("TPM2OPENSSL_TCTI");
  if (tpm2 == nullptr) {
    std::string queue = ossl::DrainErrors();
    return Error(ErrorCode::kUnavailable,
                 "tls.key: cannot load the tpm2 OpenSSL provider (is tpm2-openssl installed and the TPM "
                 "reachable through " +
                     (tls.tcti.empty() ? std::string("TPM2OPENSSL_TCTI or the default TCTI")
                                       : "tls.tcti " + tls.tcti) +
                     "?)" + (queue.empty() ? "" : " (" + queue + ")"));
  }
  if (OSSL_PROVIDER_load(providers->get(), "default") == nullptr) {
    return Internal("cannot load the OpenSSL default provider: " + ossl::DrainErrors());
  }
  ERR_clear_error();
  return providers;
}

// LoadTpmKey opens the key through the provider: a TSS2 PRIVATE KEY file (checked here first:
// a regular file with that PEM label, so a software key written tpm2:FILE is refused rather
// than used in software), or the provider's own "handle:" / "object:" store schemes. The key
// must come back from the tpm2 provider.
Result<ossl::UniquePtr<EVP_PKEY>> LoadTpmKey(const TlsConfig& tls, OSSL_LIB_CTX* libctx) {
  const std::string name = "tls.key tpm2:" + tls.key;
  const bool is_handle = tls.key.rfind("handle:", 0) == 0;
  const bool is_object = tls.key.rfind("object:", 0) == 0;
  std::string uri = tls.key;
  if (!is_handle) {
    const std::string file = is_object ? tls.key.substr(7) : tls.key;
    Result<std::string> text = ReadFile(file, kMaxPemBytes);
    if (!text.ok()) return InvalidArgument(name + ": " + text.error().message());
    if (!is_object) {
      if (text->find("-----BEGIN TSS2 PRIVATE KEY-----") == std::string::npos) {
        return InvalidArgument(name + ": not a TSS2 PRIVATE KEY file (`signet attest tls-key` writes one)");
      }
      uri = "file:" + file;
    }
  }
  std::unique_ptr<OSSL_STORE_CTX, StoreClose> store(
      OSSL_STORE_open_ex(uri.c_str(), libctx, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr));
  if (!store || OSSL_STORE_expect(store.get(), OSSL_STORE_INFO_PKEY) != 1) {
    return TlsError(name + ": the tpm2 provider cannot open it");
  }
  ossl::UniquePtr<EVP_PKEY> key;
  while (!key && OSSL_STORE_eof(store.get()) != 1) {
    std::unique_ptr<OSSL_STORE_INFO, StoreInfoFree> info(OSSL_STORE_load(store.get()));
    if (!info) break;
    if (OSSL_STORE_INFO_get_type(info.get()) == OSSL_STORE_INFO_PKEY) {
      key.reset(OSSL_STORE_INFO_get1_PKEY(info.get()));
    }
  }
  if (!key) return TlsError(name + ": no key loaded (another TPM's key, or not a key)");
  const OSSL_PROVIDER* from = EVP_PKEY_get0_provider(key.get());
  if (from == nullptr || std::string_view(OSSL_PROVIDER_get0_name(from)) != "tpm2") {
    return InvalidArgument(name + ": the key was not loaded by the tpm2 provider");
  }
  ERR_clear_error();
  return key;
}

// UseKeyFile loads an unencrypted PEM private key file into `ctx`; its bytes are wiped once
// loaded.
Status UseKeyFile(const TlsConfig& tls, SSL_CTX* ctx) {
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
  return OkStatus();
}

}  // namespace

std::string ChannelBindingOf(const X509* certificate) {
  if (certificate == nullptr) return "";
  unsigned char* der = nullptr;
  const int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(certificate), &der);
  if (len <= 0) {
    ERR_clear_error();
    return "";
  }
  std::string out = HexEncode(Sha256(ByteView(der, static_cast<size_t>(len))));
  OPENSSL_free(der);
  return out;
}

Result<std::shared_ptr<boost::asio::ssl::context>> MakeTlsContext(const TlsConfig& tls) {
  ERR_clear_error();
  std::shared_ptr<boost::asio::ssl::context> holder;
  std::shared_ptr<TpmTlsContext> tpm_holder;
  if (tls.key_in_tpm) {
    tpm_holder = std::make_shared<TpmTlsContext>();
    SIGNET_ASSIGN_OR_RETURN(tpm_holder->providers, LoadProviders(tls));
    // Everything but the key's own operations prefers the default provider (ECDHE shares, HKDF,
    // record ciphers stay in software); OpenSSL runs the signature in the key's provider, the
    // TPM, because the key cannot be exported to another.
    SSL_CTX* raw = SSL_CTX_new_ex(tpm_holder->providers->get(), "?provider=default", TLS_server_method());
    if (raw == nullptr) return Internal("cannot create a TLS context: " + ossl::DrainErrors());
    tpm_holder->ssl.emplace(raw);  // takes ownership
    holder = std::shared_ptr<boost::asio::ssl::context>(tpm_holder, &*tpm_holder->ssl);
  } else {
    try {
      holder = std::make_shared<boost::asio::ssl::context>(boost::asio::ssl::context::tls_server);
    } catch (const std::exception&) {
      return Internal("cannot create a TLS context: " + ossl::DrainErrors());
    }
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

  // 2. Private key: in the TPM through the provider, or a PEM file.
  if (tls.key_in_tpm) {
    SIGNET_ASSIGN_OR_RETURN(ossl::UniquePtr<EVP_PKEY> key, LoadTpmKey(tls, tpm_holder->providers->get()));
    if (SSL_CTX_use_PrivateKey(ctx, key.get()) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
      return TlsError("tls.key tpm2:" + tls.key + ": does not match tls.certificate");
    }
  } else {
    SIGNET_RETURN_IF_ERROR(UseKeyFile(tls, ctx));
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

Result<std::string> CertificateChannelBinding(ByteView certificate_der) {
  SIGNET_ASSIGN_OR_RETURN(ossl::UniquePtr<X509> cert, ossl::ParseCertificateDer(certificate_der));
  std::string binding = internal::ChannelBindingOf(cert.get());
  if (binding.empty()) return InvalidArgument("the certificate's public key cannot be encoded");
  return binding;
}

}  // namespace signet::service
