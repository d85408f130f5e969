// Strict hex and base64 codecs (RFC 4648).
//
// Strict means: no whitespace, no mixed alphabets, exact padding rules, and non-zero trailing
// bits in the last quantum are rejected, so every accepted encoding is the canonical one.
#ifndef SIGNET_CORE_ENCODING_H_
#define SIGNET_CORE_ENCODING_H_

#include <string>
#include <string_view>

#include "signet/core/bytes.h"
#include "signet/core/result.h"

namespace signet {

// HexEncode returns lowercase hex.
std::string HexEncode(ByteView data);

// HexDecode accepts an even-length string of [0-9a-f] only. Uppercase is refused because
// digests compare as strings elsewhere and two spellings of one digest invite mismatches.
Result<Bytes> HexDecode(std::string_view hex);
// HexDecodeAnyCase also accepts [A-F] (for user-typed nonces and IDs).
Result<Bytes> HexDecodeAnyCase(std::string_view hex);

enum class Base64Alphabet { kStandard, kUrlSafe };
enum class Base64Padding {
  kRequired,   // length must be a multiple of 4, with '=' padding
  kForbidden,  // no '=' at all (RFC 4648 §3.2 "unpadded")
  kOptional,   // either fully padded or fully unpadded; never partially padded
};

// Base64Encode encodes with the given alphabet; padded unless `pad` is false.
std::string Base64Encode(ByteView data, Base64Alphabet alphabet = Base64Alphabet::kStandard,
                         bool pad = true);

// Base64Decode decodes strictly in one alphabet. Fails with kInvalidArgument on any character
// outside the alphabet (including whitespace), wrong padding, or non-zero trailing bits.
Result<Bytes> Base64Decode(std::string_view text,
                           Base64Alphabet alphabet = Base64Alphabet::kStandard,
                           Base64Padding padding = Base64Padding::kRequired);

// Base64DecodeStdOrUrl accepts either alphabet (but not a mix), padded or unpadded, as the DSSE
// protocol requires of envelope fields.
Result<Bytes> Base64DecodeStdOrUrl(std::string_view text);

}  // namespace signet

#endif  // SIGNET_CORE_ENCODING_H_
