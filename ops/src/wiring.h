// Shared wiring of the CLI: opening a signing key through the Backends main() built, loading a
// policy into a gate, reading evidence files. No backend is constructed here (backends.h).
#ifndef SIGNET_OPS_WIRING_H_
#define SIGNET_OPS_WIRING_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "signet/attestation/trusted_root.h"
#include "signet/core/result.h"
#include "signet/firmware_iface/signing_key.h"
#include "signet/ops/backends.h"
#include "signet/policy/gate.h"
#include "signet/policy/inputs.h"
#include "signet/policy/policy.h"
#include "signet/translog/log.h"

namespace signet::ops {

// OpenedKey keeps the key store alive as long as the key.
struct OpenedKey {
  std::unique_ptr<fw::KeyStore> store;
  std::unique_ptr<fw::SigningKey> key;
};

// KeyBackendFlags are the flags that locate a key's module and PIN.
struct KeyBackendFlags {
  std::string module;
  std::string pin_env;
};

// AddKeyBackendFlags registers --module and --pin-env on `cmd`.
void AddKeyBackendFlags(CLI::App* cmd, KeyBackendFlags& flags);

// OpenKeyStoreFromUri opens, through `backends`, the token named by the pkcs11: `uri` behind a
// session pool. The module comes from the URI's module-path, else flags.module, else
// $SIGNET_PKCS11_MODULE (BackendConfigFromEnvironment); the PIN from the URI's pin-source, else
// the variable named by flags.pin_env, else pin-value (which warns on stderr: it puts the PIN
// into argv). A URI that does not parse is kInvalidArgument before anything is opened.
Result<std::unique_ptr<fw::KeyStore>> OpenKeyStoreFromUri(Backends& backends, const std::string& uri,
                                                          const KeyBackendFlags& flags);

// OpenSigningKey opens the single key matching the pkcs11: `uri`. The module comes from the
// URI's module-path, else flags.module, else $SIGNET_PKCS11_MODULE; the PIN from the URI's
// pin-source, else the variable named by flags.pin_env, else pin-value (warns on stderr).
Result<OpenedKey> OpenSigningKey(Backends& backends, const std::string& uri, const KeyBackendFlags& flags);

// OpenedLog is the appliance's log key and the note signer over it (the key outlives the signer).
struct OpenedLog {
  OpenedKey key;
  std::unique_ptr<translog::NoteSigner> signer;
};

// OpenLogSigner opens the log key of the state directory `state_dir` (from `log_key`, else its
// appliance.yaml) and its note signer. kInvalidArgument when the key is not the one
// appliance.yaml records.
Result<OpenedLog> OpenLogSigner(Backends& backends, const std::string& state_dir, const std::string& log_key,
                                const KeyBackendFlags& flags);

// LoadPolicyTrustedRoot reads and parses the trusted root `policy` names (nullopt when it names
// none). A broken pin is a configuration error, so every failure is kInvalidArgument (exit 2),
// never a refusal of evidence.
Result<std::optional<attestation::TrustedRoot>> LoadPolicyTrustedRoot(const policy::LoadedPolicy& policy);

// LoadGate reads the policy at `path`, refuses it if `signet policy check` finds an error, and
// loads the trusted root it names.
Result<policy::Gate> LoadGate(const std::string& path);

// ReadEvidenceFiles reads each file (bounded size) as an EvidenceInput named by its path.
Result<std::vector<policy::EvidenceInput>> ReadEvidenceFiles(const std::vector<std::string>& paths);

// DefaultAuditLogPath is $SIGNET_STATE_DIR/audit.log, else /var/lib/signet/audit.log for root,
// else $XDG_STATE_HOME/signet/audit.log (~/.local/state/signet/audit.log). The directory is
// created (0700) if missing; something else than a directory standing there (a file as
// $SIGNET_STATE_DIR) is kInvalidArgument (exit 2).
Result<std::string> DefaultAuditLogPath();

}  // namespace signet::ops

#endif  // SIGNET_OPS_WIRING_H_
