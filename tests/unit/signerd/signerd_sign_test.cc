// POST /v1/sign (signerd/sign.h) without a socket or a device: a software P-256 key behind the
// fw::SigningKey interface, a real gate and an in-memory audit log.
#include "signet/signerd/sign.h"

#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "signet/attestation/dsse.h"
#include "signet/core/encoding.h"
#include "signet/core/file.h"
#include "signet/core/hash.h"
#include "signet/core/json.h"
#include "signet/core/ossl.h"
#include "signet/policy/policy.h"
#include "test_env.h"

namespace signet::signerd {
namespace {

constexpr char kImage[] = "registry.example.internal/acme/api";
const std::string kDigest(64, 'a');

struct SoftwareKey final : fw::SigningKey {
  SoftwareKey() {
    key.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
    unsigned char* der = nullptr;
    const int n = i2d_PUBKEY(key.get(), &der);
    spki.assign(der, der + n);
    OPENSSL_free(der);
  }
  SignatureAlgorithm algorithm() const override { return SignatureAlgorithm::kEcdsaP256Sha256; }
  const Bytes& public_key_spki() const override { return spki; }
  std::string key_id() const override { return HexEncode(Sha256(spki)); }
  const fw::KeyAttributes& attributes() const override { return attrs; }
  Result<Bytes> Sign(ByteView message) override {
    if (fail) return Unavailable("token gone");
    ossl::UniquePtr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
    size_t len = 0;
    EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get());
    EVP_DigestSign(ctx.get(), nullptr, &len, message.data(), message.size());
    Bytes sig(len);
    EVP_DigestSign(ctx.get(), sig.data(), &len, message.data(), message.size());
    sig.resize(len);
    if (corrupt) sig[sig.size() / 2] ^= 0x55;
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
  fw::KeyAttributes attrs;
  bool fail = false;
  bool corrupt = false;
};

struct MemoryLog final : signer::AuditAppender {
  Result<signer::AuditEntry> Append(const signer::AuditRecord& record) override {
    signer::AuditEntry e;
    e.seq = records.size();
    e.record = record;
    e.hash = signer::ComputeEntryHash(e);
    records.push_back(record);
    return e;
  }
  std::vector<signer::AuditRecord> records;
};

bool NamesCaller(const signer::AuditRecord& r, const std::string& name) {
  for (const auto& in : r.inputs) {
    if (in.name == std::string(kCallerInputPrefix) + name) return true;
  }
  return false;
}

class SignHandlerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::MakeTempDir();
    builder_ = std::make_shared<SoftwareKey>();
    release_ = std::make_shared<SoftwareKey>();
    ASSERT_TRUE(WriteFileAtomic(dir_ + "/builder.pub", builder_->PublicPem()).ok());
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
                                "    refs: [\"refs/tags/v*\"]\n")
                    .ok());
    SignerdConfig config;
    config.policy = dir_ + "/policy.yaml";
    config.callers = {{"pipeline-a", "CN=pipeline-a", "", {"registry.example.internal/acme/*"}},
                      {"pipeline-b", "CN=pipeline-b", "", {"registry.example.internal/other/*"}}};
    Result<std::shared_ptr<const SignerdState>> state = SignerdState::Load(config, "https://signet.dev/signerd@test");
    ASSERT_TRUE(state.ok()) << state.error().ToString();
    state_ = *state;
    keys_ = std::make_unique<KeyHolder>(
        [this]() -> Result<std::shared_ptr<fw::SigningKey>> {
          if (!present_) return NotFound("no token");
          return std::shared_ptr<fw::SigningKey>(release_);
        },
        std::chrono::milliseconds(0), std::chrono::milliseconds(0));
    limiter_ = std::make_unique<service::RateLimiter>(0);
    rt_ = SignRuntime{&log_, keys_.get(), limiter_.get(), &clock_, nullptr};
  }
  void TearDown() override { testing::RemoveTree(dir_); }

  std::string Body(const std::string& image, const std::string& extra = "") const {
    const std::string statement =
        std::string(R"({"_type":"https://in-toto.io/Statement/v1","subject":[{"name":")") + kImage +
        R"(","digest":{"sha256":")" + kDigest +
        R"("}}],"predicateType":"https://slsa.dev/provenance/v1","predicate":{"buildDefinition":{"buildType":"https://build.example.internal/buildtypes/container/v1","externalParameters":{"source":"git+https://git.example.internal/acme/api@refs/tags/v1.2.3"},"resolvedDependencies":[]},"runDetails":{"builder":{"id":"https://build.example.internal/builder/v1"},"metadata":{"invocationId":"run-1"}}}})";
    const Bytes sig = builder_->Sign(attestation::Pae("application/vnd.in-toto+json", AsBytes(statement))).value();
    const std::string dsse = R"({"payload":")" + Base64Encode(AsBytes(statement)) +
                             R"(","payloadType":"application/vnd.in-toto+json","signatures":[{"keyid":"","sig":")" +
                             Base64Encode(sig) + R"("}]})";
    return R"({"image":")" + image + R"(","provenance":[{"name":"prov.dsse.json","content":")" +
           Base64Encode(AsBytes(dsse)) + R"("}])" + extra + "}";
  }
  service::Response Call(const std::string& body, const std::string& subject = "CN=pipeline-a") {
    service::Request req;
    req.method = "POST";
    req.path = "/v1/sign";
    req.body = body;
    return HandleSign(*state_, rt_, ClientIdentity{subject, {}}, req);
  }
  std::string Header(const service::Response& r, const std::string& name) const {
    for (const auto& [k, v] : r.headers) {
      if (k == name) return v;
    }
    return "";
  }

  std::string dir_;
  std::shared_ptr<SoftwareKey> builder_, release_;
  std::shared_ptr<const SignerdState> state_;
  bool present_ = true;
  std::unique_ptr<KeyHolder> keys_;
  std::unique_ptr<service::RateLimiter> limiter_;
  MemoryLog log_;
  SystemClock clock_;
  SignRuntime rt_;
  const std::string ref_ = std::string(kImage) + "@sha256:" + kDigest;
};

TEST_F(SignHandlerTest, AllowedReleasesTheOutputsAndNamesTheCaller) {
  service::Response r = Call(Body(ref_));
  ASSERT_EQ(r.status, 200) << r.body;
  Result<JsonValue> j = ParseJson(r.body);
  ASSERT_TRUE(j.ok());
  EXPECT_TRUE(j->Find("decision")->Find("allowed")->bool_value());
  const JsonValue* outputs = j->Find("outputs");
  for (const char* f : {"simplesigning.json", "simplesigning.sig", "image.sigstore.json", "vsa.sigstore.json"}) {
    EXPECT_NE(outputs->Find(f), nullptr) << f;
  }
  EXPECT_EQ(outputs->Find("decision.json"), nullptr);
  EXPECT_EQ(j->Find("auditEntry")->Find("seq")->string_value(), "0");
  ASSERT_EQ(log_.records.size(), 1u);
  EXPECT_EQ(log_.records[0].decision, "allow");
  EXPECT_TRUE(NamesCaller(log_.records[0], "pipeline-a"));
  EXPECT_EQ(r.log.verdict, "allow");
}

TEST_F(SignHandlerTest, AnUnlistedCallerIs403AndNotLogged) {
  service::Response r = Call(Body(ref_), "CN=stranger");
  EXPECT_EQ(r.status, 403);
  EXPECT_NE(r.body.find("CALLER_NOT_LISTED"), std::string::npos);
  EXPECT_TRUE(log_.records.empty());
  EXPECT_EQ(Call(Body(ref_), "").status, 403);
}

TEST_F(SignHandlerTest, AnImageOutsideTheCallersImagesIsADenyRecordAnd403) {
  service::Response r = Call(Body(ref_), "CN=pipeline-b");
  EXPECT_EQ(r.status, 403);
  EXPECT_NE(r.body.find("CALLER_IMAGE_NOT_ALLOWED"), std::string::npos);
  ASSERT_EQ(log_.records.size(), 1u);
  EXPECT_EQ(log_.records[0].decision, "deny");
  EXPECT_EQ(log_.records[0].findings, std::vector<std::string>{"CALLER_IMAGE_NOT_ALLOWED"});
  EXPECT_EQ(log_.records[0].subject, ref_);
  EXPECT_TRUE(NamesCaller(log_.records[0], "pipeline-b"));
}

TEST_F(SignHandlerTest, ADenyIs200WithoutOutputs) {
  service::Response r = Call(Body(std::string(kImage) + "@sha256:" + std::string(64, 'b')));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("\"allowed\":false"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("\"outputs\":{}"), std::string::npos) << r.body;
  ASSERT_EQ(log_.records.size(), 1u);
  EXPECT_EQ(log_.records[0].decision, "deny");
}

TEST_F(SignHandlerTest, ATagIsRefusedAndLogged) {
  service::Response r = Call(Body(std::string(kImage) + ":v1"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("MUTABLE_REFERENCE"), std::string::npos);
  ASSERT_EQ(log_.records.size(), 1u);
  EXPECT_TRUE(NamesCaller(log_.records[0], "pipeline-a"));
}

TEST_F(SignHandlerTest, BadInputIs400AndNotLogged) {
  EXPECT_EQ(Call("{").status, 400);
  EXPECT_EQ(Call(R"({"image":"x","unknown":1})").status, 400);
  EXPECT_EQ(Call(R"({"image":""})").status, 400);
  EXPECT_EQ(Call(Body(ref_, R"(,"annotations":{"team":"a"})")).status, 400);  // not listed by the policy
  EXPECT_TRUE(log_.records.empty());
}

TEST_F(SignHandlerTest, RateLimitIs429WithRetryAfter) {
  limiter_ = std::make_unique<service::RateLimiter>(2);
  rt_.limiter = limiter_.get();
  EXPECT_EQ(Call("{").status, 400);
  EXPECT_EQ(Call("{").status, 400);
  service::Response r = Call("{");
  EXPECT_EQ(r.status, 429);
  EXPECT_NE(r.body.find("RATE_LIMITED"), std::string::npos);
  EXPECT_FALSE(Header(r, "Retry-After").empty());
  EXPECT_EQ(Call("{", "CN=pipeline-b").status, 400);  // another bucket
}

TEST_F(SignHandlerTest, AnUnavailableTokenIs503AndRecovers) {
  present_ = false;
  service::Response r = Call(Body(ref_));
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(r.body.find("TOKEN_UNAVAILABLE"), std::string::npos);
  EXPECT_FALSE(Header(r, "Retry-After").empty());
  EXPECT_TRUE(log_.records.empty());
  present_ = true;
  EXPECT_EQ(Call(Body(ref_)).status, 200);
}

TEST_F(SignHandlerTest, ADeviceErrorLogsFailedDropsTheKeyAndIs503) {
  release_->fail = true;
  service::Response r = Call(Body(ref_));
  EXPECT_EQ(r.status, 503) << r.body;
  ASSERT_EQ(log_.records.size(), 1u);
  EXPECT_EQ(log_.records[0].decision, "failed");
  release_->fail = false;
  EXPECT_EQ(Call(Body(ref_)).status, 200);  // re-opened (backoff 0)
}

TEST_F(SignHandlerTest, ABadDeviceSignatureIs500FailedAndReleasesNothing) {
  release_->corrupt = true;
  service::Response r = Call(Body(ref_));
  EXPECT_EQ(r.status, 500);
  EXPECT_NE(r.body.find("SIGNING_FAILED"), std::string::npos);
  EXPECT_EQ(r.body.find("simplesigning"), std::string::npos);
  ASSERT_EQ(log_.records.size(), 1u);
  EXPECT_EQ(log_.records[0].decision, "failed");
  EXPECT_EQ(log_.records[0].findings, std::vector<std::string>{"SIGNATURE_INVALID"});
  EXPECT_TRUE(NamesCaller(log_.records[0], "pipeline-a"));
}

}  // namespace
}  // namespace signet::signerd
