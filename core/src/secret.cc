#include "signet/core/secret.h"

#include <cstring>
#include <utility>

#include <openssl/crypto.h>

namespace signet {

SecretBytes::SecretBytes(ByteView data) {
  if (data.empty()) return;
  data_ = new uint8_t[data.size()];  // owned; freed only through Wipe()
  size_ = data.size();
  std::memcpy(data_, data.data(), data.size());
}

SecretBytes::~SecretBytes() { Wipe(); }

SecretBytes::SecretBytes(SecretBytes&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
  if (this != &other) {
    Wipe();
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

bool SecretBytes::Equals(const SecretBytes& other) const { return ConstantTimeEqual(Reveal(), other.Reveal()); }

void SecretBytes::Wipe() {
  if (data_ != nullptr) {
    OPENSSL_cleanse(data_, size_);
    delete[] data_;
  }
  data_ = nullptr;
  size_ = 0;
}

}  // namespace signet
