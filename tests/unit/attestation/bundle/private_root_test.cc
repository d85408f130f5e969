// A private deployment end to end: a Rekor log key of our own in a trusted root built here, a
// managed signing key, and bundles built here whose log entries record exactly what they carry.
// This reaches the checks the public vectors cannot isolate (a logged signature that does not
// verify, a non-PAE DSSE signature, content checks) and shows a private root works like the
// public one.
#include <gtest/gtest.h>

#include "signet/core/findings.h"
#include "signet/attestation/intoto.h"
#include "signet/attestation/rekor.h"
#include "signet/attestation/verifier.h"
#include "signet/core/encoding.h"
#include "signet/core/hash.h"
#include "signet/core/json.h"
#include "test_util.h"

namespace signet::attestation {
namespace {

constexpr int64_t kIntegrated = 1700000000;

class PrivateRootTest : public ::testing::Test {
 protected:
  void SetUp() override {
    signer_ = testutil::NewKey("P-256");
    log_ = testutil::NewKey("P-256");
    log_spki_ = *ossl::PublicKeyToDer(log_.get());
    log_id_ = Sha256(log_spki_);
    JsonValue pk = JsonValue::MakeObject();
    pk.Set("rawBytes", JsonValue::String(Base64Encode(log_spki_)));
    pk.Set("keyDetails", JsonValue::String("PKIX_ECDSA_P256_SHA_256"));
    JsonValue vf = JsonValue::MakeObject();
    vf.Set("start", JsonValue::String("2023-01-01T00:00:00Z"));
    pk.Set("validFor", std::move(vf));
    JsonValue id = JsonValue::MakeObject();
    id.Set("keyId", JsonValue::String(Base64Encode(log_id_)));
    JsonValue tlog = JsonValue::MakeObject();
    tlog.Set("baseUrl", JsonValue::String("https://rekor.internal.example"));
    tlog.Set("hashAlgorithm", JsonValue::String("SHA2_256"));
    tlog.Set("publicKey", std::move(pk));
    tlog.Set("logId", std::move(id));
    JsonValue root = JsonValue::MakeObject();
    root.Set("mediaType", JsonValue::String("application/vnd.dev.sigstore.trustedroot+json;version=0.1"));
    root.Set("tlogs", JsonValue::MakeArray({std::move(tlog)}));
    auto parsed = TrustedRoot::Parse(WriteJson(root));
    ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
    root_ = std::move(parsed).value();
  }

  std::string SignerPemB64() { return Base64Encode(AsBytes(*ossl::PublicKeyToPem(signer_.get()))); }

  // Log logs `body` and returns the SET-carrying v0.1 entry.
  TlogEntry Log(const JsonValue& body) {
    TlogEntry e;
    e.log_index = 7;
    e.log_id = log_id_;
    e.kind = body.Find("kind")->string_value();
    e.version = body.Find("apiVersion")->string_value();
    e.integrated_time = kIntegrated;
    e.canonicalized_body = ToBytes(WriteCanonicalJson(body).value());
    e.signed_entry_timestamp = testutil::Sign(log_.get(), AsBytes(*SetPayload(e)));
    return e;
  }

  Bundle MessageBundle(const Bytes& artifact, const Bytes& signature) {
    auto body = ParseJson(R"({"apiVersion":"0.0.1","kind":"hashedrekord","spec":{"data":{"hash":{"algorithm":"sha256","value":")" +
                          HexEncode(Sha256(artifact)) + R"("}},"signature":{"content":")" + Base64Encode(signature) +
                          R"(","publicKey":{"content":")" + SignerPemB64() + R"("}}}})");
    Bundle b;
    b.version = BundleVersion::kV01;
    b.material = MaterialKind::kPublicKey;
    b.message_signature = MessageSignature{MessageDigest{HashAlgorithm::kSha256, Sha256(artifact)}, signature};
    b.tlog_entries.push_back(Log(*body));
    return b;
  }

  Bundle DsseBundle(const std::string& payload_type, const std::string& payload, const Bytes& signature) {
    auto body = ParseJson(R"({"apiVersion":"0.0.1","kind":"dsse","spec":{"payloadHash":{"algorithm":"sha256","value":")" +
                          HexEncode(Sha256(AsBytes(payload))) + R"("},"signatures":[{"signature":")" +
                          Base64Encode(signature) + R"(","verifier":")" + SignerPemB64() + R"("}]}})");
    Bundle b;
    b.version = BundleVersion::kV01;
    b.material = MaterialKind::kPublicKey;
    b.dsse_envelope = DsseEnvelope{payload_type, ToBytes(payload), {DsseSignature{"", signature}}};
    b.tlog_entries.push_back(Log(*body));
    return b;
  }

  Result<VerifiedBundle> Verify(const Bundle& b, const Artifact& artifact) {
    VerificationPolicy policy;
    policy.key = testutil::Public(signer_.get());
    FixedClock clock(FromUnixSeconds(kIntegrated + 3600));
    return VerifyBundle(b, root_, policy, artifact, clock);
  }

  ossl::UniquePtr<EVP_PKEY> signer_, log_;
  Bytes log_spki_, log_id_;
  TrustedRoot root_;
};

TEST_F(PrivateRootTest, MessageSignatureVerifiesFromBytesAndDigest) {
  Bytes artifact = ToBytes("release-1.2.3.tar.gz contents");
  Bundle b = MessageBundle(artifact, testutil::Sign(signer_.get(), artifact));
  auto r = Verify(b, Artifact::FromBytes(artifact));
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_FALSE(r->identity().has_value());
  EXPECT_EQ(r->key_spki(), testutil::Public(signer_.get()).spki_der());
  Artifact digest_only;
  digest_only.sha256 = Sha256(artifact);
  EXPECT_TRUE(Verify(b, digest_only).ok());
}

TEST_F(PrivateRootTest, LoggedSignatureThatDoesNotVerifyIsRefused) {
  Bytes artifact = ToBytes("artifact");
  // The log faithfully recorded a signature over something else.
  Bundle b = MessageBundle(artifact, testutil::Sign(signer_.get(), ToBytes("something else")));
  auto r = Verify(b, Artifact::FromBytes(artifact));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().finding(), findings::kSignatureInvalid);
}

TEST_F(PrivateRootTest, AnotherPinnedKeyIsRefused) {
  Bytes artifact = ToBytes("artifact");
  Bundle b = MessageBundle(artifact, testutil::Sign(signer_.get(), artifact));
  VerificationPolicy policy;
  auto other = testutil::NewKey("P-256");
  policy.key = testutil::Public(other.get());
  FixedClock clock(FromUnixSeconds(kIntegrated + 1));
  auto r = VerifyBundle(b, root_, policy, Artifact::FromBytes(artifact), clock);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().finding(), findings::kTlogBodyMismatch);
}

TEST_F(PrivateRootTest, DsseStatementVerifiesAndChecksItsSubject) {
  Bytes artifact = ToBytes("image bytes");
  std::string st = R"({"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"img","digest":{"sha256":")" +
                   HexEncode(Sha256(artifact)) + R"("}}],"predicateType":"https://slsa.dev/provenance/v1","predicate":{}})";
  Bundle good = DsseBundle(kInTotoPayloadType, st, testutil::Sign(signer_.get(), Pae(kInTotoPayloadType, AsBytes(st))));
  auto r = Verify(good, Artifact::FromBytes(artifact));
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->statement()->predicate_type(), "https://slsa.dev/provenance/v1");
  auto other = Verify(good, Artifact::FromBytes(ToBytes("other image")));
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().finding(), findings::kArtifactMismatch);
  // Signed over the raw payload (not PAE), and logged as such: DSSE refuses it.
  Bundle raw = DsseBundle(kInTotoPayloadType, st, testutil::Sign(signer_.get(), AsBytes(st)));
  auto rr = Verify(raw, Artifact::FromBytes(artifact));
  ASSERT_FALSE(rr.ok());
  EXPECT_EQ(rr.error().finding(), findings::kSignatureInvalid);
  // A correctly signed envelope of another type is not a statement.
  Bundle plain = DsseBundle("text/plain", st, testutil::Sign(signer_.get(), Pae("text/plain", AsBytes(st))));
  auto rp = Verify(plain, Artifact::FromBytes(artifact));
  ASSERT_FALSE(rp.ok());
  EXPECT_EQ(rp.error().finding(), findings::kPayloadTypeMismatch);
}

TEST_F(PrivateRootTest, LogWindowAndClockApply) {
  Bytes artifact = ToBytes("artifact");
  Bundle b = MessageBundle(artifact, testutil::Sign(signer_.get(), artifact));
  VerificationPolicy policy;
  policy.key = testutil::Public(signer_.get());
  FixedClock before(FromUnixSeconds(kIntegrated - 1));
  auto r = VerifyBundle(b, root_, policy, Artifact::FromBytes(artifact), before);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().finding(), findings::kTimeInFuture);
  // An entry with no SET and no proof gives no time at all.
  Bundle no_set = b;
  no_set.version = BundleVersion::kV03;
  no_set.tlog_entries[0].signed_entry_timestamp.reset();
  auto r2 = Verify(no_set, Artifact::FromBytes(artifact));
  ASSERT_FALSE(r2.ok());
  EXPECT_EQ(r2.error().finding(), findings::kInclusionProofInvalid);
}

}  // namespace
}  // namespace signet::attestation
