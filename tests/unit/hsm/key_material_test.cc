// ECDSA raw <-> DER conversion, EC point decoding and SPKI construction.
#include "signet/hsm/key_material.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "signet/core/encoding.h"
#include "signet/core/ossl.h"

namespace signet::hsm {
namespace {


Bytes Hex(std::string_view h) { return *HexDecode(h); }

TEST(EcdsaConversionTest, KnownVectorP256) {
  // r = 1, s = 0x80 (needs a leading zero in DER), padded to 32 bytes each.
  Bytes raw(64, 0);
  raw[31] = 0x01;
  raw[63] = 0x80;
  auto der = EcdsaRawToDer(raw, 32);
  ASSERT_TRUE(der.ok());
  EXPECT_EQ(HexEncode(*der), "3007020101020200" "80");
  auto back = EcdsaDerToRaw(*der, 32);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, raw);
}

TEST(EcdsaConversionTest, RoundTripHighBitsP384) {
  Bytes raw(96, 0xFF);
  raw[0] = 0x7F;
  auto der = EcdsaRawToDer(raw, 48);
  ASSERT_TRUE(der.ok());
  auto back = EcdsaDerToRaw(*der, 48);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, raw);
}

TEST(EcdsaConversionTest, MatchesOpensslEncodingForRandomValues) {
  for (size_t size : {32u, 48u}) {
    for (int i = 0; i < 200; ++i) {
      Bytes raw(2 * size);
      RAND_bytes(raw.data(), static_cast<int>(raw.size()));
      if (i % 4 == 0) raw[0] = 0;                 // leading zero byte in r
      if (i % 5 == 0) raw[size] |= 0x80;          // high bit in s
      if (i % 7 == 0) std::fill(raw.begin(), raw.begin() + 20, 0);  // short r
      auto der = EcdsaRawToDer(raw, size);
      ASSERT_TRUE(der.ok());
      ossl::UniquePtr<ECDSA_SIG> sig(ECDSA_SIG_new());
      ECDSA_SIG_set0(sig.get(), BN_bin2bn(raw.data(), static_cast<int>(size), nullptr),
                     BN_bin2bn(raw.data() + size, static_cast<int>(size), nullptr));
      unsigned char* expected = nullptr;
      const int len = i2d_ECDSA_SIG(sig.get(), &expected);
      ASSERT_GT(len, 0);
      EXPECT_EQ(*der, Bytes(expected, expected + len));
      OPENSSL_free(expected);
      EXPECT_EQ(*EcdsaDerToRaw(*der, size), raw);
    }
  }
}

TEST(EcdsaConversionTest, RejectsWrongLengthAndZero) {
  EXPECT_FALSE(EcdsaRawToDer(Bytes(63, 1), 32).ok());
  EXPECT_FALSE(EcdsaRawToDer(Bytes(64, 0), 32).ok());
  EXPECT_FALSE(EcdsaRawToDer(Bytes(0), 0).ok());
  Bytes zero_s(64, 1);
  std::fill(zero_s.begin() + 32, zero_s.end(), 0);
  EXPECT_FALSE(EcdsaRawToDer(zero_s, 32).ok());
  EXPECT_FALSE(EcdsaRawToDer(Bytes(132, 1), 66).ok());  // P-521 is not a Signet profile
}

TEST(EcdsaConversionTest, DerToRawRejectsMalformed) {
  EXPECT_FALSE(EcdsaDerToRaw(Hex("30060201010201"), 32).ok());              // truncated
  EXPECT_FALSE(EcdsaDerToRaw(Hex("3006020101020101" "00"), 32).ok());      // trailing byte
  EXPECT_FALSE(EcdsaDerToRaw(Hex("300702020001020101"), 32).ok());          // non-minimal integer
  EXPECT_FALSE(EcdsaDerToRaw(Hex("30810602010102010" "1"), 32).ok());      // non-minimal length
  EXPECT_FALSE(EcdsaDerToRaw(Hex("3006020100020101"), 32).ok());            // r = 0
  EXPECT_FALSE(EcdsaDerToRaw(Hex("30060201ff020101"), 32).ok());            // r negative
  Bytes big(33, 0x11);
  Bytes der = {0x30, 0x26, 0x02, 0x21};
  der.insert(der.end(), big.begin(), big.end());
  der.insert(der.end(), {0x02, 0x01, 0x01});
  EXPECT_FALSE(EcdsaDerToRaw(der, 32).ok());  // r does not fit in 32 bytes
}

// A real P-256 key to build points from.
Bytes FreshPoint(const char* group) {
  ossl::UniquePtr<EVP_PKEY> key(EVP_EC_gen(group));
  size_t len = 0;
  EVP_PKEY_get_octet_string_param(key.get(), "encoded-pub-key", nullptr, 0, &len);
  Bytes point(len);
  EVP_PKEY_get_octet_string_param(key.get(), "encoded-pub-key", point.data(), point.size(), &len);
  return point;
}

TEST(EcPointTest, AcceptsDerOctetStringAndRawPoint) {
  Bytes point = FreshPoint("P-256");
  ASSERT_EQ(point.size(), 65u);
  Bytes der = {0x04, 0x41};
  der.insert(der.end(), point.begin(), point.end());
  EXPECT_EQ(*EcPointFromAttribute(der, 65), point);
  EXPECT_EQ(*EcPointFromAttribute(point, 65), point);
  EXPECT_FALSE(EcPointFromAttribute(Bytes(64, 4), 65).ok());
  EXPECT_FALSE(EcPointFromAttribute(Bytes(), 65).ok());
}

TEST(EcPointTest, Ed25519RawAndWrapped) {
  Bytes raw(32, 0x04);
  Bytes der = {0x04, 0x20};
  der.insert(der.end(), raw.begin(), raw.end());
  EXPECT_EQ(*EcPointFromAttribute(der, 32), raw);
  EXPECT_EQ(*EcPointFromAttribute(raw, 32), raw);
}

TEST(SpkiTest, FromEcPointParsesBackP256AndP384) {
  for (auto [alg, group] : {std::pair{SignatureAlgorithm::kEcdsaP256Sha256, "P-256"}, std::pair{SignatureAlgorithm::kEcdsaP384Sha384, "P-384"}}) {
    Bytes point = FreshPoint(group);
    auto spki = SpkiFromEcPoint(alg, point);
    ASSERT_TRUE(spki.ok()) << spki.error().ToString();
    auto parsed = ossl::ParsePublicKeyDer(*spki);
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(EVP_PKEY_get_base_id(parsed->get()), EVP_PKEY_EC);
  }
}

TEST(SpkiTest, RejectsPointOffCurveAndWrongSize) {
  Bytes point = FreshPoint("P-256");
  point[64] ^= 0x01;
  EXPECT_FALSE(SpkiFromEcPoint(SignatureAlgorithm::kEcdsaP256Sha256, point).ok());
  EXPECT_FALSE(SpkiFromEcPoint(SignatureAlgorithm::kEcdsaP384Sha384, FreshPoint("P-256")).ok());
  Bytes compressed = FreshPoint("P-256");
  compressed[0] = 0x02;
  EXPECT_FALSE(SpkiFromEcPoint(SignatureAlgorithm::kEcdsaP256Sha256, compressed).ok());
  EXPECT_FALSE(SpkiFromEcPoint(SignatureAlgorithm::kEd25519, Bytes(31, 1)).ok());
}

TEST(SpkiTest, Ed25519) {
  Bytes pub = Hex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");  // RFC 8032 test 1
  auto spki = SpkiFromEcPoint(SignatureAlgorithm::kEd25519, pub);
  ASSERT_TRUE(spki.ok());
  EXPECT_EQ(HexEncode(*spki), "302a300506032b6570032100" + HexEncode(pub));
}

TEST(SpkiTest, Rsa) {
  ossl::UniquePtr<EVP_PKEY> key(EVP_RSA_gen(2048));
  BIGNUM* n = nullptr;
  BIGNUM* e = nullptr;
  ASSERT_EQ(EVP_PKEY_get_bn_param(key.get(), "n", &n), 1);
  ASSERT_EQ(EVP_PKEY_get_bn_param(key.get(), "e", &e), 1);
  Bytes nb(BN_num_bytes(n)), eb(BN_num_bytes(e));
  BN_bn2bin(n, nb.data());
  BN_bn2bin(e, eb.data());
  BN_free(n);
  BN_free(e);
  auto spki = SpkiFromRsa(nb, eb);
  ASSERT_TRUE(spki.ok());
  auto expected = ossl::PublicKeyToDer(key.get());
  EXPECT_EQ(*spki, *expected);
  EXPECT_FALSE(SpkiFromRsa(nb, Bytes{0x02}).ok());  // even exponent
  EXPECT_FALSE(SpkiFromRsa(nb, Bytes{0x01}).ok());  // exponent 1
  EXPECT_FALSE(SpkiFromRsa(Bytes(), eb).ok());
}

TEST(EcParamsTest, MapsCurvesBothWays) {
  for (auto alg : {SignatureAlgorithm::kEcdsaP256Sha256, SignatureAlgorithm::kEcdsaP384Sha384, SignatureAlgorithm::kEd25519}) {
    auto params = EcParamsFor(alg);
    ASSERT_TRUE(params.ok());
    EXPECT_EQ(*AlgorithmFromEcParams(*params), alg);
  }
  EXPECT_FALSE(EcParamsFor(SignatureAlgorithm::kRsa3072PssSha256).ok());
  Bytes printable = {0x13, 0x0c};
  for (char c : std::string("edwards25519")) printable.push_back(static_cast<uint8_t>(c));
  EXPECT_EQ(*AlgorithmFromEcParams(printable), SignatureAlgorithm::kEd25519);
  auto secp256k1 = AlgorithmFromEcParams(Hex("06052b8104000a"));
  ASSERT_FALSE(secp256k1.ok());
  EXPECT_EQ(secp256k1.error().code(), ErrorCode::kUnimplemented);
  EXPECT_FALSE(AlgorithmFromEcParams(Bytes()).ok());
}

}  // namespace
}  // namespace signet::hsm
