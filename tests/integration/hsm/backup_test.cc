// Backup-capable keys and the trusted wrapping key against a real SoftHSM2 token (the `softhsm`
// fixture): the SO marks the wrapping key CKA_TRUSTED; backup-capable keys wrap under it (KWP,
// else PAD: SoftHSM2 2.6 has only PAD) and nothing else does; a wrapped key restores with its
// label and id and signs for its original public key; a wrong public key, a flipped ciphertext
// byte, a wrong SO PIN and a taken label are refused and leave nothing behind.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <openssl/rand.h>

#include <fstream>
#include <iterator>

#include "signet/core/encoding.h"
#include "signet/firmware_iface/signing_key.h"
#include "signet/hsm/key_store.h"
#include "test_env.h"

namespace signet::hsm {
namespace {

using ::testing::HasSubstr;
using signet::testing::EnvOr;

std::string UniqueLabel(const std::string& prefix) {
  uint8_t r[6];
  RAND_bytes(r, sizeof r);
  return prefix + "-" + HexEncode(ByteView(r, sizeof r));
}

SecretBytes ReadSecret(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return SecretBytes::FromString(text);
}

SecretBytes RandomKey() {
  Bytes raw(32);
  RAND_priv_bytes(raw.data(), 32);
  SecretBytes out(raw);
  OPENSSL_cleanse(raw.data(), raw.size());
  return out;
}

class BackupTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { ASSERT_TRUE(signet::testing::LoadFixtureEnv("softhsm")) << "softhsm fixture missing"; }

  void SetUp() override {
    so_pin_file_ = EnvOr("SIGNET_TEST_SO_PIN_FILE", "");
    if (so_pin_file_.empty()) GTEST_FAIL() << "the softhsm fixture names no SO PIN file";
    KeyStoreOptions options;
    options.module_path = EnvOr("SIGNET_TEST_PKCS11_MODULE", "");
    const std::string uri = "pkcs11:token=" + PercentEncode(AsBytes(EnvOr("SIGNET_TEST_TOKEN_LABEL", ""))) +
                            "?pin-source=" + EnvOr("SIGNET_TEST_PIN_FILE", "");
    auto store = OpenKeyStore(uri, options);
    ASSERT_TRUE(store.ok()) << store.error().ToString();
    store_ = std::move(store).value();
    wrapping_ = UniqueLabel("wrap");
    const SecretBytes so_pin = ReadSecret(so_pin_file_);
    const Status imported = store_->ImportWrappingKey(wrapping_, RandomKey(), so_pin);
    ASSERT_TRUE(imported.ok()) << imported.error().ToString();
  }
  void TearDown() override {
    if (store_) (void)store_->DestroyWrappingKey(wrapping_);
  }

  std::unique_ptr<fw::SigningKey> Generate(SignatureAlgorithm alg, bool backup) {
    fw::GenerateOptions options{UniqueLabel("backup"), alg, backup};
    auto key = store_->GenerateKey(options);
    EXPECT_TRUE(key.ok()) << key.error().ToString();
    return key.ok() ? std::move(key).value() : nullptr;
  }

  std::string so_pin_file_, wrapping_;
  std::unique_ptr<fw::KeyStore> store_;
};

TEST_F(BackupTest, BackupCapableKeyIsSensitiveExtractableOnlyWrappedAndNotWeak) {
  auto key = Generate(SignatureAlgorithm::kEcdsaP256Sha256, true);
  ASSERT_NE(key, nullptr);
  const fw::KeyAttributes& a = key->attributes();
  EXPECT_TRUE(a.sensitive);
  EXPECT_TRUE(a.extractable);
  EXPECT_TRUE(a.wrap_with_trusted);
  EXPECT_TRUE(fw::IsBackupCapable(a));
  EXPECT_FALSE(a.can_decrypt || a.can_unwrap || a.can_derive);
  // FindKey's weak-key refusal accepts it (no allow_weak).
  auto found = store_->FindKey("pkcs11:object=" + PercentEncode(AsBytes(a.label)), {});
  ASSERT_TRUE(found.ok()) << found.error().ToString();
  EXPECT_TRUE(fw::IsBackupCapable((*found)->attributes()));
  // A key without backup stays non-extractable and cannot be wrapped.
  auto plain = Generate(SignatureAlgorithm::kEcdsaP256Sha256, false);
  ASSERT_NE(plain, nullptr);
  EXPECT_FALSE(plain->attributes().extractable);
  EXPECT_FALSE(plain->attributes().wrap_with_trusted);
  auto refused = store_->WrapKey(wrapping_, *plain);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_THAT(refused.error().message(), HasSubstr("not backup-capable"));
  EXPECT_TRUE(store_->DestroyKey(*key).ok());
  EXPECT_TRUE(store_->DestroyKey(*plain).ok());
}

TEST_F(BackupTest, WrapDestroyUnwrapRestoresLabelIdAndSignsForTheOriginalPublicKey) {
  for (SignatureAlgorithm alg : {SignatureAlgorithm::kEcdsaP256Sha256, SignatureAlgorithm::kEcdsaP384Sha384,
                                 SignatureAlgorithm::kEd25519, SignatureAlgorithm::kRsa3072PssSha256}) {
    SCOPED_TRACE(std::string(SignatureAlgorithmName(alg)));
    auto supported = store_->SupportedAlgorithms();
    ASSERT_TRUE(supported.ok());
    if (std::find(supported->begin(), supported->end(), alg) == supported->end()) continue;  // e.g. no EdDSA
    auto key = Generate(alg, true);
    ASSERT_NE(key, nullptr);
    const Bytes spki = key->public_key_spki();
    const fw::KeyAttributes original = key->attributes();
    auto wrapped = store_->WrapKey(wrapping_, *key);
    if (alg == SignatureAlgorithm::kEd25519 && !wrapped.ok()) {
      // SoftHSM2 2.6 cannot wrap EdDSA keys (CKR_KEY_NOT_WRAPPABLE): refused clearly, documented
      // in hsm/ARCHITECTURE.md; `ceremony init` then removes everything it made.
      EXPECT_EQ(wrapped.error().code(), ErrorCode::kFailedPrecondition);
      EXPECT_THAT(wrapped.error().message(), HasSubstr("CKR_KEY_NOT_WRAPPABLE"));
      EXPECT_TRUE(store_->DestroyKey(*key).ok());
      continue;
    }
    ASSERT_TRUE(wrapped.ok()) << wrapped.error().ToString();
    // SoftHSM2 2.6 lacks KWP: the fallback is PAD (the same RFC 5649 wrapping).
    EXPECT_THAT(wrapped->mechanism, ::testing::AnyOf("CKM_AES_KEY_WRAP_KWP", "CKM_AES_KEY_WRAP_PAD"));
    EXPECT_EQ(wrapped->label, original.label);
    EXPECT_EQ(wrapped->id, original.id);
    ASSERT_TRUE(store_->DestroyKey(*key).ok());
    key.reset();
    EXPECT_EQ(store_->FindKey("pkcs11:object=" + PercentEncode(AsBytes(original.label)), {}).error().code(),
              ErrorCode::kNotFound);

    auto restored = store_->UnwrapKey(wrapping_, *wrapped, spki);
    ASSERT_TRUE(restored.ok()) << restored.error().ToString();
    EXPECT_EQ((*restored)->public_key_spki(), spki);
    EXPECT_EQ((*restored)->attributes().label, original.label);
    EXPECT_EQ((*restored)->attributes().id, original.id);
    EXPECT_TRUE((*restored)->attributes().sensitive);
    EXPECT_FALSE((*restored)->attributes().can_decrypt);
    auto pub = PublicKey::FromSpkiDer(spki, alg);
    ASSERT_TRUE(pub.ok());
    auto sig = (*restored)->Sign(AsBytes("after the restore"));
    ASSERT_TRUE(sig.ok()) << sig.error().ToString();
    EXPECT_TRUE(pub->Verify(AsBytes("after the restore"), *sig).ok());
    EXPECT_TRUE(store_->DestroyKey(**restored).ok());
  }
}

TEST_F(BackupTest, UnwrapRefusesAnotherPublicKeyAndATamperedBackupAndLeavesNothing) {
  auto key = Generate(SignatureAlgorithm::kEcdsaP256Sha256, true);
  auto other = Generate(SignatureAlgorithm::kEcdsaP256Sha256, false);
  ASSERT_NE(key, nullptr);
  ASSERT_NE(other, nullptr);
  auto wrapped = store_->WrapKey(wrapping_, *key);
  ASSERT_TRUE(wrapped.ok()) << wrapped.error().ToString();
  ASSERT_TRUE(store_->DestroyKey(*key).ok());
  const std::string selector = "pkcs11:object=" + PercentEncode(AsBytes(wrapped->label));

  auto mismatch = store_->UnwrapKey(wrapping_, *wrapped, other->public_key_spki());
  ASSERT_FALSE(mismatch.ok());
  EXPECT_EQ(mismatch.error().code(), ErrorCode::kVerificationFailed) << mismatch.error().ToString();
  EXPECT_THAT(mismatch.error().message(), HasSubstr("was removed"));
  EXPECT_EQ(store_->FindKey(selector, {}).error().code(), ErrorCode::kNotFound);

  fw::WrappedKey tampered = *wrapped;
  tampered.ciphertext[tampered.ciphertext.size() / 2] ^= 0x01;
  auto bad = store_->UnwrapKey(wrapping_, tampered, key->public_key_spki());
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), ErrorCode::kVerificationFailed) << bad.error().ToString();
  EXPECT_EQ(store_->FindKey(selector, {}).error().code(), ErrorCode::kNotFound);

  auto no_wrapping = store_->UnwrapKey("no-such-wrapping-key", *wrapped, key->public_key_spki());
  ASSERT_FALSE(no_wrapping.ok());
  EXPECT_EQ(no_wrapping.error().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(store_->DestroyKey(*other).ok());
}

TEST_F(BackupTest, WrappingKeyRefusesWrongSoPinTakenLabelAndBadSize) {
  const std::string label = UniqueLabel("wrap-bad");
  const Status wrong = store_->ImportWrappingKey(label, RandomKey(), SecretBytes::FromString("not-the-so-pin"));
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code(), ErrorCode::kPermissionDenied);
  EXPECT_THAT(wrong.error().message(), HasSubstr("SO PIN was rejected"));
  EXPECT_THAT(wrong.error().message(), ::testing::Not(HasSubstr("not-the-so-pin")));
  EXPECT_EQ(store_->DestroyWrappingKey(label).error().code(), ErrorCode::kNotFound);
  // The user is logged in again afterwards: keys still work.
  auto key = Generate(SignatureAlgorithm::kEcdsaP256Sha256, true);
  ASSERT_NE(key, nullptr);
  EXPECT_TRUE(key->Sign(AsBytes("still logged in")).ok());

  const SecretBytes so_pin = ReadSecret(so_pin_file_);
  EXPECT_EQ(store_->ImportWrappingKey(wrapping_, RandomKey(), so_pin).error().code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(store_->ImportWrappingKey(label, SecretBytes::FromString("short"), so_pin).error().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_TRUE(store_->DestroyKey(*key).ok());
}

}  // namespace
}  // namespace signet::hsm
