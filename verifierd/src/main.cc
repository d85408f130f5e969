// verifierd: the on-prem verification endpoint and Kubernetes admission webhook (issue 13).
// A thin shell: service/ runs the server (TLS, limits, /healthz, /readyz, /metrics, SIGHUP,
// SIGTERM, one log line per request); this file registers the two routes over the library,
// and, when the config has an `attestation` section, the attestation endpoint (attester/http.h)
// over the TPM this binary opens through the one backend factory (ops/backends.h).
#include <memory>
#include <string>

#include "signet/attester/batching.h"
#include "signet/attester/http.h"
#include "signet/core/encoding.h"
#include "signet/ops/backends.h"

#include "signet/core/time.h"
#include "signet/service/daemon.h"
#include "signet/service/proto_json.h"
#include "signet/verifierd/admission.h"
#include "signet/verifierd/config.h"
#include "signet/verifierd/verifier.h"

namespace {

using signet::Result;
using signet::Status;
using signet::verifierd::VerifierState;
namespace service = signet::service;
namespace vd = signet::verifierd;

// ChannelBindingOf is the binding of the certificate that served this very connection (SHA-256 of
// its SubjectPublicKeyInfo, computed by service/ at the handshake): after a certificate reload,
// connections opened before it keep the old binding, as their clients saw the old certificate.
Result<signet::Bytes> ChannelBindingOf(const service::Request& request) {
  if (request.channel_binding.empty()) return signet::Unavailable("the connection carries no TLS channel binding");
  return signet::HexDecode(request.channel_binding);
}

Result<std::shared_ptr<const VerifierState>> Load(const service::ConfigFile& config) {
  Result<vd::VerifierdConfig> parsed = vd::ParseVerifierdConfig(*config.root, config.dir);
  if (!parsed.ok()) return std::move(parsed).error();
  return VerifierState::Load(*parsed);
}

// AttestationRoutes serves /v1/attestation{,/enroll,/activate} when the config has an
// `attestation` section (read once, at start: a reload does not restart the TPM worker). The
// TPM is opened per batch through the backend factory and released after it.
Status AttestationRoutes(service::Router& router, const vd::VerifierdConfig& config,
                         service::DaemonContext& context) {
  if (!config.attestation) return signet::OkStatus();
  const vd::AttestationConfig& ac = *config.attestation;
  Result<service::CounterFamily*> quotes = context.metrics.AddCounter(
      "verifierd_attestation_quotes_total", "TPM quotes made for POST /v1/attestation (one per batch).");
  if (!quotes.ok()) return std::move(quotes).error();
  Result<service::CounterFamily*> requests = context.metrics.AddCounter(
      "verifierd_attestation_requests_total", "POST /v1/attestation requests with a well-formed body.");
  if (!requests.ok()) return std::move(requests).error();
  std::shared_ptr<signet::ops::Backends> backends(
      signet::ops::BuildBackends(signet::ops::BackendConfigFromEnvironment()).release());
  signet::attester::BatchingOptions o;
  o.ak = ac.ak;
  o.event_log = ac.event_log;
  o.pcr = ac.pcr;
  o.batch_window = ac.batch_window;
  o.max_batch = ac.max_batch;
  o.min_quote_interval = ac.min_quote_interval;
  o.on_quote = [c = *quotes] { c->Inc({}); };
  Result<std::unique_ptr<signet::attester::BatchingAttester>> attester = signet::attester::BatchingAttester::Start(
      std::move(o), [backends, tcti = ac.tcti] { return backends->OpenTpm(signet::ops::TpmConfig{tcti}); });
  if (!attester.ok()) return std::move(attester).error();
  signet::attester::AttestationRoutes routes;
  routes.attester = std::move(*attester);
  routes.channel_binding = ChannelBindingOf;
  routes.on_request = [c = *requests] { c->Inc({}); };
  return signet::attester::AddAttestationRoutes(router, std::move(routes));
}

Status Routes(service::Router& router, service::StateSnapshot<VerifierState> state, service::DaemonContext& context) {
  if (Status s = AttestationRoutes(router, state.Get()->config(), context); !s.ok()) return s;
  Result<service::CounterFamily*> hits =
      context.metrics.AddCounter("verifierd_cache_hits_total", "Verdicts answered from the cache.");
  if (!hits.ok()) return std::move(hits).error();
  service::CounterFamily* hit_counter = *hits;
  // The cache outlives reloads: its key holds the policy, trust-root and evidence digests, so an
  // entry can only be found by a request that the reloaded state would decide the same way.
  // Its size and ttl are read once, at start.
  const vd::CacheConfig cache_config = state.Get()->config().cache;
  auto cache = std::make_shared<vd::VerifyCache>(cache_config.max_entries, cache_config.ttl);
  auto clock = std::make_shared<signet::SystemClock>();

  Status s = router.Add(
      {"POST", "/v1/verify", std::string(service::kJsonContentType),
       service::ProtoHandler<vd::v1::VerifyRequest, vd::v1::VerifyResponse>(
           [state, cache, clock, hit_counter](const vd::v1::VerifyRequest& req, const service::Request&,
                                              service::LogFields* log) -> Result<vd::v1::VerifyResponse> {
             std::shared_ptr<const VerifierState> st = state.Get();
             vd::VerifyOptions opts;
             opts.now = clock->Now();
             vd::VerifyTrace trace;
             Result<vd::v1::VerifyResponse> resp = vd::HandleVerify(*st, cache.get(), req, opts, &trace);
             if (trace.cache_hit) hit_counter->Inc({});
             if (!resp.ok()) {
               log->verdict = "error";
               log->findings.push_back(resp.error().finding());
               return resp;
             }
             log->digest = resp->digest();
             log->verdict = resp->allowed() ? "allow" : "deny";
             for (const auto& f : resp->findings()) log->findings.push_back(f.code());
             return resp;
           })});
  if (!s.ok()) return s;
  return router.Add(
      {"POST", "/v1/admission", std::string(service::kJsonContentType),
       [state, cache, clock, hit_counter](const service::Request& request) -> Result<service::Response> {
         std::shared_ptr<const VerifierState> st = state.Get();
         vd::ImageVerifier verify = vd::MakeImageVerifier(
             st, cache, [clock] { return clock->Now(); },
             [hit_counter](bool hit) {
               if (hit) hit_counter->Inc({});
             });
         vd::AdmissionTrace trace;
         Result<std::string> body = vd::HandleAdmission(*st, request.body, clock->Now(), verify, &trace);
         if (!body.ok()) {
           service::Response r = service::ErrorResponse(400, service::kCodeMalformed, body.error().message());
           r.log.verdict = "error";
           return r;
         }
         service::Response r = service::Response::Json(200, std::move(*body));
         r.log.verdict = trace.verdict;
         r.log.findings = trace.codes;
         return r;
       }});
}

}  // namespace

int main(int argc, char** argv) {
  service::DaemonSpec<VerifierState> spec;
  spec.name = "verifierd";
  spec.version = "0.1.0";
  spec.summary = "Signet verification endpoint and Kubernetes admission webhook";
  spec.load_state = Load;
  spec.build_routes = Routes;
  // POST /v1/attestation holds its worker until its batch is quoted (batch_window + one quote):
  // the pool must hold as many waiting clients as one batch should gather.
  spec.worker_threads = 128;
  spec.ready = [](const VerifierState& s) -> Status { return s.Ready(); };
  return service::RunDaemon(spec, argc, argv);
}
