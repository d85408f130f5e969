// The appliance state directory (`signet log init --state-dir DIR`) as the CLI opens it for
// signing: DIR/appliance.yaml names the log key, DIR/log/ is the transparency log.
#ifndef SIGNET_OPS_STATE_DIR_H_
#define SIGNET_OPS_STATE_DIR_H_

#include <memory>
#include <string>

#include "signet/attestation/checkpoint.h"
#include "signet/core/result.h"
#include "signet/ops/backends.h"
#include "signet/signer/state_log.h"
#include "signet/translog/log.h"
#include "wiring.h"

namespace signet::ops {

// OpenedStateLog keeps the log key (and its token) alive as long as the log that signs with it.
// Members are destroyed in reverse order: the log stops before its key closes.
struct OpenedStateLog {
  OpenedKey key;
  std::unique_ptr<signer::StateLog> log;
};

// OpenLogNoteSigner opens the log key named by DIR/appliance.yaml (or `log_key_uri` when not
// empty; module and PIN as OpenSigningKey) and its note signer, and checks that it is the key
// appliance.yaml records (kInvalidArgument otherwise). `key` receives the opened key, which must
// outlive the signer.
Result<translog::NoteSigner> OpenLogNoteSigner(Backends& backends, const std::string& state_dir,
                                               const std::string& log_key_uri, const KeyBackendFlags& flags,
                                               OpenedKey* key);

// LoadLogVerifierKey reads the log's note verifier key from `vkey_file` when given, else from
// the appliance.yaml beside the log directory (DIR/log -> DIR/appliance.yaml).
Result<attestation::NoteVerifierKey> LoadLogVerifierKey(const std::string& log_dir, const std::string& vkey_file);

// OpenStateLog opens DIR's log for signing (signer::StateLog).
Result<OpenedStateLog> OpenStateLog(Backends& backends, const std::string& state_dir, const KeyBackendFlags& flags);

}  // namespace signet::ops

#endif  // SIGNET_OPS_STATE_DIR_H_
