// POST /v1/sign: signerd's one route, socket-free (a Request in, a Response out), so it is
// unit-tested and fuzzed without TLS.
//
// Order (each step refuses before the next one can spend anything):
//   1. the caller: the verified client certificate must match a configured caller (403
//      CALLER_NOT_LISTED; nothing logged: an unknown client gets no record to fill the log);
//   2. the caller's rate limit (429 RATE_LIMITED + Retry-After);
//   3. the body: strict proto3 JSON SignRequest (400 MALFORMED_REQUEST), the image reference
//      parsed and the request prepared (SigningService::Prepare; 400, nothing logged);
//   4. the image must be in the caller's images: else a deny record naming the caller and
//      CALLER_IMAGE_NOT_ALLOWED is made durable, then 403;
//   5. the key: while the token is unavailable, 503 TOKEN_UNAVAILABLE + Retry-After;
//   6. decide, sign, log (signer::DecideSignAndLog, or SigningService::Sign for a tag, which is
//      refused and logged): 200 with the decision, the outputs (allow only) and the audit entry,
//      released only after the entry is durable. A device that fails to sign: its `failed`
//      record is logged, the key is dropped for re-opening and the answer is 503; a signature
//      that does not verify: its `failed` record, 500 SIGNING_FAILED, nothing released.
// Every record signerd appends names the caller: an extra input {"name": "signerd-caller:NAME",
// "sha256": hex SHA-256 of the client certificate's subject}. Time is the SystemClock of the
// runtime; no field of a request can move it.
#ifndef SIGNET_SIGNERD_SIGN_H_
#define SIGNET_SIGNERD_SIGN_H_

#include <memory>
#include <string>
#include <string_view>

#include "signet/core/result.h"
#include "signet/core/time.h"
#include "signet/policy/gate.h"
#include "signet/service/http.h"
#include "signet/service/metrics.h"
#include "signet/service/rate_limiter.h"
#include "signet/signer/audit_log.h"
#include "signet/signer/signing_service.h"
#include "signet/signerd/config.h"
#include "signet/signerd/key_holder.h"
#include "signerd/proto/signerd.pb.h"

namespace signet::signerd {

// kCallerInputPrefix prefixes the audit input that names the caller.
inline constexpr std::string_view kCallerInputPrefix = "signerd-caller:";

// SignerdState is what a config (re)load builds: the config and the gate under it.
class SignerdState {
 public:
  // Load reads the policy (refused if its lint finds an error, as `signet sign` refuses it) and
  // the trusted root it names.
  static Result<std::shared_ptr<const SignerdState>> Load(SignerdConfig config, std::string verifier_id);
  // FromGate builds a state over an already loaded gate (tests, fuzzing).
  static std::shared_ptr<const SignerdState> FromGate(SignerdConfig config, policy::Gate gate, std::string verifier_id);

  const SignerdConfig& config() const { return config_; }
  const signer::SigningService& service() const { return *service_; }

 private:
  SignerdConfig config_;
  std::unique_ptr<const policy::Gate> gate_;
  std::unique_ptr<const signer::SigningService> service_;
};

// SignRuntime is what outlives reloads: opened once at start.
struct SignRuntime {
  signer::AuditAppender* log = nullptr;         // state_dir/audit.log
  KeyHolder* keys = nullptr;
  service::RateLimiter* limiter = nullptr;      // null: unlimited
  const Clock* clock = nullptr;                 // the system clock
  service::CounterFamily* sign_total = nullptr; // signerd_sign_total{verdict}; may be null
};

// ParseSignRequest decodes a body strictly (service::ParseProtoJson). kInvalidArgument.
Result<v1::SignRequest> ParseSignRequest(std::string_view body);

// HandleSign answers one POST /v1/sign. `identity` is the verified client certificate.
service::Response HandleSign(const SignerdState& state, const SignRuntime& runtime, const ClientIdentity& identity,
                             const service::Request& request);

}  // namespace signet::signerd

#endif  // SIGNET_SIGNERD_SIGN_H_
