// The appliance's own outputs as evidence: release signatures (policy `release_signers`) and
// VSAs (policy `accept_vsa`). Both verify under the policy's pinned release keys only.
#ifndef SIGNET_VERIFIERD_RELEASE_H_
#define SIGNET_VERIFIERD_RELEASE_H_

#include <string>
#include <vector>

#include "signet/core/time.h"
#include "signet/policy/policy.h"
#include "signet/verifierd/evidence.h"

namespace signet::verifierd {

// ReleaseResult is the outcome of the release-signature requirement.
struct ReleaseResult {
  enum class Status { kNotRequired, kPass, kDigestMismatch, kWeakSigner, kMissing };
  Status status = Status::kNotRequired;
  std::string detail;
  std::string input;  // the signature file that decided (pass) or the first refused one
  std::string finding;  // gate-style finding code when not passing
};

// CheckReleaseSignatures checks `files` (kSignature / kSimpleSigning) for the image `subject`
// ("REPO@sha256:HEX" compares name and digest, "sha256:HEX" the digest only) under
// lp.release_keys. Steps: 1. every (file, key) pair is checked over the exact bytes
// (policy::CheckCosignBundleBytes / CheckSimpleSigningBytes); one that passes is enough.
// 2. Otherwise: a signature that verifies under a release key but names another digest or name,
// or one whose key hint names a release key but does not verify, or a simple signature that
// verifies under none -> kDigestMismatch; a bundle whose key hint names no release key ->
// kWeakSigner; no file -> kMissing. kNotRequired when the policy lists no release signer.
ReleaseResult CheckReleaseSignatures(const policy::LoadedPolicy& lp, const std::string& subject,
                                     const std::vector<const EvidenceFile*>& files);

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
// the policy sets accept_vsa. Never fails.
VsaResult CheckVsa(const policy::LoadedPolicy& lp, const std::string& digest_hex, Timestamp at,
                   const std::vector<const EvidenceFile*>& files);

}  // namespace signet::verifierd

#endif  // SIGNET_VERIFIERD_RELEASE_H_
