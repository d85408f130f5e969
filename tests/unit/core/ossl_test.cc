#include "signet/core/ossl.h"

#include <openssl/ec.h>
#include <openssl/err.h>

#include <gtest/gtest.h>

namespace signet {
namespace {

ossl::UniquePtr<EVP_PKEY> MakeP256() {
  return ossl::UniquePtr<EVP_PKEY>(EVP_EC_gen("P-256"));
}

TEST(OsslTest, PublicKeyRoundTrips) {
  auto key = MakeP256();
  ASSERT_TRUE(key);
  auto der = ossl::PublicKeyToDer(key.get());
  ASSERT_TRUE(der.ok());
  auto parsed = ossl::ParsePublicKeyDer(*der);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(EVP_PKEY_eq(key.get(), parsed->get()), 1);
  auto pem = ossl::PublicKeyToPem(key.get());
  ASSERT_TRUE(pem.ok());
  EXPECT_NE(pem->find("BEGIN PUBLIC KEY"), std::string::npos);
  auto from_pem = ossl::ParsePublicKeyPem(*pem);
  ASSERT_TRUE(from_pem.ok());
  EXPECT_EQ(EVP_PKEY_eq(key.get(), from_pem->get()), 1);
}

TEST(OsslTest, RejectsTrailingAndGarbage) {
  auto key = MakeP256();
  Bytes der = *ossl::PublicKeyToDer(key.get());
  der.push_back(0);
  EXPECT_FALSE(ossl::ParsePublicKeyDer(der).ok());
  auto bad = ossl::ParsePublicKeyDer(Bytes{0x30, 0x01});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().domain(), "openssl");
  EXPECT_EQ(ERR_peek_error(), 0u);  // the queue was drained
  EXPECT_FALSE(ossl::ParsePublicKeyPem("not pem").ok());
  EXPECT_FALSE(ossl::ParseCertificateDer(Bytes{0x30, 0x00}).ok());
  EXPECT_FALSE(ossl::ParseCertificatesPem("nothing").ok());
}

TEST(OsslTest, CertificateRoundTrip) {
  auto key = MakeP256();
  ossl::UniquePtr<X509> cert(X509_new());
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("t"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  ASSERT_GT(X509_sign(cert.get(), key.get(), EVP_sha256()), 0);
  Bytes der = *ossl::CertificateToDer(cert.get());
  auto parsed = ossl::ParseCertificateDer(der);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(X509_cmp(cert.get(), parsed->get()), 0);
  der.push_back(0);
  EXPECT_FALSE(ossl::ParseCertificateDer(der).ok());
}

TEST(OsslTest, OpenSslErrorDrainsQueue) {
  ERR_put_error(ERR_LIB_EVP, 0, ERR_R_MALLOC_FAILURE, __FILE__, __LINE__);
  Error e = ossl::OpenSslError(ErrorCode::kInternal, "doing x");
  EXPECT_EQ(e.domain(), "openssl");
  EXPECT_NE(e.message().find("doing x ("), std::string::npos);
  EXPECT_EQ(ERR_peek_error(), 0u);
  EXPECT_EQ(ossl::DrainErrors(), "");
}

}  // namespace
}  // namespace signet
