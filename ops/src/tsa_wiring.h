// Opening the state directory's timestamp authority for the CLI (`signet tsa stamp`, and
// `signet sign --state-dir`, which stamps every bundle's signature).
#ifndef SIGNET_OPS_TSA_WIRING_H_
#define SIGNET_OPS_TSA_WIRING_H_

#include <memory>
#include <string>

#include "signet/core/result.h"
#include "signet/translog/appliance_config.h"
#include "signet/tsa/authority.h"
#include "wiring.h"

namespace signet::ops {

// TsaOptionsFrom maps appliance.yaml's tsa section onto the authority's options (policy OID,
// tsa.require_synchronized_clock).
tsa::AuthorityOptions TsaOptionsFrom(const translog::ApplianceConfig& config);

// OpenStateDirTsa reads DIR/appliance.yaml, opens its TSA key (`tsa_key_uri` overrides the
// file's; module and PIN as OpenSigningKey) and the authority over DIR/tsa/. kNotFound (exit 2)
// when appliance.yaml has no tsa section; the key store lives as long as the authority.
Result<std::unique_ptr<tsa::TimestampAuthority>> OpenStateDirTsa(Backends& backends, const std::string& state_dir,
                                                                 const std::string& tsa_key_uri,
                                                                 const KeyBackendFlags& flags);

}  // namespace signet::ops

#endif  // SIGNET_OPS_TSA_WIRING_H_
