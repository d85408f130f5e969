// Share envelopes: one Shamir share encrypted to one custodian (issue 17 point 1,
// `DIR/shares/<name>.share`).
//
// Format (JSON, exactly as SealShare writes it: two-space indent, members in this order, one
// trailing newline; OpenShare refuses any other spelling):
//   {
//     "schema": "signet.share/v1",
//     "header": {"ceremony_id": HEX32, "custodian": NAME, "index": N, "threshold": M,
//                "count": C, "wrapping_key_check": STRING},
//     "ephemeral_public_key": B64(SPKI DER of a fresh key on the custodian's curve),
//     "nonce": B64(12 bytes),
//     "ciphertext": B64(AES-256-GCM ciphertext || 16-byte tag)
//   }
// Encryption: Z = ECDH(ephemeral private, custodian public) on P-256 or P-384 (the custodian's
// curve); K = HKDF-SHA256(IKM = Z, salt = SHA-256(ephemeral SPKI || custodian SPKI),
// info = "signet.share/v1 aes-256-gcm", 32 bytes); AES-256-GCM under K with a random nonce and
// AAD = "signet.share/v1\0" || RFC 8785 canonical JSON of "header" || ephemeral SPKI DER.
// The plaintext is the share's y bytes. Everything that matters is authenticated: any changed
// byte of the file fails OpenShare with kVerificationFailed (finding SHARE_INVALID).
#ifndef SIGNET_CUSTODY_SHARE_ENVELOPE_H_
#define SIGNET_CUSTODY_SHARE_ENVELOPE_H_

#include <cstdint>
#include <string>
#include <utility>

#include <openssl/evp.h>

#include "signet/core/bytes.h"
#include "signet/core/public_key.h"
#include "signet/core/result.h"
#include "signet/custody/shamir.h"

namespace signet::custody {

// ShareHeader is the authenticated header of a share file.
struct ShareHeader {
  std::string ceremony_id;         // 32 lowercase hex characters (16 random bytes)
  std::string custodian;           // the custodian's name in ceremony.yaml / keyring.json
  int index = 0;                   // the share's x, 1..count
  int threshold = 0;               // shares needed, 2..count
  int count = 0;                   // shares made, <= 255
  std::string wrapping_key_check;  // identifies the split key (e.g. a key check value); <= 256 chars
};

// kMaxShareFileBytes bounds a share file.
inline constexpr size_t kMaxShareFileBytes = 16 * 1024;

// SealShare encrypts `share` to `custodian` (an EC P-256 or P-384 public key) under `header`
// and returns the share file's bytes. kInvalidArgument when the header is invalid (see
// ShareHeader), header.index differs from share.index, the share is empty or too long, or the key
// is not a custodian key; kInternal when OpenSSL fails.
Result<std::string> SealShare(const Share& share, const ShareHeader& header, const PublicKey& custodian);

// OpenedShare is an authenticated, decrypted share.
struct OpenedShare {
  ShareHeader header;
  Share share;
};

// OpenShare authenticates and decrypts a share file with the custodian's private key (from
// ParseCustodianPrivateKey). 1. the bytes must parse and re-serialize to exactly themselves;
// 2. the ephemeral key must be on the custodian's curve; 3. AES-GCM must authenticate header and
// ciphertext. Any failure of 1-3 (a flipped byte, another custodian's key, a swapped header) is
// kVerificationFailed with finding SHARE_INVALID and one fixed message. A private key of the
// wrong kind is kInvalidArgument.
Result<OpenedShare> OpenShare(std::string_view file, EVP_PKEY* custodian_private_key);

// ValidateShareHeader checks the header's fields (kInvalidArgument naming the field).
Status ValidateShareHeader(const ShareHeader& header);

}  // namespace signet::custody

#endif  // SIGNET_CUSTODY_SHARE_ENVELOPE_H_
