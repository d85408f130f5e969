// verifierd's state and the POST /v1/verify handler as a plain function (no socket).
//
// Trust: the only trust inputs are the operator's config: the policy files (LoadGate semantics:
// lint errors refuse the config), the trusted roots and keys they name. Nothing in a request
// adds trust; the evaluation time is the config's evaluation_time or the clock, never the
// request's. The decision is policy::Gate::Evaluate's, plus the release-signature requirement
// when the policy lists release_signers; a VSA may stand in for the evidence only when the
// policy sets accept_vsa.
#ifndef SIGNET_VERIFIERD_VERIFIER_H_
#define SIGNET_VERIFIERD_VERIFIER_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "signet/core/result.h"
#include "signet/core/time.h"
#include "signet/policy/gate.h"
#include "signet/verifierd/cache.h"
#include "signet/verifierd/config.h"
#include "signet/verifierd/evidence.h"
#include "signet/verifierd/registry_evidence.h"
#include "verifierd/proto/verifierd.pb.h"

namespace signet::verifierd {

// kUnknownPolicy is the error code (HTTP 400) of a request naming no configured policy.
inline constexpr char kUnknownPolicy[] = "UNKNOWN_POLICY";
// kBadEvidence is the error code (HTTP 400) of unusable evidence items (bad role, too many).
inline constexpr char kBadEvidence[] = "MALFORMED_EVIDENCE";
// kMaxEvidenceItems bounds the evidence items of one request.
inline constexpr size_t kMaxEvidenceItems = 256;

struct ReleaseTrust;  // release.h: the policy's release_signers keyrings, verified

// PolicyEntry is one configured policy, ready to decide.
struct PolicyEntry {
  std::string name;
  std::shared_ptr<const policy::Gate> gate;
  std::shared_ptr<const ReleaseTrust> release_trust;  // null: no keyring among release_signers
  std::string trust_root_digest;  // "sha256:HEX" of the trusted root file, "" when none
};

// VerifierState is everything a reload replaces at once. Immutable.
class VerifierState {
 public:
  // Load builds the state from `config`: 1. every policy is loaded as `signet gate` loads it
  // (LoadPolicy, lint errors refuse, trusted root parsed); 2. the evidence directories are
  // indexed; 3. with a `registry` section, its files are checked (MakeRegistryEvidence). Fails
  // kInvalidArgument/kNotFound naming the policy, directory or registry key.
  static Result<std::shared_ptr<const VerifierState>> Load(const VerifierdConfig& config);

  // FromGates builds a state from already loaded gates (tests; the parity hook, whose policies
  // are the gate tests' own and are not linted). `store` may be null (no evidence store);
  // `remote` may be null (no registry).
  static std::shared_ptr<const VerifierState> FromGates(std::vector<PolicyEntry> policies, VerifierdConfig config,
                                                        std::shared_ptr<const EvidenceStore> store,
                                                        std::shared_ptr<const RemoteEvidence> remote = nullptr);

  // FindPolicy returns the policy called `name`, or nullptr.
  const PolicyEntry* FindPolicy(const std::string& name) const;
  const VerifierdConfig& config() const { return config_; }
  // store is never null (an empty store when no directories are configured).
  const EvidenceStore& store() const { return *store_; }
  // remote is the registry evidence source, or nullptr when the config has no `registry`.
  const RemoteEvidence* remote() const { return remote_.get(); }
  // Ready is OK when at least one policy (with its trust root) is loaded.
  Status Ready() const;

 private:
  VerifierState() = default;
  std::map<std::string, PolicyEntry> policies_;
  VerifierdConfig config_;
  std::shared_ptr<const EvidenceStore> store_;
  std::shared_ptr<const RemoteEvidence> remote_;
};

// VerifyCache caches verify responses (see cache.h for the rules).
using VerifyCache = VerdictCache<v1::VerifyResponse>;

// VerifyOptions are the per-call inputs that do not come from the request.
struct VerifyOptions {
  Timestamp now;              // the clock; replaced by config.evaluation_time when set
  bool store_in_cache = true; // false for admission dryRun
};

// VerifyTrace tells the caller what to log.
struct VerifyTrace {
  bool cache_hit = false;
};

// HandleVerify answers one /v1/verify request. Steps:
//   1. the policy must be configured (else kInvalidArgument, finding UNKNOWN_POLICY);
//   2. the evidence is the request's (classified; `role` as given) or, when empty, the store's
//      files for the reference's digest plus, with a `registry` config, what the image's registry
//      holds about it (registry_evidence.h). A registry failure denies: the verdict (never
//      cached) carries the registry's finding first and allowed=false;
//   3. the cache key is (subject, policy digest, trust-root digest, evidence-set digest, time
//      mode); a hit is returned as stored, a burst for one key evaluates once;
//   4. evaluation: with accept_vsa, an acceptable VSA stands in for the evidence; otherwise
//      policy::Gate::Evaluate with the same inputs and time `signet gate` would use; then the
//      release-signature requirement;
//   5. chain[] is derived (chain.cc) and the response filled with every field.
// `cache` may be null (no caching). Fails only on request errors (kInvalidArgument).
Result<v1::VerifyResponse> HandleVerify(const VerifierState& state, VerifyCache* cache, const v1::VerifyRequest& req,
                                        const VerifyOptions& options, VerifyTrace* trace = nullptr);

// HttpResult is a status code and a JSON body.
struct HttpResult {
  int status = 200;
  std::string body;
};

// HandleVerifyBody is HandleVerify from request body bytes to response body bytes, with the
// strict proto3 JSON reading and complete printing the server uses (tests, the parity hook and
// the fuzz target drive it). Malformed bodies are 400 MALFORMED_REQUEST, request errors 400
// with their code.
HttpResult HandleVerifyBody(const VerifierState& state, VerifyCache* cache, std::string_view body,
                            const VerifyOptions& options);

// ParseVerifyRequest parses a body strictly: core's JSON reader (duplicate keys, depth,
// UTF-8, trailing data) then protobuf's proto3 JSON parser (unknown fields refused).
// kInvalidArgument without quoting the body.
Result<v1::VerifyRequest> ParseVerifyRequest(std::string_view body);

// PrintVerifyResponse prints with every field (false, 0, "" and [] included). kInternal on failure.
Result<std::string> PrintVerifyResponse(const v1::VerifyResponse& resp);

}  // namespace signet::verifierd

#endif  // SIGNET_VERIFIERD_VERIFIER_H_
