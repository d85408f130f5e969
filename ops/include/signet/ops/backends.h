// The one factory that builds hardware backends (PKCS#11 key stores, TPMs) from configuration.
//
// A binary's main() calls BuildBackends once and hands the result down; commands and libraries
// see only fw::KeyStore / fw::Tpm (or a TpmOpener bound to this object). Nothing else in the
// tree constructs an hsm:: or tpm:: backend (tests/integration/layering.sh checks it), so the
// choice of hardware is made in one place per binary (see ops/ARCHITECTURE.md).
#ifndef SIGNET_OPS_BACKENDS_H_
#define SIGNET_OPS_BACKENDS_H_

#include <cstddef>
#include <memory>
#include <string>

#include "signet/core/result.h"
#include "signet/firmware_iface/signing_key.h"
#include "signet/firmware_iface/tpm.h"

namespace signet::ops {

// KeyStoreConfig selects one PKCS#11 token, as `--key`/`--token`, `--module` and `--pin-env`
// select it on the command line.
struct KeyStoreConfig {
  // uri is a pkcs11: URI (RFC 7512) naming the token (a key URI works too). Its module-path or
  // module-name wins over `module`; its pin-source, else pin-value, wins over `pin_env`.
  std::string uri;
  // module is the PKCS#11 module file when the URI names none; empty: the BackendConfig default.
  std::string module;
  // pin_env names an environment variable holding the user PIN.
  std::string pin_env;
};

// TpmConfig selects one TPM.
struct TpmConfig {
  // tcti is an explicit TCTI string ("device:/dev/tpmrm0", "swtpm:host=...,port=N", ...). There
  // is no default: an empty string is kInvalidArgument.
  std::string tcti;
};

// BackendConfig holds the process-wide backend settings a main() reads once.
struct BackendConfig {
  // default_pkcs11_module is used when neither the URI nor KeyStoreConfig::module names a module.
  std::string default_pkcs11_module;
  // max_sessions bounds each key store's PKCS#11 session pool.
  size_t max_sessions = 4;
  // quiet_tss turns tpm2-tss's own stderr logging off (TSS2_LOG=all+NONE) unless the operator
  // set TSS2_LOG: failures then reach the user once, as a Signet error with the decoded TSS2_RC.
  bool quiet_tss = true;
};

// BackendConfigFromEnvironment returns the defaults with default_pkcs11_module taken from
// $SIGNET_PKCS11_MODULE (unset or empty: none).
BackendConfig BackendConfigFromEnvironment();

// Backends opens hardware on demand. Nothing is opened until a command asks, so a command that
// needs no device never fails for want of one, and a command checks its local inputs first.
class Backends {
 public:
  virtual ~Backends() = default;

  // OpenKeyStore opens the token `config` names behind a session pool. Errors are those of
  // hsm::OpenKeyStore: kInvalidArgument for a malformed URI or no module at all, kNotFound for
  // a module-name or token that matches nothing, kPermissionDenied for a wrong or locked PIN,
  // kUnavailable/kInternal from the module.
  virtual Result<std::unique_ptr<fw::KeyStore>> OpenKeyStore(const KeyStoreConfig& config) = 0;

  // OpenTpm connects to the TPM `config` names (tpm::OpenTpm): kInvalidArgument for a TCTI
  // string that is empty, malformed or names no loadable module, kUnavailable when it cannot
  // reach its TPM. The connection is held until the returned object is destroyed.
  virtual Result<std::unique_ptr<fw::Tpm>> OpenTpm(const TpmConfig& config) = 0;
};

// BuildBackends returns the PKCS#11 (hsm/) and tpm2-tss (tpm/) implementation of Backends.
// Each binary's main() is its only caller. Opens nothing; cannot fail.
std::unique_ptr<Backends> BuildBackends(const BackendConfig& config);

}  // namespace signet::ops

#endif  // SIGNET_OPS_BACKENDS_H_
