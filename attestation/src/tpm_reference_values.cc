// Reference values for measured launch. See reference_values.h.
#include <set>
#include <utility>

#include "signet/attestation/event_log.h"
#include "signet/attestation/reference_values.h"
#include "signet/core/encoding.h"
#include "signet/core/json.h"
#include "tpm_json_util.h"

namespace signet::attestation {

Result<ReferenceValues> ParseReferenceValues(std::string_view json) {
  JsonLimits limits;
  limits.max_bytes = 1024 * 1024;
  limits.max_depth = 8;
  SIGNET_ASSIGN_OR_RETURN(JsonValue v, ParseJson(json, limits));
  SIGNET_RETURN_IF_ERROR(
      internal::ExpectExactMembers(v, "reference values", {"version", "pcr", "measurements"}));
  SIGNET_ASSIGN_OR_RETURN(std::string version, v.GetString("version"));
  if (version != kReferenceVersion) return InvalidArgument("unsupported reference version");
  ReferenceValues ref;
  SIGNET_ASSIGN_OR_RETURN(uint64_t pcr, internal::GetBoundedUint(v, "pcr", 23));
  ref.pcr = static_cast<uint32_t>(pcr);
  SIGNET_ASSIGN_OR_RETURN(const JsonValue::Array* ms, v.GetArray("measurements"));
  if (ms->empty() || ms->size() > kMaxEvents) {
    return InvalidArgument("reference values need 1..1024 measurements");
  }
  std::set<std::string> ids;
  for (const JsonValue& m : *ms) {
    SIGNET_RETURN_IF_ERROR(internal::ExpectExactMembers(m, "reference measurement",
                                                        {"id", "kind", "path", "sha256"}));
    ReferenceMeasurement rm;
    SIGNET_ASSIGN_OR_RETURN(rm.id, m.GetString("id"));
    SIGNET_ASSIGN_OR_RETURN(rm.kind, m.GetString("kind"));
    SIGNET_ASSIGN_OR_RETURN(rm.path, m.GetString("path"));
    SIGNET_ASSIGN_OR_RETURN(rm.sha256, internal::GetHex(m, "sha256", 32));
    SIGNET_RETURN_IF_ERROR(ParseMeasuredKind(rm.kind).ok()
                               ? OkStatus()
                               : Status(InvalidArgument("reference has an unknown kind")));
    if (rm.id.empty() || rm.id.size() > 4096 || rm.path.size() > 4096) {
      return InvalidArgument("reference id/path size out of range");
    }
    if (!ids.insert(rm.id).second) return InvalidArgument("duplicate reference id");
    ref.measurements.push_back(std::move(rm));
  }
  return ref;
}

std::string SerializeReferenceValues(const ReferenceValues& ref) {
  JsonValue v = JsonValue::MakeObject();
  v.Set("version", JsonValue::String(kReferenceVersion));
  v.Set("pcr", JsonValue::Uint(ref.pcr));
  JsonValue ms = JsonValue::MakeArray();
  for (const auto& m : ref.measurements) {
    JsonValue o = JsonValue::MakeObject();
    o.Set("id", JsonValue::String(m.id));
    o.Set("kind", JsonValue::String(m.kind));
    o.Set("path", JsonValue::String(m.path));
    o.Set("sha256", JsonValue::String(HexEncode(m.sha256)));
    ms.Push(std::move(o));
  }
  v.Set("measurements", std::move(ms));
  return WriteJson(v, 2) + "\n";
}

}  // namespace signet::attestation
