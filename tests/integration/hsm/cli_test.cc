// `signet key ...` end to end against a private SoftHSM2 token in a temporary directory, and the
// bad-input cases of the issue: missing module, wrong and locked PIN, a URI matching no key or
// several, an unsupported key type, a read-only or full token (through fault_module, a shim over
// SoftHSM2), with exit code 2 or 3, a clear message, and nothing half-created.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "signet/core/json.h"
#include "test_env.h"

namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using signet::testing::EnvOr;
using signet::testing::RunCommand;

std::string Q(const std::string& s) { return "'" + s + "'"; }

struct CliRun {
  int rc;
  std::string out;
};

class KeyCliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(signet::testing::MakeTempDir());
    module_ = new std::string();
    for (const char* m : {"/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so"}) {
      if (std::ifstream(m).good()) *module_ = m;
    }
    ASSERT_FALSE(module_->empty()) << "SoftHSM2 not installed (run scripts/setup)";
    const std::string conf = *dir_ + "/softhsm2.conf";
    std::ofstream(conf) << "directories.tokendir = " << *dir_ << "/tokens\nobjectstore.backend = file\n"
                        << "log.level = ERROR\nslots.removable = false\n";
    std::ofstream(*dir_ + "/user.pin") << "user-pin-4711";
    std::ofstream(*dir_ + "/wrong.pin") << "not-the-pin";
    setenv("SOFTHSM2_CONF", conf.c_str(), 1);
    std::string out;
    ASSERT_EQ(RunCommand("mkdir -p " + Q(*dir_ + "/tokens") + " && softhsm2-util --init-token --free --label cli-test "
                         "--so-pin so-pin-4711 --pin user-pin-4711", &out), 0) << out;
  }
  static void TearDownTestSuite() {
    signet::testing::RemoveTree(*dir_);
    delete dir_;
    delete module_;
  }

  CliRun Signet(const std::string& args, const std::string& env = "") {
    CliRun r;
    r.rc = RunCommand(env + " " + Q(EnvOr("SIGNET_CLI", "signet")) + " " + args, &r.out);
    return r;
  }
  std::string Token(const std::string& pin_file = "user.pin") {
    return "pkcs11:token=cli-test?module-path=" + *module_ + "&pin-source=" + *dir_ + "/" + pin_file;
  }
  std::string Key(const std::string& label) {
    return "pkcs11:token=cli-test;object=" + label + "?module-path=" + *module_ + "&pin-source=" + *dir_ + "/user.pin";
  }
  size_t KeyCount() {
    CliRun r = Signet("key list --json --token " + Q(Token()));
    EXPECT_EQ(r.rc, 0) << r.out;
    auto json = signet::ParseJson(r.out);
    EXPECT_TRUE(json.ok()) << r.out;
    if (!json.ok()) return 0;
    return json->Find("keys")->array().size();
  }
  std::string FaultEnv(const std::string& mode) {
    return "SIGNET_FAULT_P11_MODE=" + mode + " SIGNET_FAULT_P11_TARGET=" + Q(*module_);
  }
  std::string FaultToken(const std::string& mode) {
    (void)mode;
    return "pkcs11:token=cli-test?module-path=" + EnvOr("SIGNET_FAULT_MODULE", "") + "&pin-source=" + *dir_ + "/user.pin";
  }

  static std::string* dir_;
  static std::string* module_;
};

std::string* KeyCliTest::dir_ = nullptr;
std::string* KeyCliTest::module_ = nullptr;

TEST_F(KeyCliTest, GenerateListExportCheck) {
  CliRun gen = Signet("key generate --token " + Q(Token()) + " --label release-1 --json");
  ASSERT_EQ(gen.rc, 0) << gen.out;
  auto json = signet::ParseJson(gen.out);
  ASSERT_TRUE(json.ok()) << gen.out;
  EXPECT_EQ(*json->GetString("type"), "ecdsa-p256");  // the default
  EXPECT_THAT(*json->GetString("uri"), HasSubstr("object=release-1"));

  CliRun list = Signet("key list --token " + Q(Token()));
  ASSERT_EQ(list.rc, 0) << list.out;
  EXPECT_THAT(list.out, HasSubstr("object=release-1"));
  EXPECT_THAT(list.out, HasSubstr("sensitive: yes  extractable: no  never-extractable: yes"));

  CliRun pem = Signet("key export --key " + Q(Key("release-1")));
  ASSERT_EQ(pem.rc, 0) << pem.out;
  EXPECT_THAT(pem.out, HasSubstr("-----BEGIN PUBLIC KEY-----"));
  CliRun der = Signet("key export --format der --out " + Q(*dir_ + "/k.der") + " --key " + Q(Key("release-1")));
  ASSERT_EQ(der.rc, 0) << der.out;
  std::string out;
  ASSERT_EQ(RunCommand("openssl pkey -pubin -inform DER -in " + Q(*dir_ + "/k.der") + " -noout -text", &out), 0) << out;
  EXPECT_THAT(out, HasSubstr("prime256v1"));

  CliRun check = Signet("key check --key " + Q(Key("release-1")));
  EXPECT_EQ(check.rc, 0) << check.out;
  EXPECT_THAT(check.out, HasSubstr("[ok] self-test"));
  EXPECT_THAT(check.out, HasSubstr("key check passed"));
}

TEST_F(KeyCliTest, PinFromEnvironmentAndPinValueWarning) {
  const std::string uri = "pkcs11:token=cli-test?module-path=" + *module_;
  CliRun env = Signet("key list --pin-env SIGNET_CLI_TEST_PIN --token " + Q(uri), "SIGNET_CLI_TEST_PIN=user-pin-4711");
  EXPECT_EQ(env.rc, 0) << env.out;
  CliRun value = Signet("key list --token " + Q(uri + "&pin-value=user-pin-4711"));
  EXPECT_EQ(value.rc, 0) << value.out;
  EXPECT_THAT(value.out, HasSubstr("warning: the URI carries pin-value"));
  EXPECT_THAT(value.out, Not(HasSubstr("user-pin-4711")));
  CliRun module_env = Signet("key list --token " + Q("pkcs11:token=cli-test?pin-source=" + *dir_ + "/user.pin"),
                          "SIGNET_PKCS11_MODULE=" + Q(*module_));
  EXPECT_EQ(module_env.rc, 0) << module_env.out;
}

TEST_F(KeyCliTest, EveryTypeGeneratesAndChecks) {
  for (const char* type : {"ecdsa-p384", "rsa-3072", "ed25519"}) {
    const std::string label = std::string("typed-") + type;
    CliRun gen = Signet("key generate --token " + Q(Token()) + " --label " + label + " --type " + type);
    ASSERT_EQ(gen.rc, 0) << gen.out;
    CliRun check = Signet("key check --key " + Q(Key(label)));
    EXPECT_EQ(check.rc, 0) << check.out;
  }
}

TEST_F(KeyCliTest, MissingModule) {
  CliRun r = Signet("key list --token " + Q("pkcs11:token=cli-test?module-path=/nonexistent/libp11.so&pin-source=" + *dir_ + "/user.pin"));
  EXPECT_EQ(r.rc, 2) << r.out;
  EXPECT_THAT(r.out, HasSubstr("PKCS#11 module \"/nonexistent/libp11.so\" does not exist"));
  CliRun none = Signet("key list --token " + Q("pkcs11:token=cli-test"), "env -u SIGNET_PKCS11_MODULE");
  EXPECT_EQ(none.rc, 2) << none.out;
  EXPECT_THAT(none.out, HasSubstr("no PKCS#11 module given"));
}

TEST_F(KeyCliTest, WrongPin) {
  CliRun r = Signet("key list --token " + Q(Token("wrong.pin")));
  EXPECT_EQ(r.rc, 2) << r.out;
  EXPECT_THAT(r.out, HasSubstr("PIN was rejected (CKR_PIN_INCORRECT)"));
  EXPECT_THAT(r.out, Not(HasSubstr("not-the-pin")));
}

TEST_F(KeyCliTest, MissingPinFile) {
  CliRun r = Signet("key list --token " + Q(Token("absent.pin")));
  EXPECT_EQ(r.rc, 2) << r.out;
  EXPECT_THAT(r.out, HasSubstr("cannot read the PIN file"));
}

TEST_F(KeyCliTest, NoTokenMatches) {
  CliRun r = Signet("key list --token " + Q("pkcs11:token=other?module-path=" + *module_ + "&pin-source=" + *dir_ + "/user.pin"));
  EXPECT_EQ(r.rc, 2) << r.out;
  EXPECT_THAT(r.out, HasSubstr("no token matches token=\"other\""));
  EXPECT_THAT(r.out, HasSubstr("\"cli-test\""));
}

TEST_F(KeyCliTest, UriMatchingNoKeyOrSeveral) {
  ASSERT_EQ(Signet("key generate --token " + Q(Token()) + " --label dup-a").rc, 0);
  ASSERT_EQ(Signet("key generate --token " + Q(Token()) + " --label dup-b").rc, 0);
  CliRun none = Signet("key export --key " + Q(Key("no-such-key")));
  EXPECT_EQ(none.rc, 2) << none.out;
  EXPECT_THAT(none.out, HasSubstr("no private key matches"));
  // A URI without object= matches every key on the token: the candidates are listed.
  CliRun many = Signet("key export --key " + Q(Token()));
  EXPECT_EQ(many.rc, 2) << many.out;
  EXPECT_THAT(many.out, HasSubstr("private keys match"));
  EXPECT_THAT(many.out, HasSubstr("object=dup-a"));
  EXPECT_THAT(many.out, HasSubstr("object=dup-b"));
}

TEST_F(KeyCliTest, UnsupportedTypeAndDuplicateLabelCreateNothing) {
  const size_t before = KeyCount();
  CliRun type = Signet("key generate --token " + Q(Token()) + " --label x --type dsa-1024");
  EXPECT_EQ(type.rc, 2) << type.out;
  EXPECT_THAT(type.out, HasSubstr("unsupported key type \"dsa-1024\""));
  ASSERT_EQ(Signet("key generate --token " + Q(Token()) + " --label taken").rc, 0);
  CliRun dup = Signet("key generate --token " + Q(Token()) + " --label taken");
  EXPECT_EQ(dup.rc, 2) << dup.out;
  EXPECT_THAT(dup.out, HasSubstr("already exists"));
  EXPECT_EQ(KeyCount(), before + 1);
}

TEST_F(KeyCliTest, MalformedUriAndFormat) {
  CliRun r = Signet("key list --token " + Q("pkcs11:token=a;token=b"));
  EXPECT_EQ(r.rc, 2) << r.out;
  EXPECT_THAT(r.out, HasSubstr("appears twice"));
  CliRun f = Signet("key export --format jwk --key " + Q(Key("x")));
  EXPECT_EQ(f.rc, 2) << f.out;
}

TEST_F(KeyCliTest, LockedPinThroughFaultModule) {
  CliRun r = Signet("key list --token " + Q(FaultToken("locked")), FaultEnv("locked"));
  EXPECT_EQ(r.rc, 2) << r.out;
  EXPECT_THAT(r.out, HasSubstr("user PIN of token \"cli-test\" is locked"));
}

TEST_F(KeyCliTest, FaultModuleWithoutFaultWorksThroughCGetInterface) {
  CliRun r = Signet("key list --token " + Q(FaultToken("")), FaultEnv(""));
  EXPECT_EQ(r.rc, 0) << r.out;
}

TEST_F(KeyCliTest, ReadOnlyTokenCreatesNothing) {
  const size_t before = KeyCount();
  CliRun r = Signet("key generate --label ro --token " + Q(FaultToken("readonly")), FaultEnv("readonly"));
  EXPECT_EQ(r.rc, 2) << r.out;
  EXPECT_THAT(r.out, HasSubstr("read-only"));
  EXPECT_EQ(KeyCount(), before);
}

TEST_F(KeyCliTest, FullTokenCreatesNothing) {
  const size_t before = KeyCount();
  CliRun r = Signet("key generate --label full --token " + Q(FaultToken("full")), FaultEnv("full"));
  EXPECT_EQ(r.rc, 3) << r.out;
  EXPECT_THAT(r.out, HasSubstr("is full (CKR_DEVICE_MEMORY)"));
  EXPECT_EQ(KeyCount(), before);
}

}  // namespace
