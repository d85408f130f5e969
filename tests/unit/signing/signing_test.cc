// DecideAndSign / DecideSignAndLog / SignImage (signer/signing.h) with a scripted device
// (fw_mocks.h) and a scripted audit log: what is signed, what is logged and what is released
// for allow, deny, a device that returns a bad signature, an audit append that fails, and
// input that must be refused before any decision.
#include "signet/signer/signing.h"

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <set>

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
using policy::EvidenceInput;
using policy::Gate;
using policy::LoadPolicy;
using policy::Provenance;

constexpr char kImage[] = "registry.example.internal/acme/api";
const std::string kDigest(64, 'a');
const std::string kOtherDigest(64, 'b');

// SoftwareKey is an in-memory P-256 key standing in for the device's key material.
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

// MockAuditAppender scripts the audit log.
class MockAuditAppender : public AuditAppender {
 public:
  MOCK_METHOD(Result<AuditEntry>, Append, (const AuditRecord& record), (override));
};

class SigningTest : public ::testing::Test {
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
                                "    refs: [\"refs/tags/v*\"]\n")
                    .ok());
    auto policy = LoadPolicy(dir_ + "/policy.yaml");
    ASSERT_TRUE(policy.ok()) << policy.error().ToString();
    auto gate = Gate::Create(std::move(*policy), std::nullopt);
    ASSERT_TRUE(gate.ok()) << gate.error().ToString();
    gate_.emplace(std::move(*gate));

    ON_CALL(key_, algorithm()).WillByDefault(Return(SignatureAlgorithm::kEcdsaP256Sha256));
    ON_CALL(key_, public_key_spki()).WillByDefault(ReturnRef(release_.spki));
    ON_CALL(key_, key_id()).WillByDefault(Return(HexEncode(Sha256(release_.spki))));
    ON_CALL(key_, attributes()).WillByDefault(ReturnRef(attributes_));
    ON_CALL(key_, Sign(_)).WillByDefault(Invoke([this](ByteView m) -> Result<Bytes> { return release_.Sign(m); }));
  }
  void TearDown() override { testing::RemoveTree(dir_); }

  // Provenance returns a DSSE envelope of SLSA v1 provenance for kImage@sha256:`digest`.
  EvidenceInput Provenance(const std::string& digest, const std::string& name = "prov.dsse.json") const {
    const std::string statement =
        std::string(R"({"_type":"https://in-toto.io/Statement/v1","subject":[{"name":")") + kImage +
        R"(","digest":{"sha256":")" + digest +
        R"("}}],"predicateType":"https://slsa.dev/provenance/v1","predicate":{"buildDefinition":{"buildType":"https://build.example.internal/buildtypes/container/v1","externalParameters":{"source":"git+https://git.example.internal/acme/api@refs/tags/v1.2.3"},"resolvedDependencies":[]},"runDetails":{"builder":{"id":"https://build.example.internal/builder/v1"},"metadata":{"invocationId":"run-1","finishedOn":"2026-11-25T09:00:00Z"}}}})";
    const Bytes sig = builder_.Sign(attestation::Pae("application/vnd.in-toto+json", AsBytes(statement)));
    return {name, R"({"payload":")" + Base64Encode(AsBytes(statement)) +
                      R"(","payloadType":"application/vnd.in-toto+json","signatures":[{"keyid":"","sig":")" +
                      Base64Encode(sig) + R"("}]})"};
  }

  SignRequest Request(const std::string& digest) const {
    SignRequest req;
    req.image = *ParseImageRef(std::string(kImage) + "@sha256:" + kDigest);
    req.provenance = {Provenance(digest)};
    req.out_dir = dir_ + "/out";
    req.policy_uri = "policy.yaml";
    req.verifier_id = "https://signet.dev/test";
    return req;
  }

  std::string dir_;
  SoftwareKey builder_, release_;
  fw::KeyAttributes attributes_;
  NiceMock<testing::MockSigningKey> key_;
  FixedClock clock_{FromUnixSeconds(1795600800)};  // 2026-11-26T08:00:00Z
  std::optional<Gate> gate_;
};

TEST_F(SigningTest, AllowSignsThreePayloadsEachVerifiedAndRecordsAllow) {
  EXPECT_CALL(key_, Sign(_)).Times(3);
  AuditRecord record;
  auto out = DecideAndSign(*gate_, key_, clock_, Request(kDigest), &record);
  ASSERT_TRUE(out.ok()) << out.error().ToString();
  ASSERT_TRUE(out->decision.allowed);
  EXPECT_EQ(record.decision, kAuditDecisionAllow);
  EXPECT_EQ(record.key_id, HexEncode(Sha256(release_.spki)));
  EXPECT_EQ(record.time, clock_.Now());  // signing happens now: the injected clock, nothing else
  ASSERT_EQ(out->outputs.size(), std::size(kOutputFiles));
  for (size_t i = 0; i < out->outputs.size(); ++i) EXPECT_EQ(out->outputs[i].first, kOutputFiles[i]);
  auto sig = Base64Decode(out->outputs[1].second);
  ASSERT_TRUE(sig.ok());
  EXPECT_TRUE(PublicKey::FromSpkiDer(release_.spki, SignatureAlgorithm::kEcdsaP256Sha256)->Verify(AsBytes(out->outputs[0].second), *sig).ok());
}

TEST_F(SigningTest, DenyNeverReachesTheDeviceAndRecordsDeny) {
  EXPECT_CALL(key_, Sign(_)).Times(0);
  AuditRecord record;
  auto out = DecideAndSign(*gate_, key_, clock_, Request(kOtherDigest), &record);
  ASSERT_TRUE(out.ok()) << out.error().ToString();
  EXPECT_FALSE(out->decision.allowed);
  EXPECT_EQ(record.decision, kAuditDecisionDeny);
  EXPECT_TRUE(record.key_id.empty());
  EXPECT_TRUE(out->outputs.empty());
  EXPECT_EQ(std::set<std::string>(record.findings.begin(), record.findings.end()).size(), record.findings.size())
      << "finding codes are recorded once each";
}

TEST_F(SigningTest, DenyWritesNoOutputDirectory) {
  MockAuditAppender log;
  EXPECT_CALL(log, Append(_)).WillOnce(Invoke([](const AuditRecord& r) -> Result<AuditEntry> {
    EXPECT_EQ(r.decision, kAuditDecisionDeny);
    return AuditEntry{0, std::string(64, '0'), std::string(64, '1'), r};
  }));
  SignRequest req = Request(kOtherDigest);
  ASSERT_TRUE(CheckOutputDir(req.out_dir).ok());
  auto out = SignImage(*gate_, key_, log, clock_, req);
  ASSERT_TRUE(out.ok()) << out.error().ToString();
  EXPECT_FALSE(out->decision.allowed);
  struct stat st;
  EXPECT_NE(::lstat(req.out_dir.c_str(), &st), 0) << "a deny created --out";
}

TEST_F(SigningTest, CorruptDeviceSignatureIsLoggedAsFailedAndNothingIsReleased) {
  EXPECT_CALL(key_, Sign(_)).WillRepeatedly(Invoke([this](ByteView m) -> Result<Bytes> {
    Bytes sig = release_.Sign(m);
    sig[sig.size() - 1] ^= 0x01;  // a device that corrupts its output
    return sig;
  }));
  AuditRecord record;
  auto direct = DecideAndSign(*gate_, key_, clock_, Request(kDigest), &record);
  ASSERT_FALSE(direct.ok());
  EXPECT_EQ(direct.error().code(), ErrorCode::kInternal);
  EXPECT_EQ(record.decision, kAuditDecisionFailed);
  EXPECT_EQ(record.key_id, HexEncode(Sha256(release_.spki)));
  EXPECT_EQ(record.findings, std::vector<std::string>{"SIGNATURE_INVALID"});

  auto log = AuditLog::Open(dir_ + "/audit.log");
  ASSERT_TRUE(log.ok()) << log.error().ToString();
  SignRequest req = Request(kDigest);
  auto out = SignImage(*gate_, key_, **log, clock_, req);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().code(), ErrorCode::kInternal);
  log->reset();
  std::ifstream in(dir_ + "/audit.log");
  std::string line;
  ASSERT_TRUE(std::getline(in, line));
  EXPECT_NE(line.find("\"decision\":\"failed\""), std::string::npos) << line;
  EXPECT_FALSE(std::getline(in, line));
  struct stat st;
  EXPECT_NE(::lstat(req.out_dir.c_str(), &st), 0) << "outputs released after a failed signing";
}

TEST_F(SigningTest, DeviceErrorIsLoggedAsFailed) {
  EXPECT_CALL(key_, Sign(_)).WillOnce(Return(Result<Bytes>(Unavailable("token removed"))));
  MockAuditAppender log;
  EXPECT_CALL(log, Append(_)).WillOnce(Invoke([](const AuditRecord& r) -> Result<AuditEntry> {
    EXPECT_EQ(r.decision, kAuditDecisionFailed);
    EXPECT_EQ(r.findings, std::vector<std::string>{"DEVICE_ERROR"});
    return AuditEntry{0, std::string(64, '0'), std::string(64, '1'), r};
  }));
  auto out = DecideSignAndLog(*gate_, key_, log, clock_, Request(kDigest));
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().code(), ErrorCode::kUnavailable);
}

TEST_F(SigningTest, FailingAuditAppendReleasesNothing) {
  MockAuditAppender log;
  EXPECT_CALL(log, Append(_)).WillOnce(Return(Result<AuditEntry>(Internal("audit log write failed: No space left"))));
  SignRequest req = Request(kDigest);
  auto out = SignImage(*gate_, key_, log, clock_, req);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().code(), ErrorCode::kInternal);
  struct stat st;
  EXPECT_NE(::lstat(req.out_dir.c_str(), &st), 0) << "outputs released without a durable audit entry";
}

TEST_F(SigningTest, MalformedProvenanceLogsNothingAndSaysWhy) {
  MockAuditAppender log;
  EXPECT_CALL(log, Append(_)).Times(0);
  EXPECT_CALL(key_, Sign(_)).Times(0);
  SignRequest req = Request(kDigest);
  req.provenance = {{"garbage.json", "{not json"}};
  auto out = SignImage(*gate_, key_, log, clock_, req);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(out.error().message().find("garbage.json"), std::string::npos) << out.error().message();
}

TEST_F(SigningTest, InvalidUtf8InputNameIsRefusedBeforeTheDecision) {
  MockAuditAppender log;
  EXPECT_CALL(log, Append(_)).Times(0);
  EXPECT_CALL(key_, Sign(_)).Times(0);
  SignRequest req = Request(kDigest);
  req.provenance[0].name = "prov-\xff\xfe.json";
  AuditRecord record;
  auto out = DecideAndSign(*gate_, key_, clock_, req, &record);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(record.decision.empty());
  EXPECT_EQ(out.error().message().find('\xff'), std::string::npos) << "the message echoes the bad bytes";
  EXPECT_FALSE(SignImage(*gate_, key_, log, clock_, req).ok());
}

TEST_F(SigningTest, InvalidUtf8AnnotationIsRefusedBeforeTheDecision) {
  MockAuditAppender log;
  EXPECT_CALL(log, Append(_)).Times(0);
  EXPECT_CALL(key_, Sign(_)).Times(0);
  SignRequest req = Request(kDigest);
  req.annotations = {{"team", "acme\xc0\xaf"}};
  auto out = SignImage(*gate_, key_, log, clock_, req);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().code(), ErrorCode::kInvalidArgument);
}

TEST_F(SigningTest, EntryOverTheBoundIsRefusedBeforeTheDecision) {
  MockAuditAppender log;
  EXPECT_CALL(log, Append(_)).Times(0);
  EXPECT_CALL(key_, Sign(_)).Times(0);
  SignRequest req = Request(kDigest);
  // Many inputs with long (legal) names: the entry would not fit kMaxAuditEntryBytes.
  for (int i = 0; i < 20; ++i) req.attestations.push_back({std::string(4000, 'a') + std::to_string(i), "{}"});
  auto out = SignImage(*gate_, key_, log, clock_, req);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(out.error().message().find("bound"), std::string::npos) << out.error().message();
}

// --- outputs: one set or nothing ---

std::string Slurp(const std::string& path) {
  auto s = ReadFile(path);
  return s.ok() ? *s : "<unreadable>";
}

std::set<std::string> List(const std::string& dir) {
  std::set<std::string> out;
  std::string listing;
  testing::RunCommand("ls -A '" + dir + "'", &listing, false);
  size_t pos = 0;
  while (pos < listing.size()) {
    size_t nl = listing.find('\n', pos);
    if (nl == std::string::npos) nl = listing.size();
    if (nl > pos) out.insert(listing.substr(pos, nl - pos));
    pos = nl + 1;
  }
  return out;
}

SignOutcome FakeOutcome(const std::string& tag) {
  SignOutcome o;
  for (const char* name : kOutputFiles) o.outputs.push_back({name, tag + " " + name});
  return o;
}

TEST_F(SigningTest, OutputsReplaceAPreviousSetAsOneSet) {
  const std::string out = dir_ + "/out";
  auto first = FakeOutcome("run1");
  ASSERT_TRUE(CheckOutputDir(out).ok());
  ASSERT_TRUE(WriteOutputs(out, first).ok());
  EXPECT_EQ(Slurp(out + "/decision.json"), "run1 decision.json");
  auto second = FakeOutcome("run2");
  ASSERT_TRUE(CheckOutputDir(out).ok());
  ASSERT_TRUE(WriteOutputs(out, second).ok());
  for (const char* name : kOutputFiles) EXPECT_EQ(Slurp(out + "/" + name), std::string("run2 ") + name);
  EXPECT_EQ(List(out).size(), std::size(kOutputFiles));
  EXPECT_EQ(List(dir_), (std::set<std::string>{"builder.pub", "out", "policy.yaml"})) << "staging left behind";
  ASSERT_EQ(second.written.size(), std::size(kOutputFiles));
  EXPECT_EQ(second.written[0], out + "/simplesigning.json");
}

TEST_F(SigningTest, LeftoverStagingFromAKilledRunIsCleanedByTheNextRun) {
  const std::string out = dir_ + "/out";
  // What a run killed after staging leaves: a half-written staging directory.
  ASSERT_EQ(::mkdir((out + ".staging-AbC123").c_str(), 0700), 0);
  ASSERT_TRUE(WriteFileAtomic(out + ".staging-AbC123/simplesigning.sig", "half").ok());
  auto o = FakeOutcome("run");
  ASSERT_TRUE(WriteOutputs(out, o).ok());
  EXPECT_EQ(List(dir_), (std::set<std::string>{"builder.pub", "out", "policy.yaml"}));
}

TEST_F(SigningTest, OutDirHoldingOtherFilesIsRefusedAndLeftAlone) {
  const std::string out = dir_ + "/out";
  ASSERT_EQ(::mkdir(out.c_str(), 0755), 0);
  ASSERT_TRUE(WriteFileAtomic(out + "/notes.txt", "mine").ok());
  auto st = CheckOutputDir(out);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code(), ErrorCode::kInvalidArgument);
  auto o = FakeOutcome("run");
  EXPECT_FALSE(WriteOutputs(out, o).ok());
  EXPECT_EQ(Slurp(out + "/notes.txt"), "mine");
  EXPECT_EQ(List(dir_), (std::set<std::string>{"builder.pub", "out", "policy.yaml"}));
}

TEST_F(SigningTest, OutPathThatIsASymlinkIsRefused) {
  ASSERT_EQ(::mkdir((dir_ + "/elsewhere").c_str(), 0755), 0);
  ASSERT_EQ(::symlink("elsewhere", (dir_ + "/out").c_str()), 0);
  auto st = CheckOutputDir(dir_ + "/out");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code(), ErrorCode::kInvalidArgument);
}

TEST_F(SigningTest, CheckOutputDirCreatesNothing) {
  ASSERT_TRUE(CheckOutputDir(dir_ + "/new").ok());
  EXPECT_EQ(List(dir_), (std::set<std::string>{"builder.pub", "policy.yaml"}));
  EXPECT_EQ(CheckOutputDir(dir_ + "/missing/new").error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(CheckOutputDir(dir_ + "/policy.yaml").error().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace signet::signer
