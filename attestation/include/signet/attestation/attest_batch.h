// Nonce batching for TPM attestation (issue 14 part 4): many clients' fresh nonces share one
// TPM2_Quote. Pure: no TPM, no I/O; the appliance side (attester::BatchingAttester) builds the
// tree, a client verifies its own membership.
//
//   leaf  = SHA-256(0x00 || nonce || channel_binding)     (RFC 6962 §2.1 leaf hash of the
//                                                           32-byte nonce and the empty or
//                                                           32-byte channel binding)
//   root  = RFC 6962 Merkle Tree Hash over the leaves, in arrival order
//   qualifying data = SHA-256("signet-attest-batch-v1" || root)
//
// A batched evidence document is the evidence of `signet attest quote` (tpm_evidence.h) with one
// more member, "batch_root": "<64 hex>", whose presence marks it as a batch quote; its "nonce"
// and "channel_binding" are the ones this client sent (what the attester says it was asked).
// The inclusion proof travels beside the evidence as
//   {"leafIndex": n, "treeSize": m, "proof": ["<64 hex>", ...]}.
//
// Trust argument: the client recomputes its own leaf from the nonce it just drew and the channel
// binding of the connection it used; the proof leads from that leaf to the root; the quote's
// signed extraData commits to that root. So the TPM signed something that could only be computed
// after the client's nonce existed: freshness is per client although the quote is shared.
//
// Findings (core/findings.h), checked in this order by VerifyBatchFreshness:
//   BATCH_ROOT_NOT_QUOTED    the quote's extraData is not SHA-256(domain || batch_root);
//   BATCH_PROOF_INVALID      the proof is malformed (index >= size, size above kMaxBatchLeaves,
//                            wrong length, a hash not 32 bytes) or does not lead from the leaf
//                            the evidence names to the signed root: a proof for another leaf;
//   CHANNEL_BINDING_MISMATCH the leaf is bound to another TLS key than the one this client saw
//                            (evidence relayed through another TLS endpoint);
//   BATCH_NONCE_NOT_IN_TREE  the proven leaf is another client's: this client's nonce is not
//                            what the signed tree holds (a replayed or misrouted answer).
#ifndef SIGNET_ATTESTATION_ATTEST_BATCH_H_
#define SIGNET_ATTESTATION_ATTEST_BATCH_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "signet/core/bytes.h"
#include "signet/core/json.h"
#include "signet/core/result.h"

namespace signet::attestation {

// kBatchQualifyingDataDomain separates batch quotes from single quotes (kQualifyingDataDomain).
inline constexpr const char kBatchQualifyingDataDomain[] = "signet-attest-batch-v1";

// kMaxBatchLeaves is the largest tree a verifier accepts (and an attester may configure).
inline constexpr uint64_t kMaxBatchLeaves = 65536;

// BatchLeafHash returns SHA-256(0x00 || nonce || channel_binding). kInvalidArgument unless the
// nonce is 32 bytes and the channel binding empty or 32 bytes (CheckNonceSizes).
Result<Bytes> BatchLeafHash(ByteView nonce, ByteView channel_binding);

// BatchQualifyingData returns SHA-256("signet-attest-batch-v1" || root). kInvalidArgument unless
// `root` is 32 bytes.
Result<Bytes> BatchQualifyingData(ByteView root);

// BatchProof is one client's inclusion proof (RFC 9162 §2.1.3 audit path).
struct BatchProof {
  uint64_t leaf_index = 0;
  uint64_t tree_size = 0;
  std::vector<Bytes> proof;  // 32-byte node hashes, leaf side first
};

// BatchTree is an RFC 6962 tree over an in-memory list of leaf hashes. Immutable after Build.
class BatchTree {
 public:
  // Build hashes the tree. kInvalidArgument for no leaves, more than kMaxBatchLeaves, or a leaf
  // hash that is not 32 bytes.
  static Result<BatchTree> Build(std::vector<Bytes> leaf_hashes);

  // root is the Merkle Tree Hash (RFC 6962 §2.1).
  const Bytes& root() const { return levels_.back().front(); }
  // size is the number of leaves.
  uint64_t size() const { return levels_.front().size(); }
  // Proof returns the audit path of leaf `index` (RFC 6962 §2.1.1 PATH(m, D[n])).
  // kInvalidArgument when index >= size().
  Result<BatchProof> Proof(uint64_t index) const;

 private:
  BatchTree() = default;
  // levels_[0] are the leaves; each next level pairs nodes left to right and carries an odd
  // last node up unchanged, which is exactly RFC 6962's split at the largest power of two.
  std::vector<std::vector<Bytes>> levels_;
};

// ParseBatchProofJson reads {"leafIndex": n, "treeSize": m, "proof": ["<64 hex>", ...]} (exact
// members, lowercase hex, treeSize in [1, kMaxBatchLeaves], leafIndex < treeSize, at most 64
// hashes). kInvalidArgument otherwise. It does not verify.
Result<BatchProof> ParseBatchProofJson(const JsonValue& v);
// BatchProofToJson renders the proof in that form.
JsonValue BatchProofToJson(const BatchProof& proof);

// VerifyBatchFreshness is the batch form of VerifyTpmEvidence's step 6 (freshness and channel
// binding), over values the caller took from signature-checked evidence:
//   1. quoted_extra_data == BatchQualifyingData(batch_root)          (BATCH_ROOT_NOT_QUOTED)
//   2. the proof leads from BatchLeafHash(claimed nonce, claimed channel binding) to batch_root
//      (merkle.h RootFromInclusionProof, constant-time compare)     (BATCH_PROOF_INVALID)
//   3. claimed channel binding == channel_binding                     (CHANNEL_BINDING_MISMATCH)
//   4. claimed nonce == nonce                                         (BATCH_NONCE_NOT_IN_TREE)
// After 3 and 4 the proven leaf is BatchLeafHash(nonce, channel_binding): this client's own.
// kInvalidArgument if the client's own nonce/channel binding have bad sizes; otherwise
// VerificationFailed with the finding above, or OK.
Status VerifyBatchFreshness(ByteView quoted_extra_data, ByteView batch_root, const BatchProof& proof,
                            ByteView claimed_nonce, ByteView claimed_channel_binding, ByteView nonce,
                            ByteView channel_binding);

}  // namespace signet::attestation

#endif  // SIGNET_ATTESTATION_ATTEST_BATCH_H_
