// Signet measured-launch event log. See event_log.h.
#include <utility>

#include "signet/attestation/event_log.h"
#include "signet/core/encoding.h"
#include "signet/core/hash.h"
#include "tpm_json_util.h"

namespace signet::attestation {
namespace {

constexpr size_t kMaxPath = 4096;
constexpr size_t kMaxKind = 64;
constexpr size_t kMaxLogBytes = 4 * 1024 * 1024;

Result<EventRecord> ParseRecord(const JsonValue& v) {
  SIGNET_RETURN_IF_ERROR(
      internal::ExpectExactMembers(v, "event record", {"seq", "pcr", "kind", "path", "sha256"}));
  EventRecord r;
  SIGNET_ASSIGN_OR_RETURN(r.seq, internal::GetBoundedUint(v, "seq", kMaxEvents));
  SIGNET_ASSIGN_OR_RETURN(uint64_t pcr, internal::GetBoundedUint(v, "pcr", 23));
  r.pcr = static_cast<uint32_t>(pcr);
  SIGNET_ASSIGN_OR_RETURN(r.kind, v.GetString("kind"));
  SIGNET_ASSIGN_OR_RETURN(r.path, v.GetString("path"));
  if (r.kind.empty() || r.kind.size() > kMaxKind) {
    return InvalidArgument("event kind must be 1..64 bytes");
  }
  if (r.path.size() > kMaxPath) return InvalidArgument("event path longer than 4096 bytes");
  SIGNET_ASSIGN_OR_RETURN(r.sha256, internal::GetHex(v, "sha256", 32));
  return r;
}

JsonValue RecordToJson(const EventRecord& r) {
  JsonValue v = JsonValue::MakeObject();
  v.Set("seq", JsonValue::Uint(r.seq));
  v.Set("pcr", JsonValue::Uint(r.pcr));
  v.Set("kind", JsonValue::String(r.kind));
  v.Set("path", JsonValue::String(r.path));
  v.Set("sha256", JsonValue::String(HexEncode(r.sha256)));
  return v;
}

}  // namespace

std::string_view EventKindName(EventKind kind) {
  switch (kind) {
    case EventKind::kBinary: return "binary";
    case EventKind::kConfig: return "config";
    case EventKind::kPolicy: return "policy";
    case EventKind::kTrustRoot: return "trust_root";
    case EventKind::kSeparator: return "separator";
  }
  return "unknown";
}

Result<EventKind> ParseEventKind(std::string_view name) {
  for (auto k : {EventKind::kBinary, EventKind::kConfig, EventKind::kPolicy,
                 EventKind::kTrustRoot, EventKind::kSeparator}) {
    if (EventKindName(k) == name) return k;
  }
  return InvalidArgument("unknown event kind (use binary, config, policy or trust_root)");
}

Result<EventKind> ParseMeasuredKind(std::string_view name) {
  SIGNET_ASSIGN_OR_RETURN(EventKind k, ParseEventKind(name));
  if (k == EventKind::kSeparator) {
    return InvalidArgument("the separator is written by signet itself, not measured");
  }
  return k;
}

EventRecord MakeSeparator(uint64_t seq, uint32_t pcr) {
  EventRecord r;
  r.seq = seq;
  r.pcr = pcr;
  r.kind = "separator";
  r.sha256.assign(32, 0);
  return r;
}

std::string CanonicalEventRecord(const EventRecord& record) {
  // Cannot fail: every number in a record is an integer the program made (seq, pcr).
  return WriteCanonicalJson(RecordToJson(record)).value();
}

Bytes EventDigest(const EventRecord& record) { return Sha256(CanonicalEventRecord(record)); }

Result<EventLog> ParseEventLogJson(const JsonValue& value) {
  SIGNET_RETURN_IF_ERROR(internal::ExpectExactMembers(value, "event log", {"version", "events"}));
  SIGNET_ASSIGN_OR_RETURN(std::string version, value.GetString("version"));
  if (version != kEventLogVersion) return InvalidArgument("unsupported event log version");
  SIGNET_ASSIGN_OR_RETURN(const JsonValue::Array* events, value.GetArray("events"));
  if (events->size() > kMaxEvents) return InvalidArgument("event log has too many events");
  EventLog log;
  log.events.reserve(events->size());
  for (const JsonValue& e : *events) {
    SIGNET_ASSIGN_OR_RETURN(EventRecord r, ParseRecord(e));
    log.events.push_back(std::move(r));
  }
  return log;
}

Result<EventLog> ParseEventLog(std::string_view json) {
  JsonLimits limits;
  limits.max_bytes = kMaxLogBytes;
  limits.max_depth = 8;
  SIGNET_ASSIGN_OR_RETURN(JsonValue v, ParseJson(json, limits));
  return ParseEventLogJson(v);
}

JsonValue EventLogToJson(const EventLog& log) {
  JsonValue v = JsonValue::MakeObject();
  v.Set("version", JsonValue::String(kEventLogVersion));
  JsonValue events = JsonValue::MakeArray();
  for (const auto& r : log.events) events.Push(RecordToJson(r));
  v.Set("events", std::move(events));
  return v;
}

std::string SerializeEventLog(const EventLog& log) {
  return WriteJson(EventLogToJson(log), 2) + "\n";
}

Status CheckSequence(const EventLog& log) {
  for (size_t i = 0; i < log.events.size(); ++i) {
    if (log.events[i].seq != i) return InvalidArgument("event log sequence numbers are not 0..n-1");
  }
  return OkStatus();
}

std::map<uint32_t, Bytes> ReplayEventLog(const EventLog& log) {
  std::map<uint32_t, Bytes> pcrs;
  for (const auto& r : log.events) {
    auto [it, inserted] = pcrs.try_emplace(r.pcr, Bytes(32, 0));
    Bytes buf = it->second;
    Bytes d = EventDigest(r);
    buf.insert(buf.end(), d.begin(), d.end());
    it->second = Sha256(ByteView(buf));
  }
  return pcrs;
}

}  // namespace signet::attestation
