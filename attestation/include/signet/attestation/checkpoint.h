// Signed-note checkpoints (c2sp.org/signed-note, c2sp.org/tlog-checkpoint), as served by
// Rekor v1 (ECDSA P-256 log key) and Rekor v2 / rekor-tiles (Ed25519 log key).
//
// Trust decision: a checkpoint is trusted only when a signature line whose key hint equals the
// first 4 bytes of a pinned log ID verifies with that log's pinned key. Signature lines from
// keys we do not know (witness cosignatures) are tolerated and ignored; they add no trust.
#ifndef SIGNET_ATTESTATION_CHECKPOINT_H_
#define SIGNET_ATTESTATION_CHECKPOINT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <openssl/evp.h>

#include "signet/core/bytes.h"
#include "signet/core/result.h"

namespace signet::attestation {

// NoteKey is one pinned log key. `log_id` is the trusted root's logId (for Rekor v1 the
// SHA-256 of the SPKI DER, for Rekor v2 the signed-note key ID); its first 4 bytes are the
// key hint a signature line must carry. `key` is not owned and must outlive the call.
// Supported keys: ECDSA P-256 (signature = DER ECDSA over SHA-256 of the note text) and
// Ed25519 (signature over the note text).
struct NoteKey {
  Bytes log_id;
  EVP_PKEY* key = nullptr;
};

// Checkpoint is the verified body of a checkpoint note. Only VerifyCheckpoint produces one
// from untrusted text.
struct Checkpoint {
  std::string origin;
  uint64_t tree_size = 0;
  Bytes root_hash;  // 32 bytes
  // Extension lines after the root hash (c2sp tlog-checkpoint allows them), verbatim.
  std::vector<std::string> extensions;
};

// kMaxCheckpointBytes bounds the envelope size VerifyCheckpoint accepts.
inline constexpr size_t kMaxCheckpointBytes = 64 * 1024;

// VerifyCheckpoint verifies the signed note `envelope` with any of `keys` and returns its body.
// Steps:
//   1. Split the note at the last "\n\n" into text and signature block; both strict
//      (UTF-8, no CR, no control characters, text ends in "\n", every line ends in "\n").
//   2. Parse every signature line "— <name> <base64(hint4 || sig)>\n" (U+2014, strict base64).
//   3. Parse the body: origin (non-empty), decimal tree size (no leading zeros), base64 root
//      hash of 32 bytes, then optional non-empty extension lines.
//   4. For each signature line whose key hint matches a key: verify the signature over the
//      note text (ECDSA P-256/SHA-256 DER, or Ed25519 with a 64-byte signature). The line's
//      name is not compared with the origin: Rekor v1 signs "rekor.sigstore.dev - <tree id>"
//      as "rekor.sigstore.dev"; the origin is covered by the signature either way.
//   5. Accept when at least one such signature verifies; lines from unknown keys are ignored.
// Fails VerificationFailed("CHECKPOINT_INVALID", ...) for malformed text as well as for a
// missing or bad signature; the message is fixed per failure class and never quotes input.
Result<Checkpoint> VerifyCheckpoint(std::string_view envelope, const std::vector<NoteKey>& keys);

}  // namespace signet::attestation

#endif  // SIGNET_ATTESTATION_CHECKPOINT_H_
