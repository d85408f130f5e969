// The CLI's use of custody/: custodian approval keys (PEM file or pkcs11: URI through
// fw::SigningKey) and verifying with a keyring in place of a pinned key (issue 17).
#ifndef SIGNET_OPS_KEYRING_WIRING_H_
#define SIGNET_OPS_KEYRING_WIRING_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "signet/core/public_key.h"
#include "signet/core/result.h"
#include "signet/core/time.h"
#include "signet/custody/approval.h"
#include "signet/custody/keyring.h"
#include "signet/ops/backends.h"
#include "wiring.h"

namespace signet::ops {

// OpenApprovalSigner opens a custodian key: a `pkcs11:` URI through `backends` (module and PIN as
// OpenSigningKey), else a PEM private key file (read into SecretBytes, never logged).
Result<std::unique_ptr<custody::ApprovalSigner>> OpenApprovalSigner(Backends& backends, const std::string& key,
                                                                    const KeyBackendFlags& flags);

// LoadVerifiedKeyring reads `keyring_path`, verifies its chain and quorum (VerifyKeyring) and,
// when `revocations_path` is non-empty, verifies that list against it at `now` (stale, foreign or
// under-signed: refused) and applies it. Refusals are kVerificationFailed with the finding;
// unreadable or malformed files kInvalidArgument/kNotFound.
Result<custody::Keyring> LoadVerifiedKeyring(const std::string& keyring_path, const std::string& revocations_path,
                                             Timestamp now);

// CheckKeyringTimes applies custody::CheckSignatureKey for `key` at every trusted time in
// `times` (all must pass), or without a trusted time when `times` is empty.
Status CheckKeyringTimes(const custody::Keyring& keyring, const PublicKey& key, std::string_view purpose,
                         const std::vector<Timestamp>& times, Timestamp now);

}  // namespace signet::ops

#endif  // SIGNET_OPS_KEYRING_WIRING_H_
