#include "backup_file.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <set>

#include "signet/core/encoding.h"
#include "signet/core/json.h"

namespace signet::ops {
namespace {

constexpr std::string_view kCheckContext = "signet.wrapping-key-check/v1";

Result<std::string> HexMember(const JsonValue& doc, std::string_view name, size_t size) {
  SIGNET_ASSIGN_OR_RETURN(std::string value, doc.GetString(name));
  if (!IsLowerHex(value, size)) {
    return InvalidArgument("backup file: \"" + std::string(name) + "\" must be " +
                           (size == 0 ? std::string("lowercase hex") : std::to_string(size) + " lowercase hex characters"));
  }
  return value;
}

}  // namespace

bool IsLowerHex(std::string_view s, size_t size) {
  if (size == 0 ? (s.empty() || s.size() % 2 != 0) : s.size() != size) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string SerializeBackupFile(const BackupFile& file) {
  JsonValue doc = JsonValue::MakeObject({
      {"schema", JsonValue::String(std::string(kBackupSchema))},
      {"ceremony", JsonValue::String(file.ceremony)},
      {"label", JsonValue::String(file.wrapped.label)},
      {"id", JsonValue::String(HexEncode(file.wrapped.id))},
      {"algorithm", JsonValue::String(std::string(SignatureAlgorithmName(file.wrapped.algorithm)))},
      {"key_id", JsonValue::String(file.key_id)},
      {"mechanism", JsonValue::String(file.wrapped.mechanism)},
      {"wrapping_key_check", JsonValue::String(file.wrapping_key_check)},
      {"wrapped", JsonValue::String(Base64Encode(file.wrapped.ciphertext))},
  });
  return WriteJson(doc, 2) + "\n";
}

Result<BackupFile> ParseBackupFile(std::string_view json) {
  if (json.size() > kMaxBackupFileBytes) return InvalidArgument("backup file: larger than 64 KiB");
  SIGNET_ASSIGN_OR_RETURN(JsonValue doc, ParseJson(json));
  if (!doc.is_object()) return InvalidArgument("backup file: not a JSON object");
  static const std::set<std::string> kMembers = {"schema", "ceremony", "label", "id", "algorithm",
                                                 "key_id", "mechanism", "wrapping_key_check", "wrapped"};
  for (const auto& [name, value] : doc.object()) {
    if (kMembers.count(name) == 0) return InvalidArgument("backup file: unknown member \"" + name + "\"");
  }
  SIGNET_ASSIGN_OR_RETURN(std::string schema, doc.GetString("schema"));
  if (schema != kBackupSchema) return InvalidArgument("backup file: schema must be \"signet.backup/v1\"");
  BackupFile out;
  SIGNET_ASSIGN_OR_RETURN(out.ceremony, HexMember(doc, "ceremony", 32));
  SIGNET_ASSIGN_OR_RETURN(out.key_id, HexMember(doc, "key_id", 64));
  SIGNET_ASSIGN_OR_RETURN(out.wrapping_key_check, HexMember(doc, "wrapping_key_check", 32));
  SIGNET_ASSIGN_OR_RETURN(std::string id, HexMember(doc, "id", 0));
  if (id.size() > 128) return InvalidArgument("backup file: \"id\" is longer than 64 bytes");
  SIGNET_ASSIGN_OR_RETURN(out.wrapped.id, HexDecode(id));
  SIGNET_ASSIGN_OR_RETURN(out.wrapped.label, doc.GetString("label"));
  if (out.wrapped.label.empty() || out.wrapped.label.size() > 128) {
    return InvalidArgument("backup file: \"label\" must be 1 to 128 bytes");
  }
  for (unsigned char c : out.wrapped.label) {
    if (c < 0x20 || c == 0x7F) return InvalidArgument("backup file: \"label\" must not contain control characters");
  }
  SIGNET_ASSIGN_OR_RETURN(std::string algorithm, doc.GetString("algorithm"));
  auto alg = fw::ParseSigningKeyAlgorithm(algorithm);
  if (!alg.ok()) return std::move(alg).error().Prefix("backup file: \"algorithm\"");
  out.wrapped.algorithm = *alg;
  SIGNET_ASSIGN_OR_RETURN(out.wrapped.mechanism, doc.GetString("mechanism"));
  if (out.wrapped.mechanism != "CKM_AES_KEY_WRAP_KWP" && out.wrapped.mechanism != "CKM_AES_KEY_WRAP_PAD") {
    return InvalidArgument("backup file: \"mechanism\" must be CKM_AES_KEY_WRAP_KWP or CKM_AES_KEY_WRAP_PAD");
  }
  SIGNET_ASSIGN_OR_RETURN(std::string wrapped, doc.GetString("wrapped"));
  auto ciphertext = Base64Decode(wrapped);
  if (!ciphertext.ok() || ciphertext->size() < 16 || ciphertext->size() > 8192) {
    return InvalidArgument("backup file: \"wrapped\" must be base64 of 16 to 8192 bytes");
  }
  out.wrapped.ciphertext = std::move(ciphertext).value();
  return out;
}

Result<std::string> WrappingKeyCheck(const SecretBytes& key) {
  uint8_t mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  const ByteView k = key.Reveal();
  if (HMAC(EVP_sha256(), k.data(), static_cast<int>(k.size()), reinterpret_cast<const uint8_t*>(kCheckContext.data()),
           kCheckContext.size(), mac, &len) == nullptr ||
      len < 16) {
    return Internal("HMAC-SHA256 failed");
  }
  return HexEncode(ByteView(mac, 16));
}

std::string WrappingKeyLabel(std::string_view ceremony_id) { return "signet-wrapping-" + std::string(ceremony_id); }

}  // namespace signet::ops
