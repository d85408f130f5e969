// The appliance's own outputs as evidence: release signatures (policy `release_signers`) and
// VSAs (policy `accept_vsa`). Both verify under the policy's pinned release keys only.
#ifndef SIGNET_VERIFIERD_RELEASE_H_
#define SIGNET_VERIFIERD_RELEASE_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "signet/attestation/trusted_root.h"
#include "signet/core/time.h"
#include "signet/custody/keyring.h"
#include "signet/policy/policy.h"
#include "signet/verifierd/evidence.h"

namespace signet::verifierd {

// ReleaseKeyring is a release_signers keyring, verified when the policy loaded.
struct ReleaseKeyring {
  std::string name;          // as the policy names it
  custody::Keyring keyring;  // VerifyKeyring accepted it; the revocation list (if any) is applied
  std::string revocations;   // the release_revocations entry applied, "" when none
  std::optional<Timestamp> next_update;  // that list's next_update: at or past it, fail closed
};

// ReleaseTrust is what release signatures by keyring keys are judged with: the keyrings, and the
// policy's trusted root, whose verified log and RFC 3161 times are a signature's trusted times.
struct ReleaseTrust {
  std::vector<ReleaseKeyring> keyrings;
  std::optional<attestation::TrustedRoot> root;
};

// LoadReleaseTrust parses and verifies lp's release_signers keyrings (custody::VerifyKeyring: a
// quorum of custodians signed each version, and each version its predecessor's quorum) and its
// release_revocations (each applied to the keyring of its ceremony, which must be among them;
// signed by that keyring's quorum; issued before next_update). A list already stale is loaded:
// the requests then fail closed. Fails kInvalidArgument / kVerificationFailed naming the file.
// Returns null when the policy names no keyring.
Result<std::shared_ptr<const ReleaseTrust>> LoadReleaseTrust(const policy::LoadedPolicy& lp,
                                                             const std::optional<attestation::TrustedRoot>& root);

// ReleaseResult is the outcome of the release-signature requirement.
struct ReleaseResult {
  // kKeyRefused: the signature verifies under a keyring key, but the key was not valid at the
  // signature's trusted time (or, without one, is not active now), or the revocation list is
  // stale; `finding` says which (KEY_REVOKED, KEY_OUTSIDE_VALIDITY, REVOCATION_LIST_STALE).
  enum class Status { kNotRequired, kPass, kDigestMismatch, kWeakSigner, kMissing, kKeyRefused };
  Status status = Status::kNotRequired;
  std::string detail;
  std::string input;  // the signature file that decided (pass) or the first refused one
  std::string finding;  // gate-style finding code when not passing
};

// NextChange returns the earliest time after `at` at which a keyring decision may change: a
// revocation list's next_update, a release key's not_after or revoked_at. Timestamp::max() when
// none. A cached decision must not outlive it.
Timestamp NextChange(const ReleaseTrust& trust, Timestamp at);

// CheckReleaseSignatures checks `files` (kSignature / kSimpleSigning) for the image `subject`
// ("REPO@sha256:HEX" compares name and digest, "sha256:HEX" the digest only) under
// lp.release_keys. Steps: 1. every (file, key) pair is checked over the exact bytes
// (policy::CheckCosignBundleBytes / CheckSimpleSigningBytes); one that passes is enough.
// 2. Otherwise: a signature that verifies under a release key but names another digest or name,
// or one whose key hint names a release key but does not verify, or a simple signature that
// verifies under none -> kDigestMismatch; a bundle whose key hint names no release key ->
// kWeakSigner; no file -> kMissing. kNotRequired when the policy lists no release signer.
// Keyring keys (`trust`, may be null) count after the pinned keys: a signature that verifies
// under one passes only if custody::CheckSignatureKey accepts the key at each of the signature's
// trusted times: those of a cosign bundle that verifies against trust->root (its log entries and
// RFC 3161 timestamps), or none (then the key must be active and inside its window at `at`). A
// bundle whose time proofs do not verify has no trusted time: the stricter rule applies. A keyring
// whose revocation list is at or past next_update at `at` refuses (REVOCATION_LIST_STALE).
ReleaseResult CheckReleaseSignatures(const policy::LoadedPolicy& lp, const ReleaseTrust* trust,
                                     const std::string& subject, const std::vector<const EvidenceFile*>& files,
                                     Timestamp at);

// VsaResult is the outcome of looking for a VSA that stands in for the evidence.
struct VsaResult {
  bool accepted = false;
  std::string input;     // the accepted VSA
  std::string detail;    // why none was accepted ("" when none was offered)
  std::optional<Timestamp> time_verified;
};

// CheckVsa accepts one of `files` (kVsa) when, in order: 1. it is a Sigstore bundle v0.3 whose
// DSSE envelope verifies under one of lp.release_keys (PAE, over the exact payload); 2. the
// statement's predicateType is the SLSA VSA v1; 3. a subject has sha256 `digest_hex`; 4.
// verificationResult is PASSED; 5. policy.digest.sha256 is this policy's digest; 6. timeVerified
// is not after `at` and, when the policy has max_age, not older than it. Not accepted unless
// the policy sets accept_vsa. A VSA has no trusted time: a keyring key (`trust`, may be null)
// signs one only while it is active, inside its window at `at` and its keyring's revocation
// list is fresh. Never fails.
VsaResult CheckVsa(const policy::LoadedPolicy& lp, const ReleaseTrust* trust, const std::string& digest_hex,
                   Timestamp at, const std::vector<const EvidenceFile*>& files);

}  // namespace signet::verifierd

#endif  // SIGNET_VERIFIERD_RELEASE_H_
