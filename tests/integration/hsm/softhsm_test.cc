// The PKCS#11 key store against a real SoftHSM2 token (the `softhsm` fixture, or the real module
// it points at): every key type generated, used and verified by the openssl CLI; CKA_VALUE
// stays sensitive; 8 threads x 1000 signatures; recovery when sessions are closed, the user is
// logged out, or the module is finalised and initialised again underneath the pool.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <dlfcn.h>
#include <openssl/rand.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <thread>

#include "signet/core/encoding.h"
#include "signet/firmware_iface/signing_key.h"
#include "signet/hsm/key_store.h"
#include "signet/hsm/module.h"
#include "test_env.h"

namespace signet::hsm {
namespace {

using ::testing::HasSubstr;
using signet::testing::EnvOr;
using signet::testing::RunCommand;

std::string Quote(const std::string& s) { return "'" + s + "'"; }

void WriteBytes(const std::string& path, ByteView data) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
}

std::string UniqueLabel(const std::string& prefix) {
  uint8_t r[6];
  RAND_bytes(r, sizeof r);
  return prefix + "-" + HexEncode(ByteView(r, sizeof r));
}

class SoftHsmTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { ASSERT_TRUE(signet::testing::LoadFixtureEnv("softhsm")) << "softhsm fixture missing"; }

  void SetUp() override {
    module_path_ = EnvOr("SIGNET_TEST_PKCS11_MODULE", "");
    label_ = EnvOr("SIGNET_TEST_TOKEN_LABEL", "");
    pin_file_ = EnvOr("SIGNET_TEST_PIN_FILE", "");
    ASSERT_FALSE(module_path_.empty());
    token_uri_ = "pkcs11:token=" + PercentEncode(AsBytes(label_)) + "?pin-source=" + pin_file_;
    tmp_ = signet::testing::MakeTempDir();
  }
  void TearDown() override { signet::testing::RemoveTree(tmp_); }

  std::unique_ptr<fw::KeyStore> OpenStore() {
    KeyStoreOptions options;
    options.module_path = module_path_;
    options.pool.max_sessions = 8;
    options.pool.backoff_initial = std::chrono::milliseconds(20);
    options.pool.backoff_max = std::chrono::milliseconds(160);
    auto store = OpenKeyStore(token_uri_, options);
    EXPECT_TRUE(store.ok()) << store.error().ToString();
    return store.ok() ? std::move(store).value() : nullptr;
  }

  std::string KeyUri(const std::string& label) {
    return "pkcs11:token=" + PercentEncode(AsBytes(label_)) + ";object=" + PercentEncode(AsBytes(label)) +
           "?module-path=" + module_path_ + "&pin-source=" + pin_file_;
  }

  // ExportPem runs `signet key export` (the CLI path the issue names) into a file.
  std::string ExportPem(const std::string& label) {
    const std::string pem = tmp_ + "/" + label + ".pem";
    std::string out;
    const int rc = RunCommand(Quote(EnvOr("SIGNET_CLI", "signet")) + " key export --key " + Quote(KeyUri(label)) +
                                  " --out " + Quote(pem),
                              &out);
    EXPECT_EQ(rc, 0) << out;
    return pem;
  }

  // OpensslVerifies verifies with the openssl CLI, as an outside party would.
  bool OpensslVerifies(SignatureAlgorithm alg, const std::string& pem, ByteView message, ByteView signature) {
    const std::string msg = tmp_ + "/msg.bin", sig = tmp_ + "/sig.bin";
    WriteBytes(msg, message);
    WriteBytes(sig, signature);
    std::string cmd;
    switch (alg) {
      case SignatureAlgorithm::kEcdsaP256Sha256: cmd = "openssl dgst -sha256 -verify " + pem + " -signature " + sig + " " + msg; break;
      case SignatureAlgorithm::kEcdsaP384Sha384: cmd = "openssl dgst -sha384 -verify " + pem + " -signature " + sig + " " + msg; break;
      case SignatureAlgorithm::kEd25519:
        cmd = "openssl pkeyutl -verify -pubin -inkey " + pem + " -rawin -in " + msg + " -sigfile " + sig;
        break;
      case SignatureAlgorithm::kRsa3072PssSha256:
        cmd = "openssl dgst -sha256 -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 -sigopt rsa_mgf1_md:sha256 "
              "-verify " + pem + " -signature " + sig + " " + msg;
        break;
      case SignatureAlgorithm::kRsa2048Pkcs1Sha256:  // not signing key profiles: never generated here
      case SignatureAlgorithm::kRsaPssSha256:
        return false;
    }
    std::string out;
    const int rc = RunCommand(cmd, &out);
    return rc == 0 && (out.find("Verified OK") != std::string::npos ||
                       out.find("Signature Verified Successfully") != std::string::npos);
  }

  std::string module_path_, label_, pin_file_, token_uri_, tmp_;
};

TEST_F(SoftHsmTest, EveryKeyTypeIsGeneratedUsedAndVerifiedByOpensslCli) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  auto supported = store->SupportedAlgorithms();
  ASSERT_TRUE(supported.ok());
  for (SignatureAlgorithm alg : {SignatureAlgorithm::kEcdsaP256Sha256, SignatureAlgorithm::kEcdsaP384Sha384, SignatureAlgorithm::kEd25519,
                           SignatureAlgorithm::kRsa3072PssSha256}) {
    SCOPED_TRACE(std::string(SignatureAlgorithmName(alg)));
    const std::string label = UniqueLabel(std::string(SignatureAlgorithmName(alg)));
    auto key = store->GenerateKey({label, alg});
    const bool offered = std::find(supported->begin(), supported->end(), alg) != supported->end();
    if (!offered) {
      // A token without the mechanism (e.g. SoftHSM2 built without EdDSA) is refused clearly.
      ASSERT_FALSE(key.ok());
      EXPECT_EQ(key.error().code(), ErrorCode::kUnimplemented);
      EXPECT_THAT(key.error().message(), HasSubstr("does not offer"));
      continue;
    }
    ASSERT_TRUE(key.ok()) << key.error().ToString();
    EXPECT_EQ((*key)->algorithm(), alg);
    EXPECT_TRUE((*key)->attributes().sensitive);
    EXPECT_FALSE((*key)->attributes().extractable);
    EXPECT_TRUE((*key)->attributes().never_extractable);
    EXPECT_FALSE((*key)->attributes().can_decrypt);
    EXPECT_FALSE((*key)->attributes().can_unwrap);
    EXPECT_FALSE((*key)->attributes().can_derive);
    const std::string pem = ExportPem(label);
    for (int i = 0; i < 3; ++i) {
      const std::string message = "release artefact #" + std::to_string(i) + " " + label;
      auto sig = (*key)->Sign(AsBytes(message));
      ASSERT_TRUE(sig.ok()) << sig.error().ToString();
      EXPECT_TRUE(OpensslVerifies(alg, pem, AsBytes(message), *sig));
      // A different message must not verify (the check is real).
      EXPECT_FALSE(OpensslVerifies(alg, pem, AsBytes(message + "!"), *sig));
    }
    // Found again by URI, it is the same key.
    auto again = store->FindKey(KeyUri(label), {});
    ASSERT_TRUE(again.ok()) << again.error().ToString();
    EXPECT_EQ((*again)->key_id(), (*key)->key_id());
  }
}

TEST_F(SoftHsmTest, PrivateValueIsSensitive) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  const std::string label = UniqueLabel("sensitive");
  ASSERT_TRUE(store->GenerateKey({label, SignatureAlgorithm::kEcdsaP256Sha256}).ok());

  // Ask the token directly, on our own session, for the private value.
  auto module = Module::Load(module_path_);
  ASSERT_TRUE(module.ok());
  const CK_FUNCTION_LIST* fn = (*module)->fn();
  CK_ULONG n = 0;
  ASSERT_EQ(fn->C_GetSlotList(CK_TRUE, nullptr, &n), CKR_OK);
  std::vector<CK_SLOT_ID> slots(n);
  ASSERT_EQ(fn->C_GetSlotList(CK_TRUE, slots.data(), &n), CKR_OK);
  CK_SLOT_ID slot = 0;
  bool found = false;
  for (CK_SLOT_ID s : slots) {
    CK_TOKEN_INFO info{};
    if (fn->C_GetTokenInfo(s, &info) != CKR_OK) continue;
    std::string l(reinterpret_cast<char*>(info.label), sizeof info.label);
    l.erase(l.find_last_not_of(' ') + 1);
    if (l == label_) {
      slot = s;
      found = true;
    }
  }
  ASSERT_TRUE(found);
  CK_SESSION_HANDLE session = 0;
  ASSERT_EQ(fn->C_OpenSession(slot, CKF_SERIAL_SESSION, nullptr, nullptr, &session), CKR_OK);
  std::ifstream pin_in(pin_file_);
  std::string pin((std::istreambuf_iterator<char>(pin_in)), std::istreambuf_iterator<char>());
  const CK_RV login = fn->C_Login(session, CKU_USER, reinterpret_cast<CK_UTF8CHAR*>(pin.data()), pin.size());
  ASSERT_TRUE(login == CKR_OK || login == CKR_USER_ALREADY_LOGGED_IN);
  CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
  CK_ATTRIBUTE templ[] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_LABEL, const_cast<char*>(label.data()), label.size()}};
  ASSERT_EQ(fn->C_FindObjectsInit(session, templ, 2), CKR_OK);
  CK_OBJECT_HANDLE key = 0;
  CK_ULONG count = 0;
  ASSERT_EQ(fn->C_FindObjects(session, &key, 1, &count), CKR_OK);
  ASSERT_EQ(fn->C_FindObjectsFinal(session), CKR_OK);
  ASSERT_EQ(count, 1u);
  uint8_t buffer[256];
  CK_ATTRIBUTE value{CKA_VALUE, buffer, sizeof buffer};
  EXPECT_EQ(fn->C_GetAttributeValue(session, key, &value, 1), CKR_ATTRIBUTE_SENSITIVE);
  EXPECT_EQ(value.ulValueLen, CK_UNAVAILABLE_INFORMATION);
  fn->C_CloseSession(session);
}

TEST_F(SoftHsmTest, EightThreadsTimesAThousandSignaturesAllValid) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  const std::string label = UniqueLabel("threads");
  auto key = store->GenerateKey({label, SignatureAlgorithm::kEcdsaP256Sha256});
  ASSERT_TRUE(key.ok()) << key.error().ToString();
  std::atomic<int> valid{0}, failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 1000; ++i) {
        const std::string message = "thread " + std::to_string(t) + " message " + std::to_string(i);
        auto sig = (*key)->Sign(AsBytes(message));
        if (sig.ok() && PublicKey::FromSpkiDer((*key)->public_key_spki(), SignatureAlgorithm::kEcdsaP256Sha256)->Verify(AsBytes(message), *sig).ok()) {
          ++valid;
        } else {
          ++failed;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(valid.load(), 8000);
  EXPECT_EQ(failed.load(), 0);
}

class SoftHsmRecoveryTest : public SoftHsmTest {
 protected:
  void SetUp() override {
    SoftHsmTest::SetUp();
    store_ = OpenStore();
    ASSERT_NE(store_, nullptr);
    auto key = store_->GenerateKey({UniqueLabel("recovery"), SignatureAlgorithm::kEcdsaP256Sha256});
    ASSERT_TRUE(key.ok()) << key.error().ToString();
    key_ = std::move(key).value();
    auto module = Module::Load(module_path_);
    ASSERT_TRUE(module.ok());
    module_ = *module;  // the same, already initialised module (one per process)
    ASSERT_TRUE(SignsAndVerifies());
  }

  bool SignsAndVerifies() {
    auto sig = key_->Sign(AsBytes("payload"));
    return sig.ok() && PublicKey::FromSpkiDer(key_->public_key_spki(), key_->algorithm())->Verify(AsBytes("payload"), *sig).ok();
  }

  CK_SLOT_ID Slot() {
    const CK_FUNCTION_LIST* fn = module_->fn();
    CK_ULONG n = 0;
    fn->C_GetSlotList(CK_TRUE, nullptr, &n);
    std::vector<CK_SLOT_ID> slots(n);
    fn->C_GetSlotList(CK_TRUE, slots.data(), &n);
    for (CK_SLOT_ID s : slots) {
      CK_TOKEN_INFO info{};
      if (fn->C_GetTokenInfo(s, &info) != CKR_OK) continue;
      std::string l(reinterpret_cast<char*>(info.label), sizeof info.label);
      l.erase(l.find_last_not_of(' ') + 1);
      if (l == label_) return s;
    }
    ADD_FAILURE() << "token not found";
    return 0;
  }

  std::unique_ptr<fw::KeyStore> store_;
  std::unique_ptr<fw::SigningKey> key_;
  std::shared_ptr<Module> module_;
};

TEST_F(SoftHsmRecoveryTest, AfterAllSessionsAreClosedUnderneath) {
  // Another handle on the same library, obtained the way any other component of the process
  // would: dlopen + C_GetFunctionList. It shares the module's state, so this closes our sessions.
  void* lib = dlopen(module_path_.c_str(), RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(lib, nullptr);
  auto get_list = reinterpret_cast<CK_C_GetFunctionList>(dlsym(lib, "C_GetFunctionList"));
  ASSERT_NE(get_list, nullptr);
  CK_FUNCTION_LIST* other = nullptr;
  ASSERT_EQ(get_list(&other), CKR_OK);
  ASSERT_EQ(other->C_CloseAllSessions(Slot()), CKR_OK);
  dlclose(lib);
  EXPECT_TRUE(SignsAndVerifies());
  EXPECT_TRUE(SignsAndVerifies());
}

TEST_F(SoftHsmRecoveryTest, AfterTheUserIsLoggedOutUnderneath) {
  const CK_FUNCTION_LIST* fn = module_->fn();
  CK_SESSION_HANDLE s = 0;
  ASSERT_EQ(fn->C_OpenSession(Slot(), CKF_SERIAL_SESSION, nullptr, nullptr, &s), CKR_OK);
  ASSERT_EQ(fn->C_Logout(s), CKR_OK);  // logs out every session of this application
  CK_SESSION_INFO info{};
  ASSERT_EQ(fn->C_GetSessionInfo(s, &info), CKR_OK);
  ASSERT_EQ(info.state, CKS_RO_PUBLIC_SESSION);
  EXPECT_TRUE(SignsAndVerifies());
  fn->C_CloseSession(s);
}

TEST_F(SoftHsmRecoveryTest, TokenPulledAndPutBackIsUnavailableThenRecovers) {
  const CK_FUNCTION_LIST* fn = module_->fn();
  // "Pull" the token: finalise the module underneath the pool (same process, same handle).
  ASSERT_EQ(fn->C_Finalize(nullptr), CKR_OK);
  auto sig = key_->Sign(AsBytes("payload"));
  ASSERT_FALSE(sig.ok());
  EXPECT_EQ(sig.error().code(), ErrorCode::kUnavailable);
  EXPECT_THAT(sig.error().message(), HasSubstr("is unavailable"));
  EXPECT_THAT(sig.error().message(), HasSubstr("CKR_CRYPTOKI_NOT_INITIALIZED"));
  // Still gone on the next call (answered at once, within the backoff window, or by a probe).
  sig = key_->Sign(AsBytes("payload"));
  ASSERT_FALSE(sig.ok());
  EXPECT_EQ(sig.error().code(), ErrorCode::kUnavailable);

  // "Put it back".
  CK_C_INITIALIZE_ARGS args{};
  args.flags = CKF_OS_LOCKING_OK;
  ASSERT_EQ(fn->C_Initialize(&args), CKR_OK);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  bool recovered = false;
  while (!recovered && std::chrono::steady_clock::now() < deadline) {
    recovered = SignsAndVerifies();
    if (!recovered) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(recovered);
  // The store works again as a whole, not just the one key.
  EXPECT_TRUE(store_->ListKeys().ok());
}

TEST_F(SoftHsmTest, PkcsToolShowsGeneratedKeysSensitiveAndNeverExtractable) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  const std::string label = UniqueLabel("pkcs11tool");
  ASSERT_TRUE(store->GenerateKey({label, SignatureAlgorithm::kEcdsaP256Sha256}).ok());
  std::string out;
  ASSERT_EQ(RunCommand("pkcs11-tool --module " + Quote(module_path_) + " --token-label " + Quote(label_) +
                           " --login --pin \"$(cat " + Quote(pin_file_) + ")\" --list-objects --type privkey",
                       &out),
            0)
      << out;
  const size_t at = out.find("label:      " + label);
  ASSERT_NE(at, std::string::npos) << out;
  const std::string block = out.substr(at, out.find("Private Key Object", at) - at);
  EXPECT_THAT(block, HasSubstr("Usage:      sign"));
  EXPECT_THAT(block, HasSubstr("Access:     sensitive, always sensitive, never extractable, local"));
}

}  // namespace
}  // namespace signet::hsm
