// fake_signerd: a stand-in for signerd's POST /v1/sign (issue 15 part 2), on the shared daemon
// stack, for testing `signet sign --signerd` without a token. It signs nothing.
//
// Config: listen, tls (client_ca required: mTLS as signerd), limits, and
//   fake: {caller: "CN=pipeline-a"}   the one client subject it serves (others: 403)
// The request must have the shape (image, provenance[{name, content base64}],
// attestations, annotations; else 400 MALFORMED_REQUEST). The image's repository name picks
// the answer:
//   .../allow      200 allowed, outputs = base64 of "<file name> for <image> from <n> inputs",
//                  auditEntry {seq "41", hash}
//   .../deny       200 allowed:false, one finding, no outputs
//   .../outside    403 IMAGE_NOT_ALLOWED
//   .../busy       503 NOT_READY with Retry-After: 7
//   .../evil       200 allowed with an output named "../escaped" (the client must refuse it)
//   .../truncated  200 allowed with vsa.sigstore.json missing (the client must refuse it)
//   anything else  400 MALFORMED_REQUEST
#include <string>

#include "signet/core/encoding.h"
#include "signet/core/json.h"
#include "signet/service/daemon.h"

namespace {

using signet::JsonValue;
using signet::Result;
using signet::Status;
using namespace signet::service;

struct State {
  std::string caller;
};

Result<std::shared_ptr<const State>> Load(const ConfigFile& config) {
  auto state = std::make_shared<State>();
  bool mtls = false;
  for (const auto& m : config.root->members) {
    if (m.key == "tls") {
      for (const auto& t : m.value.members) mtls = mtls || (t.key == "client_ca" && !t.value.scalar.empty());
    }
    if (IsServerKey(m.key)) continue;
    if (m.key != "fake") return signet::InvalidArgument("unknown key '" + m.key + "'");
    for (const auto& t : m.value.members) {
      if (t.key != "caller") return signet::InvalidArgument("unknown key 'fake." + t.key + "'");
      state->caller = t.value.scalar;
    }
  }
  if (!mtls) return signet::InvalidArgument("tls.client_ca is required (mTLS, as signerd)");
  if (state->caller.empty()) return signet::InvalidArgument("fake.caller is required");
  return std::shared_ptr<const State>(std::move(state));
}

Response Malformed(std::string_view why) { return ErrorResponse(400, kCodeMalformed, why); }

// CheckEvidence checks one evidence list: [{name, content base64}] and counts it.
bool CheckEvidence(const JsonValue& root, std::string_view key, size_t* count) {
  auto list = root.GetArray(key);
  if (!list.ok()) return false;
  for (const JsonValue& e : **list) {
    if (!e.is_object() || e.object().size() != 2) return false;
    auto name = e.GetString("name");
    auto content = e.GetString("content");
    if (!name.ok() || name->empty() || !content.ok() || !signet::Base64Decode(*content).ok()) return false;
    ++*count;
  }
  return true;
}

Result<Response> Sign(const State& state, const Request& req) {
  if (req.client_subject != state.caller) return signet::PermissionDenied("caller is not listed");
  auto root = signet::ParseJson(req.body);
  if (!root.ok() || !root->is_object() || root->object().size() != 4) return Malformed("not the request shape");
  auto image = root->GetString("image");
  auto annotations = root->GetObject("annotations");
  size_t inputs = 0;
  if (!image.ok() || !annotations.ok() || !CheckEvidence(*root, "provenance", &inputs) ||
      !CheckEvidence(*root, "attestations", &inputs) || inputs == 0) {
    return Malformed("not the request shape");
  }
  const size_t at = image->find('@');
  const std::string repo = image->substr(0, at);
  const std::string kind = repo.substr(repo.rfind('/') + 1);

  JsonValue decision = JsonValue::MakeObject(
      {{"allowed", JsonValue::Bool(kind != "deny")}, {"subject", at == std::string::npos ? JsonValue::Null() : JsonValue::String(image->substr(at + 1))}});
  JsonValue findings = JsonValue::MakeArray();
  if (kind == "deny") {
    findings.Push(JsonValue::MakeObject({{"code", JsonValue::String("BUILDER_NOT_APPROVED")},
                                         {"message", JsonValue::String("fake deny")}}));
  }
  decision.Set("findings", std::move(findings));
  JsonValue body = JsonValue::MakeObject({{"decision", decision}});
  if (kind == "deny") return Response::Json(200, signet::WriteJson(body));
  if (kind == "outside") return ErrorResponse(403, "IMAGE_NOT_ALLOWED", "image outside the caller's images");
  if (kind == "busy") {
    Response r = ErrorResponse(503, kCodeNotReady, "the signing token is unavailable");
    r.headers.emplace_back("Retry-After", "7");
    return r;
  }
  if (kind != "allow" && kind != "evil" && kind != "truncated") return Malformed("unknown fake image");
  JsonValue outputs = JsonValue::MakeObject();
  for (const char* name : {"simplesigning.json", "simplesigning.sig", "image.sigstore.json", "vsa.sigstore.json"}) {
    if (kind == "truncated" && std::string_view(name) == "vsa.sigstore.json") continue;
    const std::string content = std::string(name) + " for " + *image + " from " + std::to_string(inputs) + " inputs\n";
    outputs.Set(name, JsonValue::String(signet::Base64Encode(signet::AsBytes(content))));
  }
  if (kind == "evil") outputs.Set("../escaped", JsonValue::String(signet::Base64Encode(signet::AsBytes("x"))));
  body.Set("outputs", std::move(outputs));
  body.Set("auditEntry", JsonValue::MakeObject({{"seq", JsonValue::String("41")},
                                                {"hash", JsonValue::String("sha256:" + std::string(64, 'a'))}}));
  return Response::Json(200, signet::WriteJson(body));
}

}  // namespace

int main(int argc, char** argv) {
  DaemonSpec<State> spec;
  spec.name = "fake_signerd";
  spec.version = "test";
  spec.summary = "a fake signerd /v1/sign for the pipeline client's tests";
  spec.load_state = Load;
  spec.build_routes = [](Router& router, StateSnapshot<State> state, DaemonContext&) -> Status {
    return router.Add({"POST", "/v1/sign", std::string(kJsonContentType),
                       [state](const Request& req) { return Sign(*state.Get(), req); }});
  };
  return RunDaemon(spec, argc, argv);
}
