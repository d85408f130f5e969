// OpenSSL RAII handles (modelled on BoringSSL's bssl::UniquePtr) and error draining.
#ifndef SIGNET_CORE_OSSL_H_
#define SIGNET_CORE_OSSL_H_

#include <memory>
#include <string>
#include <string_view>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/param_build.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "signet/core/bytes.h"
#include "signet/core/result.h"

namespace signet::ossl {

template <typename T>
struct Deleter;

#define SIGNET_OSSL_DELETER(type, fn) \
  template <>                         \
  struct Deleter<type> {              \
    void operator()(type* p) const { fn(p); } \
  }

SIGNET_OSSL_DELETER(EVP_PKEY, EVP_PKEY_free);
SIGNET_OSSL_DELETER(EVP_PKEY_CTX, EVP_PKEY_CTX_free);
SIGNET_OSSL_DELETER(EVP_MD_CTX, EVP_MD_CTX_free);
SIGNET_OSSL_DELETER(EVP_MD, EVP_MD_free);
SIGNET_OSSL_DELETER(X509, X509_free);
SIGNET_OSSL_DELETER(X509_STORE, X509_STORE_free);
SIGNET_OSSL_DELETER(X509_STORE_CTX, X509_STORE_CTX_free);
SIGNET_OSSL_DELETER(X509_NAME, X509_NAME_free);
SIGNET_OSSL_DELETER(X509_EXTENSION, X509_EXTENSION_free);
SIGNET_OSSL_DELETER(X509_VERIFY_PARAM, X509_VERIFY_PARAM_free);
SIGNET_OSSL_DELETER(BIO, BIO_free_all);
SIGNET_OSSL_DELETER(BIGNUM, BN_free);
SIGNET_OSSL_DELETER(BN_CTX, BN_CTX_free);
SIGNET_OSSL_DELETER(ECDSA_SIG, ECDSA_SIG_free);
SIGNET_OSSL_DELETER(ASN1_OBJECT, ASN1_OBJECT_free);
// ASN1_INTEGER, ASN1_OCTET_STRING and ASN1_TIME are all ASN1_STRING underneath.
SIGNET_OSSL_DELETER(ASN1_STRING, ASN1_STRING_free);
SIGNET_OSSL_DELETER(TS_RESP, TS_RESP_free);
SIGNET_OSSL_DELETER(TS_VERIFY_CTX, TS_VERIFY_CTX_free);
SIGNET_OSSL_DELETER(PKCS7, PKCS7_free);
SIGNET_OSSL_DELETER(OSSL_PARAM_BLD, OSSL_PARAM_BLD_free);
SIGNET_OSSL_DELETER(OSSL_PARAM, OSSL_PARAM_free);

template <>
struct Deleter<STACK_OF(X509)> {
  void operator()(STACK_OF(X509) * p) const { sk_X509_pop_free(p, X509_free); }
};

#undef SIGNET_OSSL_DELETER

// UniquePtr<T> owns an OpenSSL object and frees it with the matching *_free.
template <typename T>
using UniquePtr = std::unique_ptr<T, Deleter<T>>;

// DrainErrors pops the whole OpenSSL error queue and renders it as one line ("" if empty).
// Call it on every failure path so a stale error never leaks into the next operation.
std::string DrainErrors();

// OpenSslError builds an Error from `what` plus the drained queue, domain "openssl".
Error OpenSslError(ErrorCode code, std::string_view what);

// ParsePublicKeyDer parses a DER SubjectPublicKeyInfo, requiring that every byte is consumed.
Result<UniquePtr<EVP_PKEY>> ParsePublicKeyDer(ByteView spki_der);
// ParsePublicKeyPem parses one PEM "PUBLIC KEY" block.
Result<UniquePtr<EVP_PKEY>> ParsePublicKeyPem(std::string_view pem);
// PublicKeyToDer renders a key as DER SubjectPublicKeyInfo.
Result<Bytes> PublicKeyToDer(const EVP_PKEY* key);
// PublicKeyToPem renders a key as a PEM "PUBLIC KEY" block.
Result<std::string> PublicKeyToPem(const EVP_PKEY* key);

// ParseCertificateDer parses one DER X.509 certificate, requiring that every byte is consumed.
Result<UniquePtr<X509>> ParseCertificateDer(ByteView der);
// ParseCertificatesPem parses every "CERTIFICATE" block in `pem` (at least one).
Result<std::vector<UniquePtr<X509>>> ParseCertificatesPem(std::string_view pem);
// CertificateToDer renders a certificate as DER.
Result<Bytes> CertificateToDer(const X509* cert);

}  // namespace signet::ossl

#endif  // SIGNET_CORE_OSSL_H_
