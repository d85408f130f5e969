// `signet key ...` end to end against a private SoftHSM2 token in a temporary directory, and the
// bad-input cases of the issue: missing module, wrong and locked PIN, a URI matching no key or
// several, an unsupported key type, a read-only or full token (through fault_module, a shim over
// SoftHSM2), with exit code 2 or 3, a clear message, and nothing half-created.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

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
    // PIN files must be private to their owner (ResolvePin refuses group/other bits).
    ASSERT_EQ(chmod((*dir_ + "/user.pin").c_str(), 0600), 0);
    ASSERT_EQ(chmod((*dir_ + "/wrong.pin").c_str(), 0600), 0);
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
  // SignetWithin runs under `timeout`: a command that blocks on a FIFO exits 124 and fails the
  // test instead of hanging it.
  CliRun SignetWithin(const std::string& args) { return Signet(args, "timeout 60"); }
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

// ---- Issue 12 items 21, 23, 27: outputs, inputs, PINs and URIs as a new user would try them.

bool IsCharDevice(const std::string& path) {
  struct stat st {};
  return lstat(path.c_str(), &st) == 0 && S_ISCHR(st.st_mode);
}
bool IsSymlink(const std::string& path) {
  struct stat st {};
  return lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode);
}
bool Exists(const std::string& path) {
  struct stat st {};
  return lstat(path.c_str(), &st) == 0;
}
std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST_F(KeyCliTest, KeyExportToDevFullIsRefusedAndTheDeviceStays) {
  ASSERT_EQ(Signet("key generate --token " + Q(Token()) + " --label export-dev").rc, 0);
  CliRun r = Signet("key export --out /dev/full --key " + Q(Key("export-dev")));
  EXPECT_EQ(r.rc, 2) << r.out;
  EXPECT_THAT(r.out, HasSubstr("character device"));
  EXPECT_TRUE(IsCharDevice("/dev/full"));
}

TEST_F(KeyCliTest, KeyExportThroughSymlinkIsRefusedAndTheTargetIsUntouched) {
  ASSERT_EQ(Signet("key generate --token " + Q(Token()) + " --label export-link").rc, 0);
  const std::string victim = *dir_ + "/victim.txt";
  std::ofstream(victim) << "precious";
  const std::string link = *dir_ + "/export-link.pem";
  ASSERT_EQ(symlink(victim.c_str(), link.c_str()), 0);
  CliRun r = Signet("key export --out " + Q(link) + " --key " + Q(Key("export-link")));
  EXPECT_EQ(r.rc, 2) << r.out;
  EXPECT_THAT(r.out, HasSubstr("symbolic link"));
  EXPECT_EQ(Slurp(victim), "precious");
  EXPECT_TRUE(IsSymlink(link));
  // A dangling link is refused too: nothing is created where it points.
  const std::string dangling = *dir_ + "/dangling.pem";
  ASSERT_EQ(symlink((*dir_ + "/created-through-link").c_str(), dangling.c_str()), 0);
  CliRun d = Signet("key export --out " + Q(dangling) + " --key " + Q(Key("export-link")));
  EXPECT_EQ(d.rc, 2) << d.out;
  EXPECT_FALSE(Exists(*dir_ + "/created-through-link"));
  // A regular file is replaced as before.
  CliRun ok = Signet("key export --out " + Q(*dir_ + "/plain.pem") + " --key " + Q(Key("export-link")));
  EXPECT_EQ(ok.rc, 0) << ok.out;
  EXPECT_THAT(Slurp(*dir_ + "/plain.pem"), HasSubstr("-----BEGIN PUBLIC KEY-----"));
}

TEST_F(KeyCliTest, KeyCheckNeverPrintsPinValue) {
  ASSERT_EQ(Signet("key generate --token " + Q(Token()) + " --label redact-me").rc, 0);
  const std::string uri = "pkcs11:token=cli-test;object=redact-me?module-path=" + *module_ + "&pin-value=user-pin-4711";
  CliRun r = Signet("key check --key " + Q(uri));
  EXPECT_EQ(r.rc, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("pin-value=<redacted>"));
  EXPECT_THAT(r.out, Not(HasSubstr("user-pin-4711")));
  // Errors too: a key that does not exist, named by a URI carrying the PIN.
  CliRun missing = Signet("key check --key " + Q("pkcs11:token=cli-test;object=absent?module-path=" + *module_ +
                                                  "&pin-value=user-pin-4711"));
  EXPECT_EQ(missing.rc, 2) << missing.out;
  EXPECT_THAT(missing.out, Not(HasSubstr("user-pin-4711")));
}

TEST_F(KeyCliTest, PinSourceReadableByOtherUsersIsRefused) {
  std::ofstream(*dir_ + "/open.pin") << "user-pin-4711";
  ASSERT_EQ(chmod((*dir_ + "/open.pin").c_str(), 0644), 0);
  CliRun r = Signet("key list --token " + Q(Token("open.pin")));
  EXPECT_EQ(r.rc, 2) << r.out;
  EXPECT_THAT(r.out, HasSubstr("accessible to other users"));
  EXPECT_THAT(r.out, Not(HasSubstr("user-pin-4711")));
}

TEST_F(KeyCliTest, DirectoryFifoOrDeviceAsPinSourceIsExit2AtOnce) {
  const std::string fifo = *dir_ + "/pin.fifo";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  for (const std::string& source : {*dir_, fifo, std::string("/dev/zero")}) {
    CliRun r = SignetWithin("key list --token " + Q("pkcs11:token=cli-test?module-path=" + *module_ +
                                                    "&pin-source=" + source));
    EXPECT_EQ(r.rc, 2) << source << ": " << r.out;  // 124 would mean it blocked
    EXPECT_THAT(r.out, HasSubstr("only regular files")) << source;
  }
}

TEST_F(KeyCliTest, FifoOrDeviceAsModuleIsExit2AtOnce) {
  const std::string fifo = *dir_ + "/libfifo.so";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  for (const std::string& module : {fifo, std::string("/dev/zero")}) {
    CliRun r = SignetWithin("key list --token " + Q("pkcs11:token=cli-test?module-path=" + module + "&pin-source=" +
                                                    *dir_ + "/user.pin"));
    EXPECT_EQ(r.rc, 2) << module << ": " << r.out;  // 124 would mean dlopen blocked
    EXPECT_THAT(r.out, HasSubstr("only regular files")) << module;
  }
}

TEST_F(KeyCliTest, LibraryAttributesMustMatchTheModule) {
  for (const char* attr : {"library-manufacturer=Nobody%20Inc", "library-description=Not%20this%20one",
                           "library-version=0.1"}) {
    CliRun r = Signet("key list --token " + Q("pkcs11:token=cli-test;" + std::string(attr) + "?module-path=" + *module_ +
                                             "&pin-source=" + *dir_ + "/user.pin"));
    EXPECT_EQ(r.rc, 2) << attr << ": " << r.out;
    EXPECT_THAT(r.out, HasSubstr("does not match the URI")) << attr;
  }
}

// Inputs of every kind are regular files: a FIFO used to block forever, /dev/zero to read
// forever, and a directory gave an internal error (exit 3).
class FileInputCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = signet::testing::MakeTempDir();
    fifo_ = dir_ + "/input.fifo";
    ASSERT_EQ(mkfifo(fifo_.c_str(), 0600), 0);
    cases_ = signet::testing::SharedDir() + "/conformance/bundle-verify";
    root_ = signet::testing::SharedDir() + "/vectors/trust/trusted_root.sigstore-public-good.json";
  }
  void TearDown() override { signet::testing::RemoveTree(dir_); }
  CliRun Run(const std::string& args) {
    CliRun r;
    r.rc = RunCommand("timeout 60 " + Q(EnvOr("SIGNET_CLI", "signet")) + " " + args, &r.out);
    return r;
  }
  std::vector<std::string> NonRegular() { return {fifo_, "/dev/zero", dir_}; }
  std::string VerifyKeyed(const std::string& bundle, const std::string& key, const std::string& root,
                          const std::string& artifact) {
    return "verify-bundle --bundle " + Q(bundle) + " --key " + Q(key) + " --trusted-root " + Q(root) + " " + Q(artifact);
  }

  std::string dir_, fifo_, cases_, root_;
};

TEST_F(FileInputCliTest, PolicyFromFifoDeviceOrDirectoryIsExit2) {
  for (const std::string& bad : NonRegular()) {
    CliRun r = Run("policy check " + Q(bad));
    EXPECT_EQ(r.rc, 2) << bad << ": " << r.out;
  }
}

TEST_F(FileInputCliTest, VerifyBundleInputsFromFifoDeviceOrDirectoryAreExit2) {
  const std::string mk = cases_ + "/managed-key-happy-path";
  const std::string bundle = mk + "/bundle.sigstore.json", key = mk + "/key.pub", artifact = cases_ + "/a.txt";
  ASSERT_EQ(Run(VerifyKeyed(bundle, key, root_, artifact)).rc, 0);
  for (const std::string& bad : NonRegular()) {
    EXPECT_EQ(Run(VerifyKeyed(bad, key, root_, artifact)).rc, 2) << "--bundle " << bad;
    EXPECT_EQ(Run(VerifyKeyed(bundle, bad, root_, artifact)).rc, 2) << "--key " << bad;
    EXPECT_EQ(Run(VerifyKeyed(bundle, key, bad, artifact)).rc, 2) << "--trusted-root " << bad;
    EXPECT_EQ(Run(VerifyKeyed(bundle, key, root_, bad)).rc, 2) << "artifact " << bad;
  }
}

// Issue 12 item 27: a signature that does not verify is exit 1, even when its base64 spelling
// is not canonical (it used to be refused as a malformed bundle, exit 2).
TEST_F(FileInputCliTest, NonCanonicalBase64SignatureIsExit1) {
  const std::string mk = cases_ + "/managed-key-happy-path";
  std::string json = Slurp(mk + "/bundle.sigstore.json");
  // "...0ZHEQ5c=": 'c' leaves two zero bits; 'd' sets one of them. Same bytes to a lenient
  // decoder, a different spelling to a strict one.
  const std::string canonical = "0ZHEQ5c=\"";
  const size_t at = json.find(canonical);
  ASSERT_NE(at, std::string::npos);
  json.replace(at, canonical.size(), "0ZHEQ5d=\"");
  std::ofstream(dir_ + "/noncanonical.json") << json;
  CliRun r = Run(VerifyKeyed(dir_ + "/noncanonical.json", mk + "/key.pub", root_, cases_ + "/a.txt"));
  EXPECT_EQ(r.rc, 1) << r.out;
  EXPECT_THAT(r.out, HasSubstr("SIGNATURE_INVALID"));
  // A flipped bit inside the signature is the plain case: exit 1 as well.
  json = Slurp(mk + "/bundle.sigstore.json");
  json.replace(json.find(canonical), canonical.size(), "0ZHEQ5g=\"");  // 'g' = 100000: a different byte, canonical spelling
  std::ofstream(dir_ + "/flipped.json") << json;
  CliRun f = Run(VerifyKeyed(dir_ + "/flipped.json", mk + "/key.pub", root_, cases_ + "/a.txt"));
  EXPECT_EQ(f.rc, 1) << f.out;
}

}  // namespace
