// Proto3 JSON, strict in and complete out (see signet/service/proto_json.h).
#include "signet/service/proto_json.h"

#include <google/protobuf/util/json_util.h>

#include <algorithm>

namespace signet::service {

Result<std::string> PrintProtoJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = false;
  options.always_print_primitive_fields = true;  // false, 0, "" and [] appear
  options.always_print_enums_as_ints = false;
  options.preserve_proto_field_names = false;    // the canonical lowerCamelCase names
  std::string out;
  auto status = google::protobuf::util::MessageToJsonString(message, &out, options);
  if (!status.ok()) {
    return Internal("cannot print " + std::string(message.GetTypeName()) + " as JSON");
  }
  return out;
}

Status ParseProtoJson(std::string_view body, google::protobuf::Message* message,
                      const JsonLimits& limits) {
  message->Clear();
  // 1. Core's strict reader: duplicate keys, depth, UTF-8, trailing data, size.
  Result<JsonValue> tree = ParseJson(body, limits);
  if (!tree.ok()) return InvalidArgument("request body is not valid JSON: " + tree.error().message());
  if (!tree->is_object()) return InvalidArgument("request body must be a JSON object");
  // 2. Protobuf's proto3 JSON parser over the same bytes, refusing unknown fields.
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  options.case_insensitive_enum_parsing = false;
  auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(body.data(), body.size()), message, options);
  if (!status.ok()) {
    message->Clear();
    // Protobuf's reason names the field; it goes back to the client that sent the body (and,
    // bounded, nowhere else: request errors are not logged with their messages).
    std::string why(status.message().data(), std::min<size_t>(status.message().size(), 200));
    return InvalidArgument("request body does not match " + std::string(message->GetTypeName()) +
                           ": " + why);
  }
  return OkStatus();
}

}  // namespace signet::service
