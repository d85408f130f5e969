// signet::PublicKey and signet::SignatureAlgorithm: the one vocabulary, its names, the explicit
// allow-list (curve and size checks, no SHA-1), algorithm-bound verification and canonical ids.
// (Inferred-algorithm parsing and VerifyDigest are also covered by
// tests/unit/attestation/bundle/public_key_test.cc.)
#include "signet/core/public_key.h"

#include <openssl/rsa.h>

#include <gtest/gtest.h>

#include "signet/core/ossl.h"

namespace signet {
namespace {

using Alg = SignatureAlgorithm;

ossl::UniquePtr<EVP_PKEY> Ec(const char* curve) { return ossl::UniquePtr<EVP_PKEY>(EVP_EC_gen(curve)); }
ossl::UniquePtr<EVP_PKEY> Ed() {
  return ossl::UniquePtr<EVP_PKEY>(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
}
ossl::UniquePtr<EVP_PKEY> Rsa(size_t bits) {
  return ossl::UniquePtr<EVP_PKEY>(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", bits));
}
Bytes Spki(EVP_PKEY* key) { return ossl::PublicKeyToDer(key).value(); }

// Sign produces a signature with an explicit digest and RSA padding/salt (-1: no padding set).
Bytes Sign(EVP_PKEY* key, const EVP_MD* md, ByteView msg, int padding = -1, int salt = 0) {
  ossl::UniquePtr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  EXPECT_EQ(EVP_DigestSignInit(ctx.get(), &pctx, md, nullptr, key), 1);
  if (padding != -1) {
    EXPECT_EQ(EVP_PKEY_CTX_set_rsa_padding(pctx, padding), 1);
    if (padding == RSA_PKCS1_PSS_PADDING) {
      EXPECT_EQ(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, salt), 1);
      EXPECT_EQ(EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()), 1);
    }
  }
  size_t len = 0;
  EXPECT_EQ(EVP_DigestSign(ctx.get(), nullptr, &len, msg.data(), msg.size()), 1);
  Bytes sig(len);
  EXPECT_EQ(EVP_DigestSign(ctx.get(), sig.data(), &len, msg.data(), msg.size()), 1);
  sig.resize(len);
  return sig;
}

TEST(SignatureAlgorithmTest, NamesAreTheExternalSpellingsAndRoundTrip) {
  EXPECT_EQ(SignatureAlgorithmName(Alg::kEcdsaP256Sha256), "ecdsa-p256");
  EXPECT_EQ(SignatureAlgorithmName(Alg::kEcdsaP384Sha384), "ecdsa-p384");
  EXPECT_EQ(SignatureAlgorithmName(Alg::kEd25519), "ed25519");
  EXPECT_EQ(SignatureAlgorithmName(Alg::kRsa2048Pkcs1Sha256), "rsa-2048");
  EXPECT_EQ(SignatureAlgorithmName(Alg::kRsa3072PssSha256), "rsa-3072");
  EXPECT_EQ(SignatureAlgorithmName(Alg::kRsaPssSha256), "rsa-pss-sha256");
  for (Alg alg : kAllSignatureAlgorithms) {
    auto back = ParseSignatureAlgorithm(SignatureAlgorithmName(alg));
    ASSERT_TRUE(back.ok()) << SignatureAlgorithmName(alg);
    EXPECT_EQ(*back, alg);
  }
}

TEST(SignatureAlgorithmTest, ParseRefusesUnknownAndDisallowedNames) {
  for (const char* bad : {"", "ECDSA-P256", "ecdsa-p521", "rsa-1024", "rsa-sha1", "ecdsa-p256 "}) {
    auto r = ParseSignatureAlgorithm(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
  }
  const Alg ak[] = {Alg::kEcdsaP256Sha256, Alg::kRsa2048Pkcs1Sha256};
  EXPECT_EQ(*ParseSignatureAlgorithm("rsa-2048", ak, "attestation key type"), Alg::kRsa2048Pkcs1Sha256);
  auto r = ParseSignatureAlgorithm("ed25519", ak, "attestation key type");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "unsupported attestation key type \"ed25519\" (use ecdsa-p256 or rsa-2048)");
}

TEST(SignatureAlgorithmTest, HashesAreSha2Only) {
  EXPECT_EQ(SignatureAlgorithmHash(Alg::kEcdsaP384Sha384), HashAlgorithm::kSha384);
  for (Alg alg : {Alg::kEcdsaP256Sha256, Alg::kRsa2048Pkcs1Sha256, Alg::kRsa3072PssSha256, Alg::kRsaPssSha256}) {
    EXPECT_EQ(SignatureAlgorithmHash(alg), HashAlgorithm::kSha256);
  }
}

TEST(PublicKeyTest, BindsAndVerifiesEachProfile) {
  const Bytes msg = ToBytes("release digest");
  auto p256 = Ec("P-256");
  auto p384 = Ec("P-384");
  auto ed = Ed();
  auto rsa2048 = Rsa(2048);
  auto rsa3072 = Rsa(3072);
  struct Case {
    Alg alg;
    EVP_PKEY* key;
    Bytes sig;
  };
  const Case cases[] = {
      {Alg::kEcdsaP256Sha256, p256.get(), Sign(p256.get(), EVP_sha256(), msg)},
      {Alg::kEcdsaP384Sha384, p384.get(), Sign(p384.get(), EVP_sha384(), msg)},
      {Alg::kEd25519, ed.get(), Sign(ed.get(), nullptr, msg)},
      {Alg::kRsa2048Pkcs1Sha256, rsa2048.get(), Sign(rsa2048.get(), EVP_sha256(), msg, RSA_PKCS1_PADDING)},
      {Alg::kRsa3072PssSha256, rsa3072.get(), Sign(rsa3072.get(), EVP_sha256(), msg, RSA_PKCS1_PSS_PADDING, 32)},
      {Alg::kRsaPssSha256, rsa2048.get(), Sign(rsa2048.get(), EVP_sha256(), msg, RSA_PKCS1_PSS_PADDING, 20)},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(SignatureAlgorithmName(c.alg)));
    auto pk = PublicKey::FromSpkiDer(Spki(c.key), c.alg);
    ASSERT_TRUE(pk.ok()) << pk.error().ToString();
    EXPECT_EQ(pk->algorithm(), c.alg);
    EXPECT_TRUE(pk->Verify(msg, c.sig).ok());
    Status other = pk->Verify(ToBytes("another digest"), c.sig);
    ASSERT_FALSE(other.ok());
    EXPECT_EQ(other.error().code(), ErrorCode::kVerificationFailed);
    EXPECT_EQ(other.error().finding(), "SIGNATURE_INVALID");
    Bytes flipped = c.sig;
    flipped.back() ^= 1;
    EXPECT_FALSE(pk->Verify(msg, flipped).ok());
    EXPECT_FALSE(pk->Verify(msg, {}).ok());
    auto from_evp = PublicKey::FromEvp(c.key, c.alg);
    ASSERT_TRUE(from_evp.ok());
    EXPECT_TRUE(from_evp->Verify(msg, c.sig).ok());
  }
}

TEST(PublicKeyTest, KeysThatDoNotFitTheirProfileAreRefused) {
  auto p256 = Ec("P-256");
  auto p384 = Ec("P-384");
  auto ed = Ed();
  auto rsa2048 = Rsa(2048);
  auto rsa3072 = Rsa(3072);
  auto rsa1024 = Rsa(1024);
  struct Case {
    Alg alg;
    EVP_PKEY* key;
  };
  const Case misfits[] = {
      {Alg::kEcdsaP256Sha256, p384.get()},       {Alg::kEcdsaP384Sha384, p256.get()},
      {Alg::kEcdsaP256Sha256, ed.get()},         {Alg::kEd25519, p256.get()},
      {Alg::kEcdsaP256Sha256, rsa2048.get()},    {Alg::kRsa2048Pkcs1Sha256, rsa3072.get()},
      {Alg::kRsa2048Pkcs1Sha256, p256.get()},    {Alg::kRsa3072PssSha256, rsa2048.get()},
      {Alg::kRsa3072PssSha256, ed.get()},        {Alg::kRsaPssSha256, rsa1024.get()},
      {Alg::kRsaPssSha256, p384.get()},
  };
  for (const Case& c : misfits) {
    SCOPED_TRACE(std::string(SignatureAlgorithmName(c.alg)));
    auto pk = PublicKey::FromSpkiDer(Spki(c.key), c.alg);
    ASSERT_FALSE(pk.ok());
    EXPECT_EQ(pk.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(pk.error().finding(), "UNSUPPORTED");
    EXPECT_FALSE(PublicKey::FromEvp(c.key, c.alg).ok());
  }
  // Inferred: RSA below 2048 bits, other curves and non-signature keys are outside the allow-list.
  auto p521 = Ec("P-521");
  auto x25519 = ossl::UniquePtr<EVP_PKEY>(EVP_PKEY_Q_keygen(nullptr, nullptr, "X25519"));
  for (EVP_PKEY* k : {rsa1024.get(), p521.get(), x25519.get()}) {
    auto pk = PublicKey::FromSpkiDer(Spki(k));
    ASSERT_FALSE(pk.ok());
    EXPECT_EQ(pk.error().finding(), "UNSUPPORTED");
    EXPECT_FALSE(PublicKey::FromSpkiDer(Spki(k), Alg::kEcdsaP256Sha256).ok());
  }
  auto garbage = PublicKey::FromSpkiDer(ToBytes("not a key"), Alg::kEd25519);
  ASSERT_FALSE(garbage.ok());
  EXPECT_EQ(garbage.error().finding(), "MALFORMED_INPUT");
  Bytes trailing = Spki(p256.get());
  trailing.push_back(0);
  EXPECT_FALSE(PublicKey::FromSpkiDer(trailing, Alg::kEcdsaP256Sha256).ok());
  EXPECT_FALSE(PublicKey::FromEvp(nullptr, Alg::kEd25519).ok());
}

TEST(PublicKeyTest, TheAlgorithmIsFixedByTheKeyNeverByTheSignature) {
  const Bytes msg = ToBytes("payload");
  auto rsa2048 = Rsa(2048);
  auto rsa3072 = Rsa(3072);
  const Bytes pkcs1 = Sign(rsa2048.get(), EVP_sha256(), msg, RSA_PKCS1_PADDING);
  const Bytes pss = Sign(rsa2048.get(), EVP_sha256(), msg, RSA_PKCS1_PSS_PADDING, 32);
  auto as_pkcs1 = PublicKey::FromSpkiDer(Spki(rsa2048.get()), Alg::kRsa2048Pkcs1Sha256);
  auto as_pss = PublicKey::FromSpkiDer(Spki(rsa2048.get()), Alg::kRsaPssSha256);
  ASSERT_TRUE(as_pkcs1.ok() && as_pss.ok());
  EXPECT_TRUE(as_pkcs1->Verify(msg, pkcs1).ok());
  EXPECT_FALSE(as_pkcs1->Verify(msg, pss).ok());
  EXPECT_TRUE(as_pss->Verify(msg, pss).ok());
  EXPECT_FALSE(as_pss->Verify(msg, pkcs1).ok());
  // rsa-3072 pins the salt to 32 bytes; rsa-pss-sha256 takes the signer's salt length.
  const Bytes salt20 = Sign(rsa3072.get(), EVP_sha256(), msg, RSA_PKCS1_PSS_PADDING, 20);
  EXPECT_FALSE(PublicKey::FromSpkiDer(Spki(rsa3072.get()), Alg::kRsa3072PssSha256)->Verify(msg, salt20).ok());
  EXPECT_TRUE(PublicKey::FromSpkiDer(Spki(rsa3072.get()), Alg::kRsaPssSha256)->Verify(msg, salt20).ok());
  // No SHA-1: an ECDSA signature over SHA-1 never verifies, nor an RSA PKCS#1 one.
  auto p256 = Ec("P-256");
  auto pk = PublicKey::FromSpkiDer(Spki(p256.get()));
  ASSERT_TRUE(pk.ok());
  EXPECT_FALSE(pk->Verify(msg, Sign(p256.get(), EVP_sha1(), msg)).ok());
  EXPECT_FALSE(as_pkcs1->Verify(msg, Sign(rsa2048.get(), EVP_sha1(), msg, RSA_PKCS1_PADDING)).ok());
  // ECDSA P-384 signs with SHA-384, not SHA-256.
  auto p384 = Ec("P-384");
  auto pk384 = PublicKey::FromSpkiDer(Spki(p384.get()));
  ASSERT_TRUE(pk384.ok());
  EXPECT_FALSE(pk384->Verify(msg, Sign(p384.get(), EVP_sha256(), msg)).ok());
}

TEST(PublicKeyTest, CanonicalIdIsTheKeyWhateverTheProfileOrEncoding) {
  auto rsa = Rsa(2048);
  auto a = PublicKey::FromSpkiDer(Spki(rsa.get()), Alg::kRsa2048Pkcs1Sha256);
  auto b = PublicKey::FromSpkiDer(Spki(rsa.get()));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(b->algorithm(), Alg::kRsaPssSha256);
  EXPECT_EQ(a->canonical_id(), b->canonical_id());
  auto other = Rsa(2048);
  EXPECT_NE(PublicKey::FromSpkiDer(Spki(other.get()))->canonical_id(), a->canonical_id());
  auto p256 = Ec("P-256");
  auto pem = PublicKey::FromPem(ossl::PublicKeyToPem(p256.get()).value());
  auto der = PublicKey::FromSpkiDer(Spki(p256.get()), Alg::kEcdsaP256Sha256);
  ASSERT_TRUE(pem.ok() && der.ok());
  EXPECT_EQ(pem->canonical_id(), der->canonical_id());
  EXPECT_EQ(pem->spki_der(), Spki(p256.get()));
}

}  // namespace
}  // namespace signet
