#include "signet/attestation/rfc3161.h"

#include <chrono>

#include <gtest/gtest.h>

#include <algorithm>

#include "case_data.h"
#include "signet/core/encoding.h"
#include "signet/core/hash.h"
#include "synthetic_pki.h"
#include "test_env.h"

namespace signet::attestation {
namespace {

using std::chrono::nanoseconds;
using std::chrono::seconds;

bool IsTimestampFailure(const Result<Timestamp>& r) {
  return !r.ok() && r.error().code() == ErrorCode::kVerificationFailed &&
         r.error().finding() == "TIMESTAMP_INVALID";
}

struct RealCase {
  const char* name;
  bool valid;
  const char* gen_time;  // expected genTime when valid
};

class ConformanceTimestampTest : public ::testing::TestWithParam<RealCase> {};

TEST_P(ConformanceTimestampTest, VerifiesAsExpected) {
  auto c = testdata::LoadCase(GetParam().name);
  auto ts = c.Timestamps();
  ASSERT_EQ(ts.size(), 1u);
  auto r = VerifyRfc3161(ts[0], c.Signature(), c.root.TsaTrusts());
  if (GetParam().valid) {
    ASSERT_TRUE(r.ok()) << r.error().ToString();
    EXPECT_EQ(FormatRfc3339(*r), GetParam().gen_time);
  } else {
    EXPECT_TRUE(IsTimestampFailure(r)) << (r.ok() ? FormatRfc3339(*r) : r.error().ToString());
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ConformanceTimestampTest,
    ::testing::Values(
        RealCase{"rekor2-happy-path", true, "2025-06-12T12:02:20Z"},
        RealCase{"rekor2-timestamp-with-embedded-cert", true, "2025-08-06T18:51:36Z"},
        RealCase{"rekor2-timestamp-without-embedded-cert", true, "2025-08-06T19:03:51Z"},
        // The TSA chain has expired since, but was valid at genTime.
        RealCase{"rekor2-timestamp-with-expired-cert-chain", true, "2025-08-07T15:32:26Z"},
        // genTime equals the trusted root's end of validity for the TSA.
        RealCase{"trust-root-tsa-validity-end-inclusive", true, "2025-06-12T12:02:20Z"},
        RealCase{"intoto-with-custom-trust-root", true, "2023-02-01T00:00:00Z"},
        RealCase{"rekor2-timestamp-outside-trust-root-tsa-validity_fail", false, ""},
        RealCase{"rekor2-timestamp-outside-tsa-cert-validity_fail", false, ""},
        RealCase{"rekor2-timestamp-payload-mismatch_fail", false, ""},
        RealCase{"rekor2-timestamp-untrusted-tsa-with-embedded-cert_fail", false, ""},
        RealCase{"rekor2-timestamp-untrusted-tsa-without-embedded-cert_fail", false, ""}),
    [](const auto& param_info) {
      std::string n = param_info.param.name;
      for (char& ch : n) {
        if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
      }
      return n;
    });

}  // namespace
}  // namespace signet::attestation

namespace signet::attestation {
namespace {

// Mutations and windows around a genuine Sigstore staging token (rekor2-happy-path).
class RealTokenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    c_ = std::make_unique<testdata::Case>(testdata::LoadCase("rekor2-happy-path"));
    token_ = c_->Timestamps().at(0);
    data_ = c_->Signature();
    tsas_ = c_->root.TsaTrusts();
    auto r = VerifyRfc3161(token_, data_, tsas_);
    ASSERT_TRUE(r.ok());
    gen_time_ = *r;
  }
  Result<Timestamp> Verify(ByteView token) { return VerifyRfc3161(token, data_, tsas_); }
  std::unique_ptr<testdata::Case> c_;
  Bytes token_, data_;
  std::vector<TsaTrust> tsas_;
  Timestamp gen_time_;
};

TEST_F(RealTokenTest, FlippedSignatureByteFails) {
  Bytes bad = token_;
  bad.back() ^= 0x01;  // the last byte belongs to the SignerInfo signature
  EXPECT_TRUE(IsTimestampFailure(Verify(bad)));
}

TEST_F(RealTokenTest, FlippedImprintOrGenTimeFails) {
  Bytes imprint = Sha256(data_);
  auto at = std::search(token_.begin(), token_.end(), imprint.begin(), imprint.end());
  ASSERT_NE(at, token_.end());
  Bytes bad = token_;
  bad[static_cast<size_t>(at - token_.begin()) + 7] ^= 0x40;
  EXPECT_TRUE(IsTimestampFailure(Verify(bad)));

  std::string gen = "20250612120220Z";
  auto g = std::search(token_.begin(), token_.end(), gen.begin(), gen.end());
  ASSERT_NE(g, token_.end());
  Bytes later = token_;
  later[static_cast<size_t>(g - token_.begin()) + 11] = '1';  // 12:02:20 -> 12:02:21
  EXPECT_TRUE(IsTimestampFailure(Verify(later)));
}

TEST_F(RealTokenTest, OtherSignedDataFails) {
  Bytes other = data_;
  other[0] ^= 0x01;
  EXPECT_TRUE(IsTimestampFailure(VerifyRfc3161(token_, other, tsas_)));
  EXPECT_TRUE(IsTimestampFailure(VerifyRfc3161(token_, {}, tsas_)));
}

TEST_F(RealTokenTest, TruncatedTrailingAndEmptyFail) {
  Bytes trailing = token_;
  trailing.push_back(0x00);
  EXPECT_TRUE(IsTimestampFailure(Verify(trailing)));
  Bytes truncated(token_.begin(), token_.end() - 1);
  EXPECT_TRUE(IsTimestampFailure(Verify(truncated)));
  EXPECT_TRUE(IsTimestampFailure(Verify({})));
  Bytes huge(kMaxTimestampBytes + 1, 0x30);
  EXPECT_TRUE(IsTimestampFailure(Verify(huge)));
}

TEST_F(RealTokenTest, StatusMustBeGranted) {
  // TimeStampResp ::= SEQUENCE { status PKIStatusInfo, ... }; here 30 82 LL LL 30 03 02 01 00.
  ASSERT_EQ(token_[4], 0x30);
  ASSERT_EQ(token_[8], 0x00);
  Bytes mods = token_;
  mods[8] = 0x01;  // grantedWithMods still carries a valid token
  EXPECT_TRUE(Verify(mods).ok());
  for (uint8_t st : {uint8_t{2}, uint8_t{3}, uint8_t{4}, uint8_t{5}}) {
    Bytes bad = token_;
    bad[8] = st;
    EXPECT_TRUE(IsTimestampFailure(Verify(bad))) << int{st};
  }
}

TEST_F(RealTokenTest, BareTokenIsAccepted) {
  const unsigned char* p = token_.data();
  ossl::UniquePtr<TS_RESP> resp(d2i_TS_RESP(nullptr, &p, static_cast<long>(token_.size())));
  ASSERT_TRUE(resp);
  unsigned char* der = nullptr;
  int n = i2d_PKCS7(TS_RESP_get_token(resp.get()), &der);
  ASSERT_GT(n, 0);
  Bytes bare(der, der + n);
  OPENSSL_free(der);
  auto r = Verify(bare);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(*r, gen_time_);
}

TEST_F(RealTokenTest, TrustedRootWindowIsInclusive) {
  ASSERT_EQ(tsas_.size(), 1u);
  TsaTrust t = tsas_[0];
  t.valid_from = gen_time_;
  t.valid_to = gen_time_;
  EXPECT_TRUE(VerifyRfc3161(token_, data_, {t}).ok());
  t.valid_from = gen_time_ + nanoseconds(1);
  EXPECT_TRUE(IsTimestampFailure(VerifyRfc3161(token_, data_, {t})));
  t.valid_from = std::nullopt;
  t.valid_to = gen_time_ - nanoseconds(1);
  EXPECT_TRUE(IsTimestampFailure(VerifyRfc3161(token_, data_, {t})));
}

TEST_F(RealTokenTest, OutsideTrustRootCaseFailsOnlyBecauseOfTheWindow) {
  auto c = testdata::LoadCase("rekor2-timestamp-outside-trust-root-tsa-validity_fail");
  auto tsas = c.root.TsaTrusts();
  ASSERT_EQ(tsas.size(), 1u);
  ASSERT_TRUE(tsas[0].valid_to.has_value());
  EXPECT_TRUE(IsTimestampFailure(VerifyRfc3161(c.Timestamps()[0], c.Signature(), tsas)));
  tsas[0].valid_to.reset();
  EXPECT_TRUE(VerifyRfc3161(c.Timestamps()[0], c.Signature(), tsas).ok());
}

TEST_F(RealTokenTest, UntrustedOrBrokenTsaListFails) {
  EXPECT_TRUE(IsTimestampFailure(VerifyRfc3161(token_, data_, {})));
  TsaTrust empty;
  EXPECT_TRUE(IsTimestampFailure(VerifyRfc3161(token_, data_, {empty})));
  TsaTrust null_cert;
  null_cert.chain = {nullptr};
  EXPECT_TRUE(IsTimestampFailure(VerifyRfc3161(token_, data_, {null_cert})));
  // The mock TSA of another trust root.
  auto other = testdata::LoadTrustedRoot(signet::testing::SharedDir() +
                                         "/vectors/trust/trusted_root.conformance-mock.json");
  EXPECT_TRUE(IsTimestampFailure(VerifyRfc3161(token_, data_, other.TsaTrusts())));
  // A failing TSA before the right one does not hide it.
  auto both = other.TsaTrusts();
  both.push_back(tsas_[0]);
  EXPECT_TRUE(VerifyRfc3161(token_, data_, both).ok());
}

// ---- A synthetic TSA: exact placement of every time bound -------------------------------

class SyntheticTsaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    t0_ = ParseRfc3339("2025-01-01T00:00:00Z").value();
    root_key_ = testpki::NewP256();
    tsa_key_ = testpki::NewP256();
    testpki::CertSpec root;
    root.common_name = "Test TSA Root";
    root.subject_key = root_key_.get();
    root.not_before = t0_ - std::chrono::hours(24 * 3650);
    root.not_after = t0_ + std::chrono::hours(24 * 3650);
    root.ca = true;
    root_ = testpki::MakeCert(root);
    leaf_ = MakeLeaf(t0_ - std::chrono::hours(24), t0_ + std::chrono::hours(24));
    trust_.chain = {leaf_.get(), root_.get()};
  }
  ossl::UniquePtr<X509> MakeLeaf(Timestamp nb, Timestamp na) {
    testpki::CertSpec leaf;
    leaf.common_name = "Test TSA";
    leaf.subject_key = tsa_key_.get();
    leaf.issuer = root_.get();
    leaf.issuer_key = root_key_.get();
    leaf.not_before = nb;
    leaf.not_after = na;
    leaf.extended_key_usage = "critical,timeStamping";
    return testpki::MakeCert(leaf);
  }
  Bytes Token(Timestamp gen, X509* signer = nullptr, bool embed = true,
              const EVP_MD* md = nullptr) {
    testpki::TsaSpec spec;
    spec.signer = signer != nullptr ? signer : leaf_.get();
    spec.key = tsa_key_.get();
    spec.embed_signer = embed;
    spec.imprint_md = md;
    spec.gen_time = gen;
    return testpki::MakeTimestampResponse(spec, AsBytes(data_));
  }

  Timestamp t0_;
  ossl::UniquePtr<EVP_PKEY> root_key_, tsa_key_;
  ossl::UniquePtr<X509> root_, leaf_;
  TsaTrust trust_;
  const std::string data_ = "signature bytes";
};

TEST_F(SyntheticTsaTest, ValidTokenReturnsGenTime) {
  auto r = VerifyRfc3161(Token(t0_), AsBytes(data_), {trust_});
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(*r, t0_);
}

TEST_F(SyntheticTsaTest, ImprintAlgorithmAllowList) {
  EXPECT_TRUE(VerifyRfc3161(Token(t0_, nullptr, true, EVP_sha384()), AsBytes(data_), {trust_}).ok());
  EXPECT_TRUE(VerifyRfc3161(Token(t0_, nullptr, true, EVP_sha512()), AsBytes(data_), {trust_}).ok());
  EXPECT_TRUE(IsTimestampFailure(
      VerifyRfc3161(Token(t0_, nullptr, true, EVP_sha1()), AsBytes(data_), {trust_})));
  EXPECT_TRUE(IsTimestampFailure(
      VerifyRfc3161(Token(t0_, nullptr, true, EVP_md5()), AsBytes(data_), {trust_})));
}

TEST_F(SyntheticTsaTest, GenTimeAtSignerValidityBoundsIsInclusive) {
  Timestamp nb = t0_ - std::chrono::hours(24);
  Timestamp na = t0_ + std::chrono::hours(24);
  EXPECT_TRUE(VerifyRfc3161(Token(nb), AsBytes(data_), {trust_}).ok());
  EXPECT_TRUE(VerifyRfc3161(Token(na), AsBytes(data_), {trust_}).ok());
  EXPECT_TRUE(IsTimestampFailure(VerifyRfc3161(Token(nb - seconds(1)), AsBytes(data_), {trust_})));
  EXPECT_TRUE(IsTimestampFailure(VerifyRfc3161(Token(na + seconds(1)), AsBytes(data_), {trust_})));
}

TEST_F(SyntheticTsaTest, RootValidityAlsoBindsGenTime) {
  Timestamp root_end = t0_ + std::chrono::hours(24 * 3650);
  auto long_leaf = MakeLeaf(t0_, root_end + std::chrono::hours(48));
  TsaTrust t;
  t.chain = {long_leaf.get(), root_.get()};
  EXPECT_TRUE(VerifyRfc3161(Token(root_end, long_leaf.get()), AsBytes(data_), {t}).ok());
  EXPECT_TRUE(IsTimestampFailure(
      VerifyRfc3161(Token(root_end + seconds(1), long_leaf.get()), AsBytes(data_), {t})));
}

TEST_F(SyntheticTsaTest, NoExpiryCertificatesAndOutOfRangeGenTime) {
  testpki::CertSpec root;
  root.common_name = "Forever Root";
  root.subject_key = root_key_.get();
  root.not_before = t0_ - std::chrono::hours(24);
  root.no_expiry = true;
  root.ca = true;
  auto forever_root = testpki::MakeCert(root);
  testpki::CertSpec leaf = root;
  leaf.common_name = "Forever TSA";
  leaf.subject_key = tsa_key_.get();
  leaf.issuer = forever_root.get();
  leaf.issuer_key = root_key_.get();
  leaf.ca = false;
  leaf.extended_key_usage = "critical,timeStamping";
  auto forever_leaf = testpki::MakeCert(leaf);
  TsaTrust t;
  t.chain = {forever_leaf.get(), forever_root.get()};
  testpki::TsaSpec spec;
  spec.signer = forever_leaf.get();
  spec.key = tsa_key_.get();
  spec.gen_time = t0_;
  auto r = VerifyRfc3161(testpki::MakeTimestampResponse(spec, AsBytes(data_)), AsBytes(data_), {t});
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(*r, t0_);
  // genTime in 2300 cannot be represented: refused, not wrapped around.
  spec.gen_time_seconds = int64_t{10'413'792'000};
  EXPECT_TRUE(IsTimestampFailure(
      VerifyRfc3161(testpki::MakeTimestampResponse(spec, AsBytes(data_)), AsBytes(data_), {t})));
}

TEST_F(SyntheticTsaTest, SignerNeedsTheCriticalSoleTimeStampingEku) {
  Bytes good = Token(t0_);
  // Control: the CMS re-wrapping itself verifies with the genuine TSA certificate.
  auto control = VerifyRfc3161(testpki::ResignToken(good, leaf_.get(), tsa_key_.get()),
                               AsBytes(data_), {trust_});
  ASSERT_TRUE(control.ok()) << control.error().ToString();
  EXPECT_EQ(*control, t0_);
  for (const char* eku : {"", "timeStamping", "critical,timeStamping,codeSigning",
                          "critical,codeSigning"}) {
    testpki::CertSpec spec;
    spec.common_name = "Test TSA";
    spec.subject_key = tsa_key_.get();
    spec.issuer = root_.get();
    spec.issuer_key = root_key_.get();
    spec.not_before = t0_ - std::chrono::hours(24);
    spec.not_after = t0_ + std::chrono::hours(24);
    spec.extended_key_usage = eku;
    auto signer = testpki::MakeCert(spec);
    TsaTrust t;
    t.chain = {signer.get(), root_.get()};
    Bytes token = testpki::ResignToken(good, signer.get(), tsa_key_.get());
    EXPECT_TRUE(IsTimestampFailure(VerifyRfc3161(token, AsBytes(data_), {t}))) << eku;
  }
}

TEST_F(SyntheticTsaTest, EmbeddedCertificatesNeverAddTrust) {
  // Without an embedded certificate the pinned leaf is found by its ESS identifier.
  EXPECT_TRUE(VerifyRfc3161(Token(t0_, nullptr, false), AsBytes(data_), {trust_}).ok());
  // Pinning only the root: an embedded leaf may complete the chain ...
  TsaTrust root_only;
  root_only.chain = {root_.get()};
  EXPECT_TRUE(VerifyRfc3161(Token(t0_), AsBytes(data_), {root_only}).ok());
  // ... but without it the signer cannot be found.
  EXPECT_TRUE(IsTimestampFailure(
      VerifyRfc3161(Token(t0_, nullptr, false), AsBytes(data_), {root_only})));
  // A self-signed TSA certificate embedded in the token is not trusted.
  testpki::CertSpec rogue;
  rogue.common_name = "Test TSA";
  rogue.subject_key = tsa_key_.get();
  rogue.not_before = t0_ - std::chrono::hours(24);
  rogue.not_after = t0_ + std::chrono::hours(24);
  rogue.extended_key_usage = "critical,timeStamping";
  auto self_signed = testpki::MakeCert(rogue);
  EXPECT_TRUE(IsTimestampFailure(
      VerifyRfc3161(Token(t0_, self_signed.get()), AsBytes(data_), {root_only})));
  // A TSA under another root, with its whole chain embedded, is not trusted either.
  auto other_root_key = testpki::NewP256();
  testpki::CertSpec other_root = rogue;
  other_root.common_name = "Other Root";
  other_root.subject_key = other_root_key.get();
  other_root.ca = true;
  other_root.extended_key_usage.clear();
  auto other_root_cert = testpki::MakeCert(other_root);
  testpki::CertSpec other_leaf = rogue;
  other_leaf.issuer = other_root_cert.get();
  other_leaf.issuer_key = other_root_key.get();
  auto other_leaf_cert = testpki::MakeCert(other_leaf);
  testpki::TsaSpec spec;
  spec.signer = other_leaf_cert.get();
  spec.key = tsa_key_.get();
  spec.embedded = {other_root_cert.get()};
  spec.gen_time = t0_;
  Bytes token = testpki::MakeTimestampResponse(spec, AsBytes(data_));
  EXPECT_TRUE(IsTimestampFailure(VerifyRfc3161(token, AsBytes(data_), {trust_})));
  TsaTrust other_trust;
  other_trust.chain = {other_leaf_cert.get(), other_root_cert.get()};
  EXPECT_TRUE(VerifyRfc3161(token, AsBytes(data_), {other_trust}).ok());
}

}  // namespace
}  // namespace signet::attestation
