// revocations.json: parsing, signing and verification (see revocation.h).
#include "signet/custody/revocation.h"

#include <set>

#include "json_fields.h"
#include "signet/core/findings.h"

namespace signet::custody {
namespace {

using internal::Malformed;

Result<RevokedKey> ParseRevoked(const JsonValue& v) {
  SIGNET_RETURN_IF_ERROR(internal::ExactMembers(v, {"label", "key_id", "revoked_at", "reason"}, "revoked key"));
  RevokedKey r;
  SIGNET_ASSIGN_OR_RETURN(r.label, internal::GetStringField(v, "label", "revoked key"));
  SIGNET_ASSIGN_OR_RETURN(r.key_id, internal::GetStringField(v, "key_id", "revoked key"));
  SIGNET_ASSIGN_OR_RETURN(r.revoked_at, internal::GetStringField(v, "revoked_at", "revoked key", 64));
  SIGNET_ASSIGN_OR_RETURN(r.reason, internal::GetStringField(v, "reason", "revoked key"));
  return r;
}

}  // namespace

Status ValidateRevocationList(const RevocationList& list) {
  if (!internal::IsCeremonyId(list.ceremony)) return Malformed("revocations: ceremony must be 32 hex digits");
  SIGNET_ASSIGN_OR_RETURN(Timestamp issued, internal::ParseTimeField(list.issued, "revocations: issued"));
  SIGNET_ASSIGN_OR_RETURN(Timestamp next, internal::ParseTimeField(list.next_update, "revocations: next_update"));
  if (next <= issued) return Malformed("revocations: next_update must be after issued");
  if (list.revoked.size() > kMaxRevokedEntries) return Malformed("revocations: too many entries");
  std::set<std::string> ids;
  for (const RevokedKey& r : list.revoked) {
    if (!internal::IsName(r.label)) return Malformed("revocations: a label is not valid");
    if (!internal::IsKeyIdHex(r.key_id)) return Malformed("revocations: a key_id is not 64 hex digits");
    if (!ids.insert(r.key_id).second) return Malformed("revocations: key " + r.label + " is listed twice");
    SIGNET_RETURN_IF_ERROR(internal::ParseTimeField(r.revoked_at, "revocations: revoked_at"));
    if (r.reason.empty() || !ValidateUtf8(r.reason)) return Malformed("revocations: every entry needs a reason");
  }
  return OkStatus();
}

Result<RevocationList> ParseRevocationList(std::string_view json) {
  if (json.size() > kMaxRevocationsBytes) return Malformed("revocations: larger than the limit");
  Result<JsonValue> doc = ParseJson(json, JsonLimits{kMaxRevocationsBytes, 8});
  if (!doc.ok()) return std::move(doc).error().Prefix("revocations").WithFinding(findings::kMalformedInput);
  SIGNET_RETURN_IF_ERROR(internal::ExactMembers(
      *doc, {"schema", "ceremony", "issued", "next_update", "revoked", "signatures"}, "revocations"));
  SIGNET_ASSIGN_OR_RETURN(std::string schema, internal::GetStringField(*doc, "schema", "revocations"));
  if (schema != kRevocationsSchema) {
    return Malformed("revocations: schema must be \"signet.revocations/v1\"").WithFinding(findings::kUnsupported);
  }
  RevocationList list;
  SIGNET_ASSIGN_OR_RETURN(list.ceremony, internal::GetStringField(*doc, "ceremony", "revocations"));
  SIGNET_ASSIGN_OR_RETURN(list.issued, internal::GetStringField(*doc, "issued", "revocations", 64));
  SIGNET_ASSIGN_OR_RETURN(list.next_update, internal::GetStringField(*doc, "next_update", "revocations", 64));
  const JsonValue* revoked = doc->Find("revoked");
  if (!revoked->is_array() || revoked->array().size() > kMaxRevokedEntries) {
    return Malformed("revocations: \"revoked\" must be an array");
  }
  for (const JsonValue& r : revoked->array()) {
    SIGNET_ASSIGN_OR_RETURN(RevokedKey rk, ParseRevoked(r));
    list.revoked.push_back(std::move(rk));
  }
  SIGNET_ASSIGN_OR_RETURN(list.signatures, internal::ParseSignatures(*doc->Find("signatures"), "revocations"));
  SIGNET_RETURN_IF_ERROR(ValidateRevocationList(list));
  return list;
}

JsonValue RevocationListBodyToJson(const RevocationList& list) {
  JsonValue o = JsonValue::MakeObject();
  o.Set("schema", JsonValue::String(std::string(kRevocationsSchema)));
  o.Set("ceremony", JsonValue::String(list.ceremony));
  o.Set("issued", JsonValue::String(list.issued));
  o.Set("next_update", JsonValue::String(list.next_update));
  JsonValue revoked = JsonValue::MakeArray();
  for (const RevokedKey& r : list.revoked) {
    JsonValue e = JsonValue::MakeObject();
    e.Set("label", JsonValue::String(r.label));
    e.Set("key_id", JsonValue::String(r.key_id));
    e.Set("revoked_at", JsonValue::String(r.revoked_at));
    e.Set("reason", JsonValue::String(r.reason));
    revoked.Push(std::move(e));
  }
  o.Set("revoked", std::move(revoked));
  return o;
}

JsonValue RevocationListToJson(const RevocationList& list) {
  JsonValue o = RevocationListBodyToJson(list);
  o.Set("signatures", internal::SignaturesToJson(list.signatures));
  return o;
}

Result<std::string> SerializeRevocationList(const RevocationList& list) {
  SIGNET_RETURN_IF_ERROR(ValidateRevocationList(list));
  return WriteJson(RevocationListToJson(list), 2) + "\n";
}

Result<Bytes> RevocationListSigningPayload(const RevocationList& list) {
  return internal::CanonicalPayload(kRevocationsContext, RevocationListBodyToJson(list));
}

Status SignRevocationList(RevocationList& list, const Keyring& keyring, ApprovalSigner& signer) {
  const std::string id = signer.key_id();
  for (const KeyringCustodian& c : keyring.custodians) {
    if (c.key_id != id) continue;
    SIGNET_ASSIGN_OR_RETURN(Bytes message, RevocationListSigningPayload(list));
    return internal::AddSignature(list.signatures, c.name, signer, message);
  }
  return PermissionDenied("revocations: the key " + id + " is not a custodian of the keyring");
}

Status VerifyRevocationList(const RevocationList& list, const Keyring& keyring, Timestamp now) {
  SIGNET_RETURN_IF_ERROR(ValidateRevocationList(list));
  // 1. Same ceremony.
  if (list.ceremony != keyring.ceremony) {
    return VerificationFailed(findings::kKeyringChainBroken, "the revocation list belongs to another ceremony");
  }
  // 2. A quorum of the keyring's custodians.
  SIGNET_ASSIGN_OR_RETURN(Bytes message, RevocationListSigningPayload(list));
  SIGNET_ASSIGN_OR_RETURN(std::vector<CustodianKey> custodians, KeyringCustodianKeys(keyring));
  QuorumResult q = CountSignatures(custodians, keyring.threshold, list.signatures, message);
  if (!q.met()) {
    return VerificationFailed(findings::kKeyringQuorumNotMet,
                              "the revocation list has " + std::to_string(q.approved.size()) + " of the " +
                                  std::to_string(q.threshold) + " custodian signatures it needs");
  }
  // 3. Fresh.
  SIGNET_ASSIGN_OR_RETURN(Timestamp next, internal::ParseTimeField(list.next_update, "revocations: next_update"));
  if (now >= next) {
    return VerificationFailed(findings::kRevocationListStale,
                              "the revocation list is past its next_update (" + list.next_update + ")");
  }
  return OkStatus();
}

void ApplyRevocations(Keyring& keyring, const RevocationList& list) {
  for (const RevokedKey& r : list.revoked) {
    for (KeyringKey& k : keyring.keys) {
      if (k.key_id != r.key_id || k.label != r.label) continue;
      Result<Timestamp> listed = ParseRfc3339(r.revoked_at);
      Result<Timestamp> own = ParseRfc3339(k.revoked_at);
      if (k.revoked_at.empty() || (listed.ok() && own.ok() && *listed < *own)) {
        k.revoked_at = r.revoked_at;
        k.reason = r.reason;
      }
      k.status = "revoked";
    }
  }
}

}  // namespace signet::custody
