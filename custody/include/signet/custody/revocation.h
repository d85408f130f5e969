// The revocation list: `revocations.json`, signed like the keyring by a quorum of its custodians
// (issue 17 point 4).
//
//   {"schema": "signet.revocations/v1", "ceremony": HEX32, "issued": RFC3339,
//    "next_update": RFC3339, "revoked": [{"label", "key_id", "revoked_at", "reason"}],
//    "signatures": [{"custodian", "key_id", "signature"}]}
//
// Signatures are over ApprovalMessage(kRevocationsContext, canonical JSON without "signatures").
// A verifier given a list fails closed once `now` >= next_update (REVOCATION_LIST_STALE).
#ifndef SIGNET_CUSTODY_REVOCATION_H_
#define SIGNET_CUSTODY_REVOCATION_H_

#include <string>
#include <string_view>
#include <vector>

#include "signet/core/json.h"
#include "signet/core/result.h"
#include "signet/core/time.h"
#include "signet/custody/approval.h"
#include "signet/custody/keyring.h"

namespace signet::custody {

inline constexpr std::string_view kRevocationsSchema = "signet.revocations/v1";
inline constexpr size_t kMaxRevocationsBytes = 4 * 1024 * 1024;
inline constexpr size_t kMaxRevokedEntries = 4096;

// RevokedKey is one entry of the list.
struct RevokedKey {
  std::string label;
  std::string key_id;
  std::string revoked_at;  // RFC 3339
  std::string reason;      // non-empty (compromise, superseded, ...)
};

// RevocationList is a parsed revocations.json.
struct RevocationList {
  std::string ceremony;
  std::string issued;
  std::string next_update;
  std::vector<RevokedKey> revoked;
  std::vector<KeyringSignature> signatures;
};

// ParseRevocationList parses strictly (as ParseKeyring; issued < next_update; no key_id twice).
// kInvalidArgument with finding MALFORMED_INPUT.
Result<RevocationList> ParseRevocationList(std::string_view json);
// ValidateRevocationList applies the parser's checks to a list built in memory.
Status ValidateRevocationList(const RevocationList& list);
// RevocationListToJson renders the object; the Body variant omits "signatures".
JsonValue RevocationListToJson(const RevocationList& list);
JsonValue RevocationListBodyToJson(const RevocationList& list);
// SerializeRevocationList validates and renders the file (two-space indent, trailing newline).
Result<std::string> SerializeRevocationList(const RevocationList& list);
// RevocationListSigningPayload returns ApprovalMessage(kRevocationsContext, canonical body).
Result<Bytes> RevocationListSigningPayload(const RevocationList& list);
// SignRevocationList adds (or replaces) `signer`'s signature; the signer must be a custodian of
// `keyring` (kPermissionDenied otherwise).
Status SignRevocationList(RevocationList& list, const Keyring& keyring, ApprovalSigner& signer);

// VerifyRevocationList checks a list against a keyring VerifyKeyring accepted:
//   1. same ceremony (else KEYRING_CHAIN_BROKEN);
//   2. a quorum of the keyring's custodians signed it (else KEYRING_QUORUM_NOT_MET);
//   3. now < next_update (else REVOCATION_LIST_STALE).
Status VerifyRevocationList(const RevocationList& list, const Keyring& keyring, Timestamp now);

// ApplyRevocations marks every keyring key the list names (same label and key_id) revoked at the
// earlier of its own revoked_at and the list's. Entries naming no key of the keyring are ignored.
void ApplyRevocations(Keyring& keyring, const RevocationList& list);

}  // namespace signet::custody

#endif  // SIGNET_CUSTODY_REVOCATION_H_
