// The PKCS#11 KeyStore against a gmock token with a small fake object store: key selection,
// weak-key refusal, public-key export from raw points, and the generation failure paths
// (unsupported type, read-only or full token, cleanup when the new key fails its checks).
#include "signet/hsm/key_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <openssl/evp.h>

#include <sys/stat.h>

#include <map>

#include "mock_pkcs11.h"
#include "signet/core/ossl.h"

namespace signet::hsm {
namespace {

using ::testing::_;
using ::testing::HasSubstr;
using ::testing::NiceMock;
using ::testing::Return;
using testing::MockPkcs11;

using Attrs = std::map<CK_ATTRIBUTE_TYPE, Bytes>;

Bytes Bool(bool b) { return Bytes{static_cast<uint8_t>(b ? 1 : 0)}; }
Bytes Ulong(CK_ULONG v) {
  Bytes out(sizeof v);
  std::memcpy(out.data(), &v, sizeof v);
  return out;
}
Bytes Str(std::string_view s) { return Bytes(s.begin(), s.end()); }

class KeyStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ON_CALL(mock_, FindObjectsInit(_, _, _)).WillByDefault([this](CK_SESSION_HANDLE s, CK_ATTRIBUTE* t, CK_ULONG n) {
      std::vector<CK_OBJECT_HANDLE> hits;
      for (const auto& [h, attrs] : objects_) {
        bool match = true;
        for (CK_ULONG i = 0; i < n && match; ++i) {
          auto it = attrs.find(t[i].type);
          const auto* p = static_cast<const uint8_t*>(t[i].pValue);
          match = it != attrs.end() && it->second == Bytes(p, p + t[i].ulValueLen);
        }
        if (match) hits.push_back(h);
      }
      pending_[s] = hits;
      return CKR_OK;
    });
    ON_CALL(mock_, FindObjects(_, _, _, _)).WillByDefault([this](CK_SESSION_HANDLE s, CK_OBJECT_HANDLE* out, CK_ULONG max, CK_ULONG* n) {
      auto& hits = pending_[s];
      *n = 0;
      while (!hits.empty() && *n < max) {
        out[(*n)++] = hits.front();
        hits.erase(hits.begin());
      }
      return CKR_OK;
    });
    ON_CALL(mock_, GetAttributeValue(_, _, _, _)).WillByDefault([this](CK_SESSION_HANDLE, CK_OBJECT_HANDLE h, CK_ATTRIBUTE* t, CK_ULONG n) {
      auto obj = objects_.find(h);
      if (obj == objects_.end()) return CKR_OBJECT_HANDLE_INVALID;
      CK_RV rv = CKR_OK;
      for (CK_ULONG i = 0; i < n; ++i) {
        auto it = obj->second.find(t[i].type);
        if (it == obj->second.end()) {
          t[i].ulValueLen = CK_UNAVAILABLE_INFORMATION;
          rv = CKR_ATTRIBUTE_TYPE_INVALID;
        } else if (t[i].pValue == nullptr) {
          t[i].ulValueLen = it->second.size();
        } else if (t[i].ulValueLen < it->second.size()) {
          return CKR_BUFFER_TOO_SMALL;
        } else {
          std::memcpy(t[i].pValue, it->second.data(), it->second.size());
          t[i].ulValueLen = it->second.size();
        }
      }
      return rv;
    });
    auto module = Module::FromFunctionList(mock_.FunctionList(), "mock");
    ASSERT_TRUE(module.ok());
    module_ = *module;
  }

  Result<std::unique_ptr<fw::KeyStore>> Open() {
    return OpenKeyStoreWithModule(module_, "pkcs11:token=mock?pin-value=1234", KeyStoreOptions{});
  }

  // AddEcKey stores a P-256 private key and (optionally) its public half with a real point.
  void AddEcKey(CK_OBJECT_HANDLE h, const std::string& label, Bytes id, bool sensitive, bool extractable,
                bool raw_point, bool with_public = true) {
    ossl::UniquePtr<EVP_PKEY> key(EVP_EC_gen("P-256"));
    Bytes point(65);
    size_t len = 0;
    EVP_PKEY_get_octet_string_param(key.get(), "encoded-pub-key", point.data(), point.size(), &len);
    Bytes params = {0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07};
    objects_[h] = Attrs{{CKA_CLASS, Ulong(CKO_PRIVATE_KEY)}, {CKA_KEY_TYPE, Ulong(CKK_EC)}, {CKA_LABEL, Str(label)},
                        {CKA_ID, id}, {CKA_TOKEN, Bool(true)}, {CKA_PRIVATE, Bool(true)},
                        {CKA_SENSITIVE, Bool(sensitive)}, {CKA_EXTRACTABLE, Bool(extractable)},
                        {CKA_SIGN, Bool(true)}, {CKA_EC_PARAMS, params}};
    if (!with_public) return;
    Bytes encoded = point;
    if (!raw_point) {
      encoded = {0x04, 0x41};
      encoded.insert(encoded.end(), point.begin(), point.end());
    }
    objects_[h + 1000] = Attrs{{CKA_CLASS, Ulong(CKO_PUBLIC_KEY)}, {CKA_KEY_TYPE, Ulong(CKK_EC)},
                               {CKA_LABEL, Str(label)}, {CKA_ID, id}, {CKA_EC_PARAMS, params},
                               {CKA_EC_POINT, encoded}};
    expected_spki_[h] = *ossl::PublicKeyToDer(key.get());
  }

  NiceMock<MockPkcs11> mock_;
  std::shared_ptr<Module> module_;
  std::map<CK_OBJECT_HANDLE, Attrs> objects_;
  std::map<CK_SESSION_HANDLE, std::vector<CK_OBJECT_HANDLE>> pending_;
  std::map<CK_OBJECT_HANDLE, Bytes> expected_spki_;
};

TEST_F(KeyStoreTest, FindsKeyAndExportsFromDerPoint) {
  AddEcKey(1, "release", {0x01}, true, false, /*raw_point=*/false);
  auto store = Open();
  ASSERT_TRUE(store.ok()) << store.error().ToString();
  auto key = (*store)->FindKey("pkcs11:object=release", {});
  ASSERT_TRUE(key.ok()) << key.error().ToString();
  EXPECT_EQ((*key)->algorithm(), SignatureAlgorithm::kEcdsaP256Sha256);
  EXPECT_EQ((*key)->public_key_spki(), expected_spki_[1]);
  EXPECT_EQ((*key)->attributes().label, "release");
  EXPECT_EQ((*key)->key_id().size(), 64u);
}

TEST_F(KeyStoreTest, ExportsFromRawPoint) {
  AddEcKey(1, "release", {0x01}, true, false, /*raw_point=*/true);
  auto store = Open();
  ASSERT_TRUE(store.ok());
  auto key = (*store)->FindKey("pkcs11:id=%01", {});
  ASSERT_TRUE(key.ok()) << key.error().ToString();
  EXPECT_EQ((*key)->public_key_spki(), expected_spki_[1]);
}

TEST_F(KeyStoreTest, MissingPublicObjectIsNotFound) {
  AddEcKey(1, "release", {0x01}, true, false, false, /*with_public=*/false);
  auto store = Open();
  ASSERT_TRUE(store.ok());
  auto key = (*store)->FindKey("pkcs11:object=release", {});
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.error().code(), ErrorCode::kNotFound);
  EXPECT_THAT(key.error().message(), HasSubstr("public key object"));
}

TEST_F(KeyStoreTest, NoMatchIsNotFound) {
  AddEcKey(1, "release", {0x01}, true, false, false);
  auto store = Open();
  ASSERT_TRUE(store.ok());
  auto key = (*store)->FindKey("pkcs11:object=other", {});
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.error().code(), ErrorCode::kNotFound);
  EXPECT_THAT(key.error().message(), HasSubstr("no private key matches pkcs11:object=other"));
}

TEST_F(KeyStoreTest, SeveralMatchesListCandidates) {
  AddEcKey(1, "release", {0x01}, true, false, false);
  AddEcKey(2, "release", {0x02}, true, false, false);
  auto store = Open();
  ASSERT_TRUE(store.ok());
  auto key = (*store)->FindKey("pkcs11:object=release", {});
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(key.error().message(), HasSubstr("2 private keys match"));
  EXPECT_THAT(key.error().message(), HasSubstr("pkcs11:token=mock;object=release;id=%01;type=private"));
  EXPECT_THAT(key.error().message(), HasSubstr("pkcs11:token=mock;object=release;id=%02;type=private"));
}

TEST_F(KeyStoreTest, WrongTokenOrTypeIsRejected) {
  AddEcKey(1, "release", {0x01}, true, false, false);
  auto store = Open();
  ASSERT_TRUE(store.ok());
  EXPECT_EQ((*store)->FindKey("pkcs11:token=other;object=release", {}).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT((*store)->FindKey("pkcs11:object=release;type=public", {}).error().message(), HasSubstr("only private keys"));
  EXPECT_EQ((*store)->FindKey("not a uri", {}).error().code(), ErrorCode::kInvalidArgument);
}

TEST_F(KeyStoreTest, RefusesExtractableKeyNamingTheAttribute) {
  AddEcKey(1, "weak", {0x01}, true, /*extractable=*/true, false);
  auto store = Open();
  ASSERT_TRUE(store.ok());
  auto key = (*store)->FindKey("pkcs11:object=weak", {});
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_THAT(key.error().message(), HasSubstr("CKA_EXTRACTABLE=true"));
  EXPECT_THAT(key.error().message(), HasSubstr("without CKA_WRAP_WITH_TRUSTED"));
  fw::OpenOptions allow;
  allow.allow_weak = true;
  EXPECT_TRUE((*store)->FindKey("pkcs11:object=weak", allow).ok());
}

TEST_F(KeyStoreTest, AcceptsBackupCapableKeyAsNotWeak) {
  // Extractable only wrapped under a trusted key (issue 17): sensitive + CKA_WRAP_WITH_TRUSTED.
  AddEcKey(1, "backup", {0x01}, true, /*extractable=*/true, false);
  objects_[1][CKA_WRAP_WITH_TRUSTED] = Bool(true);
  auto store = Open();
  ASSERT_TRUE(store.ok());
  auto key = (*store)->FindKey("pkcs11:object=backup", {});
  ASSERT_TRUE(key.ok()) << key.error().ToString();
  EXPECT_TRUE((*key)->attributes().wrap_with_trusted);
  EXPECT_TRUE(fw::IsBackupCapable((*key)->attributes()));
  // Not sensitive: still weak, wrap-with-trusted or not.
  objects_[1][CKA_SENSITIVE] = Bool(false);
  EXPECT_EQ((*store)->FindKey("pkcs11:object=backup", {}).error().code(), ErrorCode::kFailedPrecondition);
}

TEST_F(KeyStoreTest, BackupTemplateIsExtractableOnlyWithWrapWithTrusted) {
  auto store = Open();
  ASSERT_TRUE(store.ok());
  Attrs seen;
  EXPECT_CALL(mock_, GenerateKeyPair(_, _, _, _, _, _, _, _))
      .WillOnce([&](CK_SESSION_HANDLE, CK_MECHANISM*, CK_ATTRIBUTE*, CK_ULONG, CK_ATTRIBUTE* priv, CK_ULONG n,
                    CK_OBJECT_HANDLE* pub_h, CK_OBJECT_HANDLE* priv_h) {
        for (CK_ULONG i = 0; i < n; ++i) {
          const auto* p = static_cast<const uint8_t*>(priv[i].pValue);
          seen[priv[i].type] = Bytes(p, p + priv[i].ulValueLen);
        }
        *pub_h = 77;
        *priv_h = 78;
        return CKR_OK;
      });
  EXPECT_CALL(mock_, DestroyObject(_, 78)).WillOnce(Return(CKR_OK));
  EXPECT_CALL(mock_, DestroyObject(_, 77)).WillOnce(Return(CKR_OK));
  fw::GenerateOptions options{"k", SignatureAlgorithm::kEcdsaP256Sha256, /*backup=*/true};
  EXPECT_FALSE((*store)->GenerateKey(options).ok());
  EXPECT_EQ(seen[CKA_SENSITIVE], Bool(true));
  EXPECT_EQ(seen[CKA_EXTRACTABLE], Bool(true));
  EXPECT_EQ(seen[CKA_WRAP_WITH_TRUSTED], Bool(true));
  EXPECT_EQ(seen[CKA_DECRYPT], Bool(false));
  EXPECT_EQ(seen[CKA_UNWRAP], Bool(false));
}

TEST_F(KeyStoreTest, DevicesWithoutBackupSayUnimplemented) {
  // The fw::KeyStore defaults (a TPM backend has no trusted wrap): clear kUnimplemented.
  class NoBackup final : public fw::KeyStore {
   public:
    Result<std::unique_ptr<fw::SigningKey>> FindKey(std::string_view, const fw::OpenOptions&) override {
      return NotFound("none");
    }
    Result<std::unique_ptr<fw::SigningKey>> GenerateKey(const fw::GenerateOptions&) override { return NotFound("none"); }
    Result<std::vector<fw::KeyInfo>> ListKeys() override { return std::vector<fw::KeyInfo>{}; }
  } store;
  EXPECT_EQ(store.ImportWrappingKey("w", SecretBytes(Bytes(32, 1)), SecretBytes(Bytes(4, 1))).error().code(),
            ErrorCode::kUnimplemented);
  EXPECT_EQ(store.DestroyWrappingKey("w").error().code(), ErrorCode::kUnimplemented);
  EXPECT_EQ(store.UnwrapKey("w", fw::WrappedKey{}, Bytes{}).error().code(), ErrorCode::kUnimplemented);
}

TEST_F(KeyStoreTest, RefusesNonSensitiveKeyNamingTheAttribute) {
  AddEcKey(1, "weak", {0x01}, /*sensitive=*/false, false, false);
  auto store = Open();
  ASSERT_TRUE(store.ok());
  auto key = (*store)->FindKey("pkcs11:object=weak", {});
  ASSERT_FALSE(key.ok());
  EXPECT_THAT(key.error().message(), HasSubstr("CKA_SENSITIVE=false"));
}

TEST_F(KeyStoreTest, ListKeysGivesSelectingUris) {
  AddEcKey(1, "a", {0x0A}, true, false, false);
  AddEcKey(2, "b", {0x0B}, true, false, true);
  auto store = Open();
  ASSERT_TRUE(store.ok());
  auto keys = (*store)->ListKeys();
  ASSERT_TRUE(keys.ok());
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[0].uri, "pkcs11:token=mock;object=a;id=%0A;type=private");
  EXPECT_EQ((*keys)[0].public_key_spki, expected_spki_[1]);
  EXPECT_EQ((*keys)[1].public_key_spki, expected_spki_[2]);
}

TEST_F(KeyStoreTest, SupportedAlgorithmsProbesMechanisms) {
  auto store = Open();
  ASSERT_TRUE(store.ok());
  auto algs = (*store)->SupportedAlgorithms();
  ASSERT_TRUE(algs.ok());
  EXPECT_EQ(*algs, (std::vector<SignatureAlgorithm>{SignatureAlgorithm::kEcdsaP256Sha256, SignatureAlgorithm::kEcdsaP384Sha384,
                                              SignatureAlgorithm::kRsa3072PssSha256}));
}

TEST_F(KeyStoreTest, Ed25519OnATokenWithoutEdDsaIsRefused) {
  auto store = Open();
  ASSERT_TRUE(store.ok());
  EXPECT_CALL(mock_, GenerateKeyPair(_, _, _, _, _, _, _, _)).Times(0);
  auto key = (*store)->GenerateKey({"ed", SignatureAlgorithm::kEd25519});
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.error().code(), ErrorCode::kUnimplemented);
  EXPECT_THAT(key.error().message(), HasSubstr("does not offer CKM_EC_EDWARDS_KEY_PAIR_GEN"));
}

TEST_F(KeyStoreTest, ProfilesOutsideTheSigningKeyListAreRefusedBeforeTheToken) {
  auto store = Open();
  ASSERT_TRUE(store.ok());
  EXPECT_CALL(mock_, GenerateKeyPair(_, _, _, _, _, _, _, _)).Times(0);
  for (SignatureAlgorithm alg : {SignatureAlgorithm::kRsa2048Pkcs1Sha256, SignatureAlgorithm::kRsaPssSha256}) {
    auto key = (*store)->GenerateKey({"k", alg});
    ASSERT_FALSE(key.ok());
    EXPECT_EQ(key.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_THAT(key.error().message(), HasSubstr("is not a signing key profile"));
  }
}

TEST_F(KeyStoreTest, WriteProtectedTokenIsRefusedBeforeGenerating) {
  mock_.token_flags = CKF_LOGIN_REQUIRED | CKF_TOKEN_INITIALIZED | CKF_WRITE_PROTECTED;
  auto store = Open();
  ASSERT_TRUE(store.ok());
  EXPECT_CALL(mock_, GenerateKeyPair(_, _, _, _, _, _, _, _)).Times(0);
  auto key = (*store)->GenerateKey({"k", SignatureAlgorithm::kEcdsaP256Sha256});
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_THAT(key.error().message(), HasSubstr("read-only"));
}

TEST_F(KeyStoreTest, ReadOnlyAtGenerationTime) {
  auto store = Open();
  ASSERT_TRUE(store.ok());
  ON_CALL(mock_, GenerateKeyPair(_, _, _, _, _, _, _, _)).WillByDefault(Return(CKR_TOKEN_WRITE_PROTECTED));
  EXPECT_CALL(mock_, DestroyObject(_, _)).Times(0);
  auto key = (*store)->GenerateKey({"k", SignatureAlgorithm::kEcdsaP256Sha256});
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.error().code(), ErrorCode::kFailedPrecondition);
}

TEST_F(KeyStoreTest, FullTokenIsResourceExhausted) {
  auto store = Open();
  ASSERT_TRUE(store.ok());
  ON_CALL(mock_, GenerateKeyPair(_, _, _, _, _, _, _, _)).WillByDefault(Return(CKR_DEVICE_MEMORY));
  EXPECT_CALL(mock_, DestroyObject(_, _)).Times(0);
  auto key = (*store)->GenerateKey({"k", SignatureAlgorithm::kRsa3072PssSha256});
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.error().code(), ErrorCode::kResourceExhausted);
  EXPECT_THAT(key.error().message(), HasSubstr("full"));
}

TEST_F(KeyStoreTest, TakenLabelIsAlreadyExists) {
  AddEcKey(1, "release", {0x01}, true, false, false);
  auto store = Open();
  ASSERT_TRUE(store.ok());
  EXPECT_CALL(mock_, GenerateKeyPair(_, _, _, _, _, _, _, _)).Times(0);
  auto key = (*store)->GenerateKey({"release", SignatureAlgorithm::kEcdsaP256Sha256});
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.error().code(), ErrorCode::kAlreadyExists);
}

TEST_F(KeyStoreTest, BadLabelsAreRejected) {
  auto store = Open();
  ASSERT_TRUE(store.ok());
  EXPECT_EQ((*store)->GenerateKey({"", SignatureAlgorithm::kEcdsaP256Sha256}).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ((*store)->GenerateKey({"a\nb", SignatureAlgorithm::kEcdsaP256Sha256}).error().code(), ErrorCode::kInvalidArgument);
}

TEST_F(KeyStoreTest, TemplateIsSensitiveNeverExtractableSignOnly) {
  auto store = Open();
  ASSERT_TRUE(store.ok());
  Attrs seen;
  EXPECT_CALL(mock_, GenerateKeyPair(_, _, _, _, _, _, _, _))
      .WillOnce([&](CK_SESSION_HANDLE, CK_MECHANISM* m, CK_ATTRIBUTE*, CK_ULONG, CK_ATTRIBUTE* priv, CK_ULONG n,
                    CK_OBJECT_HANDLE* pub_h, CK_OBJECT_HANDLE* priv_h) {
        EXPECT_EQ(m->mechanism, CKM_EC_KEY_PAIR_GEN);
        for (CK_ULONG i = 0; i < n; ++i) {
          const auto* p = static_cast<const uint8_t*>(priv[i].pValue);
          seen[priv[i].type] = Bytes(p, p + priv[i].ulValueLen);
        }
        *pub_h = 77;
        *priv_h = 78;  // not in the fake store: reading it back fails
        return CKR_OK;
      });
  // The new key cannot be read back, so both halves must be destroyed: nothing half-created.
  EXPECT_CALL(mock_, DestroyObject(_, 78)).WillOnce(Return(CKR_OK));
  EXPECT_CALL(mock_, DestroyObject(_, 77)).WillOnce(Return(CKR_OK));
  auto key = (*store)->GenerateKey({"k", SignatureAlgorithm::kEcdsaP256Sha256});
  ASSERT_FALSE(key.ok());
  EXPECT_THAT(key.error().message(), HasSubstr("was removed"));
  EXPECT_EQ(seen[CKA_TOKEN], Bool(true));
  EXPECT_EQ(seen[CKA_PRIVATE], Bool(true));
  EXPECT_EQ(seen[CKA_SENSITIVE], Bool(true));
  EXPECT_EQ(seen[CKA_EXTRACTABLE], Bool(false));
  EXPECT_EQ(seen[CKA_SIGN], Bool(true));
  EXPECT_EQ(seen[CKA_DECRYPT], Bool(false));
  EXPECT_EQ(seen[CKA_UNWRAP], Bool(false));
  EXPECT_EQ(seen[CKA_DERIVE], Bool(false));
  EXPECT_EQ(seen[CKA_LABEL], Str("k"));
  EXPECT_EQ(seen[CKA_ID].size(), 16u);
}

TEST(PinTest, SourcesAndErrors) {
  char dir[] = "/tmp/signet-pin-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const std::string file = std::string(dir) + "/pin";
  FILE* f = std::fopen(file.c_str(), "w");
  std::fputs("s3cret\n", f);
  std::fclose(f);
  ASSERT_EQ(chmod(file.c_str(), 0600), 0);
  auto uri = ParsePkcs11Uri("pkcs11:token=t?pin-source=file:" + file);
  auto pin = ResolvePin(*uri, "");
  ASSERT_TRUE(pin.ok());
  EXPECT_EQ(AsString((*pin)->Reveal()), "s3cret");

  setenv("SIGNET_TEST_PIN_ENV", "fromenv", 1);
  auto env = ResolvePin(*ParsePkcs11Uri("pkcs11:token=t"), "SIGNET_TEST_PIN_ENV");
  ASSERT_TRUE(env.ok());
  EXPECT_EQ(AsString((*env)->Reveal()), "fromenv");
  auto unset = ResolvePin(*ParsePkcs11Uri("pkcs11:token=t"), "SIGNET_TEST_PIN_UNSET");
  EXPECT_EQ(unset.error().code(), ErrorCode::kNotFound);
  auto none = ResolvePin(*ParsePkcs11Uri("pkcs11:token=t"), "");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  auto missing = ResolvePin(*ParsePkcs11Uri("pkcs11:token=t?pin-source=/nonexistent/pin"), "");
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
  f = std::fopen(file.c_str(), "w");
  std::fclose(f);
  ASSERT_EQ(chmod(file.c_str(), 0600), 0);
  auto empty = ResolvePin(*ParsePkcs11Uri("pkcs11:token=t?pin-source=" + file), "");
  EXPECT_EQ(empty.error().code(), ErrorCode::kInvalidArgument);
  std::remove(file.c_str());
  rmdir(dir);
}

// Issue 12 item 12: a PIN file that other users can read is no secret; refuse it, whichever
// group/other bit opens it, and never quote the PIN in the error.
TEST(PinTest, PinFileReadableByOtherUsersIsRefused) {
  char dir[] = "/tmp/signet-pin-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const std::string file = std::string(dir) + "/pin";
  FILE* f = std::fopen(file.c_str(), "w");
  std::fputs("s3cret-4711\n", f);
  std::fclose(f);
  const auto uri = ParsePkcs11Uri("pkcs11:token=t?pin-source=" + file);
  for (mode_t mode : {0644, 0640, 0604, 0620, 0602, 0610, 0601, 0660}) {
    ASSERT_EQ(chmod(file.c_str(), mode), 0);
    auto pin = ResolvePin(*uri, "");
    ASSERT_FALSE(pin.ok()) << std::oct << mode;
    EXPECT_EQ(pin.error().code(), ErrorCode::kPermissionDenied) << std::oct << mode;
    EXPECT_THAT(pin.error().message(), HasSubstr("chmod 600"));
    EXPECT_THAT(pin.error().message(), ::testing::Not(HasSubstr("s3cret")));
  }
  for (mode_t mode : {0600, 0400}) {
    ASSERT_EQ(chmod(file.c_str(), mode), 0);
    auto pin = ResolvePin(*uri, "");
    ASSERT_TRUE(pin.ok()) << std::oct << mode << " " << pin.error().ToString();
    EXPECT_EQ(AsString((*pin)->Reveal()), "s3cret-4711");
  }
  std::remove(file.c_str());
  rmdir(dir);
}

// Issue 12 items 23 and 27: a directory, a FIFO or a device as pin-source is unusable local
// input (kInvalidArgument, exit 2), refused at once: a FIFO used to block the open forever and a
// directory used to fail the read as an internal error (exit 3).
TEST(PinTest, DirectoryFifoOrDeviceAsPinSourceIsInvalidArgument) {
  char dir[] = "/tmp/signet-pin-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const std::string fifo = std::string(dir) + "/fifo";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  for (const std::string& path : {std::string(dir), fifo, std::string("/dev/zero"), std::string("/dev/null")}) {
    auto pin = ResolvePin(*ParsePkcs11Uri("pkcs11:token=t?pin-source=" + path), "");
    ASSERT_FALSE(pin.ok()) << path;
    EXPECT_EQ(pin.error().code(), ErrorCode::kInvalidArgument) << path << ": " << pin.error().ToString();
    EXPECT_THAT(pin.error().message(), HasSubstr("only regular files"));
  }
  std::remove(fifo.c_str());
  rmdir(dir);
}

// Issue 12 item 27: library-manufacturer, library-description and library-version were parsed
// and then ignored, so a URI pinned to one vendor's library silently used another.
TEST_F(KeyStoreTest, LibraryAttributesAreEnforcedAgainstGetInfo) {
  const std::string pin = "?pin-value=1234";
  for (const char* good : {"pkcs11:token=mock;library-manufacturer=Signet%20tests",
                           "pkcs11:token=mock;library-description=gmock%20PKCS%2311;library-version=1.2",
                           "pkcs11:library-manufacturer=Signet%20tests;library-version=1.2;token=mock"}) {
    auto store = OpenKeyStoreWithModule(module_, std::string(good) + pin, KeyStoreOptions{});
    EXPECT_TRUE(store.ok()) << good << ": " << store.error().ToString();
  }
  struct Bad {
    const char* uri;
    const char* attribute;
  };
  for (const Bad& bad : {Bad{"pkcs11:token=mock;library-manufacturer=OpenSC%20Project", "library-manufacturer"},
                         Bad{"pkcs11:token=mock;library-manufacturer=Signet", "library-manufacturer"},
                         Bad{"pkcs11:token=mock;library-description=SoftHSM", "library-description"},
                         Bad{"pkcs11:token=mock;library-version=1", "library-version"},
                         Bad{"pkcs11:token=mock;library-version=1.3", "library-version"},
                         Bad{"pkcs11:token=mock;library-version=2.2", "library-version"}}) {
    auto store = OpenKeyStoreWithModule(module_, std::string(bad.uri) + pin, KeyStoreOptions{});
    ASSERT_FALSE(store.ok()) << bad.uri;
    EXPECT_EQ(store.error().code(), ErrorCode::kInvalidArgument) << bad.uri;
    EXPECT_THAT(store.error().message(), HasSubstr(bad.attribute));
    EXPECT_THAT(store.error().message(), HasSubstr("C_GetInfo"));
  }
  // A failing C_GetInfo is not a match either.
  EXPECT_CALL(mock_, GetInfo(_)).WillOnce(Return(CKR_DEVICE_ERROR));
  auto broken = OpenKeyStoreWithModule(module_, "pkcs11:token=mock;library-version=1.2" + pin, KeyStoreOptions{});
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.error().code(), ErrorCode::kUnavailable);
}

// Issue 12 item 23: dlopen of a FIFO named as the module waited forever for a writer.
TEST(ModulePathTest, FifoDeviceOrDirectoryAsModuleIsInvalidArgument) {
  char dir[] = "/tmp/signet-module-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const std::string fifo = std::string(dir) + "/libfifo.so";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  for (const std::string& path : {fifo, std::string("/dev/zero"), std::string(dir)}) {
    auto module = Module::Load(path);
    ASSERT_FALSE(module.ok()) << path;
    EXPECT_EQ(module.error().code(), ErrorCode::kInvalidArgument) << path << ": " << module.error().ToString();
  }
  std::remove(fifo.c_str());
  rmdir(dir);
}

TEST(ModulePathTest, Resolution) {
  KeyStoreOptions options;
  EXPECT_EQ(ResolveModulePath(*ParsePkcs11Uri("pkcs11:"), options).error().code(), ErrorCode::kInvalidArgument);
  options.module_path = "/from/flag.so";
  EXPECT_EQ(*ResolveModulePath(*ParsePkcs11Uri("pkcs11:"), options), "/from/flag.so");
  EXPECT_EQ(*ResolveModulePath(*ParsePkcs11Uri("pkcs11:?module-path=/from/uri.so"), options), "/from/uri.so");
  EXPECT_EQ(ResolveModulePath(*ParsePkcs11Uri("pkcs11:?module-name=no-such-module"), options).error().code(),
            ErrorCode::kNotFound);
  EXPECT_EQ(ResolveModulePath(*ParsePkcs11Uri("pkcs11:?module-name=a%2Fb"), options).error().code(),
            ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace signet::hsm
