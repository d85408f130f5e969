// RFC 6962 §2.1 hashing and RFC 9162 §2.1.3.2 inclusion-proof verification.
#include "signet/attestation/merkle.h"

#include <openssl/evp.h>

#include "signet/core/findings.h"
#include "signet/core/hash.h"
#include "signet/core/ossl.h"

namespace signet::attestation {
namespace {

constexpr const char* kFinding = findings::kInclusionProofInvalid;

Error ProofInvalid(std::string message) { return VerificationFailed(kFinding, std::move(message)); }

// NodeHasher computes MerkleNodeHash for every level of one audit path with one digest context
// and one explicitly fetched SHA-256 (a Hasher per node would allocate a context and look the
// digest up again each time). If OpenSSL cannot set it up, it falls back to MerkleNodeHash.
class NodeHasher {
 public:
  NodeHasher() : md_(EVP_MD_fetch(nullptr, "SHA256", nullptr)), ctx_(EVP_MD_CTX_new()) {}

  // Hash replaces `r` with SHA-256(0x01 || left || right) (RFC 6962 §2.1); `left` or `right`
  // may view `r` itself (both are read before `r` is written).
  void Hash(ByteView left, ByteView right, Bytes& r) {
    static constexpr uint8_t kPrefix = 0x01;
    unsigned int len = 0;
    uint8_t out[EVP_MAX_MD_SIZE];
    if (md_ && ctx_ && EVP_DigestInit_ex(ctx_.get(), md_.get(), nullptr) == 1 &&
        EVP_DigestUpdate(ctx_.get(), &kPrefix, 1) == 1 &&
        EVP_DigestUpdate(ctx_.get(), left.data(), left.size()) == 1 &&
        EVP_DigestUpdate(ctx_.get(), right.data(), right.size()) == 1 &&
        EVP_DigestFinal_ex(ctx_.get(), out, &len) == 1 && len == kMerkleHashSize) {
      r.assign(out, out + len);
      return;
    }
    ossl::DrainErrors();
    r = MerkleNodeHash(left, right);
  }

 private:
  ossl::UniquePtr<EVP_MD> md_;
  ossl::UniquePtr<EVP_MD_CTX> ctx_;
};

}  // namespace

Bytes MerkleLeafHash(ByteView leaf) {
  Hasher h(HashAlgorithm::kSha256);
  const uint8_t prefix = 0x00;
  h.Update(ByteView(&prefix, 1));
  h.Update(leaf);
  return h.Finish();
}

Bytes MerkleNodeHash(ByteView left, ByteView right) {
  Hasher h(HashAlgorithm::kSha256);
  const uint8_t prefix = 0x01;
  h.Update(ByteView(&prefix, 1));
  h.Update(left);
  h.Update(right);
  return h.Finish();
}

Result<Bytes> RootFromInclusionProof(uint64_t leaf_index, uint64_t tree_size, ByteView leaf_hash,
                                     const std::vector<Bytes>& proof_hashes) {
  // RFC 9162 §2.1.3.2, step 1: the index must address a leaf of the tree.
  if (leaf_index >= tree_size) return ProofInvalid("leaf index is not below the tree size");
  if (leaf_hash.size() != kMerkleHashSize) return ProofInvalid("leaf hash is not 32 bytes");
  // A tree of 2^64 leaves has a height of at most 64; anything longer cannot be exact.
  if (proof_hashes.size() > 64) return ProofInvalid("inclusion proof is too long");

  // Steps 2-5: fn/sn walk the path from the leaf to the root.
  uint64_t fn = leaf_index;
  uint64_t sn = tree_size - 1;
  Bytes r(leaf_hash.begin(), leaf_hash.end());
  NodeHasher hasher;
  for (const Bytes& p : proof_hashes) {
    if (p.size() != kMerkleHashSize) return ProofInvalid("proof hash is not 32 bytes");
    // 5.1: a proof element beyond the root means the proof is too long.
    if (sn == 0) return ProofInvalid("inclusion proof is too long");
    if ((fn & 1) == 1 || fn == sn) {
      // 5.2: p is a left sibling.
      hasher.Hash(p, r, r);
      // A right-most node without a right sibling is promoted: skip levels until fn is a
      // right child (or the root is reached).
      if ((fn & 1) == 0) {
        while ((fn & 1) == 0 && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      // 5.3: p is a right sibling.
      hasher.Hash(r, p, r);
    }
    fn >>= 1;
    sn >>= 1;
  }
  // Step 6: the walk must end exactly at the root.
  if (sn != 0) return ProofInvalid("inclusion proof is too short");
  return r;
}

Status VerifyInclusionProof(uint64_t leaf_index, uint64_t tree_size, ByteView leaf_hash,
                            const std::vector<Bytes>& proof_hashes, ByteView expected_root) {
  // 1. Recompute the root from the audit path (checks index, sizes and exact length).
  SIGNET_ASSIGN_OR_RETURN(Bytes root,
                          RootFromInclusionProof(leaf_index, tree_size, leaf_hash, proof_hashes));
  // 2. Compare with the expected root.
  if (expected_root.size() != kMerkleHashSize || !ConstantTimeEqual(root, expected_root)) {
    return ProofInvalid("inclusion proof does not lead to the expected root");
  }
  return OkStatus();
}

Status VerifyConsistencyProof(uint64_t old_size, uint64_t new_size, ByteView old_root, ByteView new_root,
                              const std::vector<Bytes>& proof_hashes) {
  auto invalid = [](std::string message) {
    return VerificationFailed(findings::kConsistencyProofInvalid, std::move(message));
  };
  if (old_root.size() != kMerkleHashSize || new_root.size() != kMerkleHashSize) {
    return invalid("a root hash is not 32 bytes");
  }
  // 1. The trivial cases.
  if (old_size > new_size) return invalid("the older tree is larger than the newer one");
  if (old_size == new_size) {
    if (!proof_hashes.empty()) return invalid("a proof between equal sizes must be empty");
    if (!ConstantTimeEqual(old_root, new_root)) return invalid("equal tree sizes with different roots");
    return OkStatus();
  }
  if (old_size == 0) {
    if (!proof_hashes.empty()) return invalid("a proof from the empty tree must be empty");
    return OkStatus();
  }
  if (proof_hashes.empty()) return invalid("consistency proof is empty");
  if (proof_hashes.size() > 128) return invalid("consistency proof is too long");
  for (const Bytes& p : proof_hashes) {
    if (p.size() != kMerkleHashSize) return invalid("proof hash is not 32 bytes");
  }
  // 2. RFC 9162 §2.1.4.2 steps 2-8.
  std::vector<ByteView> path;
  if ((old_size & (old_size - 1)) == 0) path.push_back(old_root);  // step 2: a power of two
  for (const Bytes& p : proof_hashes) path.push_back(p);
  uint64_t fn = old_size - 1;  // step 3
  uint64_t sn = new_size - 1;
  while ((fn & 1) == 1) {  // step 4
    fn >>= 1;
    sn >>= 1;
  }
  Bytes fr(path[0].begin(), path[0].end());  // step 5
  Bytes sr = fr;
  NodeHasher hasher;
  for (size_t i = 1; i < path.size(); ++i) {  // step 6
    ByteView c = path[i];
    if (sn == 0) return invalid("consistency proof is too long");
    if ((fn & 1) == 1 || fn == sn) {
      hasher.Hash(c, fr, fr);
      hasher.Hash(c, sr, sr);
      if ((fn & 1) == 0) {
        while ((fn & 1) == 0 && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      hasher.Hash(sr, c, sr);
    }
    fn >>= 1;
    sn >>= 1;
  }
  // Step 8: both roots must match and the walk must end at the root.
  if (sn != 0) return invalid("consistency proof is too short");
  if (!ConstantTimeEqual(fr, old_root)) return invalid("consistency proof does not lead to the older root");
  if (!ConstantTimeEqual(sr, new_root)) return invalid("consistency proof does not lead to the newer root");
  return OkStatus();
}

}  // namespace signet::attestation
