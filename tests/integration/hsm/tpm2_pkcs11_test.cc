// A TPM-resident ECDSA P-256 key through tpm2-pkcs11 over swtpm: provisioned with tpm2_ptool
// (which needs tpm2-abrmd), then listed and exported with `signet key`, used through the same
// PKCS#11 key store as any HSM, and verified with the openssl CLI.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>

#include "signet/core/bytes.h"
#include "signet/hsm/key_store.h"
#include "test_env.h"

namespace signet::hsm {
namespace {

using ::testing::HasSubstr;
using signet::testing::EnvOr;
using signet::testing::RunCommand;

std::string Q(const std::string& s) { return "'" + s + "'"; }

std::string Tpm2Pkcs11Module() {
  for (const char* m : {"/usr/lib/x86_64-linux-gnu/pkcs11/libtpm2_pkcs11.so", "/usr/lib/x86_64-linux-gnu/libtpm2_pkcs11.so.1",
                        "/usr/lib/pkcs11/libtpm2_pkcs11.so"}) {
    if (std::ifstream(m).good()) return m;
  }
  return "";
}

class Tpm2Pkcs11Test : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(signet::testing::LoadFixtureEnv("swtpm"));
    ASSERT_TRUE(signet::testing::LoadFixtureEnv("abrmd"));
    module_ = Tpm2Pkcs11Module();
    ASSERT_FALSE(module_.empty()) << "libtpm2_pkcs11.so not installed (run scripts/setup)";
    dir_ = signet::testing::MakeTempDir();
    // tpm2_ptool and the library both talk to the TPM through the resource manager.
    const std::string tcti = EnvOr("SIGNET_TEST_TABRMD_TCTI", "");
    ASSERT_FALSE(tcti.empty());
    setenv("TPM2TOOLS_TCTI", tcti.c_str(), 1);
    setenv("TPM2_PKCS11_TCTI", tcti.c_str(), 1);
    setenv("TPM2_PKCS11_STORE", dir_.c_str(), 1);
    setenv("TPM2_PKCS11_LOG_LEVEL", "0", 1);
    std::ofstream(dir_ + "/user.pin") << "tpm-user-pin";
    ASSERT_EQ(chmod((dir_ + "/user.pin").c_str(), 0600), 0);  // pin-source must be private
    std::string out;
    ASSERT_EQ(RunCommand("tpm2_ptool init --path " + Q(dir_), &out), 0) << out;
    const size_t id_at = out.find("id: ");
    ASSERT_NE(id_at, std::string::npos) << out;
    const std::string pid = out.substr(id_at + 4, out.find('\n', id_at) - id_at - 4);
    ASSERT_EQ(RunCommand("tpm2_ptool addtoken --pid=" + pid + " --label=signet-tpm --sopin=tpm-so-pin "
                         "--userpin=tpm-user-pin --path " + Q(dir_), &out), 0) << out;
    // tpm2_ptool stores --id as ASCII: "01" becomes CKA_ID 0x3031.
    ASSERT_EQ(RunCommand("tpm2_ptool addkey --label=signet-tpm --key-label=tpm-p256 --id=01 "
                         "--userpin=tpm-user-pin --algorithm=ecc256 --path " + Q(dir_), &out), 0) << out;
  }
  void TearDown() override { signet::testing::RemoveTree(dir_); }

  std::string TokenUri() { return "pkcs11:token=signet-tpm?module-path=" + module_ + "&pin-source=" + dir_ + "/user.pin"; }
  std::string KeyUri() {
    return "pkcs11:token=signet-tpm;object=tpm-p256;id=%30%31?module-path=" + module_ + "&pin-source=" + dir_ + "/user.pin";
  }
  std::string Signet(const std::string& args, int* rc) {
    std::string out;
    *rc = RunCommand(Q(EnvOr("SIGNET_CLI", "signet")) + " " + args, &out);
    return out;
  }

  std::string module_, dir_;
};

TEST_F(Tpm2Pkcs11Test, ListExportSignVerifyWithOpenssl) {
  int rc = 0;
  std::string list = Signet("key list --token " + Q(TokenUri()), &rc);
  ASSERT_EQ(rc, 0) << list;
  EXPECT_THAT(list, HasSubstr("object=tpm-p256;id=%30%31;type=private"));
  EXPECT_THAT(list, HasSubstr("type: ecdsa-p256"));
  EXPECT_THAT(list, HasSubstr("sensitive: yes  extractable: no"));

  const std::string pem = dir_ + "/tpm.pem";
  std::string exported = Signet("key export --key " + Q(KeyUri()) + " --out " + Q(pem), &rc);
  ASSERT_EQ(rc, 0) << exported;

  KeyStoreOptions options;
  options.pool.max_sessions = 2;
  auto store = OpenKeyStore(KeyUri(), options);
  ASSERT_TRUE(store.ok()) << store.error().ToString();
  auto key = (*store)->FindKey(KeyUri(), {});
  ASSERT_TRUE(key.ok()) << key.error().ToString();
  EXPECT_EQ((*key)->algorithm(), SignatureAlgorithm::kEcdsaP256Sha256);
  const std::string message = "artefact signed inside the TPM";
  for (int i = 0; i < 3; ++i) {
    auto sig = (*key)->Sign(AsBytes(message));
    ASSERT_TRUE(sig.ok()) << sig.error().ToString();
    std::ofstream(dir_ + "/msg.bin", std::ios::binary) << message;
    std::ofstream(dir_ + "/sig.bin", std::ios::binary).write(reinterpret_cast<const char*>(sig->data()),
                                                              static_cast<std::streamsize>(sig->size()));
    std::string out;
    EXPECT_EQ(RunCommand("openssl dgst -sha256 -verify " + Q(pem) + " -signature " + Q(dir_ + "/sig.bin") + " " +
                         Q(dir_ + "/msg.bin"), &out), 0) << out;
    EXPECT_THAT(out, HasSubstr("Verified OK"));
  }

  // tpm2_ptool's ECC keys may also derive: `key check` says so rather than passing silently.
  std::string check = Signet("key check --key " + Q(KeyUri()), &rc);
  EXPECT_THAT(check, HasSubstr("[ok] self-test"));
  EXPECT_THAT(check, HasSubstr("[ok] CKA_EXTRACTABLE=false"));
}

TEST_F(Tpm2Pkcs11Test, Ed25519IsRefusedClearly) {
  KeyStoreOptions options;
  auto store = OpenKeyStore(TokenUri(), options);
  ASSERT_TRUE(store.ok()) << store.error().ToString();
  auto key = (*store)->GenerateKey({"ed", SignatureAlgorithm::kEd25519});
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.error().code(), ErrorCode::kUnimplemented);
  EXPECT_THAT(key.error().message(), HasSubstr("does not offer CKM_EC_EDWARDS_KEY_PAIR_GEN"));
}

}  // namespace
}  // namespace signet::hsm
