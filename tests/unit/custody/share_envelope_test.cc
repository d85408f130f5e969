// Share envelopes: round trips on P-256 and P-384, and every way a share file can be wrong.
#include "signet/custody/share_envelope.h"

#include <gtest/gtest.h>

#include "custody_test_util.h"
#include "signet/core/findings.h"

namespace signet::custody {
namespace {

using testing::MakeCustodian;
using testing::PrivateKey;

ShareHeader Header(int index) {
  return ShareHeader{testing::kCeremony, "alice", index, 2, 3, "kcv:0a1b2c"};
}

Share OneShare(int index, std::string_view bytes = "0123456789abcdef0123456789abcdef") {
  return Share{static_cast<uint8_t>(index), SecretBytes::FromString(bytes)};
}

void ExpectShareInvalid(const Result<OpenedShare>& r) {
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kVerificationFailed);
  EXPECT_EQ(r.error().finding(), findings::kShareInvalid);
}

TEST(ShareEnvelopeTest, RoundTripOnBothCurves) {
  for (const char* curve : {"P-256", "P-384"}) {
    auto alice = MakeCustodian("alice", curve);
    auto file = SealShare(OneShare(2), Header(2), alice.public_key());
    ASSERT_TRUE(file.ok()) << file.error().ToString();
    auto key = PrivateKey(alice);
    auto opened = OpenShare(*file, key.get());
    ASSERT_TRUE(opened.ok()) << opened.error().ToString();
    EXPECT_EQ(opened->header.ceremony_id, testing::kCeremony);
    EXPECT_EQ(opened->header.custodian, "alice");
    EXPECT_EQ(opened->header.index, 2);
    EXPECT_EQ(opened->header.threshold, 2);
    EXPECT_EQ(opened->header.count, 3);
    EXPECT_EQ(opened->header.wrapping_key_check, "kcv:0a1b2c");
    EXPECT_EQ(opened->share.index, 2);
    EXPECT_EQ(AsString(opened->share.bytes.Reveal()), "0123456789abcdef0123456789abcdef");
  }
}

TEST(ShareEnvelopeTest, TwoSealsDiffer) {
  auto alice = MakeCustodian("alice");
  auto a = SealShare(OneShare(1), Header(1), alice.public_key());
  auto b = SealShare(OneShare(1), Header(1), alice.public_key());
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b);  // a fresh ephemeral key and nonce each time
}

TEST(ShareEnvelopeTest, EveryFlippedByteIsRefused) {
  auto alice = MakeCustodian("alice");
  auto file = SealShare(OneShare(1), Header(1), alice.public_key());
  ASSERT_TRUE(file.ok());
  auto key = PrivateKey(alice);
  for (size_t i = 0; i < file->size(); ++i) {
    std::string bad = *file;
    bad[i] = static_cast<char>(bad[i] ^ 0x01);
    ExpectShareInvalid(OpenShare(bad, key.get()));
  }
  ExpectShareInvalid(OpenShare(file->substr(0, file->size() - 1), key.get()));
  ExpectShareInvalid(OpenShare(*file + "\n", key.get()));
  ExpectShareInvalid(OpenShare("", key.get()));
  ExpectShareInvalid(OpenShare(std::string(kMaxShareFileBytes + 1, ' '), key.get()));
}

TEST(ShareEnvelopeTest, AnotherCustodiansKeyIsRefused) {
  auto alice = MakeCustodian("alice");
  auto bob = MakeCustodian("bob");
  auto bob384 = MakeCustodian("bob", "P-384");
  auto file = SealShare(OneShare(1), Header(1), alice.public_key());
  ASSERT_TRUE(file.ok());
  auto bk = PrivateKey(bob);
  ExpectShareInvalid(OpenShare(*file, bk.get()));
  auto bk384 = PrivateKey(bob384);
  ExpectShareInvalid(OpenShare(*file, bk384.get()));
}

TEST(ShareEnvelopeTest, ASwappedHeaderIsRefused) {
  auto alice = MakeCustodian("alice");
  auto one = SealShare(OneShare(1), Header(1), alice.public_key());
  ShareHeader h = Header(1);
  h.threshold = 3;
  auto other = SealShare(OneShare(1), h, alice.public_key());
  ASSERT_TRUE(one.ok() && other.ok());
  // Put the threshold-3 header in front of the threshold-2 ciphertext.
  std::string spliced = *one;
  spliced.replace(spliced.find("\"threshold\": 2"), 14, "\"threshold\": 3");
  auto key = PrivateKey(alice);
  ExpectShareInvalid(OpenShare(spliced, key.get()));
}

TEST(ShareEnvelopeTest, SealRefusesBadInput) {
  auto alice = MakeCustodian("alice");
  EXPECT_EQ(SealShare(OneShare(2), Header(1), alice.public_key()).error().code(), ErrorCode::kInvalidArgument);
  ShareHeader h = Header(1);
  h.ceremony_id = "XYZ";
  EXPECT_EQ(SealShare(OneShare(1), h, alice.public_key()).error().code(), ErrorCode::kInvalidArgument);
  h = Header(1);
  h.threshold = 4;
  EXPECT_EQ(SealShare(OneShare(1), h, alice.public_key()).error().code(), ErrorCode::kInvalidArgument);
  h = Header(1);
  h.custodian = "a b";
  EXPECT_EQ(SealShare(OneShare(1), h, alice.public_key()).error().code(), ErrorCode::kInvalidArgument);
  h = Header(4);
  EXPECT_EQ(SealShare(OneShare(4), h, alice.public_key()).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(SealShare(OneShare(1, ""), Header(1), alice.public_key()).error().code(), ErrorCode::kInvalidArgument);
  auto ed = PublicKey::FromPem(testing::FreshPublicPem("ED25519", nullptr));
  ASSERT_TRUE(ed.ok());
  EXPECT_EQ(SealShare(OneShare(1), Header(1), *ed).error().code(), ErrorCode::kInvalidArgument);
}

TEST(ShareEnvelopeTest, ANonCustodianPrivateKeyIsAUsageError) {
  auto alice = MakeCustodian("alice");
  auto file = SealShare(OneShare(1), Header(1), alice.public_key());
  ASSERT_TRUE(file.ok());
  ossl::UniquePtr<EVP_PKEY> ed(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  auto r = OpenShare(*file, ed.get());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(OpenShare(*file, nullptr).error().code(), ErrorCode::kInvalidArgument);
}

TEST(ApprovalTest, PrivateKeysOutsideTheAllowListAreRefused) {
  std::string priv;
  testing::FreshPublicPem("ED25519", nullptr, &priv);
  EXPECT_EQ(NewPemApprovalSigner(SecretBytes::FromString(priv)).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(NewPemApprovalSigner(SecretBytes::FromString("not a key")).error().code(), ErrorCode::kInvalidArgument);
  std::string rsa = testing::FreshPublicPem("RSA", nullptr);
  EXPECT_EQ(ParseCustodianPublicKey(rsa).error().code(), ErrorCode::kInvalidArgument);
}

TEST(ApprovalTest, MessagesAreDomainSeparated) {
  Bytes a = ApprovalMessage(kKeyringContext, AsBytes("x"));
  Bytes b = ApprovalMessage(kPolicyContext, AsBytes("x"));
  EXPECT_NE(a, b);
  auto alice = MakeCustodian("alice");
  auto sig = SignApproval(*alice.signer, kKeyringContext, AsBytes("x"));
  ASSERT_TRUE(sig.ok());
  EXPECT_TRUE(alice.public_key().Verify(a, *sig).ok());
  EXPECT_FALSE(alice.public_key().Verify(b, *sig).ok());
  EXPECT_EQ(alice.signer->key_id().size(), 64u);
}

}  // namespace
}  // namespace signet::custody
