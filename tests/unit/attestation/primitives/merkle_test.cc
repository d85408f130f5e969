#include "signet/attestation/merkle.h"

#include <gtest/gtest.h>

#include "case_data.h"
#include "signet/core/encoding.h"

namespace signet::attestation {
namespace {

// Reference implementation of RFC 6962 §2.1 MTH and §2.1.1 PATH, written recursively straight
// from the definitions so it shares no code with the iterative verifier.
uint64_t LargestPowerOfTwoBelow(uint64_t n) {
  uint64_t k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

Bytes Mth(const std::vector<Bytes>& leaves, size_t lo, size_t hi) {
  size_t n = hi - lo;
  if (n == 1) return MerkleLeafHash(leaves[lo]);
  size_t k = LargestPowerOfTwoBelow(n);
  return MerkleNodeHash(Mth(leaves, lo, lo + k), Mth(leaves, lo + k, hi));
}

std::vector<Bytes> Path(size_t m, const std::vector<Bytes>& leaves, size_t lo, size_t hi) {
  size_t n = hi - lo;
  if (n == 1) return {};
  size_t k = LargestPowerOfTwoBelow(n);
  std::vector<Bytes> out;
  if (m < k) {
    out = Path(m, leaves, lo, lo + k);
    out.push_back(Mth(leaves, lo + k, hi));
  } else {
    out = Path(m - k, leaves, lo + k, hi);
    out.push_back(Mth(leaves, lo, lo + k));
  }
  return out;
}

// The RFC 6962 test tree used by certificate-transparency's reference implementations.
std::vector<Bytes> TestLeaves() {
  return {Bytes{},
          Bytes{0x00},
          Bytes{0x10},
          Bytes{0x20, 0x21},
          Bytes{0x30, 0x31},
          Bytes{0x40, 0x41, 0x42, 0x43},
          Bytes{0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57},
          Bytes{0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c,
                0x6d, 0x6e, 0x6f}};
}

bool IsInclusionFailure(const Status& s) {
  return !s.ok() && s.error().code() == ErrorCode::kVerificationFailed &&
         s.error().finding() == "INCLUSION_PROOF_INVALID";
}

TEST(MerkleTest, HashesMatchRfc6962KnownAnswers) {
  EXPECT_EQ(HexEncode(MerkleLeafHash({})),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
  auto leaves = TestLeaves();
  EXPECT_EQ(HexEncode(Mth(leaves, 0, 8)),
            "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328");
  EXPECT_EQ(HexEncode(Mth(leaves, 0, 3)),
            "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77");
}

TEST(MerkleTest, EveryProofOfEveryTreeUpTo40LeavesVerifies) {
  std::vector<Bytes> leaves;
  for (int i = 0; i < 40; ++i) leaves.push_back(Bytes{static_cast<uint8_t>(i), 0xAA});
  for (size_t n = 1; n <= leaves.size(); ++n) {
    Bytes root = Mth(leaves, 0, n);
    for (size_t m = 0; m < n; ++m) {
      auto proof = Path(m, leaves, 0, n);
      Bytes leaf = MerkleLeafHash(leaves[m]);
      EXPECT_TRUE(VerifyInclusionProof(m, n, leaf, proof, root).ok()) << m << "/" << n;
      // The same proof claimed for the neighbouring index fails.
      if (m + 1 < n) {
        EXPECT_TRUE(IsInclusionFailure(VerifyInclusionProof(m + 1, n, leaf, proof, root)));
      }
    }
  }
}

TEST(MerkleTest, FlippedByteInAnyProofHashFails) {
  auto leaves = TestLeaves();
  Bytes root = Mth(leaves, 0, 7);
  for (size_t m = 0; m < 7; ++m) {
    auto proof = Path(m, leaves, 0, 7);
    for (size_t i = 0; i < proof.size(); ++i) {
      for (size_t b : {size_t{0}, size_t{17}, size_t{31}}) {
        auto bad = proof;
        bad[i][b] ^= 0x01;
        EXPECT_TRUE(IsInclusionFailure(
            VerifyInclusionProof(m, 7, MerkleLeafHash(leaves[m]), bad, root)));
      }
    }
  }
}

TEST(MerkleTest, DroppedExtraOrResizedElementFails) {
  auto leaves = TestLeaves();
  Bytes root = Mth(leaves, 0, 8);
  Bytes leaf = MerkleLeafHash(leaves[5]);
  auto proof = Path(5, leaves, 0, 8);
  ASSERT_EQ(proof.size(), 3u);
  ASSERT_TRUE(VerifyInclusionProof(5, 8, leaf, proof, root).ok());
  for (size_t i = 0; i < proof.size(); ++i) {
    auto dropped = proof;
    dropped.erase(dropped.begin() + static_cast<long>(i));
    EXPECT_TRUE(IsInclusionFailure(VerifyInclusionProof(5, 8, leaf, dropped, root)));
  }
  auto extra = proof;
  extra.push_back(Bytes(32, 0));
  EXPECT_TRUE(IsInclusionFailure(VerifyInclusionProof(5, 8, leaf, extra, root)));
  EXPECT_TRUE(IsInclusionFailure(VerifyInclusionProof(5, 8, leaf, {}, root)));
  auto short_hash = proof;
  short_hash[1].pop_back();
  EXPECT_TRUE(IsInclusionFailure(VerifyInclusionProof(5, 8, leaf, short_hash, root)));
  Bytes short_leaf(leaf.begin(), leaf.end() - 1);
  EXPECT_TRUE(IsInclusionFailure(VerifyInclusionProof(5, 8, short_leaf, proof, root)));
  Bytes short_root(root.begin(), root.end() - 1);
  EXPECT_TRUE(IsInclusionFailure(VerifyInclusionProof(5, 8, leaf, proof, short_root)));
  Bytes bad_root = root;
  bad_root[0] ^= 0x80;
  EXPECT_TRUE(IsInclusionFailure(VerifyInclusionProof(5, 8, leaf, proof, bad_root)));
  Bytes bad_leaf = leaf;
  bad_leaf[31] ^= 0x01;
  EXPECT_TRUE(IsInclusionFailure(VerifyInclusionProof(5, 8, bad_leaf, proof, root)));
}

TEST(MerkleTest, IndexAtOrBeyondSizeFails) {
  auto leaves = TestLeaves();
  Bytes root = Mth(leaves, 0, 8);
  Bytes leaf = MerkleLeafHash(leaves[7]);
  auto proof = Path(7, leaves, 0, 8);
  ASSERT_TRUE(VerifyInclusionProof(7, 8, leaf, proof, root).ok());
  EXPECT_TRUE(IsInclusionFailure(VerifyInclusionProof(8, 8, leaf, proof, root)));
  EXPECT_TRUE(IsInclusionFailure(VerifyInclusionProof(9, 8, leaf, proof, root)));
  EXPECT_TRUE(IsInclusionFailure(VerifyInclusionProof(0, 0, leaf, {}, leaf)));
  EXPECT_TRUE(IsInclusionFailure(
      VerifyInclusionProof(UINT64_MAX, UINT64_MAX, leaf, proof, root)));
  // A single-leaf tree: the root is the leaf hash and the proof is empty.
  EXPECT_TRUE(VerifyInclusionProof(0, 1, leaf, {}, leaf).ok());
  EXPECT_TRUE(IsInclusionFailure(VerifyInclusionProof(0, 1, leaf, {leaf}, leaf)));
}

TEST(MerkleTest, HugeTreeProofLengthIsBounded) {
  Bytes leaf(32, 1);
  std::vector<Bytes> proof(65, Bytes(32, 2));
  EXPECT_TRUE(IsInclusionFailure(VerifyInclusionProof(0, UINT64_MAX, leaf, proof, leaf)));
  // 64 elements is the most a 2^64-1 leaf tree can need at index 0: computes, then mismatches.
  proof.pop_back();
  EXPECT_TRUE(IsInclusionFailure(VerifyInclusionProof(0, UINT64_MAX, leaf, proof, leaf)));
}

// Real Rekor v1 and v2 proofs from the sigstore-conformance suite.
class ConformanceProofTest : public ::testing::TestWithParam<const char*> {};

TEST_P(ConformanceProofTest, RealProofVerifies) {
  auto c = testdata::LoadCase(GetParam());
  ASSERT_TRUE(c.HasInclusionProof());
  auto proof = c.ProofHashes();
  Status s = VerifyInclusionProof(c.ProofIndex(), c.ProofTreeSize(), c.LeafHash(), proof,
                                  c.ProofRoot());
  EXPECT_TRUE(s.ok()) << s.error().ToString();
  // And each single-byte corruption / truncation of it fails (a tree of one leaf has an empty
  // proof: then an extra element must fail).
  if (proof.empty()) {
    EXPECT_TRUE(IsInclusionFailure(VerifyInclusionProof(
        c.ProofIndex(), c.ProofTreeSize(), c.LeafHash(), {Bytes(32, 0)}, c.ProofRoot())));
    return;
  }
  auto flipped = proof;
  flipped.back()[5] ^= 0x20;
  EXPECT_TRUE(IsInclusionFailure(VerifyInclusionProof(c.ProofIndex(), c.ProofTreeSize(),
                                                      c.LeafHash(), flipped, c.ProofRoot())));
  auto dropped = proof;
  dropped.pop_back();
  EXPECT_TRUE(IsInclusionFailure(VerifyInclusionProof(c.ProofIndex(), c.ProofTreeSize(),
                                                      c.LeafHash(), dropped, c.ProofRoot())));
  EXPECT_TRUE(IsInclusionFailure(VerifyInclusionProof(c.ProofTreeSize(), c.ProofTreeSize(),
                                                      c.LeafHash(), proof, c.ProofRoot())));
}

INSTANTIATE_TEST_SUITE_P(Cases, ConformanceProofTest,
                         ::testing::Values("happy-path-v0.3", "happy-path-intoto-in-dsse-v3",
                                           "rekor2-happy-path", "rekor2-dsse-happy-path",
                                           "intoto-with-custom-trust-root"));

TEST(MerkleTest, ConformanceCorruptedProofFails) {
  auto c = testdata::LoadCase("inclusion-proof-corrupted-hash_fail");
  EXPECT_TRUE(IsInclusionFailure(VerifyInclusionProof(
      c.ProofIndex(), c.ProofTreeSize(), c.LeafHash(), c.ProofHashes(), c.ProofRoot())));
}

}  // namespace
}  // namespace signet::attestation
