// ByteCursor: the one bounds-checked reader for binary structures (STYLE.md §5, issue 13 Part 1).
//
// Used for TPM 2.0 marshaled structures (TPM 2.0 Part 1 §18 "Canonical form": big-endian
// integers, TPM2B = UINT16 size || bytes) and TLS presentation-language data (RFC 5246 §4:
// big-endian integers, opaque<..> vectors with a 1-, 2-, 3- or 4-byte length prefix), such as
// RFC 6962 SCT lists. Modelled on BoringSSL's CBS:
//   - every read either succeeds completely or fails and leaves the cursor where it was;
//   - no read ever looks past the end of the viewed bytes;
//   - the parser of each structure ends with an Empty() ("must be empty") check.
// A ByteCursor views bytes it does not own; the viewed buffer must outlive it and every
// ByteView it hands out.
#ifndef SIGNET_CORE_BYTE_CURSOR_H_
#define SIGNET_CORE_BYTE_CURSOR_H_

#include <cstddef>
#include <cstdint>
#include <limits>

#include "signet/core/bytes.h"

namespace signet {

class ByteCursor {
 public:
  explicit ByteCursor(ByteView data) : data_(data) {}

  // Remaining is the number of unread bytes.
  size_t Remaining() const { return data_.size() - pos_; }
  // Empty is true when every byte has been read: the "must be empty" check.
  bool Empty() const { return pos_ == data_.size(); }
  // Position is the number of bytes read so far.
  size_t Position() const { return pos_; }
  // Rest views the unread bytes without consuming them.
  ByteView Rest() const { return data_.subspan(pos_); }

  // ReadU8/ReadU16/ReadU24/ReadU32/ReadU64 read a big-endian unsigned integer of 1, 2, 3, 4 or
  // 8 bytes. False (cursor unmoved, *out untouched) when fewer bytes remain.
  [[nodiscard]] bool ReadU8(uint8_t* out) { return ReadInt(1, out); }
  [[nodiscard]] bool ReadU16(uint16_t* out) { return ReadInt(2, out); }
  [[nodiscard]] bool ReadU24(uint32_t* out) { return ReadInt(3, out); }
  [[nodiscard]] bool ReadU32(uint32_t* out) { return ReadInt(4, out); }
  [[nodiscard]] bool ReadU64(uint64_t* out) { return ReadInt(8, out); }

  // Take views the next `n` bytes and consumes them. False (cursor unmoved) when fewer remain.
  [[nodiscard]] bool Take(size_t n, ByteView* out) {
    if (Remaining() < n) return false;
    *out = data_.subspan(pos_, n);
    pos_ += n;
    return true;
  }
  // Skip consumes the next `n` bytes. False (cursor unmoved) when fewer remain.
  [[nodiscard]] bool Skip(size_t n) {
    if (Remaining() < n) return false;
    pos_ += n;
    return true;
  }

  // ReadU8Prefixed/ReadU16Prefixed/ReadU24Prefixed/ReadU32Prefixed read a length-prefixed slice:
  // a big-endian length of 1, 2, 3 or 4 bytes, then that many bytes (TLS opaque<..>, TPM2B).
  // `max` bounds the length (default: no bound beyond the prefix width). False, with the cursor
  // unmoved (the prefix is not consumed either), when the prefix or the body is truncated or the
  // length exceeds `max`.
  [[nodiscard]] bool ReadU8Prefixed(ByteView* out, size_t max = kNoMax) { return ReadPrefixed(1, max, out); }
  [[nodiscard]] bool ReadU16Prefixed(ByteView* out, size_t max = kNoMax) { return ReadPrefixed(2, max, out); }
  [[nodiscard]] bool ReadU24Prefixed(ByteView* out, size_t max = kNoMax) { return ReadPrefixed(3, max, out); }
  [[nodiscard]] bool ReadU32Prefixed(ByteView* out, size_t max = kNoMax) { return ReadPrefixed(4, max, out); }

  // kNoMax: no bound on a prefixed length other than its width and the remaining bytes.
  static constexpr size_t kNoMax = std::numeric_limits<size_t>::max();

 private:
  template <typename T>
  bool ReadInt(size_t width, T* out) {
    static_assert(std::numeric_limits<T>::is_integer && !std::numeric_limits<T>::is_signed);
    if (Remaining() < width) return false;
    uint64_t v = 0;
    for (size_t i = 0; i < width; ++i) v = (v << 8) | data_[pos_ + i];
    pos_ += width;
    *out = static_cast<T>(v);
    return true;
  }
  bool ReadPrefixed(size_t width, size_t max, ByteView* out) {
    const size_t start = pos_;
    uint64_t n = 0;
    if (!ReadInt(width, &n) || n > max || n > Remaining()) {
      pos_ = start;
      return false;
    }
    *out = data_.subspan(pos_, static_cast<size_t>(n));
    pos_ += static_cast<size_t>(n);
    return true;
  }

  ByteView data_;
  size_t pos_ = 0;
};

}  // namespace signet

#endif  // SIGNET_CORE_BYTE_CURSOR_H_
