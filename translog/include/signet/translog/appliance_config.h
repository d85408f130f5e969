// DIR/appliance.yaml: which keys a state directory's log uses (written by `signet log init`).
//
//   # signet appliance state directory (written by `signet log init`)
//   origin: "log.example"
//   log:
//     key: "pkcs11:token=...;object=..."      # the log key's URI, without pin-value
//     verifier_key: "log.example+1a2b3c4d+AQ..."  # c2sp note verifier key of that key
//   tsa:                                      # optional: the timestamp authority (tsa/)
//     key: "pkcs11:...;object=tsa"            # the TSA leaf key's URI (ECDSA P-256), no pin-value
//     ca_key: "pkcs11:...;object=tsa-ca"      # the TSA CA key's URI (ECDSA P-256), no pin-value
//     policy_oid: "1.3.6.1.4.1.32473.3161.1"  # optional, default tsa::kDefaultPolicyOid
//     require_synchronized_clock: true        # optional, default true; false only for tests
//
// Unknown keys are refused.
#ifndef SIGNET_TRANSLOG_APPLIANCE_CONFIG_H_
#define SIGNET_TRANSLOG_APPLIANCE_CONFIG_H_

#include <string>

#include "signet/core/result.h"

namespace signet::translog {

inline constexpr char kApplianceConfigFile[] = "appliance.yaml";

// ApplianceConfig is the parsed appliance.yaml.
struct ApplianceConfig {
  std::string origin;
  std::string log_key_uri;
  std::string log_verifier_key;
  // The `tsa:` section; tsa_key_uri is empty when the state directory has no TSA.
  std::string tsa_key_uri = "";
  std::string tsa_ca_key_uri = "";
  std::string tsa_policy_oid = "";  // empty: the TSA's default policy
  bool tsa_require_synchronized_clock = true;
};

// ReadApplianceConfig reads DIR/appliance.yaml strictly (core/yaml.h rules, no unknown keys,
// every field present and a quoted string). kNotFound when missing, kInvalidArgument otherwise.
Result<ApplianceConfig> ReadApplianceConfig(const std::string& state_dir);

// WriteApplianceConfig writes DIR/appliance.yaml atomically (the tsa section only when
// tsa_key_uri is set, and then tsa_ca_key_uri must be too). A URI carrying pin-value is
// refused (kInvalidArgument): the file never holds a PIN. Values holding '"', '\\' or control
// characters are refused too.
Status WriteApplianceConfig(const std::string& state_dir, const ApplianceConfig& config);

}  // namespace signet::translog

#endif  // SIGNET_TRANSLOG_APPLIANCE_CONFIG_H_
