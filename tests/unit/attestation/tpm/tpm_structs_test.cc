// Pure TPM structure parsers (TPM2B_PUBLIC, TPMS_ATTEST, TPMT_SIGNATURE), Names, and the
// verifier-side MakeCredential, checked by undoing it with the EK private key.
#include "signet/attestation/tpm_structs.h"

#include <gtest/gtest.h>
#include <openssl/hmac.h>
#include <openssl/rsa.h>

#include <memory>

#include "soft_tpm.h"

namespace signet::attestation {
namespace {

using testing::Marshal;

class KeyHolder {
 public:
  explicit KeyHolder(EVP_PKEY* k) : k_(k) {}
  ~KeyHolder() { EVP_PKEY_free(k_); }
  KeyHolder(const KeyHolder&) = delete;
  KeyHolder& operator=(const KeyHolder&) = delete;
  EVP_PKEY* get() const { return k_; }

 private:
  EVP_PKEY* k_;
};

TEST(TpmPublicTest, EccAkRoundTripsToTheSameKey) {
  KeyHolder key(EVP_EC_gen("P-256"));
  Bytes tpm2b = testing::EccAkPublic(key.get());
  auto pub = ParseTpm2bPublic(tpm2b);
  ASSERT_TRUE(pub.ok()) << pub.error().ToString();
  EXPECT_EQ(pub->type, kTpmAlgEcc);
  EXPECT_EQ(pub->attributes, 0x00050072u);
  EXPECT_EQ(pub->scheme, kTpmAlgEcdsa);
  EXPECT_EQ(pub->curve, kTpmEccNistP256);
  auto k = TpmPublicToKey(*pub);
  ASSERT_TRUE(k.ok());
  EXPECT_EQ(EVP_PKEY_eq(k->get(), key.get()), 1);
  // Name = 0x000b || SHA-256(TPMT_PUBLIC), the TPMT_PUBLIC being everything after the size.
  Bytes expect = {0x00, 0x0b};
  Bytes d = Sha256(ByteView(tpm2b).subspan(2));
  expect.insert(expect.end(), d.begin(), d.end());
  EXPECT_EQ(*ComputeName(*pub), expect);
}

TEST(TpmPublicTest, RsaEkParsesAndConverts) {
  KeyHolder key(EVP_RSA_gen(2048));
  auto pub = ParseTpm2bPublic(testing::RsaPublic(key.get(), /*ek=*/true));
  ASSERT_TRUE(pub.ok()) << pub.error().ToString();
  EXPECT_EQ(pub->symmetric, kTpmAlgAes);
  EXPECT_EQ(pub->rsa_bits, 2048);
  auto k = TpmPublicToKey(*pub);
  ASSERT_TRUE(k.ok());
  EXPECT_EQ(EVP_PKEY_eq(k->get(), key.get()), 1);
}

TEST(TpmPublicTest, EveryTruncationAndTrailingByteIsRefused) {
  KeyHolder key(EVP_EC_gen("P-256"));
  Bytes good = testing::EccAkPublic(key.get());
  for (size_t n = 0; n < good.size(); ++n) {
    EXPECT_FALSE(ParseTpm2bPublic(ByteView(good).first(n)).ok()) << "prefix " << n;
  }
  Bytes longer = good;
  longer.push_back(0);
  EXPECT_FALSE(ParseTpm2bPublic(longer).ok());
  // Inner trailing byte with a consistent outer size: the TPMT_PUBLIC level refuses it.
  Bytes inner(good.begin() + 2, good.end());
  inner.push_back(0);
  EXPECT_FALSE(ParseTpm2bPublic(Marshal().Tpm2b(inner).b).ok());
}

TEST(TpmPublicTest, UnsupportedShapesAreRefused) {
  KeyHolder key(EVP_EC_gen("P-256"));
  Bytes good = testing::EccAkPublic(key.get());
  Bytes keyedhash = good;
  keyedhash[3] = 0x08;  // TPM_ALG_KEYEDHASH
  EXPECT_FALSE(ParseTpm2bPublic(keyedhash).ok());
  Bytes sha1 = good;
  sha1[5] = 0x04;  // nameAlg SHA-1
  EXPECT_FALSE(ParseTpm2bPublic(sha1).ok());
  Bytes curve = good;
  curve[2 + 2 + 2 + 4 + 2 + 2 + 2 + 2 + 1] = 0x10;  // curveID: not P-256/P-384
  EXPECT_FALSE(ParseTpm2bPublic(curve).ok());
  // A point not on the curve parses but does not become a key.
  Bytes off_curve = good;
  off_curve[off_curve.size() - 1] ^= 1;
  auto pub = ParseTpm2bPublic(off_curve);
  ASSERT_TRUE(pub.ok());
  EXPECT_FALSE(TpmPublicToKey(*pub).ok());
}

TEST(TpmsAttestTest, ParsesAQuoteAndRefusesDeviations) {
  testing::QuoteParams p;
  p.extra_data = Bytes(32, 9);
  p.pcr_digest = Bytes(32, 8);
  p.pcrs = {0, 16, 23};
  Bytes body = testing::TpmsAttest(p);
  auto q = ParseTpmsAttestQuote(body);
  ASSERT_TRUE(q.ok()) << q.error().ToString();
  EXPECT_EQ(q->extra_data, p.extra_data);
  EXPECT_EQ(q->reset_count, 3u);
  ASSERT_EQ(q->pcr_select.size(), 1u);
  EXPECT_EQ(q->pcr_select[0].pcrs, (std::vector<uint32_t>{0, 16, 23}));
  for (size_t n = 0; n < body.size(); ++n) {
    EXPECT_FALSE(ParseTpmsAttestQuote(ByteView(body).first(n)).ok()) << "prefix " << n;
  }
  p.magic = 0;
  EXPECT_EQ(ParseTpmsAttestQuote(testing::TpmsAttest(p)).error().finding(), "ATTEST_MAGIC_INVALID");
  p.magic = kTpmGeneratedValue;
  p.type = 0x8014;  // TPM_ST_ATTEST_CERTIFY
  EXPECT_EQ(ParseTpmsAttestQuote(testing::TpmsAttest(p)).error().finding(), "ATTEST_TYPE_INVALID");
  p.type = kTpmStAttestQuote;
  p.extra_data = Bytes(65, 1);  // larger than TPM2B_DATA allows
  EXPECT_FALSE(ParseTpmsAttestQuote(testing::TpmsAttest(p)).ok());
  // TPMI_YES_NO other than 0/1.
  p.extra_data = Bytes(32, 9);
  Bytes bad_safe = testing::TpmsAttest(p);
  bad_safe[4 + 2 + 2 + 34 + 2 + 32 + 8 + 4 + 4] = 2;
  EXPECT_FALSE(ParseTpmsAttestQuote(bad_safe).ok());
  // TPM2B_ATTEST wrapper.
  EXPECT_EQ(*ParseTpm2bAttestBody(Marshal().Tpm2b(body).b), body);
  Bytes wrapped = Marshal().Tpm2b(body).b;
  wrapped.push_back(0);
  EXPECT_FALSE(ParseTpm2bAttestBody(wrapped).ok());
  EXPECT_FALSE(ParseTpm2bAttestBody(ByteView(wrapped).first(10)).ok());
}

TEST(TpmtSignatureTest, EcdsaConvertsToDerThatOpenSslVerifies) {
  KeyHolder key(EVP_EC_gen("P-256"));
  Bytes msg = ToBytes("attested bytes");
  Bytes tpmt = testing::EcdsaTpmSignature(key.get(), msg);
  auto sig = ParseTpmtSignature(tpmt);
  ASSERT_TRUE(sig.ok());
  auto der = SignatureToDer(*sig);
  ASSERT_TRUE(der.ok());
  ossl::UniquePtr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
  ASSERT_EQ(EVP_DigestVerifyInit_ex(ctx.get(), nullptr, "SHA256", nullptr, nullptr, key.get(),
                                    nullptr),
            1);
  EXPECT_EQ(EVP_DigestVerify(ctx.get(), der->data(), der->size(), msg.data(), msg.size()), 1);
  for (size_t n = 0; n < tpmt.size(); ++n) {
    EXPECT_FALSE(ParseTpmtSignature(ByteView(tpmt).first(n)).ok());
  }
  Bytes hmac = tpmt;
  hmac[1] = 0x05;  // TPM_ALG_HMAC
  EXPECT_FALSE(ParseTpmtSignature(hmac).ok());
}

// Undo MakeCredential with the EK private key, as the TPM would (Part 1 §24).
Bytes ActivateInSoftware(EVP_PKEY* ek, ByteView name, const MakeCredentialOutput& mc) {
  ossl::UniquePtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, ek, nullptr));
  static const char kLabel[] = "IDENTITY";
  auto* label = static_cast<unsigned char*>(OPENSSL_memdup(kLabel, sizeof(kLabel)));
  EVP_PKEY_decrypt_init(ctx.get());
  EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_OAEP_PADDING);
  EVP_PKEY_CTX_set_rsa_oaep_md(ctx.get(), EVP_sha256());
  EVP_PKEY_CTX_set0_rsa_oaep_label(ctx.get(), label, sizeof(kLabel));
  Bytes seed(256);
  size_t len = seed.size();
  if (EVP_PKEY_decrypt(ctx.get(), seed.data(), &len, mc.encrypted_secret.data() + 2,
                       mc.encrypted_secret.size() - 2) != 1) {
    return {};
  }
  seed.resize(len);
  ByteView blob = ByteView(mc.credential_blob).subspan(2);
  ByteView mac = blob.subspan(2, 32), enc = blob.subspan(34);
  Bytes hmac_key = KdfASha256(seed, "INTEGRITY", {}, {}, 256);
  Bytes mac_in(enc.begin(), enc.end());
  mac_in.insert(mac_in.end(), name.begin(), name.end());
  uint8_t want[32];
  unsigned int want_len = 0;
  HMAC(EVP_sha256(), hmac_key.data(), 32, mac_in.data(), mac_in.size(), want, &want_len);
  if (!ConstantTimeEqual(mac, ByteView(want, 32))) return {};
  Bytes sym = KdfASha256(seed, "STORAGE", name, {}, 128);
  std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> c(EVP_CIPHER_CTX_new(),
                                                                      &EVP_CIPHER_CTX_free);
  const uint8_t iv[16] = {0};
  Bytes plain(enc.size());
  int out_len = 0;
  EVP_DecryptInit_ex(c.get(), EVP_aes_128_cfb128(), nullptr, sym.data(), iv);
  EVP_DecryptUpdate(c.get(), plain.data(), &out_len, enc.data(), static_cast<int>(enc.size()));
  const size_t n = (static_cast<size_t>(plain[0]) << 8) | plain[1];
  return Bytes(plain.begin() + 2, plain.begin() + 2 + static_cast<std::ptrdiff_t>(n));
}

TEST(MakeCredentialTest, OnlyTheEkHolderRecoversTheCredentialForThatName) {
  KeyHolder ek(EVP_RSA_gen(2048));
  auto ek_pub = ParseTpm2bPublic(testing::RsaPublic(ek.get(), /*ek=*/true));
  ASSERT_TRUE(ek_pub.ok());
  Bytes name(34, 0x42);
  name[0] = 0x00;
  name[1] = 0x0b;
  Bytes secret(32, 0x99), seed(32, 0x17);
  auto mc = MakeCredential(*ek_pub, name, secret, seed);
  ASSERT_TRUE(mc.ok()) << mc.error().ToString();
  EXPECT_EQ(mc->encrypted_secret.size(), 2u + 256u);
  EXPECT_EQ(mc->credential_blob.size(), 2u + 2u + 32u + 2u + 32u);
  EXPECT_EQ(ActivateInSoftware(ek.get(), name, *mc), secret);
  Bytes other = name;
  other.back() ^= 1;
  EXPECT_TRUE(ActivateInSoftware(ek.get(), other, *mc).empty()) << "HMAC binds the Name";
  KeyHolder other_ek(EVP_RSA_gen(2048));
  EXPECT_TRUE(ActivateInSoftware(other_ek.get(), name, *mc).empty());
}

TEST(MakeCredentialTest, RefusesNonDefaultEkShapesAndBadSizes) {
  KeyHolder key(EVP_RSA_gen(2048));
  auto ak_shaped = ParseTpm2bPublic(testing::RsaPublic(key.get(), /*ek=*/false));
  ASSERT_TRUE(ak_shaped.ok());
  Bytes name(34, 1);
  EXPECT_FALSE(MakeCredential(*ak_shaped, name, Bytes(32, 1), Bytes(32, 2)).ok());
  auto ek = ParseTpm2bPublic(testing::RsaPublic(key.get(), /*ek=*/true));
  EXPECT_FALSE(MakeCredential(*ek, name, Bytes(33, 1), Bytes(32, 2)).ok());
  EXPECT_FALSE(MakeCredential(*ek, name, Bytes(32, 1), Bytes(31, 2)).ok());
  EXPECT_FALSE(MakeCredential(*ek, Bytes(20, 1), Bytes(32, 1), Bytes(32, 2)).ok());
}

TEST(KdfATest, IsDeterministicAndLengthExact) {
  Bytes k(32, 1);
  Bytes a = KdfASha256(k, "STORAGE", Bytes(34, 2), {}, 128);
  EXPECT_EQ(a.size(), 16u);
  EXPECT_EQ(a, KdfASha256(k, "STORAGE", Bytes(34, 2), {}, 128));
  EXPECT_NE(a, KdfASha256(k, "INTEGRITY", Bytes(34, 2), {}, 128));
  Bytes long_out = KdfASha256(k, "X", {}, {}, 512);
  EXPECT_EQ(long_out.size(), 64u);
  // SP 800-108 counter mode, first block: HMAC(k, 00000001 || "X" || 00 || 00000200).
  Bytes msg = {0, 0, 0, 1, 'X', 0, 0, 0, 2, 0};
  uint8_t first[32];
  unsigned int n = 0;
  HMAC(EVP_sha256(), k.data(), 32, msg.data(), msg.size(), first, &n);
  EXPECT_EQ(Bytes(long_out.begin(), long_out.begin() + 32), Bytes(first, first + 32));
}

}  // namespace
}  // namespace signet::attestation
