// Private helpers shared by the custody parsers: strict member sets, names, hex ids, times and
// the signatures array of keyring.json and revocations.json.
#ifndef SIGNET_CUSTODY_SRC_JSON_FIELDS_H_
#define SIGNET_CUSTODY_SRC_JSON_FIELDS_H_

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "signet/core/json.h"
#include "signet/core/result.h"
#include "signet/core/time.h"
#include "signet/custody/keyring.h"

namespace signet::custody::internal {

// Malformed is kInvalidArgument with finding MALFORMED_INPUT.
Error Malformed(std::string message);
// ExactMembers fails unless `value` is an object whose members are exactly `names`.
Status ExactMembers(const JsonValue& value, std::initializer_list<std::string_view> names, std::string_view what);
// GetStringField reads a string member that must be valid UTF-8 and at most `max` bytes.
Result<std::string> GetStringField(const JsonValue& obj, std::string_view key, std::string_view what,
                                   size_t max = 256);
// IsCeremonyId: 32 lowercase hex characters.
bool IsCeremonyId(std::string_view s);
// IsKeyIdHex: 64 lowercase hex characters.
bool IsKeyIdHex(std::string_view s);
// IsName: 1..64 characters of [A-Za-z0-9._-] (custodian names, labels).
bool IsName(std::string_view s);
// IsPurpose: 1..32 characters of [a-z0-9-].
bool IsPurpose(std::string_view s);
// ParseTimeField parses an RFC 3339 field, naming it on error.
Result<Timestamp> ParseTimeField(std::string_view text, std::string_view what);
// ParseSignatures reads a signatures array; SignaturesToJson writes one.
Result<std::vector<KeyringSignature>> ParseSignatures(const JsonValue& array, std::string_view what);
JsonValue SignaturesToJson(const std::vector<KeyringSignature>& signatures);
// CanonicalPayload returns ApprovalMessage(context, canonical JSON of `body`).
Result<Bytes> CanonicalPayload(std::string_view context, const JsonValue& body);
// SignAndCheck signs the full `message` with `signer` and verifies the result with the signer's
// public key (a device that signs wrongly is kInternal).
Result<Bytes> SignAndCheck(ApprovalSigner& signer, ByteView message);
// AddSignature signs `message` with `signer` as custodian `name` and replaces any earlier
// signature by the same key.
Status AddSignature(std::vector<KeyringSignature>& signatures, std::string_view name, ApprovalSigner& signer,
                    ByteView message);

}  // namespace signet::custody::internal

#endif  // SIGNET_CUSTODY_SRC_JSON_FIELDS_H_
