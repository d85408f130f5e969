// ceremony.yaml (issue 17 point 1): the token, the SO PIN file, the threshold, the custodians'
// public keys and the keys to create. `ceremony init` reads all of it; `ceremony verify` needs
// the threshold and the custodians.
//
//   token: "pkcs11:..."            # string
//   so_pin_file: so.pin            # path, relative to the config's directory
//   threshold: 2                   # 2..number of custodians
//   custodians: [{name: alice, public_key: alice.pub}, ...]   # PEM files, P-256 or P-384
//   keys: [{label: release-2026, type: ecdsa-p256, purpose: release, backup: true}, ...]
#ifndef SIGNET_CUSTODY_CEREMONY_CONFIG_H_
#define SIGNET_CUSTODY_CEREMONY_CONFIG_H_

#include <string>
#include <string_view>
#include <vector>

#include "signet/core/public_key.h"
#include "signet/core/result.h"
#include "signet/custody/transcript.h"

namespace signet::custody {

// CeremonyKeySpec is one key the ceremony creates.
struct CeremonyKeySpec {
  std::string label;
  std::string type;     // a SignatureAlgorithmName
  std::string purpose;  // [a-z0-9-]+
  bool backup = false;
};

// CeremonyConfig is a parsed ceremony.yaml.
struct CeremonyConfig {
  std::string token;
  std::string so_pin_file;  // resolved against the config's directory; "" if absent
  int threshold = 0;
  std::vector<CustodianKey> custodians;  // public keys read from their files
  std::vector<std::string> custodian_key_files;  // resolved paths, parallel to custodians
  std::vector<CeremonyKeySpec> keys;
};

// LoadCeremonyConfig reads `path` and the custodians' public key files (paths relative to the
// config's directory). Unknown keys, duplicate names or keys, a threshold outside
// 2..custodians, a custodian key that is not P-256/P-384, a bad key type: kInvalidArgument
// naming the field. A missing file: kNotFound.
Result<CeremonyConfig> LoadCeremonyConfig(const std::string& path);

}  // namespace signet::custody

#endif  // SIGNET_CUSTODY_CEREMONY_CONFIG_H_
