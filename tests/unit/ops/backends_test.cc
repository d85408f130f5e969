// The backend factory (ops/backends.h) and the commands' use of it: main() builds Backends once,
// commands open devices only through it, with the configuration their flags and the environment
// select. A fake Backends scripts the devices, so no token and no TPM is needed here.
#include "signet/ops/backends.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fw_mocks.h"
#include "signet/ops/commands.h"
#include "signet/ops/exit_codes.h"
#include "test_env.h"
#include "wiring.h"

namespace signet::ops {
namespace {

using ::testing::NiceMock;
using ::testing::Return;

// ScopedEnv sets (or unsets) a variable for one test and restores it.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) saved_ = old;
    if (value) {
      setenv(name, value, 1);
    } else {
      unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (saved_) {
      setenv(name_, saved_->c_str(), 1);
    } else {
      unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> saved_;
};

TEST(BackendConfigTest, TheDefaultModuleComesFromTheEnvironment) {
  {
    ScopedEnv env("SIGNET_PKCS11_MODULE", "/opt/hsm/libvendor.so");
    EXPECT_EQ(BackendConfigFromEnvironment().default_pkcs11_module, "/opt/hsm/libvendor.so");
  }
  ScopedEnv env("SIGNET_PKCS11_MODULE", nullptr);
  BackendConfig config = BackendConfigFromEnvironment();
  EXPECT_EQ(config.default_pkcs11_module, "");
  EXPECT_EQ(config.max_sessions, 4u);
  EXPECT_TRUE(config.quiet_tss);
}

TEST(BuildBackendsTest, AKeyStoreNeedsAModule) {
  auto backends = BuildBackends(BackendConfig{});
  auto store = backends->OpenKeyStore({"pkcs11:token=signet", "", ""});
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(ExitCodeFor(store.error()), kExitUsage) << store.error().ToString();
}

TEST(BuildBackendsTest, TheModuleFlagWinsOverTheDefault) {
  const std::string dir = testing::MakeTempDir();
  BackendConfig config;
  config.default_pkcs11_module = dir + "/default.so";
  auto backends = BuildBackends(config);
  auto from_default = backends->OpenKeyStore({"pkcs11:token=signet", "", ""});
  ASSERT_FALSE(from_default.ok());
  EXPECT_EQ(from_default.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(from_default.error().message().find("default.so"), std::string::npos) << from_default.error().ToString();
  auto from_flag = backends->OpenKeyStore({"pkcs11:token=signet", dir + "/flag.so", ""});
  ASSERT_FALSE(from_flag.ok());
  EXPECT_NE(from_flag.error().message().find("flag.so"), std::string::npos) << from_flag.error().ToString();
  auto malformed = backends->OpenKeyStore({"pkcs11:token=%zz", dir + "/flag.so", ""});
  ASSERT_FALSE(malformed.ok());
  EXPECT_EQ(malformed.error().code(), ErrorCode::kInvalidArgument);
  testing::RemoveTree(dir);
}

TEST(BuildBackendsTest, ATpmNeedsAnExplicitTcti) {
  ScopedEnv env("TSS2_LOG", nullptr);
  auto backends = BuildBackends(BackendConfig{});
  for (const char* tcti : {"", "no-such-tcti-module:x"}) {
    auto tpm = backends->OpenTpm({tcti});
    ASSERT_FALSE(tpm.ok()) << tcti;
    EXPECT_EQ(tpm.error().code(), ErrorCode::kInvalidArgument) << tcti << ": " << tpm.error().ToString();
  }
  // tpm2-tss's own logging is off unless the operator asked for it.
  ASSERT_NE(std::getenv("TSS2_LOG"), nullptr);
  EXPECT_STREQ(std::getenv("TSS2_LOG"), "all+NONE");
}

TEST(BuildBackendsTest, TheOperatorsTss2LogIsKept) {
  ScopedEnv env("TSS2_LOG", "all+debug");
  auto backends = BuildBackends(BackendConfig{});
  (void)backends->OpenTpm({""});
  EXPECT_STREQ(std::getenv("TSS2_LOG"), "all+debug");
}

// FakeBackends records what the commands asked for and hands out scripted devices.
class FakeBackends : public Backends {
 public:
  Result<std::unique_ptr<fw::KeyStore>> OpenKeyStore(const KeyStoreConfig& config) override {
    key_stores.push_back(config);
    if (!store) return Unavailable("no token");
    return std::unique_ptr<fw::KeyStore>(std::move(store));
  }
  Result<std::unique_ptr<fw::Tpm>> OpenTpm(const TpmConfig& config) override {
    tpms.push_back(config);
    if (!tpm) return Unavailable("no TPM");
    return std::unique_ptr<fw::Tpm>(std::move(tpm));
  }
  std::vector<KeyStoreConfig> key_stores;
  std::vector<TpmConfig> tpms;
  std::unique_ptr<fw::KeyStore> store;
  std::unique_ptr<fw::Tpm> tpm;
};

int RunCli(FakeBackends& backends, std::vector<std::string> args) {
  Cli cli;
  RegisterKeyCommands(cli, backends);
  RegisterAttestCommands(cli, backends);
  RegisterSignCommands(cli, backends);
  args.insert(args.begin(), "signet");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  return Run(cli, static_cast<int>(argv.size()), argv.data());
}

TEST(CommandBackendsTest, KeyCommandsOpenTheTokenTheirFlagsName) {
  FakeBackends backends;
  auto store = std::make_unique<NiceMock<testing::MockKeyStore>>();
  EXPECT_CALL(*store, ListKeys()).WillOnce(Return(std::vector<fw::KeyInfo>{}));
  backends.store = std::move(store);
  EXPECT_EQ(RunCli(backends, {"key", "list", "--token", "pkcs11:token=signet", "--module", "/m.so", "--pin-env",
                              "MY_PIN"}),
            kExitOk);
  ASSERT_EQ(backends.key_stores.size(), 1u);
  EXPECT_EQ(backends.key_stores[0].uri, "pkcs11:token=signet");
  EXPECT_EQ(backends.key_stores[0].module, "/m.so");
  EXPECT_EQ(backends.key_stores[0].pin_env, "MY_PIN");
  EXPECT_TRUE(backends.tpms.empty());
}

TEST(CommandBackendsTest, ADeviceThatIsMissingIsExit3) {
  FakeBackends backends;
  EXPECT_EQ(RunCli(backends, {"key", "list", "--token", "pkcs11:token=signet"}), kExitInternal);
  EXPECT_EQ(RunCli(backends, {"attest", "enroll", "--tcti", "swtpm:port=1", "--out", "/nonexistent/ak.json"}),
            kExitInternal);
  ASSERT_EQ(backends.tpms.size(), 1u);
  EXPECT_EQ(backends.tpms[0].tcti, "swtpm:port=1");
}

TEST(CommandBackendsTest, BadLocalInputNeverOpensADevice) {
  FakeBackends backends;
  const std::string dir = testing::MakeTempDir();
  // A URI that does not parse, an unknown AK algorithm, an unreadable AK file.
  EXPECT_EQ(RunCli(backends, {"key", "list", "--token", "pkcs11:token=%zz"}), kExitUsage);
  EXPECT_EQ(RunCli(backends, {"attest", "enroll", "--tcti", "t", "--out", dir + "/ak.json", "--algorithm", "dsa"}),
            kExitUsage);
  EXPECT_EQ(RunCli(backends, {"attest", "quote", "--tcti", "t", "--ak", dir + "/missing.json", "--nonce",
                              std::string(64, 'a'), "--event-log", dir + "/log.json", "--out", dir + "/e.json"}),
            kExitUsage);
  EXPECT_EQ(RunCli(backends, {"attest", "activate", "--tcti", "t", "--ak", dir + "/missing.json", "--challenge",
                              dir + "/c.json", "--out", dir + "/r.json"}),
            kExitUsage);
  EXPECT_TRUE(backends.key_stores.empty());
  EXPECT_TRUE(backends.tpms.empty());
  testing::RemoveTree(dir);
}

}  // namespace
}  // namespace signet::ops
