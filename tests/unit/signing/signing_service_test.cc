// SigningService (signer/signing_service.h) with a scripted key (fw_mocks.h) and a scripted audit
// log: the refused-reference record, the VSA wiring, and the checks that run before any device
// or log is touched.
#include "signet/signer/signing_service.h"

#include <sys/stat.h>

#include <optional>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "fw_mocks.h"
#include "signet/attestation/dsse.h"
#include "signet/core/encoding.h"
#include "signet/core/file.h"
#include "signet/core/hash.h"
#include "signet/core/json.h"
#include "signet/core/ossl.h"
#include "signet/policy/policy.h"
#include "test_env.h"

namespace signet::signer {
namespace {

using ::testing::_;
using ::testing::Invoke;
using ::testing::NiceMock;
using ::testing::Return;
using ::testing::ReturnRef;

constexpr char kImage[] = "registry.example.internal/acme/api";
const std::string kDigest(64, 'a');

struct SoftwareKey {
  SoftwareKey() {
    key.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
    unsigned char* der = nullptr;
    const int n = i2d_PUBKEY(key.get(), &der);
    spki.assign(der, der + n);
    OPENSSL_free(der);
  }
  Bytes Sign(ByteView message) const {
    ossl::UniquePtr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
    size_t len = 0;
    EXPECT_EQ(EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()), 1);
    EXPECT_EQ(EVP_DigestSign(ctx.get(), nullptr, &len, message.data(), message.size()), 1);
    Bytes sig(len);
    EXPECT_EQ(EVP_DigestSign(ctx.get(), sig.data(), &len, message.data(), message.size()), 1);
    sig.resize(len);
    return sig;
  }
  std::string PublicPem() const {
    ossl::UniquePtr<BIO> bio(BIO_new(BIO_s_mem()));
    PEM_write_bio_PUBKEY(bio.get(), key.get());
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<size_t>(n));
  }
  ossl::UniquePtr<EVP_PKEY> key;
  Bytes spki;
};

class MockAuditAppender : public AuditAppender {
 public:
  MOCK_METHOD(Result<AuditEntry>, Append, (const AuditRecord& record), (override));
};

class SigningServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::MakeTempDir();
    ASSERT_TRUE(WriteFileAtomic(dir_ + "/builder.pub", builder_.PublicPem()).ok());
    ASSERT_TRUE(WriteFileAtomic(dir_ + "/policy.yaml",
                                "version: 1\n"
                                "builders:\n"
                                "  - name: onprem-builder\n"
                                "    keys: [builder.pub]\n"
                                "    threshold: 1\n"
                                "    builder_ids: [\"https://build.example.internal/builder/v1\"]\n"
                                "    build_types: [\"https://build.example.internal/buildtypes/container/v1\"]\n"
                                "sources:\n"
                                "  - repo: https://git.example.internal/acme/api\n"
                                "    refs: [\"refs/tags/v*\"]\n"
                                "verified_levels: [SLSA_BUILD_LEVEL_3]\n"
                                "annotations: [team]\n")
                    .ok());
    auto policy = policy::LoadPolicy(dir_ + "/policy.yaml");
    ASSERT_TRUE(policy.ok()) << policy.error().ToString();
    auto gate = policy::Gate::Create(std::move(*policy), std::nullopt);
    ASSERT_TRUE(gate.ok()) << gate.error().ToString();
    gate_.emplace(std::move(*gate));
    service_.emplace(*gate_, SigningServiceOptions{"https://signet.dev/appliance@test", nullptr});

    ON_CALL(key_, algorithm()).WillByDefault(Return(SignatureAlgorithm::kEcdsaP256Sha256));
    ON_CALL(key_, public_key_spki()).WillByDefault(ReturnRef(release_.spki));
    ON_CALL(key_, key_id()).WillByDefault(Return(HexEncode(Sha256(release_.spki))));
    ON_CALL(key_, attributes()).WillByDefault(ReturnRef(attributes_));
    ON_CALL(key_, Sign(_)).WillByDefault(Invoke([this](ByteView m) -> Result<Bytes> { return release_.Sign(m); }));
  }
  void TearDown() override { testing::RemoveTree(dir_); }

  policy::EvidenceInput Provenance() const {
    const std::string statement =
        std::string(R"({"_type":"https://in-toto.io/Statement/v1","subject":[{"name":")") + kImage +
        R"(","digest":{"sha256":")" + kDigest +
        R"("}}],"predicateType":"https://slsa.dev/provenance/v1","predicate":{"buildDefinition":{"buildType":"https://build.example.internal/buildtypes/container/v1","externalParameters":{"source":"git+https://git.example.internal/acme/api@refs/tags/v1.2.3"},"resolvedDependencies":[]},"runDetails":{"builder":{"id":"https://build.example.internal/builder/v1"},"metadata":{"invocationId":"run-1","finishedOn":"2026-11-25T09:00:00Z"}}}})";
    const Bytes sig = builder_.Sign(attestation::Pae("application/vnd.in-toto+json", AsBytes(statement)));
    return {"prov.dsse.json", R"({"payload":")" + Base64Encode(AsBytes(statement)) +
                                  R"(","payloadType":"application/vnd.in-toto+json","signatures":[{"keyid":"","sig":")" +
                                  Base64Encode(sig) + R"("}]})"};
  }

  ServiceSignRequest Request(const std::string& image) const {
    ServiceSignRequest req;
    auto parsed = ParseRequestedImage(image);
    EXPECT_TRUE(parsed.ok()) << parsed.error().ToString();
    req.image = *parsed;
    req.provenance = {Provenance()};
    req.out_dir = dir_ + "/out";
    req.policy_uri = "file:///etc/signet/policy.yaml";
    return req;
  }

  std::string dir_;
  SoftwareKey builder_, release_;
  fw::KeyAttributes attributes_;
  NiceMock<testing::MockSigningKey> key_;
  FixedClock clock_{FromUnixSeconds(1795600800)};  // 2026-11-26T08:00:00Z
  std::optional<policy::Gate> gate_;
  std::optional<SigningService> service_;
};

TEST_F(SigningServiceTest, ParseRequestedImageSeparatesTagsFromMalformedReferences) {
  auto digest = ParseRequestedImage(std::string(kImage) + "@sha256:" + kDigest);
  ASSERT_TRUE(digest.ok());
  EXPECT_TRUE(digest->ref.has_value());
  EXPECT_FALSE(digest->refusal.has_value());

  auto tag = ParseRequestedImage(std::string(kImage) + ":v1");
  ASSERT_TRUE(tag.ok());
  EXPECT_FALSE(tag->ref.has_value());
  ASSERT_TRUE(tag->refusal.has_value());
  EXPECT_EQ(tag->refusal->finding(), "MUTABLE_REFERENCE");
  EXPECT_EQ(tag->as_given, std::string(kImage) + ":v1");

  for (const std::string& bad : {std::string(), std::string(kImage) + "@sha256:ABC", std::string("\xff\xfe")}) {
    auto r = ParseRequestedImage(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
  }
}

TEST_F(SigningServiceTest, PrepareWiresTheVsa) {
  auto prepared = service_->Prepare(Request(std::string(kImage) + "@sha256:" + kDigest));
  ASSERT_TRUE(prepared.ok()) << prepared.error().ToString();
  const SignRequest& req = prepared->request();
  EXPECT_EQ(req.verifier_id, "https://signet.dev/appliance@test");
  EXPECT_EQ(req.policy_uri, "file:///etc/signet/policy.yaml");
  EXPECT_EQ(req.verified_levels, std::vector<std::string>{"SLSA_BUILD_LEVEL_3"});
  EXPECT_EQ(req.image.digest_hex, kDigest);
}

TEST_F(SigningServiceTest, PrepareRefusesAnnotationsThePolicyDoesNotList) {
  ServiceSignRequest req = Request(std::string(kImage) + "@sha256:" + kDigest);
  req.annotations = {{"owner", "x"}};
  auto prepared = service_->Prepare(std::move(req));
  ASSERT_FALSE(prepared.ok());
  EXPECT_EQ(prepared.error().code(), ErrorCode::kInvalidArgument);
  ServiceSignRequest listed = Request(std::string(kImage) + "@sha256:" + kDigest);
  listed.annotations = {{"team", "payments"}};
  EXPECT_TRUE(service_->Prepare(std::move(listed)).ok());
}

// A refused reference is logged, so the rest of its request must be usable input too.
TEST_F(SigningServiceTest, PrepareChecksTheRequestOfARefusedReferenceToo) {
  ServiceSignRequest req = Request(std::string(kImage) + ":v1");
  req.provenance[0].name = "bad\xff name";
  auto prepared = service_->Prepare(std::move(req));
  ASSERT_FALSE(prepared.ok());
  EXPECT_EQ(prepared.error().code(), ErrorCode::kInvalidArgument);
}

TEST_F(SigningServiceTest, ARefusedReferenceIsLoggedAsADenyAndNothingIsSigned) {
  auto prepared = service_->Prepare(Request(std::string(kImage) + ":v1"));
  ASSERT_TRUE(prepared.ok()) << prepared.error().ToString();
  ASSERT_TRUE(prepared->image().refusal.has_value());
  MockAuditAppender log;
  EXPECT_CALL(log, Append(_)).WillOnce(Invoke([&](const AuditRecord& r) -> Result<AuditEntry> {
    EXPECT_EQ(r.decision, kAuditDecisionDeny);
    EXPECT_EQ(r.subject, std::string(kImage) + ":v1");
    EXPECT_EQ(r.policy_digest, gate_->policy().digest);
    EXPECT_EQ(r.findings, std::vector<std::string>{"MUTABLE_REFERENCE"});
    EXPECT_EQ(r.time, clock_.Now());
    EXPECT_TRUE(r.key_id.empty());
    return AuditEntry{7, std::string(64, '0'), std::string(64, '1'), r};
  }));
  EXPECT_CALL(key_, Sign(_)).Times(0);
  auto out = service_->Sign(*prepared, key_, log, clock_);
  ASSERT_TRUE(out.ok()) << out.error().ToString();
  EXPECT_FALSE(out->decision.allowed);
  EXPECT_EQ(out->audit_entry.seq, 7u);
  ASSERT_EQ(out->decision.findings.size(), 1u);
  EXPECT_EQ(out->decision.findings[0].code, "MUTABLE_REFERENCE");
  EXPECT_TRUE(out->written.empty());
  struct stat st {};
  EXPECT_NE(::lstat((dir_ + "/out").c_str(), &st), 0) << "a refusal created --out";
}

TEST_F(SigningServiceTest, ARefusalThatCannotBeLoggedIsAnError) {
  auto prepared = service_->Prepare(Request(std::string(kImage) + ":v1"));
  ASSERT_TRUE(prepared.ok());
  MockAuditAppender log;
  EXPECT_CALL(log, Append(_)).WillOnce(Return(Internal("disk full")));
  auto out = service_->Sign(*prepared, key_, log, clock_);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().code(), ErrorCode::kInternal);
}

TEST_F(SigningServiceTest, AnAllowedRequestIsSignedLoggedAndReleasedWithItsVsa) {
  auto prepared = service_->Prepare(Request(std::string(kImage) + "@sha256:" + kDigest));
  ASSERT_TRUE(prepared.ok()) << prepared.error().ToString();
  MockAuditAppender log;
  EXPECT_CALL(log, Append(_)).WillOnce(Invoke([](const AuditRecord& r) -> Result<AuditEntry> {
    EXPECT_EQ(r.decision, kAuditDecisionAllow);
    return AuditEntry{0, std::string(64, '0'), std::string(64, '1'), r};
  }));
  EXPECT_CALL(key_, Sign(_)).Times(3);
  auto out = service_->Sign(*prepared, key_, log, clock_);
  ASSERT_TRUE(out.ok()) << out.error().ToString();
  ASSERT_TRUE(out->decision.allowed);
  auto vsa = ReadFile(dir_ + "/out/vsa.sigstore.json");
  ASSERT_TRUE(vsa.ok()) << vsa.error().ToString();
  auto bundle = ParseJson(*vsa);
  ASSERT_TRUE(bundle.ok());
  auto envelope = bundle->GetObject("dsseEnvelope");
  ASSERT_TRUE(envelope.ok());
  auto payload = Base64Decode(*(*envelope)->GetString("payload"));
  ASSERT_TRUE(payload.ok());
  const std::string statement = ToString(*payload);
  EXPECT_NE(statement.find("https://signet.dev/appliance@test"), std::string::npos);
  EXPECT_NE(statement.find("file:///etc/signet/policy.yaml"), std::string::npos);
  EXPECT_NE(statement.find("SLSA_BUILD_LEVEL_3"), std::string::npos);
}

}  // namespace
}  // namespace signet::signer
