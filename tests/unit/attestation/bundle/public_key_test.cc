// PublicKey: the algorithm allow-list, scheme-bound verification, digest-only verification.
#include "signet/core/public_key.h"

#include <gtest/gtest.h>

#include "signet/core/findings.h"
#include "signet/core/hash.h"
#include "test_util.h"

namespace signet::attestation {
namespace {

TEST(PublicKeyTest, AllowListFixesTheScheme) {
  struct Case { const char* type; SignatureAlgorithm scheme; };
  for (const Case& c : {Case{"P-256", SignatureAlgorithm::kEcdsaP256Sha256}, Case{"P-384", SignatureAlgorithm::kEcdsaP384Sha384},
                        Case{"ED25519", SignatureAlgorithm::kEd25519}, Case{"RSA", SignatureAlgorithm::kRsaPssSha256}}) {
    auto key = testutil::NewKey(c.type);
    PublicKey pk = testutil::Public(key.get());
    EXPECT_EQ(pk.algorithm(), c.scheme) << c.type;
    Bytes msg = ToBytes("message");
    Bytes sig = testutil::Sign(key.get(), msg);
    EXPECT_TRUE(pk.Verify(msg, sig).ok()) << c.type;
    Status bad = pk.Verify(ToBytes("other"), sig);
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().finding(), findings::kSignatureInvalid);
    EXPECT_FALSE(pk.Verify(msg, {}).ok());
  }
}

TEST(PublicKeyTest, RefusesKeysOutsideTheAllowList) {
  EVP_PKEY* p521 = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-521");
  auto r1 = PublicKey::FromEvp(p521);
  EVP_PKEY_free(p521);
  ASSERT_FALSE(r1.ok());
  EXPECT_EQ(r1.error().finding(), findings::kUnsupported);
  EVP_PKEY* rsa1024 = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(1024));
  auto r2 = PublicKey::FromEvp(rsa1024);
  EVP_PKEY_free(rsa1024);
  ASSERT_FALSE(r2.ok());
  EXPECT_EQ(r2.error().finding(), findings::kUnsupported);
  EVP_PKEY* x25519 = EVP_PKEY_Q_keygen(nullptr, nullptr, "X25519");
  auto r3 = PublicKey::FromEvp(x25519);
  EVP_PKEY_free(x25519);
  ASSERT_FALSE(r3.ok());
  auto garbage = PublicKey::FromSpkiDer(ToBytes("not a key"));
  ASSERT_FALSE(garbage.ok());
  EXPECT_EQ(garbage.error().finding(), findings::kMalformedInput);
  EXPECT_FALSE(PublicKey::FromPem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n").ok());
  EXPECT_FALSE(PublicKey::FromEvp(nullptr).ok());
  EXPECT_FALSE(PublicKey::FromCertificate(nullptr).ok());
}

TEST(PublicKeyTest, VerifyDigestNeedsTheSchemeHashAndNoEd25519) {
  auto p256 = testutil::NewKey("P-256");
  PublicKey pk = testutil::Public(p256.get());
  Bytes msg = ToBytes("artifact bytes");
  Bytes sig = testutil::Sign(p256.get(), msg);
  EXPECT_TRUE(pk.VerifyDigest(HashAlgorithm::kSha256, Sha256(msg), sig).ok());
  Status wrong = pk.VerifyDigest(HashAlgorithm::kSha256, Sha256(ToBytes("x")), sig);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().finding(), findings::kSignatureInvalid);
  Status alg = pk.VerifyDigest(HashAlgorithm::kSha384, Sha384(msg), sig);
  ASSERT_FALSE(alg.ok());
  EXPECT_EQ(alg.error().finding(), findings::kUnsupported);
  Status len = pk.VerifyDigest(HashAlgorithm::kSha256, ToBytes("short"), sig);
  ASSERT_FALSE(len.ok());
  auto ed = testutil::NewKey("ED25519");
  PublicKey edpk = testutil::Public(ed.get());
  Status st = edpk.VerifyDigest(HashAlgorithm::kSha256, Sha256(msg), testutil::Sign(ed.get(), msg));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().finding(), findings::kUnsupported);
  auto rsa = testutil::NewKey("RSA");
  PublicKey rsapk = testutil::Public(rsa.get());
  EXPECT_TRUE(rsapk.VerifyDigest(HashAlgorithm::kSha256, Sha256(msg), testutil::Sign(rsa.get(), msg)).ok());
}

}  // namespace
}  // namespace signet::attestation
