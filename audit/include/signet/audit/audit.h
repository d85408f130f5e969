// The auditor's procedure (issue 18 part 4) over parsed inputs: a reproducible sample of the
// running images, each one's verdict from verifierd, drift against rendered manifests, a review
// of the admission configuration, the unsigned-image probe, and the report that collects them.
//
// The verifier is reached only through VerifierClient (ops/src/cmd_audit.cc implements it over
// HTTPS), so the procedure is tested without a socket. Nothing here writes files or logs.
#ifndef SIGNET_AUDIT_AUDIT_H_
#define SIGNET_AUDIT_AUDIT_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "signet/audit/inputs.h"
#include "signet/core/json.h"
#include "signet/core/result.h"
#include "signet/core/time.h"
#include "signet/policy/policy.h"

namespace signet::audit {

// Severity of a report finding. Any kCritical makes `signet audit` exit 1.
enum class Severity { kCritical, kHigh, kMedium, kInfo };
std::string_view SeverityName(Severity s);

// ReportFinding is one finding of the report. `code` is registered in core/findings.h.
struct ReportFinding {
  std::string code;
  Severity severity = Severity::kInfo;
  std::string subject;  // namespace, image or webhook it is about
  std::string message;
};

// SampleUnit is one distinct (namespace, running image) pair and the containers running it.
struct SampleUnit {
  std::string namespace_name;
  std::string image;              // spec image as deployed (the first container's)
  std::string running_repository;
  std::string running_digest;     // "" when no container reports a digest
  std::vector<RunningContainer> containers;
  // Key identifies the unit for sampling: "NS\n" + (REPO@DIGEST, or the spec image).
  std::string Key() const;
};

// GroupContainers groups containers into units, sorted by (namespace, key).
std::vector<SampleUnit> GroupContainers(const std::vector<RunningContainer>& containers);

// Sample picks at most `n` units, reproducibly from `seed`: each unit is ranked by
// SHA-256(seed || 0x00 || Key()); first the best-ranked unit of every production namespace (in
// the policy's order, while n allows), then the best-ranked of the rest. The result is sorted by
// (namespace, key), so the same inputs and seed give the same report whatever the input order.
std::vector<SampleUnit> Sample(const std::vector<SampleUnit>& units, size_t n, std::string_view seed,
                               const std::vector<std::string>& production_namespaces);

// ChainLink is one link of verifierd's evidence chain (verifierd.proto ChainLink).
struct ChainLink {
  std::string link, status, code, detail;
};

// VerifyOutcome is what verifierd's POST /v1/verify answered.
struct VerifyOutcome {
  bool allowed = false;
  std::string digest;
  std::string policy_digest;
  std::string evaluated_at;
  std::vector<ChainLink> chain;
  std::vector<std::pair<std::string, std::string>> findings;  // (code, message)
};

// ParseVerifyResponse reads a VerifyResponse body (proto3 JSON). kInvalidArgument when it is not
// one: the caller treats that as a broken verifier (exit 3), never as a verdict.
Result<VerifyOutcome> ParseVerifyResponse(std::string_view body);

// AdmissionOutcome is the response part of an AdmissionReview verifierd answered.
struct AdmissionOutcome {
  std::string uid;
  bool allowed = false;
  std::string message;                 // response.status.message
  std::vector<std::string> warnings;   // response.warnings
};

// ParseAdmissionResponse reads an AdmissionReview with a response. kInvalidArgument otherwise.
Result<AdmissionOutcome> ParseAdmissionResponse(std::string_view body);

// ProbeReview builds the AdmissionReview (admission.k8s.io/v1) of the unsigned-image probe: a Pod
// named "signet-audit-probe" running `image` in `namespace_name`, operation CREATE, uid `uid`.
JsonValue ProbeReview(std::string_view uid, std::string_view namespace_name, std::string_view image);

// DefaultProbeImage is a digest-pinned reference no one signs: the digest is SHA-256 of a fixed
// label, so no evidence can exist for it unless someone signs it on purpose.
std::string DefaultProbeImage();

// VerifierClient is verifierd as the audit sees it. Errors mean the verifier could not be asked
// or answered something that is not an answer (unreachable, non-200, malformed): the audit stops
// with exit 3 instead of reporting a verdict it did not get.
class VerifierClient {
 public:
  virtual ~VerifierClient() = default;
  // Verify asks POST /v1/verify about `image` ("REPO@sha256:HEX") under verifierd's policy
  // `policy_name`, with no inline evidence.
  virtual Result<VerifyOutcome> Verify(const std::string& image, const std::string& policy_name) = 0;
  // Admit posts `review` to POST /v1/admission.
  virtual Result<AdmissionOutcome> Admit(const JsonValue& review) = 0;
};

// TagResolver resolves a tag reference to the manifest digest a registry serves for it (the
// registry client, in ops). Used only for a container that reports no running digest.
class TagResolver {
 public:
  virtual ~TagResolver() = default;
  // Resolve returns "sha256:HEX" for `image` ("REGISTRY/REPO:TAG"), or an error (reported as a
  // finding, never fatal: the image is then not verified).
  virtual Result<std::string> Resolve(const std::string& image) = 0;
};

// LoggedSignature is one signature the appliance released, as its transparency log holds it (a
// Rekor v2 entry following the signing record).
struct LoggedSignature {
  uint64_t log_index = 0;
  std::string kind;         // "hashedrekord" (cosign simple signing) or "dsse" (bundle, VSA)
  std::string signature;    // base64, as logged
  std::string key_details;  // e.g. "PKIX_ECDSA_P256_SHA_256"
  std::string key_id;       // hex SHA-256 of the logged verifier key
};

// SigningRecord is the appliance log's record of one signing ("allow" decision): who signed
// (the key id and the label the log recorded), when (the record's time, which the log's signed
// checkpoint commits to), under which policy, and the signatures released with it.
struct SigningRecord {
  uint64_t log_index = 0;
  std::string subject;        // the reference as signed (REPO@sha256:HEX)
  std::string signed_at;      // RFC 3339
  std::string key_id;         // hex SHA-256 of the signing key's SPKI
  std::string key_label;      // "" when the log recorded none (records before key_label)
  // key_version is the key's version in the release keyring (issue 17, custody/: the label of
  // the keyring entry with this key id): empty unless the audit is given a keyring.
  std::string key_version;
  // key_verdict is the keyring's judgement of the key at signed_at (custody::CheckSignatureKey
  // with the log's time as the trusted time): "" without a keyring, "valid", or the refusal's
  // finding (KEY_REVOKED, KEY_OUTSIDE_VALIDITY, KEYRING_KEY_UNKNOWN) with key_verdict_message.
  // A refusal becomes a report finding of that code for each image the record is about.
  std::string key_verdict;
  std::string key_verdict_message;
  std::string policy_digest;
  std::vector<LoggedSignature> signatures;
};

// SigningLog is the appliance's log as ops read it: origin and size of the verified checkpoint
// and every signing record of that tree (translog::ReadVerifiedEntries + signer::ReadSignings).
struct SigningLog {
  std::string origin;
  uint64_t tree_size = 0;
  std::vector<SigningRecord> records;
  // For returns the records whose subject is pinned to `digest` ("sha256:HEX"), oldest first.
  std::vector<SigningRecord> For(std::string_view digest) const;
};

// ExceptionView is a policy exception that concerns a sampled image, with its state at the
// audit's time: "live", "expired" or "incomplete" (no owner or no expiry: waives nothing).
struct ExceptionView {
  std::string finding, subject, owner, ticket, expires, state;
};

// ImageRecord is one row of the evidence table.
struct ImageRecord {
  SampleUnit unit;
  bool production = false;
  std::string verified_reference;  // what was asked of verifierd (REPO@DIGEST), "" when none
  bool resolved_from_tag = false;  // the digest came from the registry (TagResolver), not the kubelet
  std::string verdict;             // "allowed", "denied", "not-verified" (no running digest)
  std::optional<VerifyOutcome> outcome;
  // Drift: "match", "drift", "not-pinned" (the rendered reference is a tag), "not-rendered"
  // (no rendered manifest names this container) or "no-rendered-input" (no --rendered).
  std::string drift;
  std::string rendered_reference;
  std::string rendered_file;
  std::vector<ExceptionView> exceptions;
  // What the appliance's log says about the digest: "logged" (signings holds the records),
  // "not-logged" (the log has none), "no-log" (no --log/--state-dir) or "not-verified" (no digest).
  std::string signing = "no-log";
  std::vector<SigningRecord> signings;
};

// NamespaceAdmission is the admission review of one namespace.
struct NamespaceAdmission {
  std::string name;
  bool production = false;
  std::vector<std::string> webhooks;  // verifierd webhooks whose selector matches it
  // mode: "enforce" (the probe was denied), "audit" (admitted with warnings), "admitted" (admitted
  // without a word), "not-covered" (no verifierd webhook selects it: not probed).
  std::string mode;
  std::string probe_message;
};

// WebhookReview is the review of one webhook.
struct WebhookReview {
  Webhook webhook;
  bool points_at_verifier = false;
};

// ProbeRecord is the unsigned-image probe of one production namespace.
struct ProbeRecord {
  std::string namespace_name;
  std::string image;
  bool sent = false;
  bool denied = false;
  std::string message;
};

// Report is everything `signet audit` found; the renderers (render.h) print it.
struct Report {
  std::string generated_at;  // RFC 3339
  std::string seed;
  size_t sample_size = 0;    // --sample
  size_t population = 0;     // distinct (namespace, image) units running
  size_t containers = 0;
  std::string policy_file_digest;
  std::string verifier;
  std::string verifier_policy;
  std::vector<std::string> production_namespaces;
  std::vector<ImageRecord> images;
  std::vector<WebhookReview> webhooks;
  std::vector<NamespaceAdmission> namespaces;
  ProbeRecord probe;
  // The appliance's log the signing records come from ("" / 0 when none was given).
  std::string signing_log_origin;
  uint64_t signing_log_size = 0;
  std::vector<ReportFinding> findings;  // sorted by severity, then code, then subject
  // report_log_index is set by the caller after appending the report's SHA-256 to the log.

  bool HasCritical() const;
};

// AuditInputs is what RunAudit works on.
struct AuditInputs {
  std::vector<RunningContainer> pods;
  std::vector<Webhook> webhooks;
  std::optional<std::vector<RenderedImage>> rendered;  // nullopt: no --rendered
  const policy::Policy* policy = nullptr;              // required
  std::string policy_file_digest;                      // "sha256:HEX" of the policy file
  std::string verifier_url;                            // as given with --verifier
  std::string verifier_policy = "default";             // verifierd's policy name
  size_t sample = 20;
  std::string seed = "0";
  std::string probe_image;  // "" = DefaultProbeImage()
  Timestamp at;             // the audit's time (exception expiry)
  TagResolver* resolver = nullptr;  // optional (--registry-config / --registry-ca)
  // signing_log: optional (--log, or --state-dir's log). With it every sampled digest is looked
  // up; verifierd allowing a digest the log holds no signing record for is
  // CONT-PROV-SIGNING-NOT-LOGGED (high).
  const SigningLog* signing_log = nullptr;
};

// PointsAtVerifier is true when `webhook` sends reviews to verifierd: its URL has the host and
// port of `verifier_url`, or its URL or service path is verifierd's admission route
// "/v1/admission".
bool PointsAtVerifier(const Webhook& webhook, std::string_view verifier_url);

// ReviewAdmission fills report->webhooks and report->namespaces (without probing) for the
// namespaces in `namespaces`, and adds the configuration findings:
// CONT-PROV-ADMISSION-NOT-CONFIGURED (critical: no webhook points at verifierd),
// CONT-PROV-ADMISSION-FAIL-OPEN (failurePolicy Ignore on a verifierd webhook: critical),
// CONT-PROV-NAMESPACE-NOT-COVERED (critical for a production namespace, else high).
// A namespace's only known label is kubernetes.io/metadata.name (what the API server sets): a
// selector that needs any other label does not select it (fail closed: "not covered").
void ReviewAdmission(const std::vector<Webhook>& webhooks, std::string_view verifier_url,
                     const std::vector<std::string>& namespaces, const std::vector<std::string>& production,
                     Report* report);

// CheckDrift compares a record's running digest with the rendered manifests: the rendered image
// of the same container (namespace when the manifest names one, workload, container name).
// Pinned to another digest: "drift" and a CONT-PROV-RENDERED-DRIFT finding (high; critical in
// production).
void CheckDrift(const std::vector<RenderedImage>& rendered, ImageRecord* record, std::vector<ReportFinding>* findings);

// RunAudit runs the whole procedure: group and sample, verify each sampled image, check drift,
// collect exceptions, review admission, probe every covered namespace with the unsigned image
// (the production namespaces' results are the probe; the others give the mode), and sort the
// findings; with a signing log, each image's signing records. Fails only when the verifier fails (see VerifierClient) or inputs are inconsistent
// (no policy: kInvalidArgument).
Result<Report> RunAudit(const AuditInputs& inputs, VerifierClient& verifier);

}  // namespace signet::audit

#endif  // SIGNET_AUDIT_AUDIT_H_
