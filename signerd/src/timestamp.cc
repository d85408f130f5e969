#include "signet/signerd/timestamp.h"

#include <openssl/ts.h>

#include "signet/core/findings.h"
#include "signet/core/ossl.h"
#include "signet/translog/appliance_config.h"

namespace signet::signerd {
namespace {

void Count(const TimestampRuntime& rt, const char* result) {
  if (rt.total != nullptr) rt.total->Inc({result});
}

bool Granted(const std::string& der) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  ossl::UniquePtr<TS_RESP> resp(d2i_TS_RESP(nullptr, &p, static_cast<long>(der.size())));
  const ASN1_INTEGER* status = resp ? TS_STATUS_INFO_get0_status(TS_RESP_get_status_info(resp.get())) : nullptr;
  return status != nullptr && ASN1_INTEGER_get(status) == TS_STATUS_GRANTED;
}

}  // namespace

Result<std::unique_ptr<TimestampRuntime>> OpenTimestampRuntime(const std::string& state_dir, const KeyOpener& open_key,
                                                               service::MetricsRegistry& metrics) {
  Result<translog::ApplianceConfig> config = translog::ReadApplianceConfig(state_dir);
  if (!config.ok()) {
    if (config.error().code() == ErrorCode::kNotFound) return std::unique_ptr<TimestampRuntime>();
    return std::move(config).error();
  }
  if (config->tsa_key_uri.empty()) return std::unique_ptr<TimestampRuntime>();
  auto rt = std::make_unique<TimestampRuntime>();
  SIGNET_ASSIGN_OR_RETURN(std::shared_ptr<fw::SigningKey> key, open_key(config->tsa_key_uri));
  tsa::AuthorityOptions options;
  if (!config->tsa_policy_oid.empty()) options.policy_oid = config->tsa_policy_oid;
  options.require_synchronized_clock = config->tsa_require_synchronized_clock;
  SIGNET_ASSIGN_OR_RETURN(rt->authority, tsa::TimestampAuthority::Open(state_dir, std::move(key), std::move(options)));
  SIGNET_ASSIGN_OR_RETURN(rt->total, metrics.AddCounter("signerd_timestamps_total",
                                                        "POST /v1/timestamp answers by result (granted, rejected, "
                                                        "refused, error).",
                                                        {"result"}));
  return rt;
}

service::Response HandleTimestamp(const SignerdState& state, const TimestampRuntime& runtime,
                                  const ClientIdentity& identity, const service::Request& request) {
  // 1. Only configured callers may spend the TSA's serial numbers and device signatures.
  if (MatchCaller(state.config().callers, identity) == nullptr) {
    Count(runtime, "refused");
    return service::ErrorResponse(403, findings::kCallerNotListed, "the client certificate is not a configured caller");
  }
  if (!runtime.authority) {
    Count(runtime, "error");
    return service::ErrorResponse(503, findings::kTsaUnavailable, "no timestamp authority is configured");
  }
  // 2. Every RFC 3161 answer, granted or rejected, is a timestamp-reply.
  Result<Bytes> reply = runtime.authority->Respond(AsBytes(request.body));
  if (!reply.ok()) {
    Count(runtime, "error");
    return service::ErrorResponseFor(reply.error());
  }
  service::Response r;
  r.status = 200;
  r.content_type = kTimestampReplyType;
  r.body = ToString(*reply);
  const bool granted = Granted(r.body);
  Count(runtime, granted ? "granted" : "rejected");
  r.log.verdict = granted ? "granted" : "rejected";
  return r;
}

}  // namespace signet::signerd
