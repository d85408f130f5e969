#include "custody_wiring.h"

#include "signet/core/encoding.h"
#include "signet/core/file.h"
#include "signet/core/hash.h"
#include "signet/core/ossl.h"
#include "signet/hsm/key_store.h"
#include "signet/hsm/uri.h"

namespace signet::ops {

JsonValue KeyAttributesJson(const fw::KeyAttributes& a) {
  return JsonValue::MakeObject({
      {"label", JsonValue::String(a.label)},
      {"id", JsonValue::String(HexEncode(a.id))},
      {"token", JsonValue::Bool(a.token)},
      {"private", JsonValue::Bool(a.is_private)},
      {"sensitive", JsonValue::Bool(a.sensitive)},
      {"extractable", JsonValue::Bool(a.extractable)},
      {"always_sensitive", JsonValue::Bool(a.always_sensitive)},
      {"never_extractable", JsonValue::Bool(a.never_extractable)},
      {"sign", JsonValue::Bool(a.can_sign)},
      {"decrypt", JsonValue::Bool(a.can_decrypt)},
      {"unwrap", JsonValue::Bool(a.can_unwrap)},
      {"derive", JsonValue::Bool(a.can_derive)},
      {"wrap_with_trusted", JsonValue::Bool(a.wrap_with_trusted)},
      {"backup_capable", JsonValue::Bool(fw::IsBackupCapable(a))},
  });
}

Result<std::string> PublicKeyPem(ByteView spki) {
  SIGNET_ASSIGN_OR_RETURN(auto pkey, ossl::ParsePublicKeyDer(spki));
  return ossl::PublicKeyToPem(pkey.get());
}

Result<std::string> KeyTokenUri(const std::string& token_uri, const fw::KeyAttributes& key) {
  SIGNET_ASSIGN_OR_RETURN(hsm::Pkcs11Uri uri, hsm::ParsePkcs11Uri(token_uri));
  uri.pin_value.reset();
  uri.object = key.label;
  if (!key.id.empty()) uri.id = key.id;
  uri.type.reset();
  return uri.Format();
}

Result<custody::KeyringKey> NewKeyringKey(const fw::SigningKey& key, const std::string& purpose,
                                          const std::string& token_uri, bool backup, Timestamp not_before) {
  custody::KeyringKey entry;
  entry.label = key.attributes().label;
  entry.purpose = purpose;
  entry.algorithm = std::string(SignatureAlgorithmName(key.algorithm()));
  entry.key_id = key.key_id();
  SIGNET_ASSIGN_OR_RETURN(entry.public_key, PublicKeyPem(key.public_key_spki()));
  SIGNET_ASSIGN_OR_RETURN(entry.token_uri, KeyTokenUri(token_uri, key.attributes()));
  entry.backup = backup;
  entry.not_before = FormatRfc3339(std::chrono::floor<std::chrono::seconds>(not_before));
  entry.status = "active";
  return entry;
}

JsonValue GeneratedKeyDetails(const fw::SigningKey& key, const custody::KeyringKey& entry) {
  return JsonValue::MakeObject({
      {"label", JsonValue::String(entry.label)},
      {"purpose", JsonValue::String(entry.purpose)},
      {"algorithm", JsonValue::String(entry.algorithm)},
      {"key_id", JsonValue::String(entry.key_id)},
      {"public_key", JsonValue::String(entry.public_key)},
      {"token_uri", JsonValue::String(entry.token_uri)},
      {"backup", JsonValue::Bool(entry.backup)},
      {"not_before", JsonValue::String(entry.not_before)},
      {"attributes", KeyAttributesJson(key.attributes())},
  });
}

Result<SecretBytes> ReadSoPin(const std::string& path) {
  if (path.empty()) return InvalidArgument("no SO PIN file given");
  hsm::Pkcs11Uri uri;
  uri.pin_source = path;
  SIGNET_ASSIGN_OR_RETURN(std::optional<SecretBytes> pin, hsm::ResolvePin(uri, ""));
  if (!pin) return InvalidArgument("no SO PIN in \"" + path + "\"");
  return std::move(*pin);
}

Status CheckFileName(const std::string& what, const std::string& name) {
  if (name.empty() || name.size() > 128 || name[0] == '.' || name.find('/') != std::string::npos) {
    return InvalidArgument(what + " \"" + name + "\" cannot be used as a file name (1 to 128 bytes, no '/', no leading '.')");
  }
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7F) return InvalidArgument(what + " must not contain control characters");
  }
  return OkStatus();
}

Result<JsonValue> WriteBackup(fw::KeyStore& store, const fw::SigningKey& key, const std::string& ceremony,
                              const std::string& wrapping_key_check, const std::string& backup_dir) {
  SIGNET_RETURN_IF_ERROR(CheckFileName("key label", key.attributes().label));
  SIGNET_ASSIGN_OR_RETURN(fw::WrappedKey wrapped, store.WrapKey(WrappingKeyLabel(ceremony), key));
  BackupFile file;
  file.ceremony = ceremony;
  file.key_id = key.key_id();
  file.wrapping_key_check = wrapping_key_check;
  file.wrapped = std::move(wrapped);
  const std::string text = SerializeBackupFile(file);
  const std::string name = "backup/" + key.attributes().label + ".json";
  SIGNET_RETURN_IF_ERROR(WriteFileAtomic(backup_dir + "/" + key.attributes().label + ".json", text, 0600));
  return JsonValue::MakeObject({
      {"label", JsonValue::String(key.attributes().label)},
      {"key_id", JsonValue::String(key.key_id())},
      {"mechanism", JsonValue::String(file.wrapped.mechanism)},
      {"file", JsonValue::String(name)},
      {"sha256", JsonValue::String(Sha256Hex(text))},
  });
}

std::string Sha256Hex(std::string_view data) { return HexEncode(Sha256(AsBytes(data))); }

std::string Dirname(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace signet::ops
