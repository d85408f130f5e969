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
  SIGNET_RETURN_IF_ERROR(OnlyKeys(*root, {"origin", "log"}, path));
  ApplianceConfig out;
  SIGNET_ASSIGN_OR_RETURN(out.origin, StringField(*root, "origin", path));
  const YamlNode* log = root->Find("log");
  if (log == nullptr || log->kind != YamlNode::Kind::kMap) return InvalidArgument(path + ": log must be a mapping");
  SIGNET_RETURN_IF_ERROR(OnlyKeys(*log, {"key", "verifier_key"}, path + " log"));
  SIGNET_ASSIGN_OR_RETURN(out.log_key_uri, StringField(*log, "key", path + " log"));
  SIGNET_ASSIGN_OR_RETURN(out.log_verifier_key, StringField(*log, "verifier_key", path + " log"));
  return out;
}

Status WriteApplianceConfig(const std::string& state_dir, const ApplianceConfig& config) {
  if (config.log_key_uri.find("pin-value") != std::string::npos) {
    return InvalidArgument("the log key URI carries pin-value; appliance.yaml never stores a PIN "
                           "(use pin-source=<file> or --pin-env)");
  }
  if (!Plain(config.origin) || !Plain(config.log_key_uri) || !Plain(config.log_verifier_key)) {
    return InvalidArgument("appliance.yaml values may not contain quotes, backslashes or control characters");
  }
  std::string text = "# signet appliance state directory (written by `signet log init`)\n";
  text += "origin: \"" + config.origin + "\"\n";
  text += "log:\n";
  text += "  key: \"" + config.log_key_uri + "\"\n";
  text += "  verifier_key: \"" + config.log_verifier_key + "\"\n";
  return WriteFileAtomic(state_dir + "/" + kApplianceConfigFile, text, 0644);
}

}  // namespace signet::translog
