// Shamir secret sharing over GF(2^8)/0x11d in constant time (see shamir.h).
#include "signet/custody/shamir.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <string>

namespace signet::custody {
namespace {

// Cleansed is a scratch buffer for secret-derived bytes, wiped on every exit path.
class Cleansed {
 public:
  explicit Cleansed(size_t n) : bytes_(n, 0) {}
  ~Cleansed() { OPENSSL_cleanse(bytes_.data(), bytes_.size()); }
  Cleansed(const Cleansed&) = delete;
  Cleansed& operator=(const Cleansed&) = delete;
  uint8_t* data() { return bytes_.data(); }
  uint8_t& operator[](size_t i) { return bytes_[i]; }
  size_t size() const { return bytes_.size(); }
  ByteView view() const { return ByteView(bytes_); }

 private:
  Bytes bytes_;
};

}  // namespace

// Eight rounds of shift-and-add; each round's conditional add and reduction are masks built
// from one bit, so neither the time nor the memory access pattern depends on a or b.
uint8_t GfMul(uint8_t a, uint8_t b) {
  unsigned x = a;
  unsigned y = b;
  unsigned r = 0;
  for (int i = 0; i < 8; ++i) {
    r ^= x & (0u - (y & 1u));
    y >>= 1;
    unsigned carry = 0u - ((x >> 7) & 1u);
    x = ((x << 1) ^ (0x1du & carry)) & 0xffu;
  }
  return static_cast<uint8_t>(r & 0xffu);
}

// a^254 = a^-1 in GF(2^8)* (and 0 for 0); the exponent is public, so the square-and-multiply
// sequence is fixed.
uint8_t GfInv(uint8_t a) {
  uint8_t result = 1;
  uint8_t base = a;
  for (unsigned e = 254; e != 0; e >>= 1) {
    uint8_t product = GfMul(result, base);
    // Constant-time select of product when the exponent bit is set (public, but keep it simple).
    uint8_t mask = static_cast<uint8_t>(0u - (e & 1u));
    result = static_cast<uint8_t>((product & mask) | (result & static_cast<uint8_t>(~mask)));
    base = GfMul(base, base);
  }
  return result;
}

Result<std::vector<Share>> Split(const SecretBytes& secret, int threshold, int count) {
  if (secret.empty() || secret.size() > kMaxSecretBytes) {
    return InvalidArgument("shamir: the secret must be 1.." + std::to_string(kMaxSecretBytes) + " bytes");
  }
  if (count < 2 || count > 255) return InvalidArgument("shamir: the share count must be 2..255");
  if (threshold < 2 || threshold > count) {
    return InvalidArgument("shamir: the threshold must be 2..count (" + std::to_string(count) + ")");
  }
  const size_t len = secret.size();
  const size_t degree = static_cast<size_t>(threshold) - 1;
  // coefficients[k * len + b] is the x^(k+1) coefficient of byte b's polynomial.
  Cleansed coefficients(degree * len);
  if (RAND_priv_bytes(coefficients.data(), static_cast<int>(coefficients.size())) != 1) {
    return Internal("shamir: RAND_priv_bytes failed");
  }
  ByteView s = secret.Reveal();
  std::vector<Share> shares;
  shares.reserve(static_cast<size_t>(count));
  Cleansed y(len);
  for (int i = 1; i <= count; ++i) {
    const uint8_t x = static_cast<uint8_t>(i);
    for (size_t b = 0; b < len; ++b) {
      // Horner: ((c_d x + c_{d-1}) x + ... + c_1) x + s.
      uint8_t acc = 0;
      for (size_t k = degree; k > 0; --k) {
        acc = GfMul(static_cast<uint8_t>(acc ^ coefficients[(k - 1) * len + b]), x);
      }
      y[b] = static_cast<uint8_t>(acc ^ s[b]);
    }
    shares.push_back(Share{x, SecretBytes(y.view())});
  }
  return shares;
}

Result<SecretBytes> Combine(std::span<const Share> shares) {
  if (shares.size() < 2) return InvalidArgument("shamir: at least 2 shares are needed");
  if (shares.size() > 255) return InvalidArgument("shamir: more than 255 shares");
  const size_t len = shares[0].bytes.size();
  if (len == 0 || len > kMaxSecretBytes) return InvalidArgument("shamir: a share has a bad length");
  bool seen[256] = {};
  for (const Share& s : shares) {
    if (s.index == 0) return InvalidArgument("shamir: share index 0 is not a share");
    if (seen[s.index]) return InvalidArgument("shamir: share index " + std::to_string(s.index) + " given twice");
    seen[s.index] = true;
    if (s.bytes.size() != len) return InvalidArgument("shamir: the shares have different lengths");
  }
  Cleansed out(len);
  for (size_t i = 0; i < shares.size(); ++i) {
    // Lagrange basis at 0: l_i = prod_{j != i} x_j / (x_j - x_i); subtraction is XOR.
    uint8_t num = 1;
    uint8_t den = 1;
    for (size_t j = 0; j < shares.size(); ++j) {
      if (j == i) continue;
      num = GfMul(num, shares[j].index);
      den = GfMul(den, static_cast<uint8_t>(shares[j].index ^ shares[i].index));
    }
    const uint8_t li = GfMul(num, GfInv(den));
    ByteView y = shares[i].bytes.Reveal();
    for (size_t b = 0; b < len; ++b) out[b] = static_cast<uint8_t>(out[b] ^ GfMul(y[b], li));
  }
  return SecretBytes(out.view());
}

}  // namespace signet::custody
