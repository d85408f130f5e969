// in-toto Statement parsing from verified bytes, and the digest matching rules.
#include "signet/attestation/intoto.h"

#include <gtest/gtest.h>

#include "signet/core/findings.h"
#include "test_util.h"

namespace signet::attestation {
namespace {

constexpr char kDigest[] = "a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf";

Result<Statement> Parse(const std::string& payload, const std::string& type = kInTotoPayloadType) {
  static EVP_PKEY* key = testutil::NewKey("P-256").release();
  DsseEnvelope env;
  env.payload_type = type;
  env.payload = ToBytes(payload);
  env.signatures.push_back(DsseSignature{"", testutil::Sign(key, Pae(type, env.payload))});
  auto verified = VerifyEnvelope(env, {TrustedKey{"k", testutil::Public(key)}}, 1);
  if (!verified.ok()) std::abort();
  return ParseStatement(*verified);
}

std::string StatementJson(const std::string& type, const std::string& digest_value,
                          const std::string& extra = R"(,"predicate":{"x":1})") {
  return R"({"_type":")" + type + R"(","subject":[{"name":"a.txt","digest":{"sha256":")" + digest_value +
         R"("}}],"predicateType":"https://slsa.dev/provenance/v1")" + extra + "}";
}

TEST(StatementTest, ParsesV1AndV01) {
  for (const char* type : {kStatementV1, kStatementV01}) {
    auto st = Parse(StatementJson(type, kDigest));
    ASSERT_TRUE(st.ok()) << st.error().ToString();
    EXPECT_EQ(st->type(), type);
    EXPECT_EQ(st->predicate_type(), "https://slsa.dev/provenance/v1");
    ASSERT_EQ(st->subjects().size(), 1u);
    EXPECT_EQ(st->subjects()[0].name, "a.txt");
    EXPECT_TRUE(st->predicate().is_object());
    EXPECT_TRUE(st->MatchesDigest("sha256", kDigest));
  }
}

TEST(StatementTest, DigestMatchingIsExactLowercaseHex) {
  auto st = Parse(StatementJson(kStatementV1, kDigest));
  ASSERT_TRUE(st.ok());
  std::string upper = kDigest;
  for (char& c : upper) c = static_cast<char>(std::toupper(c));
  EXPECT_FALSE(st->MatchesDigest("sha256", upper));
  EXPECT_FALSE(st->MatchesDigest("sha256", std::string("sha256:") + kDigest));
  EXPECT_FALSE(st->MatchesDigest("sha512", kDigest));
  EXPECT_FALSE(st->MatchesDigest("sha256", std::string(kDigest).substr(0, 62)));
  EXPECT_FALSE(st->MatchesDigest("sha256", ""));
  // A subject written in uppercase or with a prefix matches nothing.
  auto up = Parse(StatementJson(kStatementV1, upper));
  ASSERT_TRUE(up.ok());
  EXPECT_FALSE(up->MatchesDigest("sha256", kDigest));
  auto prefixed = Parse(StatementJson(kStatementV1, std::string("sha256:") + kDigest));
  ASSERT_TRUE(prefixed.ok());
  EXPECT_FALSE(prefixed->MatchesDigest("sha256", kDigest));
}

TEST(StatementTest, PayloadTypeIsCheckedOnTheVerifiedEnvelope) {
  auto st = Parse(StatementJson(kStatementV1, kDigest), "application/json");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().finding(), findings::kPayloadTypeMismatch);
  auto plain = Parse("hello, world!", "text/plain");
  ASSERT_FALSE(plain.ok());
  EXPECT_EQ(plain.error().finding(), findings::kPayloadTypeMismatch);
}

TEST(StatementTest, RefusesMalformedStatements) {
  const std::string bad[] = {
      "hello, world!",
      "[]",
      StatementJson("https://in-toto.io/Statement/v2", kDigest),
      StatementJson(kStatementV1, kDigest, R"(,"predicate":[])"),
      R"({"_type":"https://in-toto.io/Statement/v1","subject":[],"predicateType":"p"})",
      R"({"_type":"https://in-toto.io/Statement/v1","predicateType":"p"})",
      R"({"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a"}],"predicateType":"p"})",
      R"({"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a","digest":{}}],"predicateType":"p"})",
      R"({"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a","digest":{"sha256":1}}],"predicateType":"p"})",
      R"({"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a","digest":{"sha256":"ab"}}]})",
      R"({"_type":"https://in-toto.io/Statement/v0.1","subject":[{"digest":{"sha256":"ab"}}],"predicateType":"p"})",
      R"({"subject":[{"name":"a","digest":{"sha256":"ab"}}],"predicateType":"p"})",
      R"({"_type":"https://in-toto.io/Statement/v1","_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a","digest":{"sha256":"ab"}}],"predicateType":"p"})",
  };
  for (const std::string& json : bad) {
    auto st = Parse(json);
    ASSERT_FALSE(st.ok()) << json;
    EXPECT_EQ(st.error().finding(), findings::kStatementInvalid) << json;
  }
}

}  // namespace
}  // namespace signet::attestation
