// The canonical proto3 JSON mapping for API messages, strict on input and complete on output.
#ifndef SIGNET_SERVICE_PROTO_JSON_H_
#define SIGNET_SERVICE_PROTO_JSON_H_

#include <string>
#include <string_view>
#include <utility>

#include <google/protobuf/message.h>

#include "signet/core/json.h"
#include "signet/core/result.h"
#include "signet/service/http.h"

namespace signet::service {

// PrintProtoJson renders `message` in the proto3 JSON mapping with every field printed: false,
// 0, "" and empty lists appear (always_print_primitive_fields), lowerCamelCase names, enums by
// name. kInternal if protobuf refuses (e.g. a string field holding invalid UTF-8).
Result<std::string> PrintProtoJson(const google::protobuf::Message& message);

// ParseProtoJson fills `message` (cleared first) from `body`, strictly:
//   1. core's strict JSON reader under `limits` refuses duplicate keys, too deep nesting,
//      invalid UTF-8, trailing data; the top level must be an object;
//   2. protobuf's proto3 JSON parser refuses unknown fields and wrong types.
// Errors are kInvalidArgument; messages never quote the body.
Status ParseProtoJson(std::string_view body, google::protobuf::Message* message,
                      const JsonLimits& limits = {});

// ProtoHandler adapts a typed function
//   fn(const Req& req, const Request& request, LogFields* log) -> Result<Resp>
// to a Handler: the body is parsed with ParseProtoJson (400 MALFORMED_REQUEST on error), `fn`
// runs, and its message is printed with PrintProtoJson as a 200 application/json response; an
// Error from `fn` is rendered by ErrorResponseFor. The log fields `fn` sets go on the request's
// log line either way. Usage: router.Add({"POST", "/v1/x", std::string(kJsonContentType),
//   ProtoHandler<XRequest, XResponse>(fn)}).
template <typename Req, typename Resp, typename Fn>
Handler ProtoHandler(Fn fn) {
  return [fn = std::move(fn)](const Request& request) -> Result<Response> {
    Req req;
    Status parsed = ParseProtoJson(request.body, &req);
    if (!parsed.ok()) {
      return ErrorResponse(400, kCodeMalformed, parsed.error().message());
    }
    LogFields log;
    Result<Resp> resp = fn(req, request, &log);
    if (!resp.ok()) {
      Response r = ErrorResponseFor(resp.error());
      r.log = std::move(log);
      return r;
    }
    Result<std::string> body = PrintProtoJson(*resp);
    if (!body.ok()) return std::move(body).error();
    Response r = Response::Json(200, std::move(*body));
    r.log = std::move(log);
    return r;
  };
}

}  // namespace signet::service

#endif  // SIGNET_SERVICE_PROTO_JSON_H_
