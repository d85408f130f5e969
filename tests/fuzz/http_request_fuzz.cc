// Raw bytes -> the server's request decoder (ParseRawRequest, the same Beast parser
// configuration and limits as a socket) -> the router on test routes (a strict proto3 JSON
// route, a route without a body). Must never crash, and every answer must be well-formed.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "service/proto/error.pb.h"
#include "signet/core/json.h"
#include "signet/service/http.h"
#include "signet/service/proto_json.h"

namespace {

using namespace signet::service;

const Router& TestRouter() {
  static const Router* router = [] {
    auto* r = new Router();
    (void)r->Add({"POST", "/v1/echo", std::string(kJsonContentType),
                  ProtoHandler<v1::ErrorBody, v1::ErrorBody>(
                      [](const v1::ErrorBody& req, const Request&, LogFields* log) -> signet::Result<v1::ErrorBody> {
                        log->findings.push_back(req.code());
                        return req;
                      })});
    (void)r->Add({"GET", "/healthz", "", [](const Request&) -> signet::Result<Response> {
                    return Response::Json(200, R"({"status":"ok"})");
                  }});
    return r;
  }();
  return *router;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Limits limits;
  limits.max_body = 4096;
  limits.max_header = 2048;
  ParsedRequest parsed =
      ParseRawRequest(std::string_view(reinterpret_cast<const char*>(data), size), limits);
  Response response;
  if (parsed.status != 0) {
    if (parsed.status != 400 && parsed.status != 413 && parsed.status != 431) std::abort();
    response = ErrorResponse(parsed.status, parsed.error_code, "refused");
  } else {
    if (parsed.request.body.size() > limits.max_body) std::abort();
    if (!IsValidRequestId(parsed.request.request_id)) std::abort();
    response = TestRouter().Dispatch(parsed.request);
  }
  // Every body the router produces for these routes is strict JSON.
  if (!signet::ParseJson(response.body).ok()) std::abort();
  return 0;
}
