#include "tsa_wiring.h"

namespace signet::ops {

tsa::AuthorityOptions TsaOptionsFrom(const translog::ApplianceConfig& config) {
  tsa::AuthorityOptions options;
  if (!config.tsa_policy_oid.empty()) options.policy_oid = config.tsa_policy_oid;
  options.require_synchronized_clock = config.tsa_require_synchronized_clock;
  return options;
}

Result<std::unique_ptr<tsa::TimestampAuthority>> OpenStateDirTsa(Backends& backends, const std::string& state_dir,
                                                                 const std::string& tsa_key_uri,
                                                                 const KeyBackendFlags& flags) {
  SIGNET_ASSIGN_OR_RETURN(translog::ApplianceConfig config, translog::ReadApplianceConfig(state_dir));
  if (config.tsa_key_uri.empty() && tsa_key_uri.empty()) {
    return NotFound(state_dir + "/appliance.yaml has no tsa section: run `signet log init` with --tsa-key and "
                    "--tsa-ca-key");
  }
  SIGNET_ASSIGN_OR_RETURN(OpenedKey opened,
                          OpenSigningKey(backends, tsa_key_uri.empty() ? config.tsa_key_uri : tsa_key_uri, flags));
  // The key and its store live together, as long as the authority holds the key.
  auto held = std::make_shared<OpenedKey>(std::move(opened));
  std::shared_ptr<fw::SigningKey> key(held, held->key.get());
  return tsa::TimestampAuthority::Open(state_dir, std::move(key), TsaOptionsFrom(config));
}

}  // namespace signet::ops
