// Shamir secret sharing over GF(2^8) (issue 17 point 6).
//
// The field is GF(2^8) with the reducing polynomial x^8 + x^4 + x^3 + x^2 + 1 (0x11d), the one
// Debian's libgfshare uses, so shares made here combine with `gfcombine` and the other way round
// (tests/unit/custody/shamir_test.cc checks both directions). Each byte of the secret is the
// constant term of its own random polynomial of degree threshold-1; a share is the value of every
// polynomial at the share's index x (1..255).
//
// Why our own arithmetic rather than libgfshare (README "Dependencies"): libgfshare multiplies
// through log/exp tables indexed by secret bytes (a cache-timing leak), has no safe default RNG
// and its shares carry no integrity. Here multiplication is a fixed sequence of shifts and masks
// (no table, no branch on secret data), coefficients come from RAND_priv_bytes, and integrity is
// the share envelope's job (share_envelope.h).
#ifndef SIGNET_CUSTODY_SHAMIR_H_
#define SIGNET_CUSTODY_SHAMIR_H_

#include <cstdint>
#include <span>
#include <vector>

#include "signet/core/result.h"
#include "signet/core/secret.h"

namespace signet::custody {

// Share is one point of every byte's polynomial: `index` is x (1..255, never 0, which is the
// secret), `bytes` holds one y per secret byte.
struct Share {
  uint8_t index = 0;
  SecretBytes bytes;
};

// kMaxSecretBytes bounds what Split and Combine accept (a wrapping key is 32 bytes).
inline constexpr size_t kMaxSecretBytes = 1024;

// Split cuts `secret` (1..kMaxSecretBytes bytes) into `count` shares with indices 1..count, any
// `threshold` of which recover it. 2 <= threshold <= count <= 255; anything else is
// kInvalidArgument (a threshold of 1 would hand every holder the whole secret). The random
// coefficients come from RAND_priv_bytes and are cleansed before returning; a failing RNG is
// kInternal and no share is returned.
Result<std::vector<Share>> Split(const SecretBytes& secret, int threshold, int count);

// Combine interpolates the shares at x = 0. It needs at least 2 shares with distinct non-zero
// indices and equal, non-empty lengths (kInvalidArgument otherwise). Shamir shares carry no
// integrity: fewer shares than the threshold, or a wrong share, give a wrong secret without any
// error, so callers check the threshold from an authenticated header (share_envelope.h) and the
// result against a check value.
Result<SecretBytes> Combine(std::span<const Share> shares);

// GfMul multiplies in GF(2^8)/0x11d in constant time (exposed for the known-answer tests).
uint8_t GfMul(uint8_t a, uint8_t b);
// GfInv returns the multiplicative inverse (a^254; GfInv(0) is 0), in constant time.
uint8_t GfInv(uint8_t a);

}  // namespace signet::custody

#endif  // SIGNET_CUSTODY_SHAMIR_H_
