// Byte containers and views used across Signet.
#ifndef SIGNET_CORE_BYTES_H_
#define SIGNET_CORE_BYTES_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace signet {

using Bytes = std::vector<uint8_t>;
using ByteView = std::span<const uint8_t>;

// AsBytes views the characters of `s` as bytes (no copy).
inline ByteView AsBytes(std::string_view s) {
  return ByteView(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}
// ToBytes copies `s` into a byte vector.
inline Bytes ToBytes(std::string_view s) { return Bytes(s.begin(), s.end()); }
// AsString views bytes as characters (no copy).
inline std::string_view AsString(ByteView b) {
  return std::string_view(reinterpret_cast<const char*>(b.data()), b.size());
}
inline std::string ToString(ByteView b) { return std::string(AsString(b)); }

// ConstantTimeEqual compares two byte strings without data-dependent early exit. Sizes are not
// secret: unequal sizes return false immediately.
bool ConstantTimeEqual(ByteView a, ByteView b);

}  // namespace signet

#endif  // SIGNET_CORE_BYTES_H_
