// BigEndianCursor: a bounds-checked reader for TPM 2.0 marshaled structures (TPM 2.0 Part 1
// §18 "Canonical form": big-endian integers, TPM2B = UINT16 size || bytes). Modelled on
// BoringSSL's CBS: every read either succeeds completely or fails without moving, and every
// structure ends with a must-be-empty check by its parser.
#ifndef SIGNET_ATTESTATION_TPM_CURSOR_H_
#define SIGNET_ATTESTATION_TPM_CURSOR_H_

#include <cstddef>
#include <cstdint>

#include "signet/core/bytes.h"

namespace signet::attestation::internal {

class BigEndianCursor {
 public:
  explicit BigEndianCursor(ByteView data) : data_(data) {}

  size_t remaining() const { return data_.size() - pos_; }
  bool empty() const { return remaining() == 0; }
  size_t position() const { return pos_; }

  bool ReadU8(uint8_t* out) {
    if (remaining() < 1) return false;
    *out = data_[pos_++];
    return true;
  }
  bool ReadU16(uint16_t* out) {
    if (remaining() < 2) return false;
    *out = static_cast<uint16_t>((data_[pos_] << 8) | data_[pos_ + 1]);
    pos_ += 2;
    return true;
  }
  bool ReadU32(uint32_t* out) {
    if (remaining() < 4) return false;
    uint32_t v = 0;
    for (size_t i = 0; i < 4; ++i) v = (v << 8) | data_[pos_ + i];
    *out = v;
    pos_ += 4;
    return true;
  }
  bool ReadU64(uint64_t* out) {
    if (remaining() < 8) return false;
    uint64_t v = 0;
    for (size_t i = 0; i < 8; ++i) v = (v << 8) | data_[pos_ + i];
    *out = v;
    pos_ += 8;
    return true;
  }
  // ReadBytes views the next `n` bytes.
  bool ReadBytes(size_t n, ByteView* out) {
    if (remaining() < n) return false;
    *out = data_.subspan(pos_, n);
    pos_ += n;
    return true;
  }
  // ReadTpm2b reads a TPM2B (UINT16 size, then that many bytes) whose size is at most `max`.
  bool ReadTpm2b(size_t max, ByteView* out) {
    const size_t start = pos_;
    uint16_t n = 0;
    if (!ReadU16(&n) || n > max || !ReadBytes(n, out)) {
      pos_ = start;
      return false;
    }
    return true;
  }

 private:
  ByteView data_;
  size_t pos_ = 0;
};

}  // namespace signet::attestation::internal

#endif  // SIGNET_ATTESTATION_TPM_CURSOR_H_
