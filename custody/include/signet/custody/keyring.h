// The keyring: `DIR/keyring.json`, every key version with its purpose, public key and validity
// window, approved by a quorum of custodians and chained like TUF root metadata (issue 17
// points 2-3).
//
//   {"schema": "signet.keyring/v1", "ceremony": HEX32, "version": N, "threshold": M,
//    "custodians": [{"name", "public_key" (PEM), "key_id"}],
//    "keys": [{"label", "purpose", "algorithm", "key_id", "public_key" (PEM), "token_uri",
//              "backup" (bool), "not_before" (RFC 3339), "not_after" (RFC 3339 or "" = open),
//              "status" ("active"|"retired"|"revoked"), "revoked_at" (RFC 3339 or ""),
//              "reason" (string, "" unless revoked)}],
//    "previous": <the complete previous version, signatures included> or null (version 1),
//    "signatures": [{"custodian", "key_id", "signature" (base64 DER ECDSA)}]}
//
// Signatures are over ApprovalMessage(kKeyringContext, RFC 8785 canonical JSON of the object
// without "signatures"). Every member is required and no other member is allowed.
#ifndef SIGNET_CUSTODY_KEYRING_H_
#define SIGNET_CUSTODY_KEYRING_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "signet/core/bytes.h"
#include "signet/core/json.h"
#include "signet/core/public_key.h"
#include "signet/core/result.h"
#include "signet/core/time.h"
#include "signet/custody/approval.h"
#include "signet/custody/transcript.h"

namespace signet::custody {

inline constexpr std::string_view kKeyringSchema = "signet.keyring/v1";
// Limits on a keyring file and its lists. A version nests its predecessor, so the chain length
// is bounded by the JSON depth limit as well (about 60 versions).
inline constexpr size_t kMaxKeyringBytes = 8 * 1024 * 1024;
inline constexpr size_t kMaxCustodians = 64;
inline constexpr size_t kMaxKeyringKeys = 1024;

// KeyringCustodian is a custodian listed in a keyring version.
struct KeyringCustodian {
  std::string name;
  std::string public_key;  // PEM
  std::string key_id;      // KeyId(public key)
};

// KeyringKey is one key version.
struct KeyringKey {
  std::string label;
  std::string purpose;    // release, log, tsa, ... ([a-z0-9-]+)
  std::string algorithm;  // a SignatureAlgorithmName
  std::string key_id;     // KeyId(public key)
  std::string public_key; // PEM
  std::string token_uri;
  bool backup = false;
  std::string not_before;
  std::string not_after;   // "" = open
  std::string status;      // active | retired | revoked
  std::string revoked_at;  // "" unless revoked
  std::string reason;      // "" unless revoked
};

// KeyringSignature is one custodian signature over a version.
struct KeyringSignature {
  std::string custodian;
  std::string key_id;
  std::string signature;  // base64 DER ECDSA
};

// Keyring is one keyring version (and, through `previous`, its history).
struct Keyring {
  std::string ceremony;
  int64_t version = 1;
  int threshold = 0;
  std::vector<KeyringCustodian> custodians;
  std::vector<KeyringKey> keys;
  std::shared_ptr<const Keyring> previous;  // null for version 1
  std::vector<KeyringSignature> signatures;
};

// ParseKeyring parses and validates a keyring document strictly (unknown or missing members,
// wrong types, bad PEM, a key_id that is not the key's, a custodian key that is not P-256/P-384,
// duplicate names, labels or keys, a threshold outside 1..custodians, bad times, a status
// inconsistent with revoked_at/reason). kInvalidArgument with finding MALFORMED_INPUT. Signatures
// are not checked here: see VerifyKeyring.
Result<Keyring> ParseKeyring(std::string_view json);

// ValidateKeyring applies ParseKeyring's checks to a keyring built in memory.
Status ValidateKeyring(const Keyring& keyring);

// KeyringToJson renders the whole object (signatures included). KeyringBodyToJson omits
// "signatures": the value whose canonical form is signed.
JsonValue KeyringToJson(const Keyring& keyring);
JsonValue KeyringBodyToJson(const Keyring& keyring);

// SerializeKeyring validates and renders the file (two-space indent, trailing newline).
Result<std::string> SerializeKeyring(const Keyring& keyring);

// KeyringSigningPayload returns ApprovalMessage(kKeyringContext, canonical JSON of the body).
Result<Bytes> KeyringSigningPayload(const Keyring& keyring);

// SignKeyring adds (or replaces) `signer`'s signature. The signer must be a custodian of this
// version or of the previous one (both quorums sign a new version); otherwise kPermissionDenied.
// The entry's "custodian" is that custodian's name.
Status SignKeyring(Keyring& keyring, ApprovalSigner& signer);

// VerifyKeyring checks a keyring and its whole chain, oldest first:
//   1. the version is valid (ValidateKeyring);
//   2. at least `threshold` distinct custodians of this version signed it validly
//      (else KEYRING_QUORUM_NOT_MET);
//   3. version 1 has no previous; a later version's previous has version - 1 and the same
//      ceremony, verifies itself (steps 1-4), and at least its threshold of its custodians signed
//      this version (else KEYRING_CHAIN_BROKEN);
//   4. with `pinned_root`: the chain contains a version whose body equals the pinned one's body
//      (else KEYRING_CHAIN_BROKEN), so a keyring the operator did not start from is refused.
// Refusals are kVerificationFailed with one fixed message per finding plus the version.
// VerifyKeyring takes no clock: a keyring has no expiry; time rules live in CheckSignatureKey
// and the revocation list.
Status VerifyKeyring(const Keyring& keyring, const std::optional<Keyring>& pinned_root = std::nullopt);

// KeyringCustodianKeys returns a version's custodians as CustodianKeys (kInvalidArgument if a
// public key does not parse: ValidateKeyring rules that out).
Result<std::vector<CustodianKey>> KeyringCustodianKeys(const Keyring& keyring);

// CountSignatures counts the distinct custodians of `custodians` with a valid signature in
// `signatures` over `message` (an ApprovalMessage).
QuorumResult CountSignatures(std::span<const CustodianKey> custodians, int threshold,
                             std::span<const KeyringSignature> signatures, ByteView message);

// KeyringVerdict is the decision about one signing key at one time.
struct KeyringVerdict {
  bool accepted = false;
  std::string finding;  // "" when accepted
  std::string message;
  const KeyringKey* key = nullptr;  // the matching key version (owned by the keyring), if any
  // ToStatus returns OkStatus or kVerificationFailed with the finding.
  Status ToStatus() const;
};

// CheckSignatureKey decides whether a signature by key `key_id` for `purpose` is acceptable:
//   1. the keyring lists a key with that key_id and purpose (else KEYRING_KEY_UNKNOWN);
//   2. with a trusted signing time t (a verified TSA or log time): accepted iff
//      not_before <= t < not_after (or open) (else KEY_OUTSIDE_VALIDITY) and there is no
//      revoked_at or t < revoked_at (else KEY_REVOKED);
//   3. without one: accepted only while the key is `active`, not revoked (KEY_REVOKED) and
//      `now` lies inside its window (else KEY_OUTSIDE_VALIDITY).
// Call it on a keyring VerifyKeyring accepted, after ApplyRevocations.
KeyringVerdict CheckSignatureKey(const Keyring& keyring, std::string_view key_id, std::string_view purpose,
                                 std::optional<Timestamp> trusted_time, Timestamp now);

// KeyringPublicKeys returns the public keys of every key version with `purpose`, any status (the
// time rules of CheckSignatureKey decide which signatures count), in keyring order, each with its
// keyring algorithm. Versions whose key does not parse are left out (ValidateKeyring rules that out).
std::vector<PublicKey> KeyringPublicKeys(const Keyring& keyring, std::string_view purpose);

// FindKeyringKey returns the key version labelled `label`, or nullptr.
const KeyringKey* FindKeyringKey(const Keyring& keyring, std::string_view label);

}  // namespace signet::custody

#endif  // SIGNET_CUSTODY_KEYRING_H_
