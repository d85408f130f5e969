#include "signet/translog/appliance_config.h"

#include "signet/core/file.h"
#include "signet/core/yaml.h"

namespace signet::translog {
namespace {

Result<std::string> StringField(const YamlNode& map, std::string_view key, std::string_view where) {
  const YamlNode* n = map.Find(key);
  if (n == nullptr || n->kind != YamlNode::Kind::kScalar || n->scalar.empty()) {
    return InvalidArgument(std::string(where) + ": " + std::string(key) + " must be a non-empty string");
  }
  return n->scalar;
}

Status OnlyKeys(const YamlNode& map, std::initializer_list<std::string_view> keys, std::string_view where) {
  for (const YamlMember& m : map.members) {
    bool known = false;
    for (std::string_view k : keys) known = known || m.key == k;
    if (!known) return InvalidArgument(std::string(where) + ": unknown key \"" + m.key + "\"");
  }
  return OkStatus();
}

bool Plain(const std::string& s) {
  for (char c : s) {
    if (c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20) return false;
  }
  return !s.empty();
}

}  // namespace

Result<ApplianceConfig> ReadApplianceConfig(const std::string& state_dir) {
  const std::string path = state_dir + "/" + kApplianceConfigFile;
  auto text = ReadFile(path, kMaxYamlBytes);
  if (!text.ok()) return std::move(text).error();
  auto root = ParseYaml(*text);
  if (!root.ok()) return std::move(root).error().Prefix(path);
  if (root->kind != YamlNode::Kind::kMap) return InvalidArgument(path + ": not a mapping");
  SIGNET_RETURN_IF_ERROR(OnlyKeys(*root, {"origin", "log", "tsa"}, path));
  ApplianceConfig out;
  SIGNET_ASSIGN_OR_RETURN(out.origin, StringField(*root, "origin", path));
  const YamlNode* log = root->Find("log");
  if (log == nullptr || log->kind != YamlNode::Kind::kMap) return InvalidArgument(path + ": log must be a mapping");
  SIGNET_RETURN_IF_ERROR(OnlyKeys(*log, {"key", "verifier_key"}, path + " log"));
  SIGNET_ASSIGN_OR_RETURN(out.log_key_uri, StringField(*log, "key", path + " log"));
  SIGNET_ASSIGN_OR_RETURN(out.log_verifier_key, StringField(*log, "verifier_key", path + " log"));
  if (const YamlNode* tsa = root->Find("tsa"); tsa != nullptr) {
    const std::string where = path + " tsa";
    if (tsa->kind != YamlNode::Kind::kMap) return InvalidArgument(where + " must be a mapping");
    SIGNET_RETURN_IF_ERROR(OnlyKeys(*tsa, {"key", "ca_key", "policy_oid", "require_synchronized_clock"}, where));
    SIGNET_ASSIGN_OR_RETURN(out.tsa_key_uri, StringField(*tsa, "key", where));
    SIGNET_ASSIGN_OR_RETURN(out.tsa_ca_key_uri, StringField(*tsa, "ca_key", where));
    if (tsa->Find("policy_oid") != nullptr) {
      SIGNET_ASSIGN_OR_RETURN(out.tsa_policy_oid, StringField(*tsa, "policy_oid", where));
    }
    if (const YamlNode* sync = tsa->Find("require_synchronized_clock"); sync != nullptr) {
      if (sync->kind != YamlNode::Kind::kScalar || sync->quoted || (sync->scalar != "true" && sync->scalar != "false")) {
        return InvalidArgument(where + ": require_synchronized_clock must be true or false");
      }
      out.tsa_require_synchronized_clock = sync->scalar == "true";
    }
  }
  return out;
}

Status WriteApplianceConfig(const std::string& state_dir, const ApplianceConfig& config) {
  for (const std::string* uri : {&config.log_key_uri, &config.tsa_key_uri, &config.tsa_ca_key_uri}) {
    if (uri->find("pin-value") != std::string::npos) {
      return InvalidArgument("a key URI carries pin-value; appliance.yaml never stores a PIN "
                             "(use pin-source=<file> or --pin-env)");
    }
  }
  if (!Plain(config.origin) || !Plain(config.log_key_uri) || !Plain(config.log_verifier_key)) {
    return InvalidArgument("appliance.yaml values may not contain quotes, backslashes or control characters");
  }
  const bool has_tsa = !config.tsa_key_uri.empty();
  if (has_tsa && (!Plain(config.tsa_key_uri) || !Plain(config.tsa_ca_key_uri) ||
                  (!config.tsa_policy_oid.empty() && !Plain(config.tsa_policy_oid)))) {
    return InvalidArgument("appliance.yaml tsa values must be non-empty, without quotes, backslashes or control characters");
  }
  std::string text = "# signet appliance state directory (written by `signet log init`)\n";
  text += "origin: \"" + config.origin + "\"\n";
  text += "log:\n";
  text += "  key: \"" + config.log_key_uri + "\"\n";
  text += "  verifier_key: \"" + config.log_verifier_key + "\"\n";
  if (has_tsa) {
    text += "tsa:\n";
    text += "  key: \"" + config.tsa_key_uri + "\"\n";
    text += "  ca_key: \"" + config.tsa_ca_key_uri + "\"\n";
    if (!config.tsa_policy_oid.empty()) text += "  policy_oid: \"" + config.tsa_policy_oid + "\"\n";
    text += std::string("  require_synchronized_clock: ") + (config.tsa_require_synchronized_clock ? "true" : "false") + "\n";
  }
  return WriteFileAtomic(state_dir + "/" + kApplianceConfigFile, text, 0644);
}

}  // namespace signet::translog
