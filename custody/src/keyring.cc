// keyring.json: parsing, validation, signing and the TUF-style chain check (see keyring.h).
#include "signet/custody/keyring.h"

#include <algorithm>
#include <set>

#include "json_fields.h"
#include "signet/core/encoding.h"
#include "signet/core/findings.h"

namespace signet::custody {
namespace {

using internal::Malformed;

Result<KeyringCustodian> ParseCustodian(const JsonValue& v) {
  SIGNET_RETURN_IF_ERROR(internal::ExactMembers(v, {"name", "public_key", "key_id"}, "keyring custodian"));
  KeyringCustodian c;
  SIGNET_ASSIGN_OR_RETURN(c.name, internal::GetStringField(v, "name", "keyring custodian"));
  SIGNET_ASSIGN_OR_RETURN(c.public_key, internal::GetStringField(v, "public_key", "keyring custodian", 8192));
  SIGNET_ASSIGN_OR_RETURN(c.key_id, internal::GetStringField(v, "key_id", "keyring custodian"));
  return c;
}

Result<KeyringKey> ParseKey(const JsonValue& v) {
  SIGNET_RETURN_IF_ERROR(internal::ExactMembers(
      v, {"label", "purpose", "algorithm", "key_id", "public_key", "token_uri", "backup", "not_before", "not_after",
          "status", "revoked_at", "reason"},
      "keyring key"));
  KeyringKey k;
  SIGNET_ASSIGN_OR_RETURN(k.label, internal::GetStringField(v, "label", "keyring key"));
  SIGNET_ASSIGN_OR_RETURN(k.purpose, internal::GetStringField(v, "purpose", "keyring key"));
  SIGNET_ASSIGN_OR_RETURN(k.algorithm, internal::GetStringField(v, "algorithm", "keyring key"));
  SIGNET_ASSIGN_OR_RETURN(k.key_id, internal::GetStringField(v, "key_id", "keyring key"));
  SIGNET_ASSIGN_OR_RETURN(k.public_key, internal::GetStringField(v, "public_key", "keyring key", 16384));
  SIGNET_ASSIGN_OR_RETURN(k.token_uri, internal::GetStringField(v, "token_uri", "keyring key", 4096));
  Result<bool> backup = v.GetBool("backup");
  if (!backup.ok()) return Malformed("keyring key: \"backup\" must be a boolean");
  k.backup = *backup;
  SIGNET_ASSIGN_OR_RETURN(k.not_before, internal::GetStringField(v, "not_before", "keyring key", 64));
  SIGNET_ASSIGN_OR_RETURN(k.not_after, internal::GetStringField(v, "not_after", "keyring key", 64));
  SIGNET_ASSIGN_OR_RETURN(k.status, internal::GetStringField(v, "status", "keyring key", 16));
  SIGNET_ASSIGN_OR_RETURN(k.revoked_at, internal::GetStringField(v, "revoked_at", "keyring key", 64));
  SIGNET_ASSIGN_OR_RETURN(k.reason, internal::GetStringField(v, "reason", "keyring key", 256));
  return k;
}

Result<Keyring> ParseKeyringValue(const JsonValue& v) {
  SIGNET_RETURN_IF_ERROR(internal::ExactMembers(
      v, {"schema", "ceremony", "version", "threshold", "custodians", "keys", "previous", "signatures"}, "keyring"));
  SIGNET_ASSIGN_OR_RETURN(std::string schema, internal::GetStringField(v, "schema", "keyring"));
  if (schema != kKeyringSchema) return Malformed("keyring: schema must be \"signet.keyring/v1\"").WithFinding(findings::kUnsupported);
  Keyring k;
  SIGNET_ASSIGN_OR_RETURN(k.ceremony, internal::GetStringField(v, "ceremony", "keyring"));
  Result<int64_t> version = v.GetInt64("version");
  Result<int64_t> threshold = v.GetInt64("threshold");
  if (!version.ok() || !threshold.ok() || *threshold < 0 || *threshold > static_cast<int64_t>(kMaxCustodians)) {
    return Malformed("keyring: version and threshold must be integers");
  }
  k.version = *version;
  k.threshold = static_cast<int>(*threshold);
  const JsonValue* custodians = v.Find("custodians");
  const JsonValue* keys = v.Find("keys");
  if (!custodians->is_array() || custodians->array().size() > kMaxCustodians) {
    return Malformed("keyring: \"custodians\" must be an array of at most " + std::to_string(kMaxCustodians));
  }
  if (!keys->is_array() || keys->array().size() > kMaxKeyringKeys) {
    return Malformed("keyring: \"keys\" must be an array of at most " + std::to_string(kMaxKeyringKeys));
  }
  for (const JsonValue& c : custodians->array()) {
    SIGNET_ASSIGN_OR_RETURN(KeyringCustodian kc, ParseCustodian(c));
    k.custodians.push_back(std::move(kc));
  }
  for (const JsonValue& e : keys->array()) {
    SIGNET_ASSIGN_OR_RETURN(KeyringKey kk, ParseKey(e));
    k.keys.push_back(std::move(kk));
  }
  const JsonValue* previous = v.Find("previous");
  if (!previous->is_null()) {
    if (!previous->is_object()) return Malformed("keyring: \"previous\" must be an object or null");
    SIGNET_ASSIGN_OR_RETURN(Keyring prev, ParseKeyringValue(*previous));
    k.previous = std::make_shared<const Keyring>(std::move(prev));
  }
  SIGNET_ASSIGN_OR_RETURN(k.signatures, internal::ParseSignatures(*v.Find("signatures"), "keyring"));
  return k;
}

Status ValidateVersion(const Keyring& k) {
  const std::string v = "keyring version " + std::to_string(k.version);
  if (!internal::IsCeremonyId(k.ceremony)) return Malformed(v + ": ceremony must be 32 hex digits");
  if (k.version < 1) return Malformed(v + ": version must be at least 1");
  if ((k.version == 1) != (k.previous == nullptr)) {
    return Malformed(v + ": version 1 has no previous version, and every later version has one");
  }
  if (k.custodians.empty() || k.custodians.size() > kMaxCustodians) return Malformed(v + ": needs 1..64 custodians");
  if (k.threshold < 1 || k.threshold > static_cast<int>(k.custodians.size())) {
    return Malformed(v + ": threshold must be 1..number of custodians");
  }
  if (k.keys.size() > kMaxKeyringKeys) return Malformed(v + ": too many keys");
  std::set<std::string> names;
  std::set<Bytes> custodian_keys;
  for (const KeyringCustodian& c : k.custodians) {
    if (!internal::IsName(c.name)) return Malformed(v + ": a custodian name is not valid ([A-Za-z0-9._-], 1..64)");
    if (!names.insert(c.name).second) return Malformed(v + ": custodian " + c.name + " is listed twice");
    Result<PublicKey> key = ParseCustodianPublicKey(c.public_key);
    if (!key.ok()) return Malformed(v + ": custodian " + c.name + ": " + key.error().message());
    if (KeyId(*key) != c.key_id) return Malformed(v + ": custodian " + c.name + ": key_id is not the key's id");
    if (!custodian_keys.insert(key->canonical_id()).second) {
      return Malformed(v + ": custodian " + c.name + " has the same key as another custodian");
    }
  }
  std::set<std::string> labels;
  std::set<Bytes> key_values;
  for (const KeyringKey& e : k.keys) {
    const std::string w = v + ": key " + e.label;
    if (!internal::IsName(e.label)) return Malformed(v + ": a key label is not valid ([A-Za-z0-9._-], 1..64)");
    if (!labels.insert(e.label).second) return Malformed(w + " is listed twice");
    if (!internal::IsPurpose(e.purpose)) return Malformed(w + ": purpose must be [a-z0-9-]");
    Result<SignatureAlgorithm> alg = ParseSignatureAlgorithm(e.algorithm);
    if (!alg.ok()) return Malformed(w + ": unknown algorithm");
    Result<PublicKey> any = PublicKey::FromPem(e.public_key);
    if (!any.ok()) return Malformed(w + ": public_key is not a supported PEM public key");
    Result<PublicKey> key = PublicKey::FromSpkiDer(any->spki_der(), *alg);
    if (!key.ok()) return Malformed(w + ": public_key does not fit the algorithm");
    if (KeyId(*key) != e.key_id) return Malformed(w + ": key_id is not the key's id");
    if (!key_values.insert(key->canonical_id()).second) return Malformed(w + ": the same key is listed twice");
    if (!ValidateUtf8(e.token_uri)) return Malformed(w + ": token_uri is not UTF-8");
    SIGNET_ASSIGN_OR_RETURN(Timestamp nb, internal::ParseTimeField(e.not_before, w + ": not_before"));
    if (!e.not_after.empty()) {
      SIGNET_ASSIGN_OR_RETURN(Timestamp na, internal::ParseTimeField(e.not_after, w + ": not_after"));
      if (na <= nb) return Malformed(w + ": not_after must be after not_before");
    }
    if (e.status != "active" && e.status != "retired" && e.status != "revoked") {
      return Malformed(w + ": status must be active, retired or revoked");
    }
    if ((e.status == "revoked") != !e.revoked_at.empty() || (e.status == "revoked") != !e.reason.empty()) {
      return Malformed(w + ": a revoked key (and only a revoked key) has revoked_at and reason");
    }
    if (!e.revoked_at.empty()) SIGNET_RETURN_IF_ERROR(internal::ParseTimeField(e.revoked_at, w + ": revoked_at"));
    if (!ValidateUtf8(e.reason)) return Malformed(w + ": reason is not UTF-8");
  }
  for (const KeyringSignature& s : k.signatures) {
    if (!internal::IsName(s.custodian) || !internal::IsKeyIdHex(s.key_id) || !Base64Decode(s.signature).ok()) {
      return Malformed(v + ": a signature entry is malformed");
    }
  }
  return OkStatus();
}

Error QuorumNotMet(const Keyring& k, const QuorumResult& q) {
  return VerificationFailed(findings::kKeyringQuorumNotMet,
                            "keyring version " + std::to_string(k.version) + " has " + std::to_string(q.approved.size()) +
                                " of the " + std::to_string(q.threshold) + " custodian signatures it needs");
}

Error ChainBroken(const Keyring& k, std::string_view why) {
  return VerificationFailed(findings::kKeyringChainBroken,
                            "keyring version " + std::to_string(k.version) + ": " + std::string(why));
}

// VerifyChain: steps 1-3 of VerifyKeyring for `k` and, recursively, its predecessors.
Status VerifyChain(const Keyring& k) {
  SIGNET_RETURN_IF_ERROR(ValidateVersion(k));
  SIGNET_ASSIGN_OR_RETURN(Bytes message, KeyringSigningPayload(k));
  SIGNET_ASSIGN_OR_RETURN(std::vector<CustodianKey> own, KeyringCustodianKeys(k));
  QuorumResult q = CountSignatures(own, k.threshold, k.signatures, message);
  if (!q.met()) return QuorumNotMet(k, q);
  if (k.previous == nullptr) return OkStatus();
  const Keyring& prev = *k.previous;
  if (prev.version != k.version - 1) return ChainBroken(k, "the previous version is not version - 1");
  if (prev.ceremony != k.ceremony) return ChainBroken(k, "the previous version belongs to another ceremony");
  SIGNET_RETURN_IF_ERROR(VerifyChain(prev));
  SIGNET_ASSIGN_OR_RETURN(std::vector<CustodianKey> old, KeyringCustodianKeys(prev));
  QuorumResult endorsed = CountSignatures(old, prev.threshold, k.signatures, message);
  if (!endorsed.met()) return ChainBroken(k, "not signed by a quorum of the previous version's custodians");
  return OkStatus();
}

bool SameBody(const Keyring& a, const Keyring& b) {
  Result<std::string> ca = WriteCanonicalJson(KeyringBodyToJson(a));
  Result<std::string> cb = WriteCanonicalJson(KeyringBodyToJson(b));
  return ca.ok() && cb.ok() && *ca == *cb;
}

}  // namespace

Result<Keyring> ParseKeyring(std::string_view json) {
  if (json.size() > kMaxKeyringBytes) return Malformed("keyring: larger than the limit");
  Result<JsonValue> doc = ParseJson(json, JsonLimits{kMaxKeyringBytes, 200});
  if (!doc.ok()) return std::move(doc).error().Prefix("keyring").WithFinding(findings::kMalformedInput);
  SIGNET_ASSIGN_OR_RETURN(Keyring k, ParseKeyringValue(*doc));
  SIGNET_RETURN_IF_ERROR(ValidateKeyring(k));
  return k;
}

Status ValidateKeyring(const Keyring& keyring) {
  for (const Keyring* k = &keyring; k != nullptr; k = k->previous.get()) {
    SIGNET_RETURN_IF_ERROR(ValidateVersion(*k));
  }
  return OkStatus();
}

JsonValue KeyringBodyToJson(const Keyring& k) {
  JsonValue o = JsonValue::MakeObject();
  o.Set("schema", JsonValue::String(std::string(kKeyringSchema)));
  o.Set("ceremony", JsonValue::String(k.ceremony));
  o.Set("version", JsonValue::Int(k.version));
  o.Set("threshold", JsonValue::Int(k.threshold));
  JsonValue custodians = JsonValue::MakeArray();
  for (const KeyringCustodian& c : k.custodians) {
    JsonValue e = JsonValue::MakeObject();
    e.Set("name", JsonValue::String(c.name));
    e.Set("public_key", JsonValue::String(c.public_key));
    e.Set("key_id", JsonValue::String(c.key_id));
    custodians.Push(std::move(e));
  }
  o.Set("custodians", std::move(custodians));
  JsonValue keys = JsonValue::MakeArray();
  for (const KeyringKey& x : k.keys) {
    JsonValue e = JsonValue::MakeObject();
    e.Set("label", JsonValue::String(x.label));
    e.Set("purpose", JsonValue::String(x.purpose));
    e.Set("algorithm", JsonValue::String(x.algorithm));
    e.Set("key_id", JsonValue::String(x.key_id));
    e.Set("public_key", JsonValue::String(x.public_key));
    e.Set("token_uri", JsonValue::String(x.token_uri));
    e.Set("backup", JsonValue::Bool(x.backup));
    e.Set("not_before", JsonValue::String(x.not_before));
    e.Set("not_after", JsonValue::String(x.not_after));
    e.Set("status", JsonValue::String(x.status));
    e.Set("revoked_at", JsonValue::String(x.revoked_at));
    e.Set("reason", JsonValue::String(x.reason));
    keys.Push(std::move(e));
  }
  o.Set("keys", std::move(keys));
  o.Set("previous", k.previous ? KeyringToJson(*k.previous) : JsonValue::Null());
  return o;
}

JsonValue KeyringToJson(const Keyring& k) {
  JsonValue o = KeyringBodyToJson(k);
  o.Set("signatures", internal::SignaturesToJson(k.signatures));
  return o;
}

Result<std::string> SerializeKeyring(const Keyring& keyring) {
  SIGNET_RETURN_IF_ERROR(ValidateKeyring(keyring));
  return WriteJson(KeyringToJson(keyring), 2) + "\n";
}

Result<Bytes> KeyringSigningPayload(const Keyring& keyring) {
  return internal::CanonicalPayload(kKeyringContext, KeyringBodyToJson(keyring));
}

Status SignKeyring(Keyring& keyring, ApprovalSigner& signer) {
  const std::string id = signer.key_id();
  const KeyringCustodian* who = nullptr;
  for (const Keyring* k : {static_cast<const Keyring*>(&keyring), keyring.previous.get()}) {
    if (k == nullptr || who != nullptr) continue;
    for (const KeyringCustodian& c : k->custodians) {
      if (c.key_id == id) who = &c;
    }
  }
  if (who == nullptr) {
    return PermissionDenied("keyring: the key " + id + " is not a custodian of this or the previous keyring version");
  }
  SIGNET_ASSIGN_OR_RETURN(Bytes message, KeyringSigningPayload(keyring));
  return internal::AddSignature(keyring.signatures, who->name, signer, message);
}

Result<std::vector<CustodianKey>> KeyringCustodianKeys(const Keyring& keyring) {
  std::vector<CustodianKey> out;
  for (const KeyringCustodian& c : keyring.custodians) {
    SIGNET_ASSIGN_OR_RETURN(PublicKey key, ParseCustodianPublicKey(c.public_key));
    out.push_back(CustodianKey{c.name, std::move(key)});
  }
  return out;
}

QuorumResult CountSignatures(std::span<const CustodianKey> custodians, int threshold,
                             std::span<const KeyringSignature> signatures, ByteView message) {
  QuorumResult q;
  q.threshold = threshold;
  std::vector<Bytes> counted;
  for (const CustodianKey& c : custodians) {
    bool ok = false;
    if (std::find(counted.begin(), counted.end(), c.key.canonical_id()) == counted.end()) {
      const std::string id = KeyId(c.key);
      for (const KeyringSignature& s : signatures) {
        if (s.key_id != id) continue;
        Result<Bytes> sig = Base64Decode(s.signature);
        if (sig.ok() && c.key.Verify(message, *sig).ok()) {
          ok = true;
          break;
        }
      }
    }
    if (ok) counted.push_back(c.key.canonical_id());
    (ok ? q.approved : q.missing).push_back(c.name);
  }
  return q;
}

Status VerifyKeyring(const Keyring& keyring, const std::optional<Keyring>& pinned_root) {
  SIGNET_RETURN_IF_ERROR(VerifyChain(keyring));
  if (pinned_root.has_value()) {
    for (const Keyring* k = &keyring; k != nullptr; k = k->previous.get()) {
      if (k->version == pinned_root->version) {
        if (SameBody(*k, *pinned_root)) return OkStatus();
        break;
      }
    }
    return ChainBroken(keyring, "the chain does not contain the pinned root version");
  }
  return OkStatus();
}

Status KeyringVerdict::ToStatus() const {
  if (accepted) return OkStatus();
  return VerificationFailed(finding, message);
}

const KeyringKey* FindKeyringKey(const Keyring& keyring, std::string_view label) {
  for (const KeyringKey& k : keyring.keys) {
    if (k.label == label) return &k;
  }
  return nullptr;
}

KeyringVerdict CheckSignatureKey(const Keyring& keyring, std::string_view key_id, std::string_view purpose,
                                 std::optional<Timestamp> trusted_time, Timestamp now) {
  KeyringVerdict v;
  // 1. The key and its purpose.
  for (const KeyringKey& k : keyring.keys) {
    if (k.key_id == key_id && k.purpose == purpose) v.key = &k;
  }
  if (v.key == nullptr) {
    v.finding = findings::kKeyringKeyUnknown;
    v.message = "the signing key is not a " + std::string(purpose) + " key of the keyring";
    return v;
  }
  const KeyringKey& k = *v.key;
  Result<Timestamp> nb = ParseRfc3339(k.not_before);
  std::optional<Timestamp> na;
  std::optional<Timestamp> revoked;
  if (!k.not_after.empty()) {
    Result<Timestamp> t = ParseRfc3339(k.not_after);
    if (t.ok()) na = *t;
  }
  if (!k.revoked_at.empty()) {
    Result<Timestamp> t = ParseRfc3339(k.revoked_at);
    // An unreadable revocation time revokes from the beginning (fail closed).
    revoked = t.ok() ? *t : Timestamp::min();
  }
  const bool bad_window = !nb.ok() || (!k.not_after.empty() && !na.has_value());
  auto inside = [&](Timestamp t) { return !bad_window && *nb <= t && (!na.has_value() || t < *na); };
  if (trusted_time.has_value()) {
    // 2. With a trusted signing time.
    if (revoked.has_value() && *trusted_time >= *revoked) {
      v.finding = findings::kKeyRevoked;
      v.message = "key " + k.label + " was revoked at or before the signature's trusted time";
    } else if (!inside(*trusted_time)) {
      v.finding = findings::kKeyOutsideValidity;
      v.message = "the signature's trusted time lies outside key " + k.label + "'s validity window";
    } else {
      v.accepted = true;
    }
    return v;
  }
  // 3. Without one.
  if (revoked.has_value() || k.status == "revoked") {
    v.finding = findings::kKeyRevoked;
    v.message = "key " + k.label + " is revoked, and the signature has no trusted time";
  } else if (k.status != "active" || !inside(now)) {
    v.finding = findings::kKeyOutsideValidity;
    v.message = "key " + k.label + " is not active now, and the signature has no trusted time";
  } else {
    v.accepted = true;
  }
  return v;
}

std::vector<PublicKey> KeyringPublicKeys(const Keyring& keyring, std::string_view purpose) {
  std::vector<PublicKey> out;
  for (const KeyringKey& k : keyring.keys) {
    if (k.purpose != purpose) continue;
    auto alg = ParseSignatureAlgorithm(k.algorithm);
    auto any = PublicKey::FromPem(k.public_key);
    if (!alg.ok() || !any.ok()) continue;
    auto key = PublicKey::FromSpkiDer(any->spki_der(), *alg);
    if (key.ok()) out.push_back(std::move(*key));
  }
  return out;
}

}  // namespace signet::custody
