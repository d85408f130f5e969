// POST /v1/timestamp: signerd's RFC 3161 timestamp authority (issue 16 part 3), socket-free.
//
// Enabled when signerd's state_dir has an appliance.yaml with a `tsa:` section (written by
// `signet log init --tsa-key --tsa-ca-key`); the route is then registered with request type
// application/timestamp-query and answers application/timestamp-reply.
//   1. the caller: the verified client certificate must match a configured caller, as for
//      /v1/sign (403 CALLER_NOT_LISTED);
//   2. the body is handed to tsa::TimestampAuthority::Respond: every answer, granted or an RFC 3161
//      rejection (bad query, not SHA-256, clock not synchronised), is a 200 timestamp-reply;
//   3. a device or counter failure is the error table's status (503 while the token is away).
// Metric signerd_timestamps_total{result}: granted, rejected, refused (not a caller), error.
#ifndef SIGNET_SIGNERD_TIMESTAMP_H_
#define SIGNET_SIGNERD_TIMESTAMP_H_

#include <functional>
#include <memory>
#include <string>

#include "signet/core/result.h"
#include "signet/service/http.h"
#include "signet/service/metrics.h"
#include "signet/signerd/sign.h"
#include "signet/tsa/authority.h"

namespace signet::signerd {

inline constexpr char kTimestampQueryType[] = "application/timestamp-query";
inline constexpr char kTimestampReplyType[] = "application/timestamp-reply";

// TimestampRuntime is opened once at start.
struct TimestampRuntime {
  std::unique_ptr<tsa::TimestampAuthority> authority;  // not null once the route exists
  service::CounterFamily* total = nullptr;              // signerd_timestamps_total{result}; may be null
};

// KeyOpener opens a key by URI with signerd's PIN file (main.cc's OpenKey).
using KeyOpener = std::function<Result<std::shared_ptr<fw::SigningKey>>(const std::string& uri)>;

// OpenTimestampRuntime reads state_dir/appliance.yaml: nullptr (no route) when it is missing or
// has no tsa section; otherwise opens the TSA key through `open_key` and the authority (policy
// and tsa.require_synchronized_clock from the file). Any failure then is an error: a configured
// TSA that cannot start stops signerd from starting.
Result<std::unique_ptr<TimestampRuntime>> OpenTimestampRuntime(const std::string& state_dir, const KeyOpener& open_key,
                                                               service::MetricsRegistry& metrics);

// HandleTimestamp answers one POST /v1/timestamp.
service::Response HandleTimestamp(const SignerdState& state, const TimestampRuntime& runtime,
                                  const ClientIdentity& identity, const service::Request& request);

}  // namespace signet::signerd

#endif  // SIGNET_SIGNERD_TIMESTAMP_H_
