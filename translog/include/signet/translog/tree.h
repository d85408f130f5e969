// HashTree: an RFC 6962 Merkle tree kept as its stored hashes, with proofs.
//
// Every complete subtree's hash is kept (level k holds the hashes of the aligned 2^k-leaf
// subtrees), so the tree takes 2 * 32 bytes per leaf in memory, and any root, inclusion proof
// (RFC 9162 §2.1.3.1) or consistency proof (§2.1.4.1) needs only O(log n) hash computations.
// The tiles of c2sp tlog-tiles are slices of levels 0, 8, 16, ...
#ifndef SIGNET_TRANSLOG_TREE_H_
#define SIGNET_TRANSLOG_TREE_H_

#include <array>
#include <cstdint>
#include <vector>

#include "signet/core/bytes.h"
#include "signet/core/result.h"
#include "signet/translog/tiles.h"

namespace signet::translog {

using Hash = std::array<uint8_t, 32>;

// HashTree is not thread-safe; the log guards it.
class HashTree {
 public:
  // size is the number of leaves.
  uint64_t size() const { return levels_.empty() ? 0 : levels_[0].size(); }

  // AppendLeafHash adds a leaf given its RFC 6962 leaf hash (SHA-256(0x00 || entry)).
  void AppendLeafHash(const Hash& leaf_hash);
  // AppendEntry adds a leaf for `entry`.
  void AppendEntry(ByteView entry);
  // Truncate drops every leaf at or after `size` (no-op if size >= this->size()).
  void Truncate(uint64_t size);

  // Root returns MTH of the first `size` leaves (SHA-256("") for 0). kInvalidArgument if
  // size > this->size().
  Result<Bytes> Root(uint64_t size) const;
  // InclusionProof returns the audit path of leaf `index` in the tree of the first `size`
  // leaves (RFC 9162 §2.1.3.1). kInvalidArgument unless index < size <= this->size().
  Result<std::vector<Bytes>> InclusionProof(uint64_t index, uint64_t size) const;
  // ConsistencyProof returns the proof that the first `old_size` leaves are a prefix of the
  // first `new_size` (RFC 9162 §2.1.4.1); empty when old_size is 0 or equal to new_size.
  // kInvalidArgument unless old_size <= new_size <= this->size().
  Result<std::vector<Bytes>> ConsistencyProof(uint64_t old_size, uint64_t new_size) const;

  // TileData returns the bytes of the hash tile `tile` (level >= 0) as the tree of the first
  // `size` leaves defines it. kInvalidArgument if that tree does not have all its hashes.
  Result<Bytes> TileData(const TileId& tile, uint64_t size) const;

 private:
  Hash SubtreeHash(uint64_t start, uint64_t count) const;
  void Path(uint64_t m, uint64_t start, uint64_t n, std::vector<Bytes>& out) const;
  void SubProof(uint64_t m, uint64_t start, uint64_t n, bool b, std::vector<Bytes>& out) const;

  std::vector<std::vector<Hash>> levels_;
};

// LeafHash returns SHA-256(0x00 || entry) as a Hash.
Hash LeafHash(ByteView entry);

}  // namespace signet::translog

#endif  // SIGNET_TRANSLOG_TREE_H_
