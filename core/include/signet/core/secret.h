// SecretBytes: a byte buffer for PINs and key material (Tink secret_data.h).
//
// Non-copyable, wiped with OPENSSL_cleanse when destroyed or reassigned, compared in constant
// time, and printed only as "<redacted N bytes>". The content is read through Reveal(), which is
// easy to grep for in review.
#ifndef SIGNET_CORE_SECRET_H_
#define SIGNET_CORE_SECRET_H_

#include <cstddef>
#include <ostream>
#include <string>
#include <string_view>

#include "signet/core/bytes.h"

namespace signet {

class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(ByteView data);
  // FromString copies `s`; the caller is responsible for the lifetime of its own copy.
  static SecretBytes FromString(std::string_view s) { return SecretBytes(AsBytes(s)); }
  ~SecretBytes();

  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;
  SecretBytes(SecretBytes&& other) noexcept;
  SecretBytes& operator=(SecretBytes&& other) noexcept;

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // Reveal exposes the secret. Never pass the result to a logger or an error message.
  ByteView Reveal() const { return ByteView(data_, size_); }
  // Equals compares in constant time (for equal sizes).
  bool Equals(const SecretBytes& other) const;

  std::string DebugString() const { return "<redacted " + std::to_string(size_) + " bytes>"; }

 private:
  void Wipe();
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

inline std::ostream& operator<<(std::ostream& os, const SecretBytes& s) { return os << s.DebugString(); }

}  // namespace signet

#endif  // SIGNET_CORE_SECRET_H_
