// The server's TLS context (see tls.h).
//
// A TPM key is used through a legacy EC_KEY_METHOD (deprecated in OpenSSL 3.0, hence the macro
// below, which must come before any OpenSSL header): see MakeTpmBackedKey for why.
#define OPENSSL_SUPPRESS_DEPRECATED
#include "tls.h"

#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/provider.h>
#include <openssl/ssl.h>
#include <openssl/store.h>
#include <openssl/x509.h>

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>

#include <cstdlib>
#include <exception>
#include <filesystem>
#include <mutex>
#include <optional>
#include <vector>
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

// ProviderContext owns the OSSL_LIB_CTX a TPM key lives in: the tpm2 provider (its own TCTI
// connection, opened at load) and base (PEM decoding and the file store). Freeing the library
// context unloads both.
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

struct StoreClose {
  void operator()(OSSL_STORE_CTX* p) const { OSSL_STORE_close(p); }
};
struct StoreInfoFree {
  void operator()(OSSL_STORE_INFO* p) const { OSSL_STORE_INFO_free(p); }
};
struct EcKeyFree {
  void operator()(EC_KEY* p) const { EC_KEY_free(p); }
};

// LoadProviders makes a library context with the tpm2 and base providers and nothing else, so
// every operation on the key is the TPM's. tpm2-openssl 1.1.1 reads its TCTI once, in its init
// function, from TPM2OPENSSL_TCTI (else from a "tcti" config parameter, which OpenSSL 3.0.19
// does not hand it: measured, the init sees NULL). So tls.tcti is put into the environment for
// the duration of the load, under a process-wide mutex, and the previous state restored.
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
  if (OSSL_PROVIDER_load(providers->get(), "base") == nullptr) {
    return Internal("cannot load the OpenSSL base provider: " + ossl::DrainErrors());
  }
  ERR_clear_error();
  return providers;
}

// LoadTpmKey opens the key through the provider: a TSS2 PRIVATE KEY file (checked here first:
// a regular file with that PEM label, so a software key written tpm2:FILE is refused rather
// than used in software), or the provider's own "handle:" / "object:" store schemes. The key
// must come back from the tpm2 provider and be an EC key.
Result<ossl::UniquePtr<EVP_PKEY>> LoadTpmKey(const TlsConfig& tls, OSSL_LIB_CTX* libctx) {
  const std::string name = "tls.key tpm2:" + tls.key;
  const bool is_handle = tls.key.rfind("handle:", 0) == 0;
  const bool is_object = tls.key.rfind("object:", 0) == 0;
  std::string uri = tls.key;
  if (!is_handle) {
    const std::string file = is_object ? tls.key.substr(7) : tls.key;
    Result<std::string> text = ReadFile(file, kMaxPemBytes);
    if (!text.ok()) return InvalidArgument(name + ": " + text.error().message());
    if (!is_object && text->find("-----BEGIN TSS2 PRIVATE KEY-----") == std::string::npos) {
      return InvalidArgument(name + ": not a TSS2 PRIVATE KEY file (`signet attest tls-key` writes one)");
    }
    // The store's file: scheme takes absolute paths only (a config given as a relative path
    // resolves its files relative to the working directory).
    std::error_code ec;
    const std::string absolute = std::filesystem::absolute(file, ec).lexically_normal().string();
    if (ec) return InvalidArgument(name + ": cannot make the path absolute");
    uri = (is_object ? "object:" : "file:") + absolute;
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
  if (EVP_PKEY_is_a(key.get(), "EC") != 1) {
    return InvalidArgument(name + ": only ECDSA keys are supported in the TPM");
  }
  ERR_clear_error();
  return key;
}

// TpmSigner is the provider side of a TPM TLS key: its library context, the provider key and a
// mutex, because tpm2-openssl 1.1.1 drives one ESAPI context without locking (fixed upstream in
// 1.3) while the server may handshake on several IO threads. Members are destroyed in reverse
// order: the key before the providers.
class TpmSigner {
 public:
  TpmSigner(std::unique_ptr<ProviderContext> providers, ossl::UniquePtr<EVP_PKEY> key)
      : providers_(std::move(providers)), key_(std::move(key)) {}

  // Sign signs a digest (32 or 48 bytes: SHA-256 or SHA-384, what TLS asks of a P-256 key)
  // with ECDSA in the TPM; a DER ECDSA-Sig-Value into sig[0..*len). False on any failure.
  bool Sign(const unsigned char* digest, int digest_len, unsigned char* sig, size_t* len) {
    const EVP_MD* md = digest_len == 32 ? EVP_sha256() : digest_len == 48 ? EVP_sha384() : nullptr;
    if (md == nullptr) return false;
    std::lock_guard<std::mutex> lock(mu_);
    ossl::UniquePtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_pkey(providers_->get(), key_.get(), nullptr));
    return ctx && EVP_PKEY_sign_init(ctx.get()) == 1 && EVP_PKEY_CTX_set_signature_md(ctx.get(), md) == 1 &&
           EVP_PKEY_sign(ctx.get(), sig, len, digest, static_cast<size_t>(digest_len)) == 1;
  }

 private:
  std::unique_ptr<ProviderContext> providers_;
  ossl::UniquePtr<EVP_PKEY> key_;
  std::mutex mu_;
};

// The EC_KEY ex_data slot holds a heap std::shared_ptr<TpmSigner>: copied on EC_KEY_dup, freed
// with the EC_KEY, so the signer (and the TPM connection) lives exactly as long as some
// EVP_PKEY or SSL_CTX still uses the key.
using SignerRef = std::shared_ptr<TpmSigner>;

void FreeSignerRef(void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) {
  delete static_cast<SignerRef*>(ptr);
}
int DupSignerRef(CRYPTO_EX_DATA*, const CRYPTO_EX_DATA*, void** from_d, int, long, void*) {
  if (from_d != nullptr && *from_d != nullptr) *from_d = new SignerRef(*static_cast<SignerRef*>(*from_d));
  return 1;
}

int SignerIndex() {
  static const int index = EC_KEY_get_ex_new_index(0, nullptr, nullptr, DupSignerRef, FreeSignerRef);
  return index;
}

int TpmEcdsaSign(int, const unsigned char* digest, int digest_len, unsigned char* sig, unsigned int* sig_len,
                 const BIGNUM*, const BIGNUM*, EC_KEY* eckey) {
  auto* ref = static_cast<SignerRef*>(EC_KEY_get_ex_data(eckey, SignerIndex()));
  size_t len = static_cast<size_t>(ECDSA_size(eckey));
  if (ref == nullptr || !*ref || !(*ref)->Sign(digest, digest_len, sig, &len)) return 0;
  *sig_len = static_cast<unsigned int>(len);
  return 1;
}

ECDSA_SIG* TpmEcdsaSignSig(const unsigned char* digest, int digest_len, const BIGNUM*, const BIGNUM*, EC_KEY* eckey) {
  std::vector<unsigned char> der(static_cast<size_t>(ECDSA_size(eckey)));
  unsigned int len = 0;
  if (TpmEcdsaSign(0, digest, digest_len, der.data(), &len, nullptr, nullptr, eckey) != 1) return nullptr;
  const unsigned char* p = der.data();
  return d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(len));
}

const EC_KEY_METHOD* TpmEcKeyMethod() {
  static const EC_KEY_METHOD* method = [] {
    EC_KEY_METHOD* m = EC_KEY_METHOD_new(EC_KEY_get_default_method());
    if (m != nullptr) EC_KEY_METHOD_set_sign(m, TpmEcdsaSign, nullptr, TpmEcdsaSignSig);
    return m;
  }();
  return method;
}

// MakeTpmBackedKey loads the TPM key and returns a software-shaped EVP_PKEY for libssl: a legacy
// EC_KEY with the TPM key's public point and an EC_KEY_METHOD whose sign calls the provider.
// Why not hand libssl the provider key directly: OpenSSL 3.0's EVP_DigestSignInit fetches the
// ECDSA implementation by the SSL_CTX's property query and then *exports* the key to that
// implementation's provider; with "?provider=default" (needed so digests, ECDHE, RNG and
// ciphers stay in software instead of going to the TPM, which tpm2-openssl also offers) the
// export carries only the public key and the handshake dies with "missing private key"
// (measured). A key with a non-default method is "foreign" to OpenSSL and stays on the legacy
// path, so only the signature reaches the TPM and everything else stays in the default
// provider. (OpenSSL 3.2+ tries the key's own provider first; then this shim can go.)
// SignalsBlocked blocks every signal in this thread for its scope. A TCTI may start helper
// threads (tabrmd's GDBus worker lives for the rest of the process); they inherit the mask of
// the thread that created them, and a daemon reads SIGHUP/SIGTERM from a signalfd, so such a
// thread must never have them unblocked (a SIGHUP delivered there would kill the daemon).
class SignalsBlocked {
 public:
  SignalsBlocked() {
    sigset_t all;
    sigfillset(&all);
    ok_ = pthread_sigmask(SIG_BLOCK, &all, &old_) == 0;
  }
  ~SignalsBlocked() {
    if (ok_) pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  SignalsBlocked(const SignalsBlocked&) = delete;
  SignalsBlocked& operator=(const SignalsBlocked&) = delete;

 private:
  sigset_t old_;
  bool ok_ = false;
};

Result<ossl::UniquePtr<EVP_PKEY>> MakeTpmBackedKey(const TlsConfig& tls) {
  std::unique_ptr<ProviderContext> providers;
  ossl::UniquePtr<EVP_PKEY> tpm_key;
  {
    SignalsBlocked blocked;
    SIGNET_ASSIGN_OR_RETURN(providers, LoadProviders(tls));
    SIGNET_ASSIGN_OR_RETURN(tpm_key, LoadTpmKey(tls, providers->get()));
  }
  Result<Bytes> spki = ossl::PublicKeyToDer(tpm_key.get());
  if (!spki.ok()) return TlsError("tls.key tpm2:" + tls.key + ": cannot read its public key");
  Result<ossl::UniquePtr<EVP_PKEY>> pub = ossl::ParsePublicKeyDer(*spki);
  if (!pub.ok()) return TlsError("tls.key tpm2:" + tls.key + ": cannot read its public key");
  std::unique_ptr<EC_KEY, EcKeyFree> ec(EVP_PKEY_get1_EC_KEY(pub->get()));
  const EC_KEY_METHOD* method = TpmEcKeyMethod();
  if (!ec || method == nullptr || SignerIndex() < 0 || EC_KEY_set_method(ec.get(), method) != 1) {
    return Internal("cannot wrap the TPM key: " + ossl::DrainErrors());
  }
  auto* ref = new SignerRef(std::make_shared<TpmSigner>(std::move(providers), std::move(tpm_key)));
  if (EC_KEY_set_ex_data(ec.get(), SignerIndex(), ref) != 1) {
    delete ref;
    return Internal("cannot wrap the TPM key: " + ossl::DrainErrors());
  }
  ossl::UniquePtr<EVP_PKEY> key(EVP_PKEY_new());
  if (!key || EVP_PKEY_assign_EC_KEY(key.get(), ec.get()) != 1) {
    return Internal("cannot wrap the TPM key: " + ossl::DrainErrors());
  }
  (void)ec.release();  // now owned by `key`
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

  // 2. Private key: in the TPM through the provider, or a PEM file.
  if (tls.key_in_tpm) {
    SIGNET_ASSIGN_OR_RETURN(ossl::UniquePtr<EVP_PKEY> key, MakeTpmBackedKey(tls));
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
