// What `ceremony init`, `key rotate`, `key revoke` and `backup restore` share (issue 17): token
// keys as keyring entries and transcript details, the SO PIN, backup files on disk.
#ifndef SIGNET_OPS_SRC_CUSTODY_WIRING_H_
#define SIGNET_OPS_SRC_CUSTODY_WIRING_H_

#include <string>

#include "backup_file.h"
#include "signet/core/json.h"
#include "signet/core/result.h"
#include "signet/core/secret.h"
#include "signet/core/time.h"
#include "signet/custody/keyring.h"
#include "signet/firmware_iface/signing_key.h"

namespace signet::ops {

// KeyAttributesJson renders the token-reported attributes of a key (`key list --json`, transcripts).
JsonValue KeyAttributesJson(const fw::KeyAttributes& a);

// PublicKeyPem renders a DER SubjectPublicKeyInfo as PEM.
Result<std::string> PublicKeyPem(ByteView spki);

// KeyTokenUri is the URI of `key` on the token `token_uri` names: the token's attributes and
// query (module-path, pin-source) with object= and id= of the key; pin-value is never kept.
Result<std::string> KeyTokenUri(const std::string& token_uri, const fw::KeyAttributes& key);

// NewKeyringKey describes a freshly made token key as an active keyring entry from `not_before`.
Result<custody::KeyringKey> NewKeyringKey(const fw::SigningKey& key, const std::string& purpose,
                                          const std::string& token_uri, bool backup, Timestamp not_before);

// GeneratedKeyDetails is the transcript's record of a new key: label, purpose, algorithm, key id,
// public key, URI and the attributes as the token reports them.
JsonValue GeneratedKeyDetails(const fw::SigningKey& key, const custody::KeyringKey& entry);

// ReadSoPin reads the security officer's PIN file with the user PIN's rules (regular file,
// private to its owner, one trailing newline ignored, never echoed).
Result<SecretBytes> ReadSoPin(const std::string& path);

// CheckFileName refuses a name that cannot be one plain file name (empty, "/", ".", "..", a
// leading dot, a control character): custodian names and backup labels become file names.
Status CheckFileName(const std::string& what, const std::string& name);

// WriteBackup wraps `key` under the ceremony's wrapping key on `store` and writes
// `backup_dir/<label>.json`. Returns the transcript details of the step.
Result<JsonValue> WriteBackup(fw::KeyStore& store, const fw::SigningKey& key, const std::string& ceremony,
                              const std::string& wrapping_key_check, const std::string& backup_dir);

// Sha256Hex is lowercase hex SHA-256 of `data`.
std::string Sha256Hex(std::string_view data);

// Dirname returns the directory part of `path` ("." when there is none).
std::string Dirname(const std::string& path);

}  // namespace signet::ops

#endif  // SIGNET_OPS_SRC_CUSTODY_WIRING_H_
