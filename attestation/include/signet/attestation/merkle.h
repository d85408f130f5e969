// RFC 6962 / RFC 9162 Merkle tree hashing and inclusion-proof verification.
//
// Trust decision: an inclusion proof only says "this leaf is in the tree whose root is R".
// It is worth nothing until R itself is authenticated, which is VerifyCheckpoint's job
// (checkpoint.h). Callers must compare the proof's root with a verified checkpoint's root.
#ifndef SIGNET_ATTESTATION_MERKLE_H_
#define SIGNET_ATTESTATION_MERKLE_H_

#include <cstdint>
#include <vector>

#include "signet/core/bytes.h"
#include "signet/core/result.h"

namespace signet::attestation {

// kMerkleHashSize is the size of every node hash (SHA-256).
inline constexpr size_t kMerkleHashSize = 32;

// MerkleLeafHash returns SHA-256(0x00 || leaf) (RFC 6962 §2.1). Cannot fail.
Bytes MerkleLeafHash(ByteView leaf);

// MerkleNodeHash returns SHA-256(0x01 || left || right) (RFC 6962 §2.1). Cannot fail.
Bytes MerkleNodeHash(ByteView left, ByteView right);

// RootFromInclusionProof computes the root implied by an audit path (RFC 9162 §2.1.3.2) without
// comparing it to anything. Fails VerificationFailed("INCLUSION_PROOF_INVALID", ...) when
// leaf_index >= tree_size, when any hash is not 32 bytes, or when the proof does not have exactly
// the length the (index, size) pair demands.
Result<Bytes> RootFromInclusionProof(uint64_t leaf_index, uint64_t tree_size, ByteView leaf_hash,
                                     const std::vector<Bytes>& proof_hashes);

// VerifyInclusionProof verifies that `leaf_hash` sits at `leaf_index` in the tree of `tree_size`
// leaves whose root is `expected_root` (RFC 9162 §2.1.3.2: index < size, exact proof length,
// constant-time root comparison). Fails VerificationFailed("INCLUSION_PROOF_INVALID", ...).
Status VerifyInclusionProof(uint64_t leaf_index, uint64_t tree_size, ByteView leaf_hash,
                            const std::vector<Bytes>& proof_hashes, ByteView expected_root);

// VerifyConsistencyProof verifies that the tree of `old_size` leaves with root `old_root` is a
// prefix of the tree of `new_size` leaves with root `new_root` (RFC 9162 §2.1.4.2):
//   1. old_size > new_size fails; old_size == new_size needs an empty proof and equal roots;
//      old_size == 0 needs an empty proof (the empty tree is a prefix of every tree);
//   2. otherwise walk the proof (prepending old_root when old_size is a power of two), computing
//      both roots, and require exact length and both roots equal (constant time).
// Every hash must be 32 bytes. Fails VerificationFailed("CONSISTENCY_PROOF_INVALID", ...).
Status VerifyConsistencyProof(uint64_t old_size, uint64_t new_size, ByteView old_root, ByteView new_root,
                              const std::vector<Bytes>& proof_hashes);

}  // namespace signet::attestation

#endif  // SIGNET_ATTESTATION_MERKLE_H_
