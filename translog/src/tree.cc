// RFC 6962 / RFC 9162 Merkle tree over stored hashes: roots, audit paths, consistency proofs.
#include "signet/translog/tree.h"

#include <algorithm>
#include <bit>

#include <openssl/sha.h>

namespace signet::translog {
namespace {

Hash NodeHash(const Hash& left, const Hash& right) {
  uint8_t buf[65];
  buf[0] = 0x01;
  std::copy(left.begin(), left.end(), buf + 1);
  std::copy(right.begin(), right.end(), buf + 33);
  Hash out;
  SHA256(buf, sizeof buf, out.data());
  return out;
}

// LargestPowerOfTwoBelow returns the largest power of two strictly less than n (n >= 2).
uint64_t LargestPowerOfTwoBelow(uint64_t n) { return std::bit_floor(n - 1); }

Bytes ToBytes(const Hash& h) { return Bytes(h.begin(), h.end()); }

}  // namespace

Hash LeafHash(ByteView entry) {
  // SHA-256(0x00 || entry) (RFC 6962 §2.1).
  Bytes buf;
  buf.reserve(entry.size() + 1);
  buf.push_back(0x00);
  buf.insert(buf.end(), entry.begin(), entry.end());
  Hash out;
  SHA256(buf.data(), buf.size(), out.data());
  return out;
}

void HashTree::AppendLeafHash(const Hash& leaf_hash) {
  if (levels_.empty()) levels_.emplace_back();
  levels_[0].push_back(leaf_hash);
  // Complete every subtree this leaf closes.
  for (size_t k = 0; levels_[k].size() % 2 == 0; ++k) {
    if (levels_.size() == k + 1) levels_.emplace_back();
    const auto& lv = levels_[k];
    levels_[k + 1].push_back(NodeHash(lv[lv.size() - 2], lv[lv.size() - 1]));
  }
}

void HashTree::AppendEntry(ByteView entry) { AppendLeafHash(LeafHash(entry)); }

void HashTree::Truncate(uint64_t size) {
  for (size_t k = 0; k < levels_.size(); ++k) {
    uint64_t keep = size >> k;
    if (levels_[k].size() > keep) levels_[k].resize(keep);
  }
}

Hash HashTree::SubtreeHash(uint64_t start, uint64_t count) const {
  if (std::has_single_bit(count)) {
    unsigned k = static_cast<unsigned>(std::countr_zero(count));
    return levels_[k][start >> k];
  }
  uint64_t k = LargestPowerOfTwoBelow(count);
  return NodeHash(SubtreeHash(start, k), SubtreeHash(start + k, count - k));
}

Result<Bytes> HashTree::Root(uint64_t n) const {
  if (n > size()) return InvalidArgument("tree size beyond the stored tree");
  if (n == 0) {
    Hash empty;
    SHA256(nullptr, 0, empty.data());
    return ToBytes(empty);
  }
  return ToBytes(SubtreeHash(0, n));
}

// Path is RFC 6962 §2.1.1 PATH(m, D[start:start+n]).
void HashTree::Path(uint64_t m, uint64_t start, uint64_t n, std::vector<Bytes>& out) const {
  if (n <= 1) return;
  uint64_t k = LargestPowerOfTwoBelow(n);
  if (m < k) {
    Path(m, start, k, out);
    out.push_back(ToBytes(SubtreeHash(start + k, n - k)));
  } else {
    Path(m - k, start + k, n - k, out);
    out.push_back(ToBytes(SubtreeHash(start, k)));
  }
}

Result<std::vector<Bytes>> HashTree::InclusionProof(uint64_t index, uint64_t n) const {
  if (index >= n || n > size()) return InvalidArgument("no such leaf in the stored tree");
  std::vector<Bytes> out;
  Path(index, 0, n, out);
  return out;
}

// SubProof is RFC 6962 §2.1.2 SUBPROOF(m, D[start:start+n], b).
void HashTree::SubProof(uint64_t m, uint64_t start, uint64_t n, bool b, std::vector<Bytes>& out) const {
  if (m == n) {
    if (!b) out.push_back(ToBytes(SubtreeHash(start, n)));
    return;
  }
  uint64_t k = LargestPowerOfTwoBelow(n);
  if (m <= k) {
    SubProof(m, start, k, b, out);
    out.push_back(ToBytes(SubtreeHash(start + k, n - k)));
  } else {
    SubProof(m - k, start + k, n - k, false, out);
    out.push_back(ToBytes(SubtreeHash(start, k)));
  }
}

Result<std::vector<Bytes>> HashTree::ConsistencyProof(uint64_t old_size, uint64_t new_size) const {
  if (old_size > new_size || new_size > size()) return InvalidArgument("no such tree sizes in the stored tree");
  std::vector<Bytes> out;
  if (old_size == 0 || old_size == new_size) return out;
  SubProof(old_size, 0, new_size, true, out);
  return out;
}

Result<Bytes> HashTree::TileData(const TileId& tile, uint64_t n) const {
  if (tile.level < 0 || n > size()) return InvalidArgument("not a hash tile of the stored tree");
  unsigned k = kTileHeight * static_cast<unsigned>(tile.level);
  uint64_t count = n >> k;
  uint64_t first = tile.index * kTileWidth;
  if (k >= levels_.size() || first + tile.width > count) return InvalidArgument("the tile is beyond the tree");
  Bytes out;
  out.reserve(tile.width * 32);
  for (uint64_t i = first; i < first + tile.width; ++i) out.insert(out.end(), levels_[k][i].begin(), levels_[k][i].end());
  return out;
}

}  // namespace signet::translog
