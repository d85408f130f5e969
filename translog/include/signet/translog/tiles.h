// C2SP tlog-tiles naming and encoding: tile paths, hash tiles and entry bundles.
//
// Layout under a log directory (c2sp.org/tlog-tiles):
//   checkpoint                       the latest signed checkpoint (c2sp.org/tlog-checkpoint)
//   tile/<L>/<N>[.p/<W>]             hash tiles: level L holds the tree's level 8*L hashes
//   tile/entries/<N>[.p/<W>]         entry bundles: big-endian uint16 length || entry, W of them
// Tile height is 8: a full tile holds 256 hashes (or entries); a partial tile holds W < 256 and
// is named with ".p/<W>". N is written in 3-digit groups, all but the last prefixed with "x"
// (1234067 -> x001/x234/067).
#ifndef SIGNET_TRANSLOG_TILES_H_
#define SIGNET_TRANSLOG_TILES_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "signet/core/bytes.h"
#include "signet/core/result.h"

namespace signet::translog {

// kTileHeight is the tile height (c2sp tlog-tiles fixes it at 8); kTileWidth = 2^kTileHeight.
inline constexpr unsigned kTileHeight = 8;
inline constexpr uint64_t kTileWidth = 256;
// kMaxEntryBytes is the largest entry an entry bundle can hold (uint16 length prefix).
inline constexpr size_t kMaxEntryBytes = 65535;
// kEntriesLevel is TileId::level for entry bundles.
inline constexpr int kEntriesLevel = -1;

// TileId names one tile: level (kEntriesLevel for entry bundles), index and width (1..256;
// 256 is a full tile).
struct TileId {
  int level = 0;
  uint64_t index = 0;
  uint64_t width = kTileWidth;
  bool operator==(const TileId&) const = default;
};

// EncodeTileIndex writes N as c2sp path elements ("x001/x234/067"). Cannot fail.
std::string EncodeTileIndex(uint64_t n);

// TilePath returns the path of `tile` relative to the log directory ("tile/0/x001/234.p/5",
// "tile/entries/000"). Cannot fail.
std::string TilePath(const TileId& tile);

// kMaxTilePathBytes bounds ParseTilePath's input.
inline constexpr size_t kMaxTilePathBytes = 256;

// ParseTilePath parses a path relative to the log directory back into a TileId, strictly: only
// the canonical encoding TilePath produces is accepted (no leading zeros beyond the 3-digit
// groups, no "x" on the last group, no empty groups, width 1..255 after ".p/", level 0..63 without
// leading zeros). Fails kInvalidArgument (finding MALFORMED_INPUT).
Result<TileId> ParseTilePath(std::string_view path);

// TilesFor returns every tile of a tree of `size` leaves whose content is fixed by that size:
// the full tiles and, where the level does not end on a tile boundary, the one partial tile, for
// the entry bundles and each hash level that has at least one hash. Cannot fail.
std::vector<TileId> TilesFor(uint64_t size);

// TilesChanged returns the tiles of a tree of `new_size` leaves that a tree of `old_size` leaves
// (old_size <= new_size) does not have: the new full and partial tiles. Cannot fail.
std::vector<TileId> TilesChanged(uint64_t old_size, uint64_t new_size);

// EncodeEntryBundle writes entries as big-endian uint16 length || bytes. Entries longer than
// kMaxEntryBytes are kInvalidArgument.
Result<Bytes> EncodeEntryBundle(const std::vector<std::string>& entries);

// kMaxBundleBytes bounds one entry bundle (256 maximal entries).
inline constexpr size_t kMaxBundleBytes = kTileWidth * (2 + kMaxEntryBytes);

// ParseEntryBundle parses an entry bundle that must hold exactly `count` entries and nothing
// after them. Fails VerificationFailed("TLOG_TILES_INVALID", ...) with a fixed message.
Result<std::vector<std::string>> ParseEntryBundle(ByteView data, uint64_t count);

// ParseHashTile splits a hash tile that must hold exactly `count` 32-byte hashes. Fails
// VerificationFailed("TLOG_TILES_INVALID", ...).
Result<std::vector<Bytes>> ParseHashTile(ByteView data, uint64_t count);

}  // namespace signet::translog

#endif  // SIGNET_TRANSLOG_TILES_H_
