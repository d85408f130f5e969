#include "signet/core/ossl.h"

#include <openssl/err.h>
#include <openssl/pem.h>

namespace signet::ossl {

std::string DrainErrors() {
  std::string out;
  unsigned long e;
  while ((e = ERR_get_error()) != 0) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out;
}

Error OpenSslError(ErrorCode code, std::string_view what) {
  unsigned long first = ERR_peek_error();
  std::string detail = DrainErrors();
  std::string msg(what);
  if (!detail.empty()) msg += " (" + detail + ")";
  return Error(code, std::move(msg)).WithDomain("openssl", static_cast<int64_t>(first));
}

Result<UniquePtr<EVP_PKEY>> ParsePublicKeyDer(ByteView spki_der) {
  const unsigned char* p = spki_der.data();
  UniquePtr<EVP_PKEY> key(d2i_PUBKEY(nullptr, &p, static_cast<long>(spki_der.size())));
  if (!key) return OpenSslError(ErrorCode::kInvalidArgument, "invalid SubjectPublicKeyInfo");
  if (p != spki_der.data() + spki_der.size()) {
    return InvalidArgument("trailing bytes after SubjectPublicKeyInfo");
  }
  return key;
}

Result<UniquePtr<EVP_PKEY>> ParsePublicKeyPem(std::string_view pem) {
  UniquePtr<BIO> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return OpenSslError(ErrorCode::kInternal, "BIO_new_mem_buf");
  UniquePtr<EVP_PKEY> key(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  if (!key) return OpenSslError(ErrorCode::kInvalidArgument, "invalid PEM public key");
  return key;
}

Result<Bytes> PublicKeyToDer(const EVP_PKEY* key) {
  unsigned char* out = nullptr;
  int n = i2d_PUBKEY(const_cast<EVP_PKEY*>(key), &out);
  if (n <= 0) return OpenSslError(ErrorCode::kInternal, "i2d_PUBKEY");
  Bytes der(out, out + n);
  OPENSSL_free(out);
  return der;
}

Result<std::string> PublicKeyToPem(const EVP_PKEY* key) {
  UniquePtr<BIO> bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), const_cast<EVP_PKEY*>(key)) != 1) {
    return OpenSslError(ErrorCode::kInternal, "PEM_write_bio_PUBKEY");
  }
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

Result<UniquePtr<X509>> ParseCertificateDer(ByteView der) {
  const unsigned char* p = der.data();
  UniquePtr<X509> cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!cert) return OpenSslError(ErrorCode::kInvalidArgument, "invalid DER certificate");
  if (p != der.data() + der.size()) return InvalidArgument("trailing bytes after certificate");
  return cert;
}

Result<std::vector<UniquePtr<X509>>> ParseCertificatesPem(std::string_view pem) {
  UniquePtr<BIO> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return OpenSslError(ErrorCode::kInternal, "BIO_new_mem_buf");
  std::vector<UniquePtr<X509>> certs;
  while (true) {
    UniquePtr<X509> c(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!c) break;
    certs.push_back(std::move(c));
  }
  ERR_clear_error();  // the loop ends on a "no start line" error
  if (certs.empty()) return InvalidArgument("no PEM certificate found");
  return certs;
}

Result<Bytes> CertificateToDer(const X509* cert) {
  unsigned char* out = nullptr;
  int n = i2d_X509(cert, &out);
  if (n <= 0) return OpenSslError(ErrorCode::kInternal, "i2d_X509");
  Bytes der(out, out + n);
  OPENSSL_free(out);
  return der;
}

}  // namespace signet::ossl
