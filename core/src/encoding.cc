#include "signet/core/encoding.h"

#include <array>
#include <cstring>

#include <openssl/crypto.h>

namespace signet {

bool ConstantTimeEqual(ByteView a, ByteView b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string HexEncode(ByteView data) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.resize(data.size() * 2);
  for (size_t i = 0; i < data.size(); ++i) {
    out[2 * i] = kDigits[data[i] >> 4];
    out[2 * i + 1] = kDigits[data[i] & 0xf];
  }
  return out;
}

namespace {

int HexValue(char c, bool any_case) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (any_case && c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Result<Bytes> HexDecodeImpl(std::string_view hex, bool any_case) {
  if (hex.size() % 2 != 0) return InvalidArgument("hex: odd length");
  Bytes out(hex.size() / 2);
  for (size_t i = 0; i < out.size(); ++i) {
    int hi = HexValue(hex[2 * i], any_case);
    int lo = HexValue(hex[2 * i + 1], any_case);
    if (hi < 0 || lo < 0) {
      return InvalidArgument("hex: invalid character at offset " + std::to_string(hi < 0 ? 2 * i : 2 * i + 1));
    }
    out[i] = static_cast<uint8_t>((hi << 4) | lo);
  }
  return out;
}

constexpr char kStd[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kUrl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::array<int8_t, 256> MakeTable(const char* alphabet) {
  std::array<int8_t, 256> t{};
  t.fill(-1);
  for (int i = 0; i < 64; ++i) t[static_cast<uint8_t>(alphabet[i])] = static_cast<int8_t>(i);
  return t;
}

}  // namespace

Result<Bytes> HexDecode(std::string_view hex) { return HexDecodeImpl(hex, false); }
Result<Bytes> HexDecodeAnyCase(std::string_view hex) { return HexDecodeImpl(hex, true); }

std::string Base64Encode(ByteView data, Base64Alphabet alphabet, bool pad) {
  const char* a = alphabet == Base64Alphabet::kStandard ? kStd : kUrl;
  const size_t full = data.size() / 3 * 3;
  const size_t rest = data.size() - full;
  // Written into a string of the final size (no per-character append).
  std::string out(full / 3 * 4 + (rest == 0 ? 0 : pad ? 4 : rest + 1), '=');
  char* o = out.data();
  for (size_t i = 0; i < full; i += 3) {
    uint32_t v = (uint32_t{data[i]} << 16) | (uint32_t{data[i + 1]} << 8) | data[i + 2];
    o[0] = a[(v >> 18) & 63];
    o[1] = a[(v >> 12) & 63];
    o[2] = a[(v >> 6) & 63];
    o[3] = a[v & 63];
    o += 4;
  }
  if (rest != 0) {
    uint32_t v = uint32_t{data[full]} << 16;
    if (rest == 2) v |= uint32_t{data[full + 1]} << 8;
    o[0] = a[(v >> 18) & 63];
    o[1] = a[(v >> 12) & 63];
    if (rest == 2) o[2] = a[(v >> 6) & 63];
  }
  return out;
}

Result<Bytes> Base64Decode(std::string_view text, Base64Alphabet alphabet, Base64Padding padding) {
  static const std::array<int8_t, 256> kStdTable = MakeTable(kStd);
  static const std::array<int8_t, 256> kUrlTable = MakeTable(kUrl);
  const auto& table = alphabet == Base64Alphabet::kStandard ? kStdTable : kUrlTable;

  size_t pad_count = 0;
  while (pad_count < text.size() && pad_count < 3 && text[text.size() - 1 - pad_count] == '=') ++pad_count;
  std::string_view body = text.substr(0, text.size() - pad_count);
  if (pad_count > 2) return InvalidArgument("base64: too much padding");
  size_t rem = body.size() % 4;
  if (rem == 1) return InvalidArgument("base64: invalid length");
  if (pad_count > 0) {
    if (padding == Base64Padding::kForbidden) return InvalidArgument("base64: padding not allowed");
    if ((body.size() + pad_count) % 4 != 0 || (rem == 0)) return InvalidArgument("base64: wrong padding");
  } else if (rem != 0 && padding == Base64Padding::kRequired) {
    return InvalidArgument("base64: missing padding");
  }

  // Four characters (24 bits) at a time into a buffer of the final size, then the 2- or
  // 3-character tail.
  const auto value = [&table, &body](size_t i) {
    return int32_t{table[static_cast<uint8_t>(body[i])]};
  };
  const auto invalid_at = [&value](size_t i) {
    while (value(i) >= 0) ++i;
    return InvalidArgument("base64: invalid character at offset " + std::to_string(i));
  };
  Bytes out(body.size() / 4 * 3 + (rem == 0 ? 0 : rem - 1));
  uint8_t* o = out.data();
  const size_t full = body.size() - rem;
  for (size_t i = 0; i < full; i += 4) {
    const int32_t a = value(i), b = value(i + 1), c = value(i + 2), d = value(i + 3);
    if ((a | b | c | d) < 0) return invalid_at(i);
    const uint32_t v = (uint32_t(a) << 18) | (uint32_t(b) << 12) | (uint32_t(c) << 6) | uint32_t(d);
    o[0] = static_cast<uint8_t>(v >> 16);
    o[1] = static_cast<uint8_t>(v >> 8);
    o[2] = static_cast<uint8_t>(v);
    o += 3;
  }
  if (rem != 0) {
    const int32_t a = value(full), b = value(full + 1), c = rem == 3 ? value(full + 2) : 0;
    if ((a | b | c) < 0) return invalid_at(full);
    const uint32_t v = (uint32_t(a) << 18) | (uint32_t(b) << 12) | (uint32_t(c) << 6);
    o[0] = static_cast<uint8_t>(v >> 16);
    if (rem == 3) o[1] = static_cast<uint8_t>(v >> 8);
    // Leftover bits must be zero, or two encodings would decode to the same bytes.
    if ((rem == 2 ? v & 0xffff : v & 0xff) != 0) {
      return InvalidArgument("base64: non-zero trailing bits");
    }
  }
  return out;
}

Result<Bytes> Base64DecodeStdOrUrl(std::string_view text) {
  const auto has = [text](char c) { return std::memchr(text.data(), c, text.size()) != nullptr; };
  bool has_std = has('+') || has('/');
  bool has_url = has('-') || has('_');
  if (has_std && has_url) return InvalidArgument("base64: mixed standard and URL-safe alphabets");
  return Base64Decode(text, has_url ? Base64Alphabet::kUrlSafe : Base64Alphabet::kStandard,
                      Base64Padding::kOptional);
}

}  // namespace signet
