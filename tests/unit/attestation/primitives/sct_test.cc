#include "signet/attestation/sct.h"

#include <algorithm>
#include <chrono>

#include <gtest/gtest.h>

#include "case_data.h"
#include "signet/core/encoding.h"

namespace signet::attestation {
namespace {

bool IsSctFailure(const Status& s) {
  return !s.ok() && s.error().code() == ErrorCode::kVerificationFailed &&
         s.error().finding() == "SCT_INVALID";
}

// Leaf is a conformance case's Fulcio certificate with its issuer from the trusted root.
struct Leaf {
  testdata::Case c;
  ossl::UniquePtr<X509> cert;
  X509* issuer = nullptr;
};

Leaf LoadLeaf(const char* name) {
  Leaf l{testdata::LoadCase(name), nullptr, nullptr};
  l.cert = ossl::ParseCertificateDer(l.c.LeafDer()).value();
  l.issuer = l.c.root.IssuerOf(l.cert.get());
  return l;
}

// SctListBytes returns the TLS SignedCertificateTimestampList from the leaf's extension.
Bytes SctListBytes(X509* cert) {
  int idx = X509_get_ext_by_NID(cert, NID_ct_precert_scts, -1);
  EXPECT_GE(idx, 0);
  const ASN1_OCTET_STRING* data = X509_EXTENSION_get_data(X509_get_ext(cert, idx));
  const unsigned char* p = ASN1_STRING_get0_data(data);
  ossl::UniquePtr<ASN1_STRING> inner(d2i_ASN1_OCTET_STRING(nullptr, &p, ASN1_STRING_length(data)));
  const unsigned char* b = ASN1_STRING_get0_data(inner.get());
  return Bytes(b, b + ASN1_STRING_length(inner.get()));
}

// FirstSctTime reads the first SCT's timestamp (list len 2, sct len 2, version 1, log id 32).
Timestamp FirstSctTime(X509* cert) {
  Bytes list = SctListBytes(cert);
  uint64_t ms = 0;
  for (size_t i = 0; i < 8; ++i) ms = (ms << 8) | list[2 + 2 + 1 + 32 + i];
  return Timestamp(std::chrono::milliseconds(static_cast<int64_t>(ms)));
}

// Mutate replaces the byte at `offset` inside the DER encoding of the SCT list with f(byte)
// and re-parses the certificate (its own signature is then broken, which SCT checks ignore).
ossl::UniquePtr<X509> MutateSctList(X509* cert, size_t offset, uint8_t xor_mask) {
  Bytes der = ossl::CertificateToDer(cert).value();
  Bytes list = SctListBytes(cert);
  auto at = std::search(der.begin(), der.end(), list.begin(), list.end());
  EXPECT_NE(at, der.end());
  der[static_cast<size_t>(at - der.begin()) + offset] ^= xor_mask;
  auto parsed = ossl::ParseCertificateDer(der);
  EXPECT_TRUE(parsed.ok());
  return parsed.ok() ? std::move(parsed).value() : nullptr;
}

class ConformanceSctTest : public ::testing::TestWithParam<const char*> {};

TEST_P(ConformanceSctTest, GenuineSctVerifies) {
  Leaf l = LoadLeaf(GetParam());
  ASSERT_NE(l.issuer, nullptr);
  Status s = VerifyEmbeddedScts(l.cert.get(), l.issuer, l.c.root.CtLogKeys());
  EXPECT_TRUE(s.ok()) << s.error().ToString();
}

INSTANTIATE_TEST_SUITE_P(Cases, ConformanceSctTest,
                         ::testing::Values("happy-path-v0.3",              // public good
                                           "rekor2-happy-path",            // staging
                                           "bundle-with-sct-with-extensions",
                                           "intoto-with-custom-trust-root"));  // mock CT log

TEST(SctTest, WrongCtKeyCaseFails) {
  Leaf l = LoadLeaf("invalid-ct-key_fail");
  ASSERT_NE(l.issuer, nullptr);
  EXPECT_TRUE(IsSctFailure(VerifyEmbeddedScts(l.cert.get(), l.issuer, l.c.root.CtLogKeys())));
}

class SctMutationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    l_ = std::make_unique<Leaf>(LoadLeaf("rekor2-happy-path"));
    ASSERT_NE(l_->issuer, nullptr);
    logs_ = l_->c.root.CtLogKeys();
    ASSERT_TRUE(VerifyEmbeddedScts(l_->cert.get(), l_->issuer, logs_).ok());
    list_ = SctListBytes(l_->cert.get());
  }
  Status Verify(X509* cert) { return VerifyEmbeddedScts(cert, l_->issuer, logs_); }
  std::unique_ptr<Leaf> l_;
  std::vector<CtLogKey> logs_;
  Bytes list_;
};

TEST_F(SctMutationTest, FlippedSignatureByteFails) {
  auto bad = MutateSctList(l_->cert.get(), list_.size() - 1, 0x01);
  EXPECT_TRUE(IsSctFailure(Verify(bad.get())));
}

TEST_F(SctMutationTest, FlippedTimestampOrLogIdFails) {
  auto ts = MutateSctList(l_->cert.get(), 2 + 2 + 1 + 32 + 7, 0x01);
  EXPECT_TRUE(IsSctFailure(Verify(ts.get())));
  auto id = MutateSctList(l_->cert.get(), 2 + 2 + 1 + 3, 0x01);
  EXPECT_TRUE(IsSctFailure(Verify(id.get())));
}

TEST_F(SctMutationTest, MalformedListFails) {
  // Wrong version, broken outer and inner lengths.
  for (size_t off : {size_t{4}, size_t{1}, size_t{3}}) {
    auto bad = MutateSctList(l_->cert.get(), off, 0x01);
    EXPECT_TRUE(IsSctFailure(Verify(bad.get()))) << off;
  }
}

TEST_F(SctMutationTest, ChangedCertificateContentFails) {
  // The SCT signs the TBS (minus the SCT list): a changed SAN byte must break it.
  Bytes der = ossl::CertificateToDer(l_->cert.get()).value();
  std::string san = "extremely-dangerous";
  auto at = std::search(der.begin(), der.end(), san.begin(), san.end());
  ASSERT_NE(at, der.end());
  *at = 'E';
  auto bad = ossl::ParseCertificateDer(der).value();
  EXPECT_TRUE(IsSctFailure(Verify(bad.get())));
}

TEST_F(SctMutationTest, WrongIssuerFails) {
  // The issuer key hash is part of the signed entry; the root is not the issuer.
  X509* other = nullptr;
  for (const auto& ca : l_->c.root.cas) {
    for (const auto& cert : ca.certs) {
      if (cert.get() != l_->issuer) other = cert.get();
    }
  }
  ASSERT_NE(other, nullptr);
  EXPECT_TRUE(IsSctFailure(VerifyEmbeddedScts(l_->cert.get(), other, logs_)));
}

TEST_F(SctMutationTest, LogWindowIsInclusive) {
  Timestamp t = FirstSctTime(l_->cert.get());
  std::vector<CtLogKey> windowed = logs_;
  for (CtLogKey& k : windowed) {
    k.valid_from = t;
    k.valid_to = t;
  }
  EXPECT_TRUE(VerifyEmbeddedScts(l_->cert.get(), l_->issuer, windowed).ok());
  for (CtLogKey& k : windowed) k.valid_from = t + std::chrono::milliseconds(1);
  EXPECT_TRUE(IsSctFailure(VerifyEmbeddedScts(l_->cert.get(), l_->issuer, windowed)));
  for (CtLogKey& k : windowed) {
    k.valid_from.reset();
    k.valid_to = t - std::chrono::milliseconds(1);
  }
  EXPECT_TRUE(IsSctFailure(VerifyEmbeddedScts(l_->cert.get(), l_->issuer, windowed)));
}

TEST_F(SctMutationTest, NoTrustedLogOrWrongKeyFails) {
  EXPECT_TRUE(IsSctFailure(VerifyEmbeddedScts(l_->cert.get(), l_->issuer, {})));
  std::vector<CtLogKey> swapped = logs_;
  ossl::UniquePtr<EVP_PKEY> stranger(EVP_EC_gen("P-256"));
  for (CtLogKey& k : swapped) k.key = stranger.get();
  EXPECT_TRUE(IsSctFailure(VerifyEmbeddedScts(l_->cert.get(), l_->issuer, swapped)));
  std::vector<CtLogKey> nulls = logs_;
  for (CtLogKey& k : nulls) k.key = nullptr;
  EXPECT_TRUE(IsSctFailure(VerifyEmbeddedScts(l_->cert.get(), l_->issuer, nulls)));
  EXPECT_TRUE(IsSctFailure(VerifyEmbeddedScts(nullptr, l_->issuer, logs_)));
  EXPECT_TRUE(IsSctFailure(VerifyEmbeddedScts(l_->cert.get(), nullptr, logs_)));
}

TEST_F(SctMutationTest, CertificateWithoutSctsFails) {
  // The issuing CA certificate carries no SCT list.
  EXPECT_TRUE(IsSctFailure(VerifyEmbeddedScts(l_->issuer, l_->issuer, logs_)));
}

}  // namespace
}  // namespace signet::attestation
