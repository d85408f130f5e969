// RFC 6962 §2.1 hashing and RFC 9162 §2.1.3.2 inclusion-proof verification.
#include "signet/attestation/merkle.h"

#include "signet/core/findings.h"
#include "signet/core/hash.h"

namespace signet::attestation {
namespace {

constexpr const char* kFinding = findings::kInclusionProofInvalid;

Error ProofInvalid(std::string message) { return VerificationFailed(kFinding, std::move(message)); }

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
  for (const Bytes& p : proof_hashes) {
    if (p.size() != kMerkleHashSize) return ProofInvalid("proof hash is not 32 bytes");
    // 5.1: a proof element beyond the root means the proof is too long.
    if (sn == 0) return ProofInvalid("inclusion proof is too long");
    if ((fn & 1) == 1 || fn == sn) {
      // 5.2: p is a left sibling.
      r = MerkleNodeHash(p, r);
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
      r = MerkleNodeHash(r, p);
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

}  // namespace signet::attestation
