#include "signet/registry/auth.h"

#include <gtest/gtest.h>

#include "signet/core/encoding.h"

namespace signet::registry {
namespace {

std::string Reveal(const SecretBytes& s) {
  return std::string(reinterpret_cast<const char*>(s.Reveal().data()), s.size());
}

TEST(DockerConfigTest, ReadsAuthUserPasswordAndTokens) {
  std::string auth = Base64Encode(AsBytes(std::string_view("user:s3cr:et")));
  auto config = DockerConfig::Parse(R"({"auths":{"https://127.0.0.1:5000/v1/":{"auth":")" + auth +
                                    R"("},"registry.example":{"username":"bob","password":"pw"},)"
                                    R"("tok.example":{"identitytoken":"refresh"}},"HttpHeaders":{"X":"y"}})");
  ASSERT_TRUE(config.ok()) << config.error().message();
  auto a = config->For("127.0.0.1:5000");
  ASSERT_TRUE(a.ok() && a->has_value());
  EXPECT_EQ((*a)->username, "user");
  EXPECT_EQ(Reveal((*a)->password), "s3cr:et");  // only the first ':' splits
  auto b = config->For("REGISTRY.example");
  ASSERT_TRUE(b.ok() && b->has_value());
  EXPECT_EQ((*b)->username, "bob");
  EXPECT_EQ(Reveal((*b)->password), "pw");
  auto t = config->For("tok.example");
  ASSERT_TRUE(t.ok() && t->has_value());
  EXPECT_EQ(Reveal((*t)->identity_token), "refresh");
  auto none = config->For("other.example");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

TEST(DockerConfigTest, CredentialHelpersAreNeverRun) {
  auto config = DockerConfig::Parse(R"({"credHelpers":{"helped.example":"ecr-login"}})");
  ASSERT_TRUE(config.ok());
  auto helped = config->For("helped.example");
  ASSERT_FALSE(helped.ok());
  EXPECT_EQ(helped.error().code(), ErrorCode::kFailedPrecondition);
  auto store = DockerConfig::Parse(R"({"credsStore":"desktop"})");
  ASSERT_TRUE(store.ok());
  EXPECT_FALSE(store->For("any.example").ok());
}

TEST(DockerConfigTest, MalformedEntriesAreRefusedWithoutTheirValue) {
  for (const std::string& bad : std::vector<std::string>{
           "", "[]", R"({"auths":[]})", R"({"auths":{"h":"x"}})", R"({"auths":{"h":{"auth":"!!!"}}})",
           R"({"auths":{"h":{"auth":"dXNlcg=="}}})",  // "user" without ':'
           R"({"auths":{"h":{"auth":"OnB3"}}})",      // ":pw" without a user
           R"({"auths":{"h":{}}})", R"({"auths":{"h":{"username":7}}})", R"({"auths":{"":{"username":"u"}}})"}) {
    auto config = DockerConfig::Parse(bad);
    ASSERT_FALSE(config.ok()) << bad;
    EXPECT_EQ(config.error().message().find("!!!"), std::string::npos);
    EXPECT_EQ(config.error().message().find("dXNlcg"), std::string::npos);
  }
}

TEST(DockerConfigTest, Normalises) {
  EXPECT_EQ(NormaliseRegistryHost("https://index.docker.io/v1/"), "index.docker.io");
  EXPECT_EQ(NormaliseRegistryHost("Registry.Example:443"), "registry.example:443");
  EXPECT_EQ(NormaliseRegistryHost("http://h/"), "h");
}

TEST(ChallengeTest, ParsesBearerAndBasic) {
  auto bearer = ParseChallenge(R"(Bearer realm="https://auth.example/token",service="registry.example",scope="repository:team/app:pull,push")");
  ASSERT_TRUE(bearer.ok()) << bearer.error().message();
  EXPECT_EQ(bearer->scheme, "bearer");
  EXPECT_EQ(bearer->params.at("realm"), "https://auth.example/token");
  EXPECT_EQ(bearer->params.at("scope"), "repository:team/app:pull,push");
  auto basic = ParseChallenge(R"(Basic realm="test")");
  ASSERT_TRUE(basic.ok());
  EXPECT_EQ(basic->scheme, "basic");
  auto unquoted = ParseChallenge("Basic realm=test , charset=\"UTF-8\"");
  ASSERT_TRUE(unquoted.ok());
  EXPECT_EQ(unquoted->params.at("charset"), "UTF-8");
  auto escaped = ParseChallenge(R"(Bearer realm="a\"b")");
  ASSERT_TRUE(escaped.ok());
  EXPECT_EQ(escaped->params.at("realm"), "a\"b");
  auto two = ParseChallenge(R"(Basic realm="x", Bearer realm="y")");
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(two->scheme, "basic");
  EXPECT_EQ(two->params.at("realm"), "x");
}

TEST(ChallengeTest, Refusals) {
  for (const char* bad : {"", "   ", "Bearer realm=\"unterminated", "Bearer =x", "Bearer realm=\"a\"x=1",
                          "Bearer realm=\"a\",realm=\"b\"", "Bearer realm=\"a\x01\""}) {
    EXPECT_FALSE(ParseChallenge(bad).ok()) << bad;
  }
  EXPECT_FALSE(ParseChallenge("Bearer realm=\"" + std::string(5000, 'a') + "\"").ok());
}

}  // namespace
}  // namespace signet::registry
