// CreateTsaChain: the TSA CA certificate and the TSA leaf certificate, both signed in the device.
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "device_sign.h"
#include "signet/core/file.h"
#include "signet/core/ossl.h"
#include "signet/tsa/authority.h"

namespace signet::tsa {
namespace {

constexpr int64_t kDay = 24 * 3600;

Result<ossl::UniquePtr<X509_NAME>> Name(const std::string& cn) {
  ossl::UniquePtr<X509_NAME> name(X509_NAME_new());
  if (!name ||
      X509_NAME_add_entry_by_txt(name.get(), "O", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>("Signet"), -1,
                                 -1, 0) != 1 ||
      X509_NAME_add_entry_by_txt(name.get(), "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(cn.c_str()),
                                 -1, -1, 0) != 1) {
    return ossl::OpenSslError(ErrorCode::kInvalidArgument, "building the certificate name \"" + cn + "\"");
  }
  return name;
}

Status AddExtension(X509* cert, X509* issuer, const char* name, const char* value) {
  X509V3_CTX v3;
  X509V3_set_ctx(&v3, issuer, cert, nullptr, nullptr, 0);
  ossl::UniquePtr<X509_EXTENSION> ext(X509V3_EXT_conf(nullptr, &v3, name, value));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) {
    return ossl::OpenSslError(ErrorCode::kInternal, std::string("adding the ") + name + " extension");
  }
  return OkStatus();
}

// NewCertificate sets the version, a random positive 16-byte serial, the names, the validity and
// the subject's public key.
Result<ossl::UniquePtr<X509>> NewCertificate(const X509_NAME* subject, const X509_NAME* issuer, ByteView spki,
                                             int64_t not_before, int64_t not_after) {
  ossl::UniquePtr<X509> cert(X509_new());
  unsigned char serial[16];
  if (!cert || RAND_bytes(serial, sizeof serial) != 1) return ossl::OpenSslError(ErrorCode::kInternal, "X509_new");
  serial[0] = static_cast<unsigned char>((serial[0] & 0x7f) | 0x40);  // positive, 16 bytes
  ossl::UniquePtr<BIGNUM> bn(BN_bin2bn(serial, sizeof serial, nullptr));
  SIGNET_ASSIGN_OR_RETURN(ossl::UniquePtr<EVP_PKEY> pub, ossl::ParsePublicKeyDer(spki));
  ASN1_INTEGER* sn = X509_get_serialNumber(cert.get());
  if (!bn || X509_set_version(cert.get(), X509_VERSION_3) != 1 || BN_to_ASN1_INTEGER(bn.get(), sn) == nullptr ||
      X509_set_subject_name(cert.get(), subject) != 1 || X509_set_issuer_name(cert.get(), issuer) != 1 ||
      ASN1_TIME_set(X509_getm_notBefore(cert.get()), static_cast<time_t>(not_before)) == nullptr ||
      ASN1_TIME_set(X509_getm_notAfter(cert.get()), static_cast<time_t>(not_after)) == nullptr ||
      X509_set_pubkey(cert.get(), pub.get()) != 1) {
    return ossl::OpenSslError(ErrorCode::kInternal, "building a certificate");
  }
  return cert;
}

Result<std::string> ToPem(X509* cert) {
  ossl::UniquePtr<BIO> bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) return ossl::OpenSslError(ErrorCode::kInternal, "PEM");
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

}  // namespace

std::string ChainPath(const std::string& state_dir) {
  return state_dir + "/" + kTsaDirName + "/" + kChainFileName;
}

Status CreateTsaChain(const std::string& state_dir, fw::SigningKey& tsa_key, fw::SigningKey& ca_key,
                      const Clock& clock, const ChainOptions& options) {
  if (tsa_key.algorithm() != SignatureAlgorithm::kEcdsaP256Sha256 ||
      ca_key.algorithm() != SignatureAlgorithm::kEcdsaP256Sha256) {
    return InvalidArgument("the TSA key and the TSA CA key must be ECDSA P-256 keys");
  }
  if (tsa_key.public_key_spki() == ca_key.public_key_spki()) {
    return InvalidArgument("the TSA key and the TSA CA key must be two different keys");
  }
  if (options.validity_days <= 0 || options.validity_days > 100 * 365) {
    return InvalidArgument("the TSA certificate validity must be 1 to 36500 days");
  }
  const std::string dir = state_dir + "/" + kTsaDirName;
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return InvalidArgument("cannot create " + dir);
  }
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return InvalidArgument(dir + " is not a directory");
  const std::string path = ChainPath(state_dir);
  if (::access(path.c_str(), F_OK) == 0) return AlreadyExists(path + " exists: the TSA is already certified");

  const int64_t now = ToUnixSeconds(clock.Now());
  // Slack of an hour before now: a verifier whose clock is slightly behind still accepts.
  const int64_t leaf_from = now - 3600, leaf_to = now + options.validity_days * kDay;
  SIGNET_ASSIGN_OR_RETURN(ossl::UniquePtr<X509_NAME> ca_name, Name(options.name + " TSA CA"));
  SIGNET_ASSIGN_OR_RETURN(ossl::UniquePtr<X509_NAME> leaf_name, Name(options.name + " TSA"));

  SIGNET_ASSIGN_OR_RETURN(ossl::UniquePtr<X509> ca, NewCertificate(ca_name.get(), ca_name.get(),
                                                                     ca_key.public_key_spki(), leaf_from - kDay,
                                                                     leaf_to + kDay));
  SIGNET_RETURN_IF_ERROR(AddExtension(ca.get(), ca.get(), "basicConstraints", "critical,CA:TRUE,pathlen:0"));
  SIGNET_RETURN_IF_ERROR(AddExtension(ca.get(), ca.get(), "keyUsage", "critical,keyCertSign,cRLSign"));
  SIGNET_RETURN_IF_ERROR(AddExtension(ca.get(), ca.get(), "subjectKeyIdentifier", "hash"));
  SIGNET_ASSIGN_OR_RETURN(ossl::UniquePtr<X509> ca_signed, internal::SignCertificateInDevice(ca.get(), ca_key));

  SIGNET_ASSIGN_OR_RETURN(ossl::UniquePtr<X509> leaf, NewCertificate(leaf_name.get(), ca_name.get(),
                                                                       tsa_key.public_key_spki(), leaf_from, leaf_to));
  SIGNET_RETURN_IF_ERROR(AddExtension(leaf.get(), ca_signed.get(), "basicConstraints", "critical,CA:FALSE"));
  SIGNET_RETURN_IF_ERROR(AddExtension(leaf.get(), ca_signed.get(), "keyUsage", "critical,digitalSignature"));
  SIGNET_RETURN_IF_ERROR(AddExtension(leaf.get(), ca_signed.get(), "extendedKeyUsage", "critical,timeStamping"));
  SIGNET_RETURN_IF_ERROR(AddExtension(leaf.get(), ca_signed.get(), "subjectKeyIdentifier", "hash"));
  SIGNET_RETURN_IF_ERROR(AddExtension(leaf.get(), ca_signed.get(), "authorityKeyIdentifier", "keyid:always"));
  SIGNET_ASSIGN_OR_RETURN(ossl::UniquePtr<X509> leaf_signed, internal::SignCertificateInDevice(leaf.get(), ca_key));

  SIGNET_ASSIGN_OR_RETURN(std::string leaf_pem, ToPem(leaf_signed.get()));
  SIGNET_ASSIGN_OR_RETURN(std::string ca_pem, ToPem(ca_signed.get()));
  return WriteFileAtomic(path, leaf_pem + ca_pem, 0644);
}

}  // namespace signet::tsa
