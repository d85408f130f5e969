// service_testd: the smallest daemon on the shared stack, for the integration tests.
//
// Config (besides listen/tls/limits): testd: {greeting: TEXT, slow_ms: N, slow_mark: FILE}
//   POST /v1/echo   application/json ErrorBody -> the same ErrorBody (strict proto3 JSON)
//   POST /v1/slow   application/json, creates slow_mark (so a test knows the request is in
//                   flight without guessing at timing) and answers after slow_ms milliseconds
//   GET  /v1/state  {"code": greeting, "message": ""} (shows which state is live after SIGHUP)
// /readyz is 503 while greeting is "not-ready".
#include <chrono>
#include <fstream>
#include <string>
#include <thread>

#include "service/proto/error.pb.h"
#include "signet/service/daemon.h"
#include "signet/service/proto_json.h"

namespace {

using signet::Result;
using signet::Status;
using signet::YamlNode;
using namespace signet::service;

struct State {
  std::string greeting;
  int64_t slow_ms = 0;
  std::string slow_mark;
};

Result<std::shared_ptr<const State>> Load(const ConfigFile& config) {
  auto state = std::make_shared<State>();
  for (const auto& m : config.root->members) {
    if (IsServerKey(m.key)) continue;
    if (m.key != "testd") {
      return signet::InvalidArgument("unknown key '" + m.key + "' (line " + std::to_string(m.value.line) + ")");
    }
    if (m.value.kind != YamlNode::Kind::kMap) return signet::InvalidArgument("testd: must be a mapping");
    for (const auto& t : m.value.members) {
      if (t.key == "greeting") {
        state->greeting = t.value.scalar;
      } else if (t.key == "slow_ms") {
        Result<std::chrono::milliseconds> d = ParseDuration(t.value.scalar + "ms");
        if (!d.ok()) return signet::InvalidArgument("testd.slow_ms: not a number of milliseconds");
        state->slow_ms = d->count();
      } else if (t.key == "slow_mark") {
        state->slow_mark = t.value.scalar;
      } else {
        return signet::InvalidArgument("unknown key 'testd." + t.key + "'");
      }
    }
  }
  return std::shared_ptr<const State>(std::move(state));
}

Status Routes(Router& router, StateSnapshot<State> state, DaemonContext& context) {
  Result<CounterFamily*> echoes = context.metrics.AddCounter("service_testd_echoes_total", "Echo requests answered.");
  if (!echoes.ok()) return std::move(echoes).error();
  CounterFamily* counter = *echoes;
  Status s = router.Add(
      {"POST", "/v1/echo", std::string(kJsonContentType),
       ProtoHandler<v1::ErrorBody, v1::ErrorBody>(
           [counter](const v1::ErrorBody& req, const Request&, LogFields* log) -> Result<v1::ErrorBody> {
             counter->Inc({});
             log->verdict = "echo";
             log->digest = "sha256:0000000000000000000000000000000000000000000000000000000000000000";
             log->findings.push_back("TEST-ECHO");
             return req;
           })});
  if (!s.ok()) return s;
  s = router.Add({"POST", "/v1/slow", std::string(kJsonContentType), [state](const Request&) -> Result<Response> {
                    std::shared_ptr<const State> st = state.Get();
                    if (!st->slow_mark.empty()) std::ofstream(st->slow_mark) << "in flight\n";
                    std::this_thread::sleep_for(std::chrono::milliseconds(st->slow_ms));
                    return Response::Json(200, R"({"code":"SLOW","message":"done"})");
                  }});
  if (!s.ok()) return s;
  // The served certificate's channel binding, as the server computed it for this connection.
  s = router.Add({"GET", "/v1/binding", "", [](const Request& req) -> Result<Response> {
                    v1::ErrorBody body;
                    body.set_code(req.channel_binding);
                    Result<std::string> text = PrintProtoJson(body);
                    if (!text.ok()) return std::move(text).error();
                    return Response::Json(200, *text);
                  }});
  if (!s.ok()) return s;
  return router.Add({"GET", "/v1/state", "", [state](const Request&) -> Result<Response> {
                       v1::ErrorBody body;
                       body.set_code(state.Get()->greeting);
                       Result<std::string> text = PrintProtoJson(body);
                       if (!text.ok()) return std::move(text).error();
                       return Response::Json(200, *text);
                     }});
}

}  // namespace

int main(int argc, char** argv) {
  DaemonSpec<State> spec;
  spec.name = "service_testd";
  spec.version = "test";
  spec.summary = "test daemon for the shared service stack";
  spec.load_state = Load;
  spec.build_routes = Routes;
  spec.ready = [](const State& s) -> Status {
    if (s.greeting == "not-ready") return signet::FailedPrecondition("greeting says not ready");
    return signet::OkStatus();
  };
  return RunDaemon(spec, argc, argv);
}
