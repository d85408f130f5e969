// verifierd: the on-prem verification endpoint and Kubernetes admission webhook (issue 13).
// A thin shell: service/ runs the server (TLS, limits, /healthz, /readyz, /metrics, SIGHUP,
// SIGTERM, one log line per request); this file registers the two routes over the library.
#include <memory>
#include <string>

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

Result<std::shared_ptr<const VerifierState>> Load(const service::ConfigFile& config) {
  Result<vd::VerifierdConfig> parsed = vd::ParseVerifierdConfig(*config.root, config.dir);
  if (!parsed.ok()) return std::move(parsed).error();
  return VerifierState::Load(*parsed);
}

Status Routes(service::Router& router, service::StateSnapshot<VerifierState> state, service::DaemonContext& context) {
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
  spec.ready = [](const VerifierState& s) -> Status { return s.Ready(); };
  return service::RunDaemon(spec, argc, argv);
}
