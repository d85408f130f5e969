// BatchingAttester on a software TPM that signs real TPMS_ATTEST quotes with a software AK:
// concurrent clients share quotes and each verifies its own evidence with VerifyTpmEvidence;
// a TPM error reaches every waiter of that batch as kUnavailable and is never papered over
// with an earlier quote; the batch cap and input checks hold. No timing assertions.
#include "signet/attester/batching.h"

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "signet/attestation/attest_batch.h"
#include "signet/attestation/event_log.h"
#include "signet/attestation/tpm_evidence.h"
#include "signet/attestation/tpm_structs.h"
#include "signet/attester/ak_file.h"
#include "signet/core/file.h"
#include "signet/core/hash.h"
#include "soft_tpm.h"
#include "test_env.h"

namespace signet::attester {
namespace {

namespace att = signet::attestation;

// SoftState is shared by every connection the opener hands out (the "device").
struct SoftState {
  EVP_PKEY* ak = nullptr;
  std::atomic<int> quotes{0};
  std::atomic<bool> fail{false};
  std::atomic<int> activations{0};
};

class SoftTpm : public fw::Tpm {
 public:
  explicit SoftTpm(std::shared_ptr<SoftState> s) : s_(std::move(s)) {}
  Result<fw::TpmInfo> Info() override { return fw::TpmInfo{"SOFT", 7}; }
  Result<Bytes> ReadPcr(uint32_t) override { return Unimplemented("no"); }
  Status ExtendPcr(uint32_t, ByteView) override { return Unimplemented("no"); }
  Status ResetPcr(uint32_t) override { return Unimplemented("no"); }
  Result<Bytes> ReadEkCertificate(fw::EkType) override { return Unimplemented("no"); }
  Result<Bytes> CreateEkPublic() override { return Unimplemented("no"); }
  Result<fw::AkBlob> CreateAk(SignatureAlgorithm) override { return Unimplemented("no"); }
  Result<fw::TlsKeyBlob> CreateTlsKey() override { return Unimplemented("no"); }
  Result<Bytes> SignWithTlsKey(const fw::TlsKeyBlob&, ByteView) override { return Unimplemented("no"); }
  Result<Bytes> ActivateCredential(const fw::AkBlob&, const fw::Credential& c) override {
    ++s_->activations;
    if (s_->fail) return Internal("TPM_RC_FAILURE");
    return Bytes(c.encrypted_secret.size() == 1 ? 5 : 32, 0x5e);
  }
  Result<fw::QuoteResult> Quote(const fw::AkBlob&, ByteView qd, const std::vector<uint32_t>& pcrs) override {
    ++s_->quotes;
    if (s_->fail) return Internal("TPM_RC_FAILURE");
    testing::QuoteParams qp;
    qp.extra_data.assign(qd.begin(), qd.end());
    qp.pcrs = pcrs;
    qp.pcr_digest = testing::PcrDigestFor(Log(), 23);
    Bytes body = testing::TpmsAttest(qp);
    return fw::QuoteResult{testing::Marshal().Tpm2b(body).b, testing::EcdsaTpmSignature(s_->ak, body)};
  }
  static att::EventLog Log() {
    return testing::StandardLog(Sha256(std::string_view("bin")), Sha256(std::string_view("conf")));
  }

 private:
  std::shared_ptr<SoftState> s_;
};

class BatchingTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = testing::MakeTempDir();
    std::string out;
    auto run = [&](const std::string& cmd) { ASSERT_EQ(testing::RunCommand(cmd, &out), 0) << out; };
    const std::string d = dir_ + "/";
    run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout " + d + "ca.key -out " + d +
        "ca.pem -subj /CN=test-ek-ca -days 3650");
    run("openssl req -newkey rsa:2048 -nodes -keyout " + d + "ek.key -subj /CN=ek -out " + d + "ek.csr");
    run("openssl x509 -req -in " + d + "ek.csr -CA " + d + "ca.pem -CAkey " + d +
        "ca.key -CAcreateserial -days 3650 -outform DER -out " + d + "ek.der");
    roots_ = *ReadFile(d + "ca.pem");
    ek_cert_ = ToBytes(*ReadFile(d + "ek.der"));
    auto cert = ossl::ParseCertificateDer(ek_cert_);
    ek_spki_hash_ = Sha256(ByteView(*ossl::PublicKeyToDer(X509_get0_pubkey(cert->get()))));
    ak_key_ = EVP_EC_gen("P-256");
    AkFile f;
    f.ak.algorithm = SignatureAlgorithm::kEcdsaP256Sha256;
    f.ak.public_area = testing::EccAkPublic(ak_key_);
    f.ak.private_area = testing::Marshal().Tpm2b(Bytes(48, 0x5a)).b;
    f.ak.name = *att::ComputeName(*att::ParseTpm2bPublic(f.ak.public_area));
    f.ek_certificate = ek_cert_;
    ak_name_ = f.ak.name;
    ASSERT_TRUE(WriteFileAtomic(d + "ak.json", SerializeAkFile(f)).ok());
    ASSERT_TRUE(WriteFileAtomic(d + "log.json", att::SerializeEventLog(SoftTpm::Log())).ok());
  }
  static void TearDownTestSuite() {
    EVP_PKEY_free(ak_key_);
    testing::RemoveTree(dir_);
  }
  void SetUp() override {
    state_ = std::make_shared<SoftState>();
    state_->ak = ak_key_;
  }
  BatchingOptions Options() const {
    BatchingOptions o;
    o.ak = dir_ + "/ak.json";
    o.event_log = dir_ + "/log.json";
    o.pcr = 23;
    o.batch_window = std::chrono::milliseconds(20);
    return o;
  }
  TpmOpener Opener() const {
    auto s = state_;
    return [s]() -> Result<std::unique_ptr<fw::Tpm>> { return std::unique_ptr<fw::Tpm>(new SoftTpm(s)); };
  }
  static att::TpmVerifyOptions Verify(const Bytes& nonce, const Bytes& cb, const att::BatchProof& proof) {
    att::TpmVerifyOptions o;
    o.nonce = nonce;
    o.channel_binding = cb;
    o.ek_roots_pem = roots_;
    o.reference.pcr = 23;
    o.reference.measurements.push_back({"b", "binary", "/opt/signet/bin/signet", Sha256(std::string_view("bin"))});
    o.reference.measurements.push_back({"c", "config", "/etc/signet/signet.yaml", Sha256(std::string_view("conf"))});
    att::EnrollmentRecord r;
    r.ek_spki_sha256 = ek_spki_hash_;
    r.ak_name = ak_name_;
    o.trusted_enrollment = r;
    o.allow_resettable_pcr = true;
    o.batch = proof;
    return o;
  }
  static Bytes NonceFor(int i) {
    Bytes n(32, 0);
    n[0] = static_cast<uint8_t>(i);
    n[1] = static_cast<uint8_t>(i >> 8);
    n[31] = 0x99;
    return n;
  }

  static inline std::string dir_, roots_;
  static inline Bytes ek_cert_, ek_spki_hash_, ak_name_;
  static inline EVP_PKEY* ak_key_ = nullptr;
  std::shared_ptr<SoftState> state_;
};

TEST_F(BatchingTest, ASingleRequestGetsATreeOfSizeOneThatVerifies) {
  auto a = BatchingAttester::Start(Options(), Opener());
  ASSERT_TRUE(a.ok()) << a.error().ToString();
  Bytes cb(32, 0xcb);
  auto r = (*a)->Attest(NonceFor(1), cb);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->batch.tree_size, 1u);
  EXPECT_TRUE(r->batch.proof.empty());
  EXPECT_EQ(r->evidence.batch_root, *att::BatchLeafHash(NonceFor(1), cb));
  auto v = att::VerifyTpmEvidence(r->evidence, Verify(NonceFor(1), cb, r->batch));
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->trusted) << v->finding;
  EXPECT_EQ((*a)->quotes(), 1u);
  EXPECT_EQ((*a)->requests(), 1u);
}

TEST_F(BatchingTest, ConcurrentClientsShareQuotesAndEachVerifiesItsOwnNonce) {
  BatchingOptions o = Options();
  o.batch_window = std::chrono::milliseconds(200);
  std::atomic<int> counted{0};
  o.on_quote = [&] { ++counted; };
  auto a = BatchingAttester::Start(o, Opener());
  ASSERT_TRUE(a.ok());
  constexpr int kClients = 64;
  std::vector<std::thread> threads;
  std::vector<std::string> outcome(kClients);
  Bytes cb(32, 0xcb);
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&, i] {
      auto r = (*a)->Attest(NonceFor(i), cb);
      if (!r.ok()) {
        outcome[i] = r.error().ToString();
        return;
      }
      auto v = att::VerifyTpmEvidence(r->evidence, Verify(NonceFor(i), cb, r->batch));
      outcome[i] = !v.ok() ? "error" : v->trusted ? "trusted" : v->finding;
    });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < kClients; ++i) EXPECT_EQ(outcome[i], "trusted") << i;
  EXPECT_EQ((*a)->requests(), static_cast<uint64_t>(kClients));
  EXPECT_EQ(static_cast<uint64_t>(state_->quotes.load()), (*a)->quotes());
  EXPECT_EQ(counted.load(), state_->quotes.load());
  EXPECT_LT(state_->quotes.load(), kClients);  // batched: fewer quotes than clients
}

TEST_F(BatchingTest, MaxBatchCapsATree) {
  BatchingOptions o = Options();
  o.max_batch = 2;
  o.batch_window = std::chrono::milliseconds(100);
  auto a = BatchingAttester::Start(o, Opener());
  ASSERT_TRUE(a.ok());
  std::vector<std::thread> threads;
  std::atomic<uint64_t> biggest{0};
  for (int i = 0; i < 7; ++i) {
    threads.emplace_back([&, i] {
      auto r = (*a)->Attest(NonceFor(i), {});
      ASSERT_TRUE(r.ok());
      uint64_t size = r->batch.tree_size, prev = biggest.load();
      while (size > prev && !biggest.compare_exchange_weak(prev, size)) {
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_LE(biggest.load(), 2u);
  EXPECT_GE(state_->quotes.load(), 4);
}

TEST_F(BatchingTest, ATpmErrorIsUnavailableForTheBatchAndNeverAStaleQuote) {
  auto a = BatchingAttester::Start(Options(), Opener());
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE((*a)->Attest(NonceFor(1), {}).ok());
  state_->fail = true;
  auto r = (*a)->Attest(NonceFor(2), {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable);
  state_->fail = false;
  auto again = (*a)->Attest(NonceFor(3), {});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->evidence.batch_root, *att::BatchLeafHash(NonceFor(3), {}));
  EXPECT_EQ(state_->quotes.load(), 3);
}

TEST_F(BatchingTest, AnUnopenableTpmOrABrokenLogIsUnavailable) {
  auto a = BatchingAttester::Start(Options(), []() -> Result<std::unique_ptr<fw::Tpm>> {
    return Unavailable("swtpm is not listening");
  });
  ASSERT_TRUE(a.ok());
  auto r = (*a)->Attest(NonceFor(1), {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable);
  BatchingOptions o = Options();
  o.event_log = dir_ + "/missing.json";
  auto b = BatchingAttester::Start(o, Opener());
  ASSERT_TRUE(b.ok());
  r = (*b)->Attest(NonceFor(1), {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable);
  o = Options();
  o.pcr = 16;  // the log extends 23
  auto c = BatchingAttester::Start(o, Opener());
  ASSERT_TRUE(c.ok());
  r = (*c)->Attest(NonceFor(1), {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(state_->quotes.load(), 0);
}

TEST_F(BatchingTest, BadInputIsRefusedBeforeTheQueue) {
  auto a = BatchingAttester::Start(Options(), Opener());
  ASSERT_TRUE(a.ok());
  EXPECT_EQ((*a)->Attest(Bytes(31, 1), {}).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ((*a)->Attest(NonceFor(1), Bytes(3, 1)).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ((*a)->requests(), 0u);
  BatchingOptions o = Options();
  o.max_batch = 0;
  EXPECT_FALSE(BatchingAttester::Start(o, Opener()).ok());
  o = Options();
  o.max_batch = att::kMaxBatchLeaves + 1;
  EXPECT_FALSE(BatchingAttester::Start(o, Opener()).ok());
  o = Options();
  o.pcr = 24;
  EXPECT_FALSE(BatchingAttester::Start(o, Opener()).ok());
  o = Options();
  o.ak = dir_ + "/log.json";
  EXPECT_FALSE(BatchingAttester::Start(o, Opener()).ok());
  EXPECT_FALSE(BatchingAttester::Start(Options(), nullptr).ok());
}

TEST_F(BatchingTest, ActivateAnswersAChallengeForThisAkOnly) {
  auto a = BatchingAttester::Start(Options(), Opener());
  ASSERT_TRUE(a.ok());
  att::EnrollmentChallenge c;
  c.challenge_id = Bytes(16, 1);
  c.ak_name = ak_name_;
  c.credential_blob = Bytes(10, 2);
  c.encrypted_secret = Bytes(10, 3);
  auto r = (*a)->Activate(c);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->challenge_id, c.challenge_id);
  EXPECT_EQ(r->secret.size(), 32u);
  att::EnrollmentChallenge other = c;
  other.ak_name[5] ^= 1;
  EXPECT_EQ((*a)->Activate(other).error().code(), ErrorCode::kInvalidArgument);
  att::EnrollmentChallenge short_secret = c;
  short_secret.encrypted_secret = Bytes(1, 3);
  EXPECT_EQ((*a)->Activate(short_secret).error().finding(), findings::kCredentialActivationFailed);
  state_->fail = true;
  EXPECT_EQ((*a)->Activate(c).error().code(), ErrorCode::kUnavailable);
  EXPECT_EQ((*a)->PublicParts().ak_name, ak_name_);
  EXPECT_EQ((*a)->PublicParts().ek_certificate, ek_cert_);
}

}  // namespace
}  // namespace signet::attester
