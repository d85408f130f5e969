// SLSA provenance (v0.1 as Google Cloud Build emits it, v0.2, v1.0),
// normalised into one model the gate checks.
//
// Trust decision: these functions parse; they never verify. The gate calls them only on the
// predicate of an attestation::Statement, which exists only for a verified envelope, and their
// output means nothing on its own: the gate binds it to the verified signer before reading any
// field. In particular `builder_id` is the
// payload's claim, which the gate checks against the certificate, never trusts instead of it.
#ifndef SIGNET_POLICY_PROVENANCE_H_
#define SIGNET_POLICY_PROVENANCE_H_

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "signet/core/bytes.h"
#include "signet/core/json.h"
#include "signet/core/result.h"
#include "signet/core/time.h"

namespace signet::policy {

// kSlsaProvenanceV01 / V02 / V1 are the only predicate types the gate reads as provenance.
inline constexpr std::string_view kSlsaProvenanceV01 = "https://slsa.dev/provenance/v0.1";
inline constexpr std::string_view kSlsaProvenanceV02 = "https://slsa.dev/provenance/v0.2";
inline constexpr std::string_view kSlsaProvenanceV1 = "https://slsa.dev/provenance/v1";

// DigestSet is a material's digest map, algorithm -> value, in document order.
using DigestSet = std::vector<std::pair<std::string, std::string>>;

// IsSlsaProvenanceType reports whether `predicate_type` is one of the three types above.
bool IsSlsaProvenanceType(std::string_view predicate_type);

// SourceRef is a source repository at a ref and commit. `repo` is normalised: a leading "git+"
// and a trailing "@<ref>" are removed, so "git+https://github.com/o/r@refs/tags/v1" becomes
// repo "https://github.com/o/r", ref "refs/tags/v1".
struct SourceRef {
  std::string repo;
  std::string ref;     // empty when the provenance names none
  std::string commit;  // hex (gitCommit or sha1), empty when unknown
};

// Material is one resolved dependency / material.
struct Material {
  std::string uri;
  DigestSet digest;
};

// Provenance is the normalised SLSA provenance.
struct Provenance {
  enum class Version { kV01, kV02, kV1 };
  Version version = Version::kV1;
  std::string predicate_type;
  std::string builder_id;  // the payload's CLAIM (see the header comment)
  std::string build_type;
  std::optional<SourceRef> source;
  std::string entry_point;    // workflow path / config file, when known
  std::string trigger;        // e.g. "push", "workflow_dispatch", a GCB trigger name
  std::string invocation_id;
  std::vector<Material> materials;
  std::optional<Timestamp> started_on;   // the payload's claim: never used for freshness
  std::optional<Timestamp> finished_on;  // idem; the signer's signed finish time for key-signed
                                         // evidence (SignedFinishTime)
  // v1 internalParameters.github (GitHub Actions build types), empty when absent. The
  // payload's claims: runner_environment "github-hosted" must be backed by the certificate.
  std::string runner_environment;
  std::string repository_id;        // decimal
  std::string repository_owner_id;  // decimal
};

// kGithubHostedRunnerBuilderId is the builder.id GitHub's hosted-runner attestations name
// (actions/attest-build-provenance); a provenance naming it claims a hosted runner.
inline constexpr std::string_view kGithubHostedRunnerBuilderId =
    "https://github.com/actions/runner/github-hosted";

// ClaimsHostedRunner reports whether `p` claims to have been built on a GitHub-hosted runner:
// internalParameters.github.runner_environment is "github-hosted", or builder.id starts with
// kGithubHostedRunnerBuilderId. Never fails.
bool ClaimsHostedRunner(const Provenance& p);

// SignedFinishTime returns the time a signed predicate states its producer finished, the one
// time a key-signed statement carries that its (trusted) key vouches for:
//   SLSA v0.1 / v0.2  metadata.buildFinishedOn
//   SLSA v1           runDetails.metadata.finishedOn
//   cosign vuln       metadata.scanFinishedOn   (https://cosign.sigstore.dev/attestation/vuln/v1)
//   CycloneDX         metadata.timestamp        (https://cyclonedx.org/bom, any version suffix)
// nullopt for other predicate types, or when the field is absent, not a string or not an RFC
// 3339 time in 1970-2200 (no usable signed time: fail closed). Never fails.
std::optional<Timestamp> SignedFinishTime(std::string_view predicate_type, const JsonValue& predicate);

// SplitSourceUri normalises "git+https://host/o/r@refs/x" into repo and ref (see SourceRef).
// A URI without '@' after its path start has an empty ref. Never fails.
SourceRef SplitSourceUri(std::string_view uri);

// NormaliseProvenance reads `predicate` of type `predicate_type`. Steps:
//   1. Dispatch on predicate_type (exactly one of the three SLSA provenance types; anything
//      else fails VerificationFailed PREDICATE_TYPE_INVALID).
//   2. v1.0: buildDefinition.buildType and runDetails.builder.id are required. The source is
//      externalParameters.workflow {repository, ref} (GitHub Actions build type), else
//      externalParameters.buildConfigSource (Cloud Build), else externalParameters.source (URI
//      string or {uri, digest}), else the first resolvedDependency with a "git+" URI
//      (slsa-github-generator's delegator); its commit is the matching resolvedDependency's
//      gitCommit/sha1.
//   3. v0.2: builder.id and buildType required; source from invocation.configSource.
//   4. v0.1 (Cloud Build): builder.id and recipe.type required; source from the first git+
//      material, its ref from recipe.arguments.substitutions TAG_NAME / BRANCH_NAME.
//   5. Timestamps, when present, must be RFC 3339.
// Fails kInvalidArgument with finding MALFORMED_INPUT on missing required fields or wrong types.
Result<Provenance> NormaliseProvenance(std::string_view predicate_type, const JsonValue& predicate);

// VersionName returns "v0.1", "v0.2" or "v1".
std::string_view VersionName(Provenance::Version v);

}  // namespace signet::policy

#endif  // SIGNET_POLICY_PROVENANCE_H_
