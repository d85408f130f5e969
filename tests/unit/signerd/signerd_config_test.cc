// signerd's config (every refusal), caller matching, image globs, the rate limiter and the key
// holder's recovery.
#include "signet/signerd/config.h"

#include <sys/stat.h>

#include <string>

#include <gtest/gtest.h>

#include "signet/core/file.h"
#include "signet/service/config.h"
#include "signet/service/rate_limiter.h"
#include "signet/signerd/key_holder.h"
#include "test_env.h"

namespace signet::signerd {
namespace {

constexpr char kGood[] =
    "listen: 127.0.0.1:0\n"
    "tls: {certificate: s.pem, key: s.key, client_ca: ca.pem}\n"
    "key: \"pkcs11:token=release;object=rel?module-path=/usr/lib/softhsm/libsofthsm2.so\"\n"
    "pin_file: pin\n"
    "policy: policy.yaml\n"
    "state_dir: state\n"
    "callers:\n"
    "  - name: pipeline-a\n"
    "    subject: \"CN=pipeline-a\"\n"
    "    images: [\"registry.example/team/*\"]\n"
    "  - name: pipeline-b\n"
    "    san: \"spiffe://example/ci\"\n"
    "    images: [\"registry.example/b/*\", \"registry.example/c/app\"]\n"
    "limits: {max_body: 16MiB, header_timeout: 5s, requests_per_minute_per_caller: 600}\n";

Result<SignerdConfig> Parse(const std::string& text, std::string_view creds = "") {
  SIGNET_ASSIGN_OR_RETURN(YamlNode root, ParseYaml(text));
  SIGNET_ASSIGN_OR_RETURN(service::ServerConfig server, service::ParseServerSection(root, "/etc/signet"));
  return ParseSignerdConfig(root, "/etc/signet", server, creds);
}

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  const size_t at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

void ExpectRefused(const std::string& text, const std::string& says, std::string_view creds = "") {
  Result<SignerdConfig> c = Parse(text, creds);
  ASSERT_FALSE(c.ok()) << "accepted:\n" << text;
  EXPECT_EQ(c.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(c.error().message().find(says), std::string::npos) << c.error().message();
}

TEST(SignerdConfigTest, ParsesTheIssueExample) {
  Result<SignerdConfig> c = Parse(kGood);
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  EXPECT_EQ(c->key_uri, "pkcs11:token=release;object=rel?module-path=/usr/lib/softhsm/libsofthsm2.so");
  EXPECT_EQ(c->pin_path, "/etc/signet/pin");
  EXPECT_EQ(c->policy, "/etc/signet/policy.yaml");
  EXPECT_EQ(c->state_dir, "/etc/signet/state");
  ASSERT_EQ(c->callers.size(), 2u);
  EXPECT_EQ(c->callers[0].subject, "CN=pipeline-a");
  EXPECT_EQ(c->callers[1].san, "spiffe://example/ci");
  EXPECT_EQ(c->callers[1].images.size(), 2u);
  EXPECT_EQ(c->requests_per_minute_per_caller, 600u);
}

TEST(SignerdConfigTest, PinCredentialComesFromCredentialsDirectory) {
  const std::string text = Replace(kGood, "pin_file: pin", "pin_credential: signet-pin");
  Result<SignerdConfig> c = Parse(text, "/run/credentials/signerd.service");
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  EXPECT_EQ(c->pin_path, "/run/credentials/signerd.service/signet-pin");
  ExpectRefused(text, "CREDENTIALS_DIRECTORY");
  ExpectRefused(Replace(kGood, "pin_file: pin", "pin_credential: ../pin"), "not a path", "/run/c");
}

TEST(SignerdConfigTest, RefusesEveryBadConfig) {
  ExpectRefused(Replace(kGood, ", client_ca: ca.pem", ""), "client_ca is required");
  ExpectRefused(std::string(kGood) + "colour: blue\n", "colour");
  ExpectRefused(Replace(kGood, "object=rel?", "object=rel;pin-value=1234?"), "must not carry a PIN");
  ExpectRefused(Replace(kGood, "object=rel?", "object=rel?pin-source=/tmp/p&"), "must not carry a PIN");
  ExpectRefused(Replace(kGood, "object=rel?", "object=rel;pin%2dvalue=1?"), "must not carry a PIN");
  ExpectRefused(Replace(kGood, "\"pkcs11:token", "\"file:token"), "pkcs11: URI");
  ExpectRefused(Replace(kGood, "pin_file: pin\n", ""), "exactly one of pin_file and pin_credential");
  ExpectRefused(Replace(kGood, "pin_file: pin\n", "pin_file: pin\npin_credential: x\n"), "exactly one");
  ExpectRefused(Replace(kGood, "policy: policy.yaml\n", ""), "policy");
  ExpectRefused(Replace(kGood, "state_dir: state\n", ""), "state_dir");
  ExpectRefused(Replace(kGood, "key: \"pkcs11:token=release;object=rel?module-path=/usr/lib/softhsm/libsofthsm2.so\"\n", ""),
                "key");
  ExpectRefused(Replace(kGood, "    subject: \"CN=pipeline-a\"\n", ""), "exactly one of subject and san");
  ExpectRefused(Replace(kGood, "    subject: \"CN=pipeline-a\"\n", "    subject: \"CN=a\"\n    san: x\n"),
                "exactly one of subject and san");
  ExpectRefused(Replace(kGood, "  - name: pipeline-b\n", "  - name: pipeline-a\n"), "names a caller twice");
  ExpectRefused(Replace(kGood, "  - name: pipeline-b\n", "  - name: \"pipe line\"\n"), "[A-Za-z0-9._-]");
  ExpectRefused(Replace(kGood, "    images: [\"registry.example/team/*\"]\n", ""), "images");
  ExpectRefused(Replace(kGood, "    images: [\"registry.example/team/*\"]\n", "    images: []\n"), "non-empty");
  ExpectRefused(Replace(kGood, "    images: [\"registry.example/team/*\"]\n",
                        "    images: [\"registry.example/team/*\"]\n    role: admin\n"),
                "unknown key");
  ExpectRefused(Replace(kGood, "  - name: pipeline-a\n    subject: \"CN=pipeline-a\"\n    images: [\"registry.example/team/*\"]\n"
                               "  - name: pipeline-b\n    san: \"spiffe://example/ci\"\n"
                               "    images: [\"registry.example/b/*\", \"registry.example/c/app\"]\n",
                        "  []\n"),
                "callers");
}

TEST(SignerdConfigTest, ServerLimitsRefuseABadRateLimit) {
  Result<YamlNode> root = ParseYaml(Replace(kGood, "requests_per_minute_per_caller: 600", "requests_per_minute_per_caller: -1"));
  ASSERT_TRUE(root.ok());
  Result<service::ServerConfig> server = service::ParseServerSection(*root, "/etc");
  ASSERT_FALSE(server.ok());
  EXPECT_NE(server.error().message().find("requests_per_minute_per_caller"), std::string::npos);
  root = ParseYaml(Replace(kGood, "requests_per_minute_per_caller: 600", "requests_per_minute_per_caller: 0"));
  ASSERT_TRUE(root.ok());
  server = service::ParseServerSection(*root, "/etc");
  ASSERT_TRUE(server.ok());
  EXPECT_EQ(server->limits.requests_per_minute_per_caller, 0u);
}

TEST(SignerdConfigTest, FilesWritableByOthersAreRefused) {
  const std::string dir = testing::MakeTempDir();
  const std::string f = dir + "/pin";
  ASSERT_TRUE(WriteFileAtomic(f, "1234").ok());
  ASSERT_EQ(::chmod(f.c_str(), 0600), 0);
  EXPECT_TRUE(CheckNotWritableByOthers(f, "PIN file").ok());
  ASSERT_EQ(::chmod(f.c_str(), 0620), 0);
  EXPECT_EQ(CheckNotWritableByOthers(f, "PIN file").error().code(), ErrorCode::kPermissionDenied);
  ASSERT_EQ(::chmod(f.c_str(), 0602), 0);
  EXPECT_EQ(CheckNotWritableByOthers(f, "PIN file").error().code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(CheckNotWritableByOthers(dir, "PIN file").error().code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(CheckNotWritableByOthers(dir + "/none", "PIN file").error().code(), ErrorCode::kNotFound);
  const Status st = CheckNotWritableByOthers(f, "PIN file");
  EXPECT_EQ(st.error().message().find("1234"), std::string::npos);
  testing::RemoveTree(dir);
}

TEST(SignerdConfigTest, PinSourceIsAppendedPercentEncoded) {
  EXPECT_EQ(WithPinSource("pkcs11:token=t", "/etc/pin"), "pkcs11:token=t?pin-source=/etc/pin");
  EXPECT_EQ(WithPinSource("pkcs11:token=t?module-path=/m.so", "/a b&c"),
            "pkcs11:token=t?module-path=/m.so&pin-source=/a%20b%26c");
}

TEST(CallerTest, SubjectIsExactAndSanMatchesDnsOrUri) {
  std::vector<Caller> callers = {{"a", "CN=pipeline-a", "", {"r/*"}},
                                 {"b", "", "spiffe://example/ci", {"r/*"}},
                                 {"c", "", "ci.example.com", {"r/*"}}};
  EXPECT_EQ(MatchCaller(callers, {"CN=pipeline-a", {}})->name, "a");
  EXPECT_EQ(MatchCaller(callers, {"CN=pipeline-a,O=x", {}}), nullptr);
  EXPECT_EQ(MatchCaller(callers, {"cn=pipeline-a", {}}), nullptr);
  EXPECT_EQ(MatchCaller(callers, {"CN=pipeline-ab", {}}), nullptr);
  EXPECT_EQ(MatchCaller(callers, {"", {}}), nullptr);
  EXPECT_EQ(MatchCaller(callers, {"CN=other", {"spiffe://example/ci"}})->name, "b");
  EXPECT_EQ(MatchCaller(callers, {"CN=other", {"ci.example.com"}})->name, "c");
  EXPECT_EQ(MatchCaller(callers, {"CN=other", {"spiffe://example/ci/x", "x.ci.example.com"}}), nullptr);
}

TEST(CallerTest, ImagesAreGlobsOverTheRepository) {
  Caller c{"a", "CN=a", "", {"registry.example/team/*"}};
  const std::string d = "@sha256:" + std::string(64, 'a');
  EXPECT_TRUE(ImageAllowedForCaller(c, "registry.example/team/app" + d));
  EXPECT_TRUE(ImageAllowedForCaller(c, "registry.example/team/app:v1"));
  EXPECT_FALSE(ImageAllowedForCaller(c, "registry.example/team/sub/app" + d));  // * stops at '/'
  EXPECT_FALSE(ImageAllowedForCaller(c, "registry.example/other/app" + d));
  EXPECT_FALSE(ImageAllowedForCaller(c, "registry.example/team" + d));
  EXPECT_TRUE(ImageAllowedForCaller({"p", "CN=p", "", {"registry.example:5000/team/*"}},
                                    "registry.example:5000/team/app:v1"));
  EXPECT_EQ(RepositoryOf("registry.example:5000/team/app:v1"), "registry.example:5000/team/app");
  EXPECT_EQ(RepositoryOf("registry.example:5000/team/app" + d), "registry.example:5000/team/app");
}

TEST(RateLimiterTest, BucketPerKeyRefillsEvenly) {
  service::RateLimiter limiter(60);  // one token per second, 60 at most
  const auto t0 = service::RateLimiter::Clock::time_point{} + std::chrono::hours(1);
  for (int i = 0; i < 60; ++i) EXPECT_TRUE(limiter.Admit("a", t0)) << i;
  uint32_t retry = 0;
  EXPECT_FALSE(limiter.Admit("a", t0, &retry));
  EXPECT_EQ(retry, 1u);
  EXPECT_TRUE(limiter.Admit("b", t0));  // another caller has its own bucket
  EXPECT_FALSE(limiter.Admit("a", t0 + std::chrono::milliseconds(500)));
  EXPECT_TRUE(limiter.Admit("a", t0 + std::chrono::milliseconds(1000)));
  EXPECT_FALSE(limiter.Admit("a", t0 + std::chrono::milliseconds(1000)));
  // Never more than per_minute after a long pause.
  const auto later = t0 + std::chrono::hours(1);
  int admitted = 0;
  while (limiter.Admit("a", later)) ++admitted;
  EXPECT_EQ(admitted, 60);
}

TEST(RateLimiterTest, RetryAfterRoundsUpAndZeroIsUnlimited) {
  service::RateLimiter slow(2);  // one token every 30 s
  const auto t0 = service::RateLimiter::Clock::time_point{} + std::chrono::hours(1);
  EXPECT_TRUE(slow.Admit("a", t0));
  EXPECT_TRUE(slow.Admit("a", t0));
  uint32_t retry = 0;
  EXPECT_FALSE(slow.Admit("a", t0 + std::chrono::seconds(1), &retry));
  EXPECT_EQ(retry, 29u);
  service::RateLimiter none(0);
  for (int i = 0; i < 10000; ++i) ASSERT_TRUE(none.Admit("a", t0));
}

class NullKey final : public fw::SigningKey {
 public:
  SignatureAlgorithm algorithm() const override { return SignatureAlgorithm::kEcdsaP256Sha256; }
  const Bytes& public_key_spki() const override { return spki_; }
  std::string key_id() const override { return "k"; }
  const fw::KeyAttributes& attributes() const override { return attrs_; }
  Result<Bytes> Sign(ByteView) override { return Unavailable("gone"); }

 private:
  Bytes spki_;
  fw::KeyAttributes attrs_;
};

TEST(KeyHolderTest, ReopensAfterBackoffAndDropsABrokenKey) {
  int opens = 0;
  bool present = false;
  KeyHolder holder(
      [&]() -> Result<std::shared_ptr<fw::SigningKey>> {
        ++opens;
        if (!present) return NotFound("token \"release\" not found");
        return std::shared_ptr<fw::SigningKey>(std::make_shared<NullKey>());
      },
      std::chrono::milliseconds(0), std::chrono::milliseconds(0));
  Result<std::shared_ptr<fw::SigningKey>> k = holder.Get();
  ASSERT_FALSE(k.ok());
  EXPECT_EQ(k.error().code(), ErrorCode::kUnavailable);
  EXPECT_GE(holder.RetryAfterSeconds(), 1u);
  present = true;
  k = holder.Get();
  ASSERT_TRUE(k.ok()) << k.error().ToString();
  EXPECT_EQ(opens, 2);
  EXPECT_TRUE(holder.Get().ok());
  EXPECT_EQ(opens, 2);  // kept while it works
  holder.Broken(*k, "device error");
  present = false;
  EXPECT_FALSE(holder.Get().ok());
  present = true;
  EXPECT_TRUE(holder.Get().ok());
  EXPECT_EQ(opens, 4);
}

TEST(KeyHolderTest, BackoffHoldsOffReopening) {
  int opens = 0;
  KeyHolder holder(
      [&]() -> Result<std::shared_ptr<fw::SigningKey>> {
        ++opens;
        return Unavailable("token gone");
      },
      std::chrono::hours(1), std::chrono::hours(1));
  EXPECT_FALSE(holder.Get().ok());
  EXPECT_FALSE(holder.Get().ok());
  EXPECT_EQ(opens, 1);
  EXPECT_GE(holder.RetryAfterSeconds(), 3000u);
}

TEST(KeyHolderTest, ARefusedPinIsNeverRetried) {
  int opens = 0;
  KeyHolder holder(
      [&]() -> Result<std::shared_ptr<fw::SigningKey>> {
        ++opens;
        return PermissionDenied("C_Login: CKR_PIN_INCORRECT");
      },
      std::chrono::milliseconds(0), std::chrono::milliseconds(0));
  EXPECT_EQ(holder.Get().error().code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(holder.Get().error().code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(opens, 1);
}

}  // namespace
}  // namespace signet::signerd
