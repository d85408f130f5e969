// Nonce batching (attest_batch.h): the RFC 6962 tree against a recursive reference, every audit
// path against merkle.h's verifier, and each refusal of VerifyBatchFreshness and of
// VerifyTpmEvidence's batch step, reached with otherwise-valid signed evidence.
#include "signet/attestation/attest_batch.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "signet/attestation/merkle.h"
#include "signet/attestation/tpm_evidence.h"
#include "signet/core/encoding.h"
#include "signet/core/file.h"
#include "signet/core/hash.h"
#include "soft_tpm.h"
#include "test_env.h"

namespace signet::attestation {
namespace {

namespace tf = findings;

Bytes Nonce(uint8_t b) { return Bytes(32, b); }
Bytes Leaf(uint8_t nonce, const Bytes& cb = {}) { return *BatchLeafHash(Nonce(nonce), cb); }

// Mth is RFC 6962 §2.1's recursive definition, the reference the bottom-up tree must equal.
Bytes Mth(const std::vector<Bytes>& leaves, size_t lo, size_t hi) {
  if (hi - lo == 1) return leaves[lo];
  size_t k = 1;
  while (k * 2 < hi - lo) k *= 2;
  return MerkleNodeHash(Mth(leaves, lo, lo + k), Mth(leaves, lo + k, hi));
}

std::string Code(const Status& s) { return s.ok() ? "ok" : s.error().finding(); }

TEST(AttestBatchTest, LeafIsTheRfc6962LeafHashOfNonceAndBinding) {
  Bytes cb(32, 0xcb);
  Bytes msg = Nonce(1);
  msg.insert(msg.end(), cb.begin(), cb.end());
  Bytes pre = {0x00};
  pre.insert(pre.end(), msg.begin(), msg.end());
  EXPECT_EQ(Leaf(1, cb), Sha256(ByteView(pre)));
  EXPECT_FALSE(BatchLeafHash(Bytes(31, 1), {}).ok());
  EXPECT_FALSE(BatchLeafHash(Nonce(1), Bytes(5, 1)).ok());
}

TEST(AttestBatchTest, QualifyingDataIsDomainSeparatedFromSingleQuotes) {
  Bytes root(32, 0x77);
  Bytes msg = ToBytes("signet-attest-batch-v1");
  msg.insert(msg.end(), root.begin(), root.end());
  EXPECT_EQ(*BatchQualifyingData(root), Sha256(ByteView(msg)));
  EXPECT_NE(*BatchQualifyingData(root), *QualifyingData(root, {}));
  EXPECT_FALSE(BatchQualifyingData(Bytes(31, 0)).ok());
}

TEST(AttestBatchTest, TreeMatchesTheRecursiveDefinitionAndEveryProofVerifies) {
  for (size_t n = 1; n <= 33; ++n) {
    std::vector<Bytes> leaves;
    for (size_t i = 0; i < n; ++i) leaves.push_back(Leaf(static_cast<uint8_t>(i)));
    auto tree = BatchTree::Build(leaves);
    ASSERT_TRUE(tree.ok());
    EXPECT_EQ(tree->size(), n);
    EXPECT_EQ(tree->root(), Mth(leaves, 0, n)) << n;
    for (size_t i = 0; i < n; ++i) {
      auto p = tree->Proof(i);
      ASSERT_TRUE(p.ok());
      EXPECT_TRUE(VerifyInclusionProof(p->leaf_index, p->tree_size, leaves[i], p->proof, tree->root()).ok())
          << n << " " << i;
    }
    EXPECT_FALSE(tree->Proof(n).ok());
  }
}

TEST(AttestBatchTest, ASingleRequestGetsATreeOfSizeOne) {
  auto tree = BatchTree::Build({Leaf(9)});
  ASSERT_TRUE(tree.ok());
  EXPECT_EQ(tree->root(), Leaf(9));
  EXPECT_TRUE(tree->Proof(0)->proof.empty());
}

TEST(AttestBatchTest, BuildRefusesBadInput) {
  EXPECT_FALSE(BatchTree::Build({}).ok());
  EXPECT_FALSE(BatchTree::Build({Bytes(31, 0)}).ok());
  EXPECT_FALSE(BatchTree::Build(std::vector<Bytes>(kMaxBatchLeaves + 1, Bytes(32, 0))).ok());
}

TEST(AttestBatchTest, ProofJsonRoundTripsAndIsStrict) {
  auto tree = BatchTree::Build({Leaf(1), Leaf(2), Leaf(3)});
  BatchProof p = *tree->Proof(2);
  JsonValue j = BatchProofToJson(p);
  auto back = ParseBatchProofJson(j);
  ASSERT_TRUE(back.ok()) << back.error().ToString();
  EXPECT_EQ(back->leaf_index, 2u);
  EXPECT_EQ(back->tree_size, 3u);
  EXPECT_EQ(back->proof, p.proof);
  const char* bad[] = {
      R"({"leafIndex":0,"treeSize":1})",
      R"({"leafIndex":0,"treeSize":1,"proof":[],"x":1})",
      R"({"leafIndex":1,"treeSize":1,"proof":[]})",
      R"({"leafIndex":0,"treeSize":0,"proof":[]})",
      R"({"leafIndex":0,"treeSize":65537,"proof":[]})",
      R"({"leafIndex":-1,"treeSize":2,"proof":[]})",
      R"({"leafIndex":0,"treeSize":2,"proof":["00"]})",
      R"({"leafIndex":0,"treeSize":2,"proof":[1]})",
      R"({"leafIndex":0,"treeSize":2,"proof":["AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"]})",
      R"({"leafIndex":"0","treeSize":2,"proof":[]})",
  };
  for (const char* b : bad) {
    auto v = ParseJson(b);
    ASSERT_TRUE(v.ok()) << b;
    EXPECT_FALSE(ParseBatchProofJson(*v).ok()) << b;
  }
}

class BatchFreshnessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cb_ = Bytes(32, 0xcb);
    for (uint8_t i = 1; i <= 5; ++i) leaves_.push_back(Leaf(i, cb_));
    tree_ = *BatchTree::Build(leaves_);
    qd_ = *BatchQualifyingData(tree_.root());
  }
  // Check verifies as client `me` (nonce byte) with the proof of leaf `index` and the evidence
  // claiming nonce `claimed`.
  std::string Check(uint8_t me, uint64_t index, uint8_t claimed, const Bytes& my_cb) {
    return Code(VerifyBatchFreshness(qd_, tree_.root(), *tree_.Proof(index), Nonce(claimed), cb_, Nonce(me), my_cb));
  }
  Bytes cb_, qd_;
  std::vector<Bytes> leaves_;
  BatchTree tree_ = *BatchTree::Build({Bytes(32, 0)});
};

TEST_F(BatchFreshnessTest, EachClientVerifiesItsOwnLeaf) {
  for (uint8_t i = 1; i <= 5; ++i) EXPECT_EQ(Check(i, i - 1, i, cb_), "ok");
}

TEST_F(BatchFreshnessTest, AProofForAnotherLeafIsRefused) {
  EXPECT_EQ(Check(1, 3, 1, cb_), tf::kBatchProofInvalid);
  BatchProof p = *tree_.Proof(0);
  p.proof.pop_back();  // wrong length for (index, size)
  EXPECT_EQ(Code(VerifyBatchFreshness(qd_, tree_.root(), p, Nonce(1), cb_, Nonce(1), cb_)), tf::kBatchProofInvalid);
  p = *tree_.Proof(0);
  p.tree_size = 0;
  EXPECT_EQ(Code(VerifyBatchFreshness(qd_, tree_.root(), p, Nonce(1), cb_, Nonce(1), cb_)), tf::kBatchProofInvalid);
  // The claimed nonce has a bad size: no leaf can be formed.
  EXPECT_EQ(Code(VerifyBatchFreshness(qd_, tree_.root(), *tree_.Proof(0), Bytes(3, 1), cb_, Nonce(1), cb_)),
            tf::kBatchProofInvalid);
}

TEST_F(BatchFreshnessTest, ANonceNotInTheTreeIsRefused) {
  // Client 9 receives client 2's answer (valid proof for leaf 2): its own nonce is not there.
  EXPECT_EQ(Check(9, 1, 2, cb_), tf::kBatchNonceNotInTree);
}

TEST_F(BatchFreshnessTest, ARootTheQuoteDidNotSignIsRefused) {
  auto other = *BatchTree::Build({Leaf(1, cb_), Leaf(7, cb_)});
  // The quote signed tree_; the evidence names other's root with a valid proof into it.
  EXPECT_EQ(Code(VerifyBatchFreshness(qd_, other.root(), *other.Proof(0), Nonce(1), cb_, Nonce(1), cb_)),
            tf::kBatchRootNotQuoted);
  // A single-quote extraData is not a batch root's.
  EXPECT_EQ(Code(VerifyBatchFreshness(*QualifyingData(Nonce(1), cb_), tree_.root(), *tree_.Proof(0), Nonce(1), cb_,
                                      Nonce(1), cb_)),
            tf::kBatchRootNotQuoted);
  EXPECT_EQ(Code(VerifyBatchFreshness(qd_, Bytes(3, 0), *tree_.Proof(0), Nonce(1), cb_, Nonce(1), cb_)),
            tf::kBatchRootNotQuoted);
}

TEST_F(BatchFreshnessTest, AnotherChannelIsRefused) {
  EXPECT_EQ(Check(1, 0, 1, Bytes(32, 0xee)), tf::kChannelBindingMismatch);
  EXPECT_FALSE(VerifyBatchFreshness(qd_, tree_.root(), *tree_.Proof(0), Nonce(1), cb_, Bytes(2, 0), cb_).ok());
}

// Full evidence: a software AK signs a batch quote; VerifyTpmEvidence runs all nine steps.
class BatchEvidenceTest : public ::testing::Test {
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
    ak_ = EVP_EC_gen("P-256");
  }
  static void TearDownTestSuite() {
    EVP_PKEY_free(ak_);
    testing::RemoveTree(dir_);
  }
  void SetUp() override {
    cb_ = Bytes(32, 0xcb);
    for (uint8_t i = 1; i <= 3; ++i) leaves_.push_back(Leaf(i, cb_));
    tree_ = *BatchTree::Build(leaves_);
  }
  TpmEvidence Build(uint8_t claimed_nonce, ByteView signed_root) const {
    auto log = testing::StandardLog(Sha256(std::string_view("bin")), Sha256(std::string_view("conf")));
    testing::QuoteParams qp;
    qp.extra_data = *BatchQualifyingData(signed_root);
    qp.pcr_digest = testing::PcrDigestFor(log, 23);
    Bytes body = testing::TpmsAttest(qp);
    TpmEvidence ev;
    ev.attest = testing::Marshal().Tpm2b(body).b;
    ev.signature = testing::EcdsaTpmSignature(ak_, body);
    ev.ak_public = testing::EccAkPublic(ak_);
    ev.ek_certificate = ek_cert_;
    ev.event_log = EventLogToJson(log);
    ev.nonce = Nonce(claimed_nonce);
    ev.channel_binding = cb_;
    ev.tpm_manufacturer = "SOFT";
    ev.batch_root = tree_.root();
    return ev;
  }
  TpmVerifyOptions Options(uint8_t me, uint64_t index) const {
    TpmVerifyOptions o;
    o.nonce = Nonce(me);
    o.channel_binding = cb_;
    o.ek_roots_pem = roots_;
    o.reference.pcr = 23;
    o.reference.measurements.push_back({"binary:x", "binary", "/opt/signet/bin/signet", Sha256(std::string_view("bin"))});
    o.reference.measurements.push_back({"config:x", "config", "/etc/signet/signet.yaml", Sha256(std::string_view("conf"))});
    EnrollmentRecord r;
    r.ek_spki_sha256 = ek_spki_hash_;
    r.ak_name = *ComputeName(*ParseTpm2bPublic(testing::EccAkPublic(ak_)));
    o.trusted_enrollment = r;
    o.allow_resettable_pcr = true;
    o.batch = *tree_.Proof(index);
    return o;
  }
  static std::string Finding(const TpmEvidence& ev, const TpmVerifyOptions& o) {
    auto r = VerifyTpmEvidence(ev, o);
    if (!r.ok()) return "error";
    return r->trusted ? "trusted" : r->finding;
  }
  static inline std::string dir_, roots_;
  static inline Bytes ek_cert_, ek_spki_hash_;
  static inline EVP_PKEY* ak_ = nullptr;
  Bytes cb_;
  std::vector<Bytes> leaves_;
  BatchTree tree_ = *BatchTree::Build({Bytes(32, 0)});
};

TEST_F(BatchEvidenceTest, ABatchQuoteVerifiesForEachClient) {
  for (uint8_t i = 1; i <= 3; ++i) EXPECT_EQ(Finding(Build(i, tree_.root()), Options(i, i - 1)), "trusted");
}

TEST_F(BatchEvidenceTest, EveryRefusalHasItsFinding) {
  EXPECT_EQ(Finding(Build(1, tree_.root()), Options(1, 2)), tf::kBatchProofInvalid);
  EXPECT_EQ(Finding(Build(2, tree_.root()), Options(9, 1)), tf::kBatchNonceNotInTree);
  Bytes other(32, 0x44);
  EXPECT_EQ(Finding(Build(1, other), Options(1, 0)), tf::kBatchRootNotQuoted);
  TpmVerifyOptions o = Options(1, 0);
  o.channel_binding = Bytes(32, 0xee);
  EXPECT_EQ(Finding(Build(1, tree_.root()), o), tf::kChannelBindingMismatch);
  o = Options(1, 0);
  o.batch.reset();
  EXPECT_EQ(Finding(Build(1, tree_.root()), o), tf::kBatchProofInvalid);
  // Without its batch_root the same quote is a single quote whose extraData is not the nonce's.
  TpmEvidence single = Build(1, tree_.root());
  single.batch_root.clear();
  EXPECT_EQ(Finding(single, Options(1, 0)), tf::kExtraDataMismatch);
}

TEST_F(BatchEvidenceTest, TheResponseRoundTripsAndIsStrict) {
  AttestationResponse r{Build(2, tree_.root()), *tree_.Proof(1)};
  std::string body = AttestationResponseToJson(r);
  auto back = ParseAttestationResponse(body);
  ASSERT_TRUE(back.ok()) << back.error().ToString();
  EXPECT_EQ(back->evidence.batch_root, tree_.root());
  EXPECT_EQ(back->batch.leaf_index, 1u);
  EXPECT_EQ(Finding(back->evidence, Options(2, 1)), "trusted");
  // The evidence alone is what `signet attest quote` writes, plus batch_root.
  auto ev = ParseTpmEvidence(SerializeTpmEvidence(r.evidence));
  ASSERT_TRUE(ev.ok());
  EXPECT_EQ(ev->batch_root, tree_.root());
  EXPECT_FALSE(ParseAttestationResponse(body + " x").ok());
  EXPECT_FALSE(ParseAttestationResponse("{\"evidence\":{}}").ok());
  std::string extra = body;
  extra.insert(1, "\"more\":1,");
  EXPECT_FALSE(ParseAttestationResponse(extra).ok());
  AttestationResponse single = r;
  single.evidence.batch_root.clear();
  EXPECT_FALSE(ParseAttestationResponse(AttestationResponseToJson(single)).ok());
  std::string bad_root = body;
  auto pos = bad_root.find("\"batch_root\":\"");
  ASSERT_NE(pos, std::string::npos);
  bad_root.replace(pos + 14, 2, "zz");
  EXPECT_FALSE(ParseAttestationResponse(bad_root).ok());
}

}  // namespace
}  // namespace signet::attestation
