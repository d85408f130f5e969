// Nonce batching: leaves, the RFC 6962 tree and its audit paths, and the client's check. See
// attest_batch.h.
#include "signet/attestation/attest_batch.h"

#include <string>
#include <utility>

#include "signet/attestation/merkle.h"
#include "signet/attestation/tpm_evidence.h"
#include "signet/core/encoding.h"
#include "signet/core/findings.h"
#include "signet/core/hash.h"
#include "tpm_json_util.h"

namespace signet::attestation {
namespace {

namespace f = findings;

// kMaxProofHashes bounds a parsed proof: a tree of kMaxBatchLeaves has depth 16; 64 covers any
// uint64 size and refuses absurd input before hashing.
constexpr size_t kMaxProofHashes = 64;

}  // namespace

Result<Bytes> BatchLeafHash(ByteView nonce, ByteView channel_binding) {
  SIGNET_RETURN_IF_ERROR(CheckNonceSizes(nonce, channel_binding));
  Bytes leaf(nonce.begin(), nonce.end());
  leaf.insert(leaf.end(), channel_binding.begin(), channel_binding.end());
  return MerkleLeafHash(leaf);
}

Result<Bytes> BatchQualifyingData(ByteView root) {
  if (root.size() != kMerkleHashSize) return InvalidArgument("a batch root must be 32 bytes");
  Bytes msg = ToBytes(kBatchQualifyingDataDomain);
  msg.insert(msg.end(), root.begin(), root.end());
  return Sha256(ByteView(msg));
}

Result<BatchTree> BatchTree::Build(std::vector<Bytes> leaf_hashes) {
  if (leaf_hashes.empty()) return InvalidArgument("a batch needs at least one leaf");
  if (leaf_hashes.size() > kMaxBatchLeaves) return InvalidArgument("too many leaves in one batch");
  for (const Bytes& h : leaf_hashes) {
    if (h.size() != kMerkleHashSize) return InvalidArgument("a leaf hash must be 32 bytes");
  }
  BatchTree t;
  t.levels_.push_back(std::move(leaf_hashes));
  // RFC 6962 §2.1: MTH splits D[n] at the largest power of two k < n. Pairing left to right and
  // carrying an odd last node up unchanged builds the same tree bottom-up (the left subtrees
  // are perfect; only the right edge is ragged).
  while (t.levels_.back().size() > 1) {
    const std::vector<Bytes>& below = t.levels_.back();
    std::vector<Bytes> up;
    up.reserve((below.size() + 1) / 2);
    for (size_t i = 0; i + 1 < below.size(); i += 2) up.push_back(MerkleNodeHash(below[i], below[i + 1]));
    if (below.size() % 2 == 1) up.push_back(below.back());
    t.levels_.push_back(std::move(up));
  }
  return t;
}

Result<BatchProof> BatchTree::Proof(uint64_t index) const {
  if (index >= size()) return InvalidArgument("leaf index outside the batch");
  BatchProof p;
  p.leaf_index = index;
  p.tree_size = size();
  uint64_t i = index;
  for (size_t level = 0; level + 1 < levels_.size(); ++level) {
    const uint64_t sibling = i ^ 1;
    // A node without a sibling (the odd last one) is carried up: no hash on the path.
    if (sibling < levels_[level].size()) p.proof.push_back(levels_[level][sibling]);
    i >>= 1;
  }
  return p;
}

Result<BatchProof> ParseBatchProofJson(const JsonValue& v) {
  SIGNET_RETURN_IF_ERROR(internal::ExpectExactMembers(v, "batch", {"leafIndex", "treeSize", "proof"}));
  BatchProof p;
  SIGNET_ASSIGN_OR_RETURN(p.tree_size, internal::GetBoundedUint(v, "treeSize", kMaxBatchLeaves));
  if (p.tree_size == 0) return InvalidArgument("batch treeSize must be at least 1");
  SIGNET_ASSIGN_OR_RETURN(p.leaf_index, internal::GetBoundedUint(v, "leafIndex", kMaxBatchLeaves));
  if (p.leaf_index >= p.tree_size) return InvalidArgument("batch leafIndex must be below treeSize");
  SIGNET_ASSIGN_OR_RETURN(const JsonValue::Array* proof, v.GetArray("proof"));
  if (proof->size() > kMaxProofHashes) return InvalidArgument("batch proof too long");
  for (const JsonValue& h : *proof) {
    if (!h.is_string()) return InvalidArgument("batch proof entries must be hex strings");
    auto b = HexDecode(h.string_value());
    if (!b.ok() || b->size() != kMerkleHashSize) {
      return InvalidArgument("batch proof entries must be 32-byte lowercase hex");
    }
    p.proof.push_back(std::move(b).value());
  }
  return p;
}

JsonValue BatchProofToJson(const BatchProof& p) {
  JsonValue v = JsonValue::MakeObject();
  v.Set("leafIndex", JsonValue::Uint(p.leaf_index));
  v.Set("treeSize", JsonValue::Uint(p.tree_size));
  JsonValue proof = JsonValue::MakeArray();
  for (const Bytes& h : p.proof) proof.Push(JsonValue::String(HexEncode(h)));
  v.Set("proof", std::move(proof));
  return v;
}

Status VerifyBatchFreshness(ByteView quoted_extra_data, ByteView batch_root, const BatchProof& proof,
                            ByteView claimed_nonce, ByteView claimed_channel_binding, ByteView nonce,
                            ByteView channel_binding) {
  SIGNET_RETURN_IF_ERROR(CheckNonceSizes(nonce, channel_binding));
  // 1. The TPM signed this root.
  auto qd = BatchQualifyingData(batch_root);
  if (!qd.ok() || !ConstantTimeEqual(*qd, quoted_extra_data)) {
    return VerificationFailed(findings::kBatchRootNotQuoted, "the quote did not sign this batch root");
  }
  // 2. The proof places the leaf the evidence names under that root.
  auto claimed_leaf = BatchLeafHash(claimed_nonce, claimed_channel_binding);
  if (!claimed_leaf.ok() || proof.tree_size == 0 || proof.tree_size > kMaxBatchLeaves) {
    return VerificationFailed(findings::kBatchProofInvalid, "the batch inclusion proof is invalid");
  }
  auto root = RootFromInclusionProof(proof.leaf_index, proof.tree_size, *claimed_leaf, proof.proof);
  if (!root.ok() || !ConstantTimeEqual(*root, batch_root)) {
    return VerificationFailed(findings::kBatchProofInvalid, "the batch inclusion proof is invalid");
  }
  // 3. and 4. That leaf is this client's: its channel, then its nonce.
  if (!ConstantTimeEqual(claimed_channel_binding, channel_binding)) {
    return VerificationFailed(findings::kChannelBindingMismatch, "the quote is not bound to the expected channel");
  }
  if (!ConstantTimeEqual(claimed_nonce, nonce)) {
    return VerificationFailed(findings::kBatchNonceNotInTree, "this client's nonce is not in the quoted batch");
  }
  return OkStatus();
}

}  // namespace signet::attestation
