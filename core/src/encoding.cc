#include "signet/core/encoding.h"

#include <array>

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
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    uint32_t v = (uint32_t{data[i]} << 16) | (uint32_t{data[i + 1]} << 8) | data[i + 2];
    out += a[(v >> 18) & 63];
    out += a[(v >> 12) & 63];
    out += a[(v >> 6) & 63];
    out += a[v & 63];
  }
  size_t rest = data.size() - i;
  if (rest == 1) {
    uint32_t v = uint32_t{data[i]} << 16;
    out += a[(v >> 18) & 63];
    out += a[(v >> 12) & 63];
    if (pad) out += "==";
  } else if (rest == 2) {
    uint32_t v = (uint32_t{data[i]} << 16) | (uint32_t{data[i + 1]} << 8);
    out += a[(v >> 18) & 63];
    out += a[(v >> 12) & 63];
    out += a[(v >> 6) & 63];
    if (pad) out += '=';
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

  Bytes out;
  out.reserve(body.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < body.size(); ++i) {
    int8_t v = table[static_cast<uint8_t>(body[i])];
    if (v < 0) return InvalidArgument("base64: invalid character at offset " + std::to_string(i));
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<uint8_t>((acc >> bits) & 0xff));
    }
  }
  // Leftover bits must be zero, or two encodings would decode to the same bytes.
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return InvalidArgument("base64: non-zero trailing bits");
  return out;
}

Result<Bytes> Base64DecodeStdOrUrl(std::string_view text) {
  bool has_std = text.find_first_of("+/") != std::string_view::npos;
  bool has_url = text.find_first_of("-_") != std::string_view::npos;
  if (has_std && has_url) return InvalidArgument("base64: mixed standard and URL-safe alphabets");
  return Base64Decode(text, has_url ? Base64Alphabet::kUrlSafe : Base64Alphabet::kStandard,
                      Base64Padding::kOptional);
}

}  // namespace signet
