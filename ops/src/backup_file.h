// Backup files: `DIR/backup/<label>.json`, one backup-capable key wrapped under the ceremony's
// trusted wrapping key (issue 17 point 5), and the small helpers `ceremony init`, `key rotate`
// and `backup restore` share.
//
//   {"schema": "signet.backup/v1", "ceremony": HEX32, "label": STRING, "id": HEX (CKA_ID),
//    "algorithm": "ecdsa-p256"|"ecdsa-p384"|"ed25519"|"rsa-3072", "key_id": HEX64,
//    "mechanism": "CKM_AES_KEY_WRAP_KWP"|"CKM_AES_KEY_WRAP_PAD",
//    "wrapping_key_check": HEX32, "wrapped": B64}
//
// The file carries no secret in the clear (the key is AES-wrapped, RFC 5649) and no integrity of
// its own: `backup restore` accepts a restored key only if it signs for the public key the
// quorum-approved keyring lists under that label and key id.
#ifndef SIGNET_OPS_SRC_BACKUP_FILE_H_
#define SIGNET_OPS_SRC_BACKUP_FILE_H_

#include <string>
#include <string_view>

#include "signet/core/result.h"
#include "signet/core/secret.h"
#include "signet/firmware_iface/signing_key.h"

namespace signet::ops {

inline constexpr std::string_view kBackupSchema = "signet.backup/v1";
inline constexpr size_t kMaxBackupFileBytes = 64 * 1024;

// BackupFile is one parsed backup file.
struct BackupFile {
  std::string ceremony;
  std::string key_id;
  std::string wrapping_key_check;
  fw::WrappedKey wrapped;
};

// SerializeBackupFile renders the file (two-space indent, trailing newline).
std::string SerializeBackupFile(const BackupFile& file);

// ParseBackupFile parses strictly: every member above, no other, each of its type and form (hex
// lengths, a known algorithm and mechanism, a non-empty label without control characters, at most
// kMaxBackupFileBytes). kInvalidArgument naming the member otherwise.
Result<BackupFile> ParseBackupFile(std::string_view json);

// WrappingKeyCheck identifies a wrapping key without revealing it: lowercase hex of the first
// 16 bytes of HMAC-SHA256(key, "signet.wrapping-key-check/v1"). It goes into the share headers,
// the backup files and the transcript, so a reconstructed key is checked before it is used.
Result<std::string> WrappingKeyCheck(const SecretBytes& key);

// WrappingKeyLabel is the token label of a ceremony's wrapping key: "signet-wrapping-<ceremony>".
std::string WrappingKeyLabel(std::string_view ceremony_id);

// IsLowerHex is true iff `s` is `size` lowercase hex characters (any size when `size` is 0 and s
// is non-empty and even).
bool IsLowerHex(std::string_view s, size_t size);

}  // namespace signet::ops

#endif  // SIGNET_OPS_SRC_BACKUP_FILE_H_
