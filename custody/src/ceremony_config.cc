// ceremony.yaml (see ceremony_config.h).
#include "signet/custody/ceremony_config.h"

#include <algorithm>
#include <set>

#include "json_fields.h"
#include "signet/core/file.h"
#include "signet/core/yaml.h"
#include "signet/custody/approval.h"

namespace signet::custody {
namespace {

Error Bad(const YamlNode& n, std::string what) {
  return InvalidArgument("ceremony config line " + std::to_string(n.line) + ": " + std::move(what));
}

Status OnlyKeys(const YamlNode& map, std::initializer_list<std::string_view> keys, std::string_view what) {
  if (map.kind != YamlNode::Kind::kMap) return Bad(map, std::string(what) + " must be a mapping");
  for (const YamlMember& m : map.members) {
    if (std::find(keys.begin(), keys.end(), m.key) == keys.end()) {
      return Bad(m.value, "unknown key \"" + m.key + "\" in " + std::string(what));
    }
  }
  return OkStatus();
}

Result<std::string> Scalar(const YamlNode& map, std::string_view key, std::string_view what, bool required = true) {
  const YamlNode* n = map.Find(key);
  if (n == nullptr) {
    if (required) return Bad(map, std::string(what) + " needs \"" + std::string(key) + "\"");
    return std::string();
  }
  if (n->kind != YamlNode::Kind::kScalar) return Bad(*n, "\"" + std::string(key) + "\" must be a scalar");
  return n->scalar;
}

std::string Resolve(const std::string& dir, const std::string& p) {
  if (p.empty() || p.front() == '/') return p;
  return dir + "/" + p;
}

}  // namespace

Result<CeremonyConfig> LoadCeremonyConfig(const std::string& path) {
  SIGNET_ASSIGN_OR_RETURN(std::string text, ReadFile(path, kMaxYamlBytes));
  SIGNET_ASSIGN_OR_RETURN(YamlNode root, ParseYaml(text));
  SIGNET_RETURN_IF_ERROR(OnlyKeys(root, {"token", "so_pin_file", "threshold", "custodians", "keys"}, "the config"));
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  CeremonyConfig c;
  SIGNET_ASSIGN_OR_RETURN(c.token, Scalar(root, "token", "the config", false));
  SIGNET_ASSIGN_OR_RETURN(std::string so, Scalar(root, "so_pin_file", "the config", false));
  c.so_pin_file = Resolve(dir, so);
  SIGNET_ASSIGN_OR_RETURN(std::string threshold, Scalar(root, "threshold", "the config"));
  if (threshold.empty() || threshold.size() > 3 || !std::all_of(threshold.begin(), threshold.end(), ::isdigit)) {
    return Bad(*root.Find("threshold"), "threshold must be a small integer");
  }
  c.threshold = std::stoi(threshold);
  const YamlNode* custodians = root.Find("custodians");
  if (custodians == nullptr || custodians->kind != YamlNode::Kind::kSequence || custodians->items.empty()) {
    return Bad(root, "custodians must be a non-empty list");
  }
  if (custodians->items.size() > kMaxCustodians) return Bad(*custodians, "too many custodians");
  std::set<std::string> names;
  std::set<Bytes> keys;
  for (const YamlNode& n : custodians->items) {
    SIGNET_RETURN_IF_ERROR(OnlyKeys(n, {"name", "public_key"}, "a custodian"));
    SIGNET_ASSIGN_OR_RETURN(std::string name, Scalar(n, "name", "a custodian"));
    SIGNET_ASSIGN_OR_RETURN(std::string file, Scalar(n, "public_key", "a custodian"));
    if (!internal::IsName(name)) return Bad(n, "custodian names are 1..64 of [A-Za-z0-9._-]");
    if (!names.insert(name).second) return Bad(n, "custodian " + name + " is listed twice");
    const std::string key_path = Resolve(dir, file);
    SIGNET_ASSIGN_OR_RETURN(std::string pem, ReadFile(key_path, 64 * 1024));
    Result<PublicKey> key = ParseCustodianPublicKey(pem);
    if (!key.ok()) return Bad(n, "custodian " + name + ": " + key.error().message());
    if (!keys.insert(key->canonical_id()).second) return Bad(n, "custodian " + name + " has another custodian's key");
    c.custodians.push_back(CustodianKey{name, *key});
    c.custodian_key_files.push_back(key_path);
  }
  if (c.threshold < 2 || c.threshold > static_cast<int>(c.custodians.size())) {
    return Bad(*root.Find("threshold"), "threshold must be 2..number of custodians");
  }
  if (const YamlNode* ks = root.Find("keys"); ks != nullptr) {
    if (ks->kind != YamlNode::Kind::kSequence) return Bad(*ks, "keys must be a list");
    std::set<std::string> labels;
    for (const YamlNode& n : ks->items) {
      SIGNET_RETURN_IF_ERROR(OnlyKeys(n, {"label", "type", "purpose", "backup"}, "a key"));
      CeremonyKeySpec k;
      SIGNET_ASSIGN_OR_RETURN(k.label, Scalar(n, "label", "a key"));
      SIGNET_ASSIGN_OR_RETURN(k.type, Scalar(n, "type", "a key"));
      SIGNET_ASSIGN_OR_RETURN(k.purpose, Scalar(n, "purpose", "a key"));
      SIGNET_ASSIGN_OR_RETURN(std::string backup, Scalar(n, "backup", "a key", false));
      if (!internal::IsName(k.label)) return Bad(n, "key labels are 1..64 of [A-Za-z0-9._-]");
      if (!labels.insert(k.label).second) return Bad(n, "key " + k.label + " is listed twice");
      if (!ParseSignatureAlgorithm(k.type).ok()) return Bad(n, "key " + k.label + ": unknown type");
      if (!internal::IsPurpose(k.purpose)) return Bad(n, "key " + k.label + ": purpose must be [a-z0-9-]");
      if (backup != "" && backup != "true" && backup != "false") return Bad(n, "backup must be true or false");
      k.backup = backup == "true";
      c.keys.push_back(std::move(k));
    }
  }
  return c;
}

}  // namespace signet::custody
