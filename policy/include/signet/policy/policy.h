// The gate policy: a versioned YAML file that is, with the trusted root and the builder keys
// it names, the only source of trust of the provenance gate (signer/ARCHITECTURE.md).
//
// Semantics the parser fixes once for everyone:
//   - Unknown keys, duplicate keys, YAML anchors/aliases/tags are refused (a typo must never
//     silently drop a constraint).
//   - An explicitly empty list approves nothing. An omitted optional list (`build_types`,
//     `builder_ids`, a source's `refs`) leaves that dimension unconstrained; `policy check`
//     reports every such omission that weakens a builder.
//   - Patterns are anchored globs (glob.h); identities and repositories compare exactly.
#ifndef SIGNET_POLICY_POLICY_H_
#define SIGNET_POLICY_POLICY_H_

#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "signet/core/public_key.h"
#include "signet/core/bytes.h"
#include "signet/core/result.h"
#include "signet/core/time.h"

namespace signet::policy {

// kPolicyVersion is the only `version` this build understands.
inline constexpr int kPolicyVersion = 1;

// Severity orders vulnerability severities. Unknown severities rank as kCritical (fail closed).
enum class Severity { kNone = 0, kLow = 1, kMedium = 2, kHigh = 3, kCritical = 4 };

// ParseSeverity reads a scanner's severity, case-insensitively: none, negligible (= low), low,
// medium, moderate (= medium), high, important (= high), critical; "unknown" and anything
// else map to kCritical. Never fails.
Severity ParseSeverity(std::string_view text);
// ParsePolicySeverity reads a policy's `max_severity`: exactly none|low|medium|high|critical.
// Fails kInvalidArgument otherwise.
Result<Severity> ParsePolicySeverity(std::string_view text);
// SeverityName returns "none", "low", "medium", "high" or "critical".
std::string_view SeverityName(Severity s);

// ParseBoundedTime is ParseRfc3339 restricted to the years 1970-2200. Timestamps are
// nanoseconds since 1970 in 64 bits (good until 2262), so a far-future year must be refused
// before conversion instead of overflowing. Fails kInvalidArgument.
Result<Timestamp> ParseBoundedTime(std::string_view text);

// kMaxPolicyDuration bounds every duration in a policy (100 years).
inline constexpr std::chrono::hours kMaxPolicyDuration{876000};

// KeylessIdentity pins a Sigstore keyless builder by its Fulcio certificate.
struct KeylessIdentity {
  std::string issuer;     // exact OIDC issuer
  std::string identity;   // exact SAN before the '@'
  std::optional<std::vector<std::string>> refs;  // globs over the SAN part after '@'
  // certificate_source_optional: accept certificates that name no source repository (private
  // or mock Fulcio instances without the GitHub extensions); the provenance's source is then
  // the only one checked. A certificate that names a source must still agree. Default false.
  bool certificate_source_optional = false;
  // runner: "github-hosted" requires the certificate's Runner Environment extension
  // (1.3.6.1.4.1.57264.1.11) to say exactly that; decided on the certificate alone. Empty: no
  // constraint from the policy (a provenance that claims a hosted runner still needs it).
  std::string runner;
};

// BuilderPolicy approves one builder, either keyless or by public keys (never both).
struct BuilderPolicy {
  std::string name;
  std::optional<KeylessIdentity> keyless;
  std::vector<std::string> keys;  // PEM file paths as written in the policy
  size_t threshold = 1;           // distinct `keys` that must sign
  // builder_ids: globs the payload's builder.id must match. Keyed builders: optional. Keyless
  // builders: only with `delegator: true`, for documented builders whose payload builder.id
  // is not the certificate's SAN: slsa-github-generator's BYOB delegator (builder.id names the
  // delegated builder) and GitHub's hosted-runner attestations
  // ("https://github.com/actions/runner/github-hosted").
  std::optional<std::vector<std::string>> builder_ids;
  bool delegator = false;
  std::optional<std::vector<std::string>> build_types;  // exact-or-glob buildType allow-list
};

// SourcePolicy approves a source repository (exact URI) and, optionally, its refs.
// repository_id / owner_id pin the immutable numeric ids GitHub puts in Fulcio certificates
// (Source Repository Identifier 1.3.6.1.4.1.57264.1.15, Source Repository Owner Identifier .17),
// so a deleted and re-created repository of the same name does not pass. Key-signed provenance is
// checked against its signed internalParameters.github.{repository_id, repository_owner_id}.
struct SourcePolicy {
  std::string repo;
  std::optional<std::vector<std::string>> refs;
  std::string repository_id;  // empty: not pinned
  std::string owner_id;       // empty: not pinned
};

// Requirement demands a companion attestation about the same digest.
struct Requirement {
  std::string predicate_type;
  std::vector<std::string> signed_by;  // builder names
  std::optional<Severity> max_severity;
  std::optional<std::chrono::seconds> max_age;
};

// PolicyException waives one finding for one subject and one match (e.g. a CVE id).
struct PolicyException {
  std::string finding;
  // subject: "sha256:<64 lowercase hex>"; for finding MUTABLE_REFERENCE the exact tag reference
  // it covers (e.g. "docker.io/library/nginx:1.25"), and `match` must repeat it. Only verifierd's
  // admission route reads MUTABLE_REFERENCE exceptions; the gate never waives a tag.
  std::string subject;
  std::string match;
  std::string owner;    // empty when absent: the exception then waives nothing
  std::string ticket;
  std::optional<Timestamp> expires;  // absent: the exception waives nothing
};

// Policy is a parsed policy file.
struct Policy {
  int version = 0;
  std::string trusted_root;  // path as written; required when any builder is keyless
  std::vector<BuilderPolicy> builders;
  std::vector<SourcePolicy> sources;
  std::optional<std::chrono::seconds> max_age;
  std::vector<Requirement> require;
  std::vector<PolicyException> exceptions;
  // verified_levels is what a signed verification summary (VSA) states as verifiedLevels for an
  // allowed image, e.g. ["SLSA_BUILD_LEVEL_3"]: the operator's claim that this policy checks them.
  std::vector<std::string> verified_levels;
  // images: globs (glob.h) over the repository part of `REPO@sha256:D` that may be signed even
  // when no accepted provenance subject is named REPO. Empty: only provenance subject names.
  std::vector<std::string> images;
  // annotations: the `signet sign --annotation` keys this policy allows. Empty: none.
  std::vector<std::string> annotations;
  // release_signers: PEM public key files (relative to the policy, like builder keys) of the
  // appliance's own release signatures, or keyrings (`signet ceremony init`'s keyring.json, told
  // apart by its content: a JSON object) whose `release` key versions sign, each only inside its
  // validity window (verifierd checks the keyring's quorum and the windows). Non-empty: verifierd
  // also requires a signature over the digest by one of them, in a form `signet sign` writes
  // (simple signing, cosign v3 bundle). `signet gate` decides before signing and does not read
  // it. Absent or empty: not required.
  std::vector<std::string> release_signers;
  // release_revocations: signed revocation lists (`signet key revoke`'s revocations.json), each
  // applied to the release_signers keyring of its ceremony; past its next_update verifierd fails
  // closed (REVOCATION_LIST_STALE). Needs a keyring among release_signers.
  std::vector<std::string> release_revocations;
  // accept_vsa: a SLSA VSA signed by a release signer, PASSED, about the digest and naming this
  // policy's digest may stand in for re-verifying the evidence (verifierd). Requires
  // release_signers (lint error ACCEPT_VSA_WITHOUT_RELEASE_SIGNERS).
  bool accept_vsa = false;
  // production_namespaces: the Kubernetes namespaces this policy calls production. `signet audit`
  // samples every one of them first and sends its unsigned-image probe to the first. Decisions
  // do not read it. Absent: none.
  std::vector<std::string> production_namespaces;

  // FindBuilder returns the builder called `name`, or nullptr.
  const BuilderPolicy* FindBuilder(std::string_view name) const;
};

// ParsePolicy parses policy YAML. It does no I/O.
// Fails kInvalidArgument (finding MALFORMED_INPUT) with the offending key path on: invalid
// UTF-8, invalid YAML, a version other than kPolicyVersion, unknown or duplicate keys, wrong types, a builder
// that is both or neither keyless and keyed, threshold 0 or above the number of keys, duplicate
// builder names, a requirement naming an unknown builder, a keyless builder without
// trusted_root, a malformed duration, timestamp, severity or exception subject.
Result<Policy> ParsePolicy(std::string_view yaml);

// LoadedPolicy is a policy with its files read: the bytes' digest and every builder's keys.
struct LoadedPolicy {
  Policy policy;
  std::string digest;            // "sha256:<hex>" of the policy file bytes
  std::string base_dir;          // directory relative paths were resolved against
  std::string trusted_root_path; // resolved; empty when the policy has none
  // keys[i] holds the parsed keys of policy.builders[i] (empty for keyless builders).
  std::vector<std::vector<PublicKey>> keys;
  // release_keys[i] is the parsed key of the release_signers entry release_key_names[i] (the
  // entries that are key files, in order).
  std::vector<PublicKey> release_keys;
  std::vector<std::string> release_key_names;
  // The release_signers entries that are keyrings, and the release_revocations files, read but
  // not interpreted here (custody/ parses and verifies them; verifierd does).
  struct TextFile {
    std::string name;  // as written in the policy
    std::string path;  // resolved
    std::string text;
  };
  std::vector<TextFile> release_keyrings;
  std::vector<TextFile> release_revocations;
};

// LoadPolicy reads `path`, parses it and loads every builder key (PEM, or DER
// SubjectPublicKeyInfo, relative to the policy file's directory). Fails as ParsePolicy, or
// kInvalidArgument/kNotFound naming the file that could not be read or parsed; key algorithms
// outside PublicKey's allow-list are refused. One key listed twice, in any encoding
// (PEM or DER, compressed or uncompressed EC point, other SPKI parameter encodings), within a
// builder or across builders, is refused kInvalidArgument: thresholds count keys
// (PublicKey::canonical_id), and a key must belong to one builder. The same holds among
// release_signers (a release signer may also be a builder key: they are separate roles).
Result<LoadedPolicy> LoadPolicy(const std::string& path);

// LintFinding is one problem `signet policy check` reports.
struct LintFinding {
  enum class Level { kError, kWarning };
  Level level = Level::kError;
  std::string code;   // stable, e.g. "UNANCHORED_IDENTITY"
  std::string where;  // key path, e.g. "builders[0].keyless.identity"
  std::string message;
};

// LintPolicy flags what parses but is unsafe or ineffective. Errors: UNANCHORED_IDENTITY (an
// identity with wildcards, regex syntax, '@' or no https:// scheme), UNANCHORED_PATTERN (a
// glob that looks like a regular expression, or begins with '*'), EMPTY_ALLOW_LIST (a list that
// approves nothing), EXCEPTION_NO_OWNER, EXCEPTION_NO_EXPIRY, KEYLESS_WITHOUT_REFS,
// DELEGATOR_WITHOUT_BUILDER_IDS, ACCEPT_VSA_WITHOUT_RELEASE_SIGNERS. Warnings: NO_BUILD_TYPES, NO_SOURCE_REFS, NO_MAX_AGE,
// CERTIFICATE_SOURCE_OPTIONAL, NO_SOURCE_IDS (a source without repository_id and owner_id);
// NO_MAX_AGE also for each requirement without max_age. Never fails.
std::vector<LintFinding> LintPolicy(const Policy& policy);

// CheckAnnotations checks `signet sign --annotation` pairs against the policy before any
// decision: every key and value must be valid UTF-8 and every key must be listed in
// policy.annotations. Fails kInvalidArgument (exit 2) naming the first offending key (an invalid
// key is not quoted).
Status CheckAnnotations(const Policy& policy, const std::map<std::string, std::string>& annotations);

}  // namespace signet::policy

#endif  // SIGNET_POLICY_POLICY_H_
