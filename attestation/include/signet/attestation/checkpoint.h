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
#include "signet/core/ossl.h"
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

// --- Signed-note keys, checkpoint text and witness cosignatures (issue 16). ---

// kNoteAlgEd25519 is the signed-note signature type of an Ed25519 log key (c2sp signed-note);
// kNoteAlgCosignatureV1 the type of a tlog-cosignature/v1 witness key (c2sp tlog-cosignature).
inline constexpr uint8_t kNoteAlgEd25519 = 0x01;
inline constexpr uint8_t kNoteAlgCosignatureV1 = 0x04;

// NoteKeyId returns the 4-byte key ID SHA-256(name || 0x0A || alg || public_key)[:4]. Cannot fail.
Bytes NoteKeyId(std::string_view name, uint8_t alg, ByteView public_key);

// NoteVerifierKey is a parsed verifier key "<name>+<hex key ID>+<base64(alg || key)>", the
// format of Go's golang.org/x/mod/sumdb/note (NewVerifier). Only Ed25519 keys (alg 0x01 or 0x04).
struct NoteVerifierKey {
  std::string name;
  uint8_t alg = kNoteAlgEd25519;
  Bytes key_id;      // 4 bytes, checked against NoteKeyId
  Bytes public_key;  // raw 32-byte Ed25519 key
  ossl::UniquePtr<EVP_PKEY> pkey;
  // note_key returns the NoteKey VerifyCheckpoint takes (valid while this object lives).
  NoteKey note_key() const { return NoteKey{key_id, pkey.get()}; }
};

// kMaxNoteVerifierKeyBytes bounds ParseNoteVerifierKey's input.
inline constexpr size_t kMaxNoteVerifierKeyBytes = 1024;

// ParseNoteVerifierKey parses `text` (surrounding ASCII whitespace ignored) strictly: a valid
// key name, exactly 8 lowercase hex digits equal to NoteKeyId, strict base64 of 33 bytes whose
// first byte is 0x01 or 0x04. Fails kInvalidArgument (finding MALFORMED_INPUT) naming the part.
Result<NoteVerifierKey> ParseNoteVerifierKey(std::string_view text);

// FormatNoteVerifierKey renders the verifier key string for a raw Ed25519 `public_key`.
std::string FormatNoteVerifierKey(std::string_view name, uint8_t alg, ByteView public_key);

// Ed25519RawPublicKey returns the raw 32-byte key of an Ed25519 SPKI DER; kInvalidArgument for
// any other key.
Result<Bytes> Ed25519RawPublicKey(ByteView spki_der);

// CheckpointText renders the signed text of `cp` (c2sp tlog-checkpoint): origin, decimal size,
// base64 root hash and extension lines, each ending in "\n".
std::string CheckpointText(const Checkpoint& cp);

// CosignatureMessage returns what a tlog-cosignature/v1 witness signs for the checkpoint text
// `checkpoint_text`: "cosignature/v1\ntime <timestamp>\n" followed by that text.
std::string CosignatureMessage(std::string_view checkpoint_text, uint64_t timestamp);

// CosignatureLine renders a signature line "— <name> <base64(key_id || timestamp(8, BE) || sig)>\n".
std::string CosignatureLine(std::string_view name, ByteView key_id, uint64_t timestamp, ByteView signature);

// VerifyCosignature checks that `envelope` (a checkpoint note) carries a tlog-cosignature/v1
// line from `witness` (alg 0x04):
//   1. split and parse the note as VerifyCheckpoint steps 1-3;
//   2. find a line whose name equals witness.name and whose key hint equals witness.key_id;
//   3. its signature must be 8 + 64 bytes: a big-endian timestamp then an Ed25519 signature over
//      CosignatureMessage(text, timestamp).
// Returns the timestamp. Fails VerificationFailed("COSIGNATURE_INVALID", ...) with a fixed message.
Result<uint64_t> VerifyCosignature(std::string_view envelope, const NoteVerifierKey& witness);

}  // namespace signet::attestation

#endif  // SIGNET_ATTESTATION_CHECKPOINT_H_
