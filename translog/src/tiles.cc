// c2sp.org/tlog-tiles paths, hash tiles and entry bundles.
#include "signet/translog/tiles.h"

#include <cstdio>

#include "signet/core/findings.h"

namespace signet::translog {
namespace {

Error BadPath(std::string what) {
  return InvalidArgument("tile path: " + what).WithFinding(findings::kMalformedInput);
}
Error BadTile(std::string what) { return VerificationFailed(findings::kTlogTilesInvalid, std::move(what)); }

// AppendLevel adds the tiles of one level holding `c0` hashes before and `c1` after.
void AppendLevel(int level, uint64_t c0, uint64_t c1, std::vector<TileId>& out) {
  if (c1 <= c0) return;
  for (uint64_t n = c0 / kTileWidth; n * kTileWidth < c1; ++n) {
    uint64_t w = c1 - n * kTileWidth;
    out.push_back(TileId{level, n, w < kTileWidth ? w : kTileWidth});
  }
}

}  // namespace

std::string EncodeTileIndex(uint64_t n) {
  std::string out;
  char buf[8];
  // Collect groups from the least significant end.
  std::vector<unsigned> groups;
  do {
    groups.push_back(static_cast<unsigned>(n % 1000));
    n /= 1000;
  } while (n > 0);
  for (size_t i = groups.size(); i-- > 0;) {
    std::snprintf(buf, sizeof buf, i == 0 ? "%03u" : "x%03u/", groups[i]);
    out += buf;
  }
  return out;
}

std::string TilePath(const TileId& tile) {
  std::string out = "tile/";
  out += tile.level == kEntriesLevel ? std::string("entries") : std::to_string(tile.level);
  out += "/" + EncodeTileIndex(tile.index);
  if (tile.width < kTileWidth) out += ".p/" + std::to_string(tile.width);
  return out;
}

Result<TileId> ParseTilePath(std::string_view path) {
  if (path.size() > kMaxTilePathBytes) return BadPath("too long");
  if (path.substr(0, 5) != "tile/") return BadPath("does not start with tile/");
  std::string_view rest = path.substr(5);
  size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return BadPath("no index");
  std::string_view level = rest.substr(0, slash);
  rest = rest.substr(slash + 1);
  TileId id;
  if (level == "entries") {
    id.level = kEntriesLevel;
  } else {
    if (level.empty() || level.size() > 2) return BadPath("invalid level");
    int l = 0;
    for (char c : level) {
      if (c < '0' || c > '9') return BadPath("invalid level");
      l = l * 10 + (c - '0');
    }
    if (l > 63) return BadPath("invalid level");
    id.level = l;
  }
  std::string_view index = rest;
  size_t p = rest.find(".p/");
  if (p != std::string_view::npos) {
    index = rest.substr(0, p);
    std::string_view w = rest.substr(p + 3);
    if (w.empty() || w.size() > 3) return BadPath("invalid width");
    uint64_t width = 0;
    for (char c : w) {
      if (c < '0' || c > '9') return BadPath("invalid width");
      width = width * 10 + static_cast<uint64_t>(c - '0');
    }
    if (width == 0 || width >= kTileWidth) return BadPath("invalid width");
    id.width = width;
  }
  // Index groups: "xDDD/" ... "DDD".
  uint64_t n = 0;
  size_t groups = 0;
  while (true) {
    bool last = index.size() == 3;
    std::string_view g = last ? index : index.substr(0, 5);
    if (!last) {
      if (index.size() < 5 || g[0] != 'x' || g[4] != '/') return BadPath("invalid index");
      g = g.substr(1, 3);
    }
    if (++groups > 7) return BadPath("index too large");
    unsigned v = 0;
    for (char c : g) {
      if (c < '0' || c > '9') return BadPath("invalid index");
      v = v * 10 + static_cast<unsigned>(c - '0');
    }
    if (n > (UINT64_MAX - v) / 1000) return BadPath("index too large");
    n = n * 1000 + v;
    if (last) break;
    index = index.substr(5);
  }
  id.index = n;
  // Only the canonical spelling names a tile.
  if (TilePath(id) != path) return BadPath("not in canonical form");
  return id;
}

std::vector<TileId> TilesFor(uint64_t size) { return TilesChanged(0, size); }

std::vector<TileId> TilesChanged(uint64_t old_size, uint64_t new_size) {
  std::vector<TileId> out;
  AppendLevel(kEntriesLevel, old_size, new_size, out);
  for (int level = 0; level < 8; ++level) {
    unsigned shift = kTileHeight * static_cast<unsigned>(level);
    AppendLevel(level, old_size >> shift, new_size >> shift, out);
    if ((new_size >> shift) == 0) break;
  }
  return out;
}

Result<Bytes> EncodeEntryBundle(const std::vector<std::string>& entries) {
  Bytes out;
  for (const std::string& e : entries) {
    if (e.size() > kMaxEntryBytes) return InvalidArgument("a log entry is longer than 65535 bytes");
    out.push_back(static_cast<uint8_t>(e.size() >> 8));
    out.push_back(static_cast<uint8_t>(e.size() & 0xFF));
    out.insert(out.end(), e.begin(), e.end());
  }
  return out;
}

Result<std::vector<std::string>> ParseEntryBundle(ByteView data, uint64_t count) {
  if (data.size() > kMaxBundleBytes || count > kTileWidth) return BadTile("entry bundle is too large");
  std::vector<std::string> out;
  size_t off = 0;
  while (off < data.size()) {
    if (out.size() == count) return BadTile("entry bundle has more entries than its width");
    if (data.size() - off < 2) return BadTile("entry bundle ends inside a length");
    size_t len = (static_cast<size_t>(data[off]) << 8) | data[off + 1];
    off += 2;
    if (data.size() - off < len) return BadTile("entry bundle ends inside an entry");
    out.emplace_back(reinterpret_cast<const char*>(data.data() + off), len);
    off += len;
  }
  if (out.size() != count) return BadTile("entry bundle has fewer entries than its width");
  return out;
}

Result<std::vector<Bytes>> ParseHashTile(ByteView data, uint64_t count) {
  if (count > kTileWidth || data.size() != count * 32) return BadTile("hash tile has the wrong size");
  std::vector<Bytes> out;
  for (uint64_t i = 0; i < count; ++i) out.emplace_back(data.begin() + i * 32, data.begin() + (i + 1) * 32);
  return out;
}

}  // namespace signet::translog
