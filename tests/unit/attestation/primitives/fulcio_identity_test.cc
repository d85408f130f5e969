#include "signet/attestation/fulcio_identity.h"

#include <chrono>

#include <gtest/gtest.h>

#include "case_data.h"
#include "synthetic_pki.h"

namespace signet::attestation {
namespace {

constexpr char kBeacon[] =
    "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/"
    "workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
constexpr char kGithubIssuer[] = "https://token.actions.githubusercontent.com";

bool IsMalformed(const Result<FulcioIdentity>& r) {
  return !r.ok() && r.error().code() == ErrorCode::kVerificationFailed &&
         r.error().finding() == "MALFORMED_INPUT";
}

Bytes Raw(std::string_view s) { return Bytes(s.begin(), s.end()); }

TEST(FulcioIdentityTest, RealCertificateWithEveryExtension) {
  auto c = testdata::LoadCase("rekor2-happy-path");
  auto cert = ossl::ParseCertificateDer(c.LeafDer()).value();
  auto id = ParseFulcioIdentity(cert.get());
  ASSERT_TRUE(id.ok()) << id.error().ToString();
  EXPECT_EQ(id->san_type, FulcioIdentity::SanType::kUri);
  EXPECT_EQ(id->san, kBeacon);
  EXPECT_EQ(id->issuer, kGithubIssuer);
  EXPECT_TRUE(id->issuer_v2);
  EXPECT_EQ(id->github_workflow_trigger, "workflow_dispatch");
  EXPECT_EQ(id->github_workflow_sha, "9739798945b2a848e911bcf1dddb97298cade0b1");
  EXPECT_EQ(id->github_workflow_name, "Extremely dangerous OIDC beacon");
  EXPECT_EQ(id->github_workflow_repository,
            "sigstore-conformance/extremely-dangerous-public-oidc-beacon");
  EXPECT_EQ(id->github_workflow_ref, "refs/heads/main");
  EXPECT_EQ(id->build_signer_uri, kBeacon);
  EXPECT_EQ(id->build_signer_digest, "9739798945b2a848e911bcf1dddb97298cade0b1");
  EXPECT_EQ(id->runner_environment, "github-hosted");
  EXPECT_EQ(id->source_repository_uri,
            "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon");
  EXPECT_EQ(id->source_repository_digest, "9739798945b2a848e911bcf1dddb97298cade0b1");
  EXPECT_EQ(id->source_repository_ref, "refs/heads/main");
  EXPECT_EQ(id->source_repository_identifier, "632596897");
  EXPECT_EQ(id->source_repository_owner_uri, "https://github.com/sigstore-conformance");
  EXPECT_EQ(id->source_repository_owner_identifier, "131804563");
  EXPECT_EQ(id->build_config_uri, kBeacon);
  EXPECT_EQ(id->build_config_digest, "9739798945b2a848e911bcf1dddb97298cade0b1");
  EXPECT_EQ(id->build_trigger, "workflow_dispatch");
  EXPECT_EQ(id->run_invocation_uri,
            "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/"
            "actions/runs/15609877086/attempts/1");
  EXPECT_EQ(id->source_repository_visibility_at_signing, "public");

  JsonValue j = ToJson(*id);
  EXPECT_EQ(j.Find("san")->string_value(), kBeacon);
  EXPECT_EQ(j.Find("sanType")->string_value(), "uri");
  EXPECT_EQ(j.Find("issuer")->string_value(), kGithubIssuer);
  EXPECT_EQ(j.Find("sourceRepositoryDigest")->string_value(),
            "9739798945b2a848e911bcf1dddb97298cade0b1");
  EXPECT_EQ(j.Find("sourceRepositoryVisibilityAtSigning")->string_value(), "public");
  EXPECT_EQ(j.Find("githubWorkflowRef")->string_value(), "refs/heads/main");
  EXPECT_EQ(j.object().size(), 3u + 5u + 14u);
}

TEST(FulcioIdentityTest, RealCertificatesOfOtherCases) {
  for (const char* name : {"happy-path-v0.3", "intoto-with-custom-trust-root",
                           "bundle-with-sct-with-extensions"}) {
    auto c = testdata::LoadCase(name);
    auto cert = ossl::ParseCertificateDer(c.LeafDer()).value();
    auto id = ParseFulcioIdentity(cert.get());
    ASSERT_TRUE(id.ok()) << name << ": " << id.error().ToString();
    EXPECT_FALSE(id->san.empty()) << name;
    EXPECT_FALSE(id->issuer.empty()) << name;
  }
}

// ---- Synthetic certificates for each refusal ----------------------------------------------

class SyntheticFulcioTest : public ::testing::Test {
 protected:
  void SetUp() override {
    key_ = testpki::NewP256();
    spec_.subject_key = key_.get();
    spec_.not_before = ParseRfc3339("2025-01-01T00:00:00Z").value();
    spec_.not_after = spec_.not_before + std::chrono::minutes(10);
    spec_.extended_key_usage = "codeSigning";
    spec_.subject_alt_name = std::string("URI:") + kBeacon;
  }
  static testpki::RawExtension Ext(int n, Bytes value) {
    return testpki::RawExtension{"1.3.6.1.4.1.57264.1." + std::to_string(n), std::move(value)};
  }
  Result<FulcioIdentity> Parse() {
    cert_ = testpki::MakeCert(spec_);
    return ParseFulcioIdentity(cert_.get());
  }
  ossl::UniquePtr<EVP_PKEY> key_;
  ossl::UniquePtr<X509> cert_;
  testpki::CertSpec spec_;
};

TEST_F(SyntheticFulcioTest, MinimalV2Identity) {
  spec_.extra = {Ext(8, testpki::Utf8Der(kGithubIssuer))};
  auto id = Parse();
  ASSERT_TRUE(id.ok()) << id.error().ToString();
  EXPECT_EQ(id->issuer, kGithubIssuer);
  EXPECT_TRUE(id->issuer_v2);
  EXPECT_TRUE(id->build_signer_uri.empty());
  EXPECT_EQ(ToJson(*id).object().size(), 3u);
}

TEST_F(SyntheticFulcioTest, LegacyIssuerAndPrecedence) {
  spec_.extra = {Ext(1, Raw("https://legacy.example"))};
  auto legacy = Parse();
  ASSERT_TRUE(legacy.ok());
  EXPECT_EQ(legacy->issuer, "https://legacy.example");
  EXPECT_FALSE(legacy->issuer_v2);
  spec_.extra = {Ext(1, Raw("https://legacy.example")), Ext(8, testpki::Utf8Der("https://v2"))};
  auto both = Parse();
  ASSERT_TRUE(both.ok());
  EXPECT_EQ(both->issuer, "https://v2");
}

TEST_F(SyntheticFulcioTest, EmailSan) {
  spec_.subject_alt_name = "email:dev@example.com";
  spec_.extra = {Ext(8, testpki::Utf8Der("https://accounts.example"))};
  auto id = Parse();
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(id->san_type, FulcioIdentity::SanType::kEmail);
  EXPECT_EQ(id->san, "dev@example.com");
  EXPECT_EQ(ToJson(*id).Find("sanType")->string_value(), "email");
}

TEST_F(SyntheticFulcioTest, SanMustBeExactlyOneUriOrEmail) {
  spec_.extra = {Ext(8, testpki::Utf8Der(kGithubIssuer))};
  spec_.subject_alt_name = "";
  EXPECT_TRUE(IsMalformed(Parse()));
  spec_.subject_alt_name = std::string("URI:") + kBeacon + ",email:a@example.com";
  EXPECT_TRUE(IsMalformed(Parse()));
  spec_.subject_alt_name = "DNS:example.com";
  EXPECT_TRUE(IsMalformed(Parse()));
  // Two subjectAltName extensions.
  spec_.subject_alt_name = std::string("URI:") + kBeacon;
  spec_.extra.push_back(testpki::RawExtension{"2.5.29.17", Bytes{0x30, 0x05, 0x86, 0x03, 'a',
                                                                  ':', 'b'}});
  EXPECT_TRUE(IsMalformed(Parse()));
}

TEST_F(SyntheticFulcioTest, IssuerIsRequiredAndStrictlyEncoded) {
  spec_.extra = {};
  EXPECT_TRUE(IsMalformed(Parse()));
  spec_.extra = {Ext(8, Raw(kGithubIssuer))};  // raw bytes where DER is required
  EXPECT_TRUE(IsMalformed(Parse()));
  Bytes trailing = testpki::Utf8Der(kGithubIssuer);
  trailing.push_back(0);
  spec_.extra = {Ext(8, trailing)};
  EXPECT_TRUE(IsMalformed(Parse()));
  spec_.extra = {Ext(8, testpki::Utf8Der(""))};
  EXPECT_TRUE(IsMalformed(Parse()));
  spec_.extra = {Ext(1, Raw("bad\xFFutf8"))};
  EXPECT_TRUE(IsMalformed(Parse()));
}

TEST_F(SyntheticFulcioTest, DuplicateOrBadlyEncodedExtensionsFail) {
  Bytes issuer = testpki::Utf8Der(kGithubIssuer);
  spec_.extra = {Ext(8, issuer), Ext(12, testpki::Utf8Der("https://a")),
                 Ext(12, testpki::Utf8Der("https://b"))};
  EXPECT_TRUE(IsMalformed(Parse()));
  spec_.extra = {Ext(8, issuer), Ext(8, issuer)};
  EXPECT_TRUE(IsMalformed(Parse()));
  spec_.extra = {Ext(8, issuer), Ext(9, Raw("https://not-der"))};
  EXPECT_TRUE(IsMalformed(Parse()));
  spec_.extra = {Ext(8, issuer), Ext(22, Bytes{0x0C, 0x02, 0xC3, 0x28})};  // invalid UTF-8
  EXPECT_TRUE(IsMalformed(Parse()));
  spec_.extra = {Ext(8, issuer), Ext(3, Raw("\xC0\xAF"))};  // overlong UTF-8 in a raw value
  EXPECT_TRUE(IsMalformed(Parse()));
  spec_.extra = {Ext(8, issuer), Ext(13, Bytes{0x13, 0x01, 'x'})};  // PrintableString, not UTF8
  EXPECT_TRUE(IsMalformed(Parse()));
}

TEST_F(SyntheticFulcioTest, UnknownFulcioOidsAreIgnored) {
  spec_.extra = {Ext(8, testpki::Utf8Der(kGithubIssuer)), Ext(7, Raw("othername arc")),
                 Ext(23, Raw("future")), Ext(99, Raw("future")),
                 testpki::RawExtension{"1.3.6.1.4.1.57264.2.1", Raw("other arc")},
                 Ext(18, testpki::Utf8Der("https://cfg"))};
  auto id = Parse();
  ASSERT_TRUE(id.ok()) << id.error().ToString();
  EXPECT_EQ(id->build_config_uri, "https://cfg");
}

TEST(FulcioIdentityTest, NullCertificateIsAnArgumentError) {
  auto r = ParseFulcioIdentity(nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace signet::attestation
