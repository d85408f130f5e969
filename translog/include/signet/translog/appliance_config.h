// DIR/appliance.yaml: which keys a state directory's log uses (written by `signet log init`).
//
//   # signet appliance state directory (written by `signet log init`)
//   origin: "log.example"
//   log:
//     key: "pkcs11:token=...;object=..."      # the log key's URI, without pin-value
//     verifier_key: "log.example+1a2b3c4d+AQ..."  # c2sp note verifier key of that key
//
// The TSA keys (issue 16 part 3) will add a `tsa:` section; unknown keys are refused until then.
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
};

// ReadApplianceConfig reads DIR/appliance.yaml strictly (core/yaml.h rules, no unknown keys,
// every field present and a quoted string). kNotFound when missing, kInvalidArgument otherwise.
Result<ApplianceConfig> ReadApplianceConfig(const std::string& state_dir);

// WriteApplianceConfig writes DIR/appliance.yaml atomically. A URI carrying pin-value is
// refused (kInvalidArgument): the file never holds a PIN. Values holding '"', '\\' or control
// characters are refused too.
Status WriteApplianceConfig(const std::string& state_dir, const ApplianceConfig& config);

}  // namespace signet::translog

#endif  // SIGNET_TRANSLOG_APPLIANCE_CONFIG_H_
