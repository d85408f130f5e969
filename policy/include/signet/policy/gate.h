// The provenance gate: decides whether a digest may be signed, from verified SLSA provenance
// and the companion attestations the policy requires. It signs nothing itself.
//
// Trust model (signer/ARCHITECTURE.md has the numbered steps and every finding code):
//   - Only the policy, its trusted root and its builder keys add trust. Every candidate is
//     verified with attestation/ (VerifyBundle / VerifyEnvelope) before its payload is read, and
//     the payload is only read through attestation::Statement.
//   - Keyless builders are identified by their verified Fulcio certificate, never by the
//     payload's builder.id; builder.id must equal the certificate's SAN unless the builder is a
//     documented delegator, where it must match the policy's builder_ids.
//   - Freshness is measured from the earliest trusted time. Keyless: the verified log / RFC 3161
//     time (bounded by the certificate window). Key-signed: the earliest of those and the
//     signer's signed finish time (SignedFinishTime), and never fresh without the latter, since
//     an old envelope can be logged or stamped again. max_age refuses evidence with no such time.
//   - Claims are bound to the certificate: a hosted-runner claim needs Fulcio's runner
//     environment github-hosted; keyless companions pass `sources` by the certificate's source.
//   - With a "REPO@sha256:D" subject, REPO must be a subject name of the accepted provenance with
//     digest D, or match the policy's `images` (IMAGE_NOT_ALLOWED), as for `signet sign`.
//   - One provenance that passes every check is enough; every candidate is tried.
#ifndef SIGNET_POLICY_GATE_H_
#define SIGNET_POLICY_GATE_H_

#include <optional>
#include <string>
#include <vector>

#include "signet/attestation/trusted_root.h"
#include "signet/core/json.h"
#include "signet/core/time.h"
#include "signet/policy/inputs.h"
#include "signet/policy/policy.h"
#include "signet/policy/provenance.h"

namespace signet::policy {

// GateRequest is one decision to make.
struct GateRequest {
  std::string subject;  // "sha256:<hex>" or "<name>@sha256:<hex>"; anything else is refused
  std::vector<EvidenceInput> provenance;
  std::vector<EvidenceInput> attestations;
  Timestamp at;  // evaluation time (the CLI's --at, else the system clock)
};

// Finding is one reason for a denial (or a reported expired exception).
struct Finding {
  std::string code;     // findings.h
  std::string message;  // fixed text plus the verifier's finding, never input content
  std::string input;    // origin of the evidence ("" for request-level findings)
  // requirement: the `require` predicate_type this finding is about (step 5), "*" for an
  // attestation input that could not be read or verified for any requirement, "" for the
  // subject and provenance (steps 1-4). Not part of ToJson; verifierd attributes chain links by it.
  std::string requirement = {};
};

// Waiver is a policy exception that was applied.
struct Waiver {
  std::string finding;
  std::string match;
  std::string owner;
  std::string ticket;
  Timestamp expires;
  std::string input;
};

// AcceptedProvenance records what was verified for the provenance that passed.
struct AcceptedProvenance {
  std::string input;
  std::string builder;  // policy builder name
  std::string signer;   // "keyless" or "key"
  std::string san;      // keyless: verified certificate SAN
  std::string issuer;   // keyless: verified OIDC issuer
  std::vector<std::string> keys;  // keyed: names of the keys that verified
  Provenance provenance;
  std::optional<Timestamp> trusted_time;
  std::string time_source;
};

// AcceptedAttestation records a companion attestation that met a requirement.
struct AcceptedAttestation {
  std::string input;
  std::string predicate_type;
  std::string builder;
  std::optional<Timestamp> trusted_time;
};

// Decision is the gate's answer.
struct Decision {
  bool allowed = false;
  std::string subject;        // "sha256:<hex>" when the request's subject was usable
  std::string policy_digest;
  Timestamp evaluated_at;
  std::vector<Finding> findings;
  std::optional<AcceptedProvenance> provenance;
  std::vector<AcceptedAttestation> attestations;
  std::vector<Waiver> waivers;

  // unusable_input is set when the request could not be evaluated as given: a malformed
  // subject, or only unreadable evidence (the CLI exits 2).
  bool unusable_input = false;

  // ToJson renders the decision (the `signet gate` output).
  JsonValue ToJson() const;
};

// Gate evaluates requests under one loaded policy.
class Gate {
 public:
  // Create binds `policy` and, when the policy names one, its parsed trusted root (required
  // for keyless builders and for Sigstore bundles signed by keyed builders). Fails
  // kInvalidArgument when the policy names a trusted root and `root` is absent.
  static Result<Gate> Create(LoadedPolicy policy, std::optional<attestation::TrustedRoot> root);

  // Evaluate decides `request`. Steps (numbered in the implementation and ARCHITECTURE.md):
  //   1. Subject: a digest reference or MUTABLE_REFERENCE / MALFORMED_INPUT.
  //   2. Read every provenance input (MALFORMED_INPUT per unreadable object).
  //   3. Verify each candidate against the policy's signers (SIGNATURE_INVALID,
  //      UNTRUSTED_SIGNER, SUBJECT_MISMATCH, PREDICATE_TYPE_INVALID, MALFORMED_INPUT).
  //   4. Check each verified provenance against each builder it may belong to: builder
  //      identity and ref, builder.id agreement, build type, hosted-runner claim and `runner`,
  //      source (certificate and provenance, id pins), freshness, image name. The first that
  //      passes everything is accepted; the other .intoto.jsonl lines are still verified.
  //   5. For each requirement, verify the attestations and accept one of the required
  //      predicate type from an approved signer, about this digest, fresh, and within the
  //      severity limit after valid exceptions.
  //   6. Allowed iff a provenance was accepted and every requirement is met.
  // Never fails: every problem is a finding. An allowed decision carries findings only for
  // .intoto.jsonl lines that did not parse or verify.
  Decision Evaluate(const GateRequest& request) const;

  // policy returns the bound policy (its digest goes into every decision). Cannot fail.
  const LoadedPolicy& policy() const { return policy_; }

 private:
  Gate(LoadedPolicy policy, std::optional<attestation::TrustedRoot> root)
      : policy_(std::move(policy)), root_(std::move(root)) {}
  LoadedPolicy policy_;
  std::optional<attestation::TrustedRoot> root_;
};

// MatchBuilderId reports whether the payload builder id `id` matches one of `patterns`
// (anchored globs) with exactly as many '@' as the matching pattern, so a '*' can never absorb
// a second '@' ("...@refs/tags/v1@evil"). An empty list matches nothing.
bool MatchBuilderId(const std::vector<std::string>& patterns, std::string_view id);

// KeylessSanFinding checks a verified certificate SAN against a keyless builder's identity and
// refs. The SAN must contain exactly one '@'; the part before it must equal `k.identity`
// exactly (no prefix, suffix or pattern match) and the part after it must match one of
// `k.refs` (none when refs is absent). Returns "" when the SAN is approved,
// BUILDER_NOT_APPROVED when the identity differs or the SAN has zero or several '@', and
// REF_NOT_ALLOWED when only the ref is refused. The issuer is compared separately.
std::string KeylessSanFinding(const KeylessIdentity& k, std::string_view san);

// ParseSubjectDigest returns the lowercase hex of a "sha256:<hex>" or "<name>@sha256:<hex>"
// reference. Fails VerificationFailed MUTABLE_REFERENCE for a reference without a digest
// (e.g. "ghcr.io/acme/api:v1") and kInvalidArgument MALFORMED_INPUT for an empty subject, an
// empty name before '@', or a malformed digest (uppercase, wrong length, doubled prefix,
// another algorithm).
Result<std::string> ParseSubjectDigest(std::string_view subject);

}  // namespace signet::policy

#endif  // SIGNET_POLICY_GATE_H_
