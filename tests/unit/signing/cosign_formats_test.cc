#include "signet/signer/cosign_formats.h"

#include <gtest/gtest.h>

#include "signet/core/encoding.h"
#include "signet/core/hash.h"

namespace signet::signer {
namespace {

constexpr char kHex[] = "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03";

TEST(ImageRefTest, ParsesPinnedReferences) {
  auto r = ParseImageRef(std::string("registry.example.com:5000/team/app@sha256:") + kHex);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->repository, "registry.example.com:5000/team/app");
  EXPECT_EQ(r->digest(), std::string("sha256:") + kHex);
  EXPECT_EQ(r->ToString(), std::string("registry.example.com:5000/team/app@sha256:") + kHex);
  EXPECT_TRUE(ParseImageRef(std::string("ghcr.io/a/b_c__d.e-f--g@sha256:") + kHex).ok());
}

TEST(ImageRefTest, TagWithoutDigestIsMutable) {
  for (const char* ref : {"registry.example.com/app:v1", "registry.example.com/app", "registry.example.com/app:latest"}) {
    auto r = ParseImageRef(ref);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code(), ErrorCode::kVerificationFailed);
    EXPECT_EQ(r.error().finding(), "MUTABLE_REFERENCE");
  }
}

TEST(ImageRefTest, RejectsMalformed) {
  std::string d = std::string("@sha256:") + kHex;
  for (std::string ref : {"registry.example.com/App" + d, "app" + d, "/app" + d, "registry.example.com/app:v1" + d,
                          "registry.example.com//app" + d, "registry.example.com/app-" + d,
                          "registry.example.com/a..b" + d, "registry.example.com/a___b" + d, "reg istry/app" + d,
                          "registry.example.com:x/app" + d,
                          std::string("registry.example.com/app@sha256:") + std::string(kHex).substr(1),
                          std::string("registry.example.com/app@sha512:") + kHex,
                          std::string("registry.example.com/app@SHA256:") + kHex,
                          std::string("registry.example.com/app@sha256:5891B5B522D5DF086D0FF0B110FBD9D21BB4FC7163AF34D08286A2E846F6BE03")}) {
    auto r = ParseImageRef(ref);
    ASSERT_FALSE(r.ok()) << ref;
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument) << ref;
    EXPECT_EQ(r.error().finding(), "MALFORMED_INPUT") << ref;
  }
}

TEST(SimpleSigningTest, ByteExactCosignForm) {
  ImageRef img{"registry.example.com/team/app", kHex};
  EXPECT_EQ(SimpleSigningPayload(img),
            std::string("{\"critical\":{\"identity\":{\"docker-reference\":\"registry.example.com/team/app\"},"
                        "\"image\":{\"docker-manifest-digest\":\"sha256:") +
                kHex + "\"},\"type\":\"cosign container image signature\"},\"optional\":null}");
}

TEST(SimpleSigningTest, AnnotationsSortedAndGoEscaped) {
  ImageRef img{"r.example/app", kHex};
  std::string p = SimpleSigningPayload(img, {{"z", "1"}, {"a", "<b>&\"\\\n\x01\xe2\x80\xa8"}});
  EXPECT_NE(p.find("\"optional\":{\"a\":\"\\u003cb\\u003e\\u0026\\\"\\\\\\n\\u0001\\u2028\",\"z\":\"1\"}}"),
            std::string::npos)
      << p;
  EXPECT_TRUE(ParseJson(p).ok());
}

TEST(BundleTest, KeyBasedDsseBundleShape) {
  ImageRef img{"r.example/app", kHex};
  std::string payload = WriteCanonicalJson(CosignSignStatement(img)).value();
  EXPECT_EQ(payload, std::string("{\"_type\":\"https://in-toto.io/Statement/v1\",\"predicate\":{},"
                                 "\"predicateType\":\"https://sigstore.dev/cosign/sign/v1\","
                                 "\"subject\":[{\"digest\":{\"sha256\":\"") + kHex + "\"},\"name\":\"r.example/app\"}]}");
  Bytes spki = {1, 2, 3};
  Bytes sig = {9, 9};
  auto b = ParseJson(DsseBundle(kInTotoPayloadType, AsBytes(payload), sig, spki));
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*b->GetString("mediaType"), "application/vnd.dev.sigstore.bundle.v0.3+json");
  const JsonValue* env = *b->GetObject("dsseEnvelope");
  EXPECT_EQ(*env->GetString("payloadType"), "application/vnd.in-toto+json");
  EXPECT_EQ(ToString(*Base64Decode(*env->GetString("payload"))), payload);
  const JsonValue& s0 = (**env->GetArray("signatures"))[0];
  std::string hint = Base64Encode(Sha256(spki));
  EXPECT_EQ(*s0.GetString("keyid"), hint);
  EXPECT_EQ(*Base64Decode(*s0.GetString("sig")), sig);
  EXPECT_EQ(*(*(*b->GetObject("verificationMaterial"))->GetObject("publicKey"))->GetString("hint"), hint);
  EXPECT_EQ(KeyHint(spki), hint);
}

TEST(VsaTest, CarriesEveryRequiredField) {
  ImageRef img{"r.example/app", kHex};
  VsaParams p;
  p.verifier_id = "https://signet.example/appliance";
  p.time_verified = FromUnixSeconds(1795600800);
  p.policy_uri = "policy.yaml";
  p.policy_sha256 = std::string(64, 'e');
  p.inputs = {{"prov.json", std::string(64, 'f')}};
  p.verified_levels = {"SLSA_BUILD_LEVEL_3"};
  JsonValue st = VsaStatement(img, p);
  EXPECT_EQ(*st.GetString("predicateType"), "https://slsa.dev/verification_summary/v1");
  const JsonValue* pred = *st.GetObject("predicate");
  EXPECT_EQ(*(*pred->GetObject("verifier"))->GetString("id"), "https://signet.example/appliance");
  EXPECT_EQ(*pred->GetString("timeVerified"), "2026-11-25T10:00:00Z");
  EXPECT_EQ(*pred->GetString("resourceUri"), std::string("r.example/app@sha256:") + kHex);
  EXPECT_EQ(*pred->GetString("verificationResult"), "PASSED");
  EXPECT_EQ(*(*(*pred->GetObject("policy"))->GetObject("digest"))->GetString("sha256"), std::string(64, 'e'));
  const JsonValue& in0 = (**pred->GetArray("inputAttestations"))[0];
  EXPECT_EQ(*in0.GetString("uri"), "prov.json");
  EXPECT_EQ((**pred->GetArray("verifiedLevels"))[0].string_value(), "SLSA_BUILD_LEVEL_3");
  EXPECT_EQ(*(*(**st.GetArray("subject"))[0].GetObject("digest"))->GetString("sha256"), kHex);
}

}  // namespace
}  // namespace signet::signer
