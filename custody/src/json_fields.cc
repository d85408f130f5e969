// Strict-field helpers shared by the custody parsers (see json_fields.h).
#include "json_fields.h"

#include <algorithm>

#include "signet/core/encoding.h"
#include "signet/core/findings.h"

namespace signet::custody::internal {
namespace {

bool AllOf(std::string_view s, bool (*ok)(char)) { return std::all_of(s.begin(), s.end(), ok); }
bool IsLowerHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }
bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
         c == '-';
}
bool IsPurposeChar(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; }

}  // namespace

Error Malformed(std::string message) { return InvalidArgument(std::move(message)).WithFinding(findings::kMalformedInput); }

Status ExactMembers(const JsonValue& value, std::initializer_list<std::string_view> names, std::string_view what) {
  if (!value.is_object()) return Malformed(std::string(what) + ": not a JSON object");
  for (const auto& [key, unused] : value.object()) {
    if (std::find(names.begin(), names.end(), key) == names.end()) {
      return Malformed(std::string(what) + ": unknown member (only the documented members are allowed)");
    }
  }
  for (std::string_view n : names) {
    if (value.Find(n) == nullptr) return Malformed(std::string(what) + ": missing \"" + std::string(n) + "\"");
  }
  return OkStatus();
}

Result<std::string> GetStringField(const JsonValue& obj, std::string_view key, std::string_view what, size_t max) {
  const JsonValue* v = obj.Find(key);
  if (v == nullptr || !v->is_string()) {
    return Malformed(std::string(what) + ": \"" + std::string(key) + "\" must be a string");
  }
  if (v->string_value().size() > max) {
    return Malformed(std::string(what) + ": \"" + std::string(key) + "\" is longer than " + std::to_string(max));
  }
  return v->string_value();
}

bool IsCeremonyId(std::string_view s) { return s.size() == 32 && AllOf(s, IsLowerHex); }
bool IsKeyIdHex(std::string_view s) { return s.size() == 64 && AllOf(s, IsLowerHex); }
bool IsName(std::string_view s) { return !s.empty() && s.size() <= 64 && AllOf(s, IsNameChar); }
bool IsPurpose(std::string_view s) { return !s.empty() && s.size() <= 32 && AllOf(s, IsPurposeChar); }

Result<Timestamp> ParseTimeField(std::string_view text, std::string_view what) {
  Result<Timestamp> t = ParseRfc3339(text);
  if (!t.ok()) return Malformed(std::string(what) + ": not an RFC 3339 time");
  return *t;
}

Result<std::vector<KeyringSignature>> ParseSignatures(const JsonValue& array, std::string_view what) {
  if (!array.is_array()) return Malformed(std::string(what) + ": \"signatures\" must be an array");
  if (array.array().size() > kMaxCustodians * 2) return Malformed(std::string(what) + ": too many signatures");
  std::vector<KeyringSignature> out;
  for (const JsonValue& s : array.array()) {
    SIGNET_RETURN_IF_ERROR(ExactMembers(s, {"custodian", "key_id", "signature"}, "signature"));
    KeyringSignature sig;
    SIGNET_ASSIGN_OR_RETURN(sig.custodian, GetStringField(s, "custodian", "signature"));
    SIGNET_ASSIGN_OR_RETURN(sig.key_id, GetStringField(s, "key_id", "signature"));
    SIGNET_ASSIGN_OR_RETURN(sig.signature, GetStringField(s, "signature", "signature", 1024));
    if (!IsName(sig.custodian)) return Malformed(std::string(what) + ": a signature's custodian is not a valid name");
    if (!IsKeyIdHex(sig.key_id)) return Malformed(std::string(what) + ": a signature's key_id is not 64 hex digits");
    if (!Base64Decode(sig.signature).ok()) return Malformed(std::string(what) + ": a signature is not base64");
    out.push_back(std::move(sig));
  }
  return out;
}

JsonValue SignaturesToJson(const std::vector<KeyringSignature>& signatures) {
  JsonValue a = JsonValue::MakeArray();
  for (const KeyringSignature& s : signatures) {
    JsonValue o = JsonValue::MakeObject();
    o.Set("custodian", JsonValue::String(s.custodian));
    o.Set("key_id", JsonValue::String(s.key_id));
    o.Set("signature", JsonValue::String(s.signature));
    a.Push(std::move(o));
  }
  return a;
}

Result<Bytes> CanonicalPayload(std::string_view context, const JsonValue& body) {
  SIGNET_ASSIGN_OR_RETURN(std::string canonical, WriteCanonicalJson(body));
  return ApprovalMessage(context, AsBytes(canonical));
}

Status AddSignature(std::vector<KeyringSignature>& signatures, std::string_view name, ApprovalSigner& signer,
                    ByteView message) {
  SIGNET_ASSIGN_OR_RETURN(Bytes sig, SignAndCheck(signer, message));
  const std::string key_id = signer.key_id();
  std::erase_if(signatures, [&](const KeyringSignature& s) { return s.key_id == key_id; });
  signatures.push_back(KeyringSignature{std::string(name), key_id, Base64Encode(sig)});
  return OkStatus();
}

}  // namespace signet::custody::internal
