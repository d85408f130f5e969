#include "state_dir.h"

#include <utility>

#include "signet/core/file.h"
#include "signet/translog/appliance_config.h"

namespace signet::ops {

namespace {

// ParentOf returns the directory holding `path` ("DIR/log" -> "DIR"), ignoring trailing slashes.
std::string ParentOf(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace

Result<attestation::NoteVerifierKey> LoadLogVerifierKey(const std::string& log_dir, const std::string& vkey_file) {
  if (!vkey_file.empty()) {
    auto text = ReadFile(vkey_file, attestation::kMaxNoteVerifierKeyBytes);
    if (!text.ok()) return std::move(text).error().Prefix("reading " + vkey_file);
    return attestation::ParseNoteVerifierKey(*text);
  }
  auto config = translog::ReadApplianceConfig(ParentOf(log_dir));
  if (!config.ok()) {
    return std::move(config).error().Prefix("no --vkey given and no readable appliance.yaml beside " + log_dir);
  }
  return attestation::ParseNoteVerifierKey(config->log_verifier_key);
}


Result<translog::NoteSigner> OpenLogNoteSigner(Backends& backends, const std::string& state_dir,
                                               const std::string& log_key_uri, const KeyBackendFlags& flags,
                                               OpenedKey* key) {
  SIGNET_ASSIGN_OR_RETURN(translog::ApplianceConfig config, translog::ReadApplianceConfig(state_dir));
  SIGNET_ASSIGN_OR_RETURN(*key, OpenSigningKey(backends, log_key_uri.empty() ? config.log_key_uri : log_key_uri, flags));
  SIGNET_ASSIGN_OR_RETURN(translog::NoteSigner signer, translog::NoteSigner::Create(config.origin, *key->key));
  if (signer.verifier_key() != config.log_verifier_key) {
    return InvalidArgument("the log key is not the one appliance.yaml records");
  }
  return signer;
}

Result<OpenedStateLog> OpenStateLog(Backends& backends, const std::string& state_dir, const KeyBackendFlags& flags) {
  OpenedStateLog out;
  auto signer = OpenLogNoteSigner(backends, state_dir, "", flags, &out.key);
  if (!signer.ok()) return std::move(signer).error().Prefix("--state-dir " + state_dir);
  auto log = signer::StateLog::Open(state_dir, std::move(*signer));
  if (!log.ok()) return std::move(log).error().Prefix("--state-dir " + state_dir);
  out.log = std::move(*log);
  return out;
}

}  // namespace signet::ops
