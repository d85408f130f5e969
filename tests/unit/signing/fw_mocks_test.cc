// The shared firmware mocks (tests/support/fw_mocks.h) compile, and script devices the way the
// signing and attestation tests rely on: a key store handing out a key that corrupts its
// signatures fails fw::SelfTest, and a TPM's errors reach the caller unchanged.
#include "fw_mocks.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "signet/core/ossl.h"

namespace signet::testing {
namespace {

using ::testing::_;
using ::testing::ByMove;
using ::testing::Return;
using ::testing::ReturnRef;

TEST(FwMocks, KeyStoreHandsOutAScriptedKeyWhoseBadSignatureFailsTheSelfTest) {
  // A real P-256 key on the "device"; the device flips a bit of every signature it returns.
  ossl::UniquePtr<EVP_PKEY> pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  ASSERT_NE(pkey, nullptr);
  unsigned char* der = nullptr;
  const int der_len = i2d_PUBKEY(pkey.get(), &der);
  ASSERT_GT(der_len, 0);
  const Bytes spki(der, der + der_len);
  OPENSSL_free(der);
  auto sign = [&pkey](ByteView m, bool corrupt) -> Result<Bytes> {
    ossl::UniquePtr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
    size_t len = 0;
    if (EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, pkey.get()) != 1 ||
        EVP_DigestSign(ctx.get(), nullptr, &len, m.data(), m.size()) != 1) {
      return Internal("sign");
    }
    Bytes sig(len);
    if (EVP_DigestSign(ctx.get(), sig.data(), &len, m.data(), m.size()) != 1) return Internal("sign");
    sig.resize(len);
    if (corrupt) sig[sig.size() - 1] ^= 0x01;
    return sig;
  };
  MockKeyStore store;
  auto key = std::make_unique<MockSigningKey>();
  EXPECT_CALL(*key, algorithm()).WillRepeatedly(Return(SignatureAlgorithm::kEcdsaP256Sha256));
  EXPECT_CALL(*key, public_key_spki()).WillRepeatedly(ReturnRef(spki));
  EXPECT_CALL(*key, Sign(_))
      .WillOnce([&sign](ByteView m) { return sign(m, false); })
      .WillOnce([&sign](ByteView m) { return sign(m, true); });
  EXPECT_CALL(store, FindKey(_, _)).WillOnce(Return(ByMove(Result<std::unique_ptr<fw::SigningKey>>(std::move(key)))));
  auto found = store.FindKey("pkcs11:object=release", fw::OpenOptions{});
  ASSERT_TRUE(found.ok());
  EXPECT_TRUE(fw::SelfTest(**found).ok()) << "an honest device passes";
  auto refused = fw::SelfTest(**found);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().finding(), "SIGNATURE_INVALID");
}

TEST(FwMocks, KeyStoreListsAndRefusesAsScripted) {
  MockKeyStore store;
  EXPECT_CALL(store, ListKeys()).WillOnce(Return(Result<std::vector<fw::KeyInfo>>(std::vector<fw::KeyInfo>{})));
  EXPECT_CALL(store, GenerateKey(_)).WillOnce(Return(ByMove(Result<std::unique_ptr<fw::SigningKey>>(
      ResourceExhausted("token full")))));
  EXPECT_CALL(store, SupportedAlgorithms())
      .WillOnce(Return(Result<std::vector<SignatureAlgorithm>>(std::vector<SignatureAlgorithm>{SignatureAlgorithm::kEd25519})));
  EXPECT_TRUE(store.ListKeys()->empty());
  EXPECT_EQ(store.GenerateKey(fw::GenerateOptions{}).error().code(), ErrorCode::kResourceExhausted);
  EXPECT_EQ(store.SupportedAlgorithms()->front(), SignatureAlgorithm::kEd25519);
}

TEST(FwMocks, TpmErrorsReachTheCaller) {
  MockTpm tpm;
  EXPECT_CALL(tpm, ResetPcr(0)).WillOnce(Return(Status(InvalidArgument("PCR 0 is not resettable"))));
  EXPECT_CALL(tpm, ReadPcr(23)).WillOnce(Return(Result<Bytes>(Bytes(32, 0))));
  EXPECT_CALL(tpm, Quote(_, _, _)).WillOnce(Return(Result<fw::QuoteResult>(Unavailable("swtpm gone"))));
  EXPECT_CALL(tpm, ReadEkCertificate(fw::EkType::kRsa2048)).WillOnce(Return(Result<Bytes>(NotFound("no EK cert"))));
  EXPECT_EQ(tpm.ResetPcr(0).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(tpm.ReadPcr(23)->size(), 32u);
  EXPECT_EQ(tpm.Quote(fw::AkBlob{}, Bytes(32, 1), {16}).error().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(tpm.ReadEkCertificate(fw::EkType::kRsa2048).error().code(), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace signet::testing
