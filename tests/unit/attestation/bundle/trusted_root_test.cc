// trusted_root.json parsing: sections, windows (closed intervals), refusal of a missing start.
#include "signet/attestation/trusted_root.h"

#include <gtest/gtest.h>

#include "signet/core/findings.h"
#include "signet/core/encoding.h"
#include "signet/core/json.h"
#include "test_util.h"

namespace signet::attestation {
namespace {

TEST(TrustedRootTest, ParsesThePublicGoodRoot) {
  auto root = TrustedRoot::Parse(testutil::PublicGoodRoot());
  ASSERT_TRUE(root.ok()) << root.error().ToString();
  EXPECT_EQ(root->tlogs().size(), 2u);
  EXPECT_EQ(root->certificate_authorities().size(), 2u);
  EXPECT_EQ(root->ctlogs().size(), 2u);
  EXPECT_EQ(root->timestamp_authorities().size(), 1u);
  EXPECT_EQ(root->certificate_authorities()[1].chain.size(), 2u);
  auto id = Base64Decode("wNI9atQGlz+VWfO6LRygH4QUfY/8W4RFwiT5i5WRgB0=");
  const TransparencyLog* log = root->FindTlog(*id);
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(log->key.algorithm(), SignatureAlgorithm::kEcdsaP256Sha256);
  EXPECT_EQ(root->tlogs()[1].key.algorithm(), SignatureAlgorithm::kEd25519);
  EXPECT_EQ(root->FindTlog(testutil::Flip(*id)), nullptr);
  // CA window: 2021-03-07T03:20:29Z .. 2022-12-31T23:59:59.999Z, both inclusive.
  const TimeRange& w = root->certificate_authorities()[0].valid_for;
  EXPECT_TRUE(w.Contains(*ParseRfc3339("2021-03-07T03:20:29Z")));
  EXPECT_FALSE(w.Contains(*ParseRfc3339("2021-03-07T03:20:28.999999999Z")));
  EXPECT_TRUE(w.Contains(*ParseRfc3339("2022-12-31T23:59:59.999Z")));
  EXPECT_FALSE(w.Contains(*ParseRfc3339("2022-12-31T23:59:59.999000001Z")));
  EXPECT_FALSE(root->certificate_authorities()[1].valid_for.end.has_value());
}

TEST(TrustedRootTest, ParsesEveryShippedRoot) {
  for (const char* f : {"vectors/trust/trusted_root.conformance-mock.json",
                        "vectors/trust/trusted_root.sigstage-rekor2.json"}) {
    auto root = TrustedRoot::Parse(testutil::Shared(f));
    ASSERT_TRUE(root.ok()) << f << " " << root.error().ToString();
  }
  // A PKCS#1 RSA CT log key (keyDetails PKCS1_RSA_PKCS1V5) and a null end.
  auto staging = TrustedRoot::Parse(testutil::Shared("vectors/trust/trusted_root.sigstage-rekor2.json"));
  ASSERT_TRUE(staging.ok());
  bool rsa = false;
  for (const CtLog& log : staging->ctlogs()) rsa = rsa || EVP_PKEY_get_base_id(log.key.get()) == EVP_PKEY_RSA;
  EXPECT_TRUE(rsa);
}

std::string Mutated(const std::string& path, JsonValue value) {
  auto doc = ParseJson(testutil::PublicGoodRoot());
  *testutil::JsonAt(*doc, path) = std::move(value);
  return WriteJson(*doc);
}

TEST(TrustedRootTest, RefusesMalformedRoots) {
  JsonValue no_start = JsonValue::MakeObject();
  no_start.Set("end", JsonValue::String("2030-01-01T00:00:00Z"));
  const std::string bad[] = {
      "{",
      Mutated("mediaType", JsonValue::String("application/vnd.dev.sigstore.trustedroot+json;version=9")),
      Mutated("tlogs.0.publicKey.validFor", JsonValue::MakeObject()),
      Mutated("tlogs.0.publicKey.validFor", no_start),
      Mutated("tlogs.0.publicKey.validFor.start", JsonValue::String("yesterday")),
      Mutated("tlogs.0.publicKey.rawBytes", JsonValue::String("AAAA")),
      Mutated("tlogs.0.logId.keyId", JsonValue::String("not base64!")),
      Mutated("tlogs.0.hashAlgorithm", JsonValue::String("SHA1")),
      Mutated("ctlogs.0.publicKey.validFor", JsonValue::MakeObject()),
      Mutated("certificateAuthorities.0.validFor", no_start),
      Mutated("certificateAuthorities.0.certChain.certificates", JsonValue::MakeArray()),
      Mutated("certificateAuthorities.0.certChain.certificates.0.rawBytes", JsonValue::String("AAAA")),
      Mutated("timestampAuthorities.0.validFor", JsonValue::MakeObject()),
      Mutated("tlogs", JsonValue::MakeObject()),
  };
  for (const std::string& json : bad) {
    auto root = TrustedRoot::Parse(json);
    ASSERT_FALSE(root.ok()) << json.substr(0, 200);
    EXPECT_EQ(root.error().finding(), findings::kTrustedRootInvalid);
    EXPECT_EQ(root.error().code(), ErrorCode::kInvalidArgument);
  }
}

TEST(TrustedRootTest, PinnedCaChainMustLink) {
  // Intermediate and root swapped: the chain no longer ends in a root that signed the rest.
  auto swapped = ParseJson(testutil::PublicGoodRoot());
  auto& certs = testutil::JsonAt(*swapped, "certificateAuthorities.1.certChain.certificates")->mutable_array();
  std::swap(certs[0], certs[1]);
  auto r1 = TrustedRoot::Parse(WriteJson(*swapped));
  ASSERT_FALSE(r1.ok());
  EXPECT_EQ(r1.error().finding(), findings::kTrustedRootInvalid);
  // Another instance's intermediate under this root.
  auto foreign = ParseJson(testutil::PublicGoodRoot());
  auto staging = ParseJson(testutil::Shared("vectors/trust/trusted_root.sigstage-rekor2.json"));
  *testutil::JsonAt(*foreign, "certificateAuthorities.1.certChain.certificates.0") =
      *testutil::JsonAt(*staging, "certificateAuthorities.0.certChain.certificates.0");
  auto r2 = TrustedRoot::Parse(WriteJson(*foreign));
  ASSERT_FALSE(r2.ok());
  EXPECT_EQ(r2.error().finding(), findings::kTrustedRootInvalid);
  // An intermediate alone (no root) is refused too.
  auto alone = ParseJson(testutil::PublicGoodRoot());
  testutil::JsonAt(*alone, "certificateAuthorities.1.certChain.certificates")->mutable_array().pop_back();
  EXPECT_FALSE(TrustedRoot::Parse(WriteJson(*alone)).ok());
}

TEST(TrustedRootTest, WindowEndBeforeStartIsRefused) {
  auto doc = ParseJson(testutil::PublicGoodRoot());
  testutil::JsonAt(*doc, "tlogs.0.publicKey.validFor")->Set("end", JsonValue::String("2020-01-01T00:00:00Z"));
  auto root = TrustedRoot::Parse(WriteJson(*doc));
  ASSERT_FALSE(root.ok());
  EXPECT_EQ(root.error().finding(), findings::kTrustedRootInvalid);
}

}  // namespace
}  // namespace signet::attestation
