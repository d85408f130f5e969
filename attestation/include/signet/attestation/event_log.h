// Signet's measured-launch event log: typed, canonical event records.
//
// `signet launch` writes one record per measured file, then a separator. The PCR is extended
// with SHA-256 of the record's RFC 8785 canonical JSON, not with the file hash alone, so the
// kind, path, PCR and position are bound into the PCR value too. The log is a JSON document:
//
//   {"version":"signet-event-log-v1","events":[{"seq":0,"pcr":23,"kind":"binary",
//     "path":"/usr/bin/app","sha256":"<64 hex>"}, ..., {"seq":N,"pcr":23,"kind":"separator",
//     "path":"","sha256":"<64 zeros>"}]}
//
// Parsing is strict (exact member sets, lowercase hex, sizes bounded) but deliberately keeps an
// unknown `kind` as text: whether a kind is acceptable is the verifier's decision (a finding),
// not a parse error.
#ifndef SIGNET_ATTESTATION_EVENT_LOG_H_
#define SIGNET_ATTESTATION_EVENT_LOG_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "signet/core/bytes.h"
#include "signet/core/json.h"
#include "signet/core/result.h"

namespace signet::attestation {

// kEventLogVersion is the "version" member of every event log.
inline constexpr const char kEventLogVersion[] = "signet-event-log-v1";
// kMaxEvents bounds an event log (and so the replay work an attacker can cause).
inline constexpr size_t kMaxEvents = 1024;

// EventKind lists the record kinds Signet writes.
enum class EventKind { kBinary, kConfig, kPolicy, kTrustRoot, kSeparator };

// EventKindName returns "binary", "config", "policy", "trust_root" or "separator".
std::string_view EventKindName(EventKind kind);
// ParseEventKind is the inverse of EventKindName; other text fails with kInvalidArgument.
Result<EventKind> ParseEventKind(std::string_view name);
// ParseMeasuredKind accepts the kinds a user may measure (every kind except "separator").
Result<EventKind> ParseMeasuredKind(std::string_view name);

// EventRecord is one log entry. `kind` is text (see the header comment).
struct EventRecord {
  uint64_t seq = 0;
  uint32_t pcr = 0;
  std::string kind;
  std::string path;
  Bytes sha256;  // 32 bytes
};

// MakeSeparator returns the separator record for position `seq` on `pcr`: empty path and an
// all-zero digest.
EventRecord MakeSeparator(uint64_t seq, uint32_t pcr);

// CanonicalEventRecord renders the record as RFC 8785 canonical JSON (the bytes hashed).
std::string CanonicalEventRecord(const EventRecord& record);
// EventDigest returns SHA-256(CanonicalEventRecord(record)): the value extended into the PCR.
Bytes EventDigest(const EventRecord& record);

// EventLog is the ordered list of records.
struct EventLog {
  std::vector<EventRecord> events;
};

// ParseEventLogJson reads an event log from an already-parsed JSON value. Fails with
// kInvalidArgument on any unexpected member, type, size (> kMaxEvents events, path > 4096
// bytes, kind > 64 bytes), a PCR index above 23 or a non-lowercase-hex digest.
Result<EventLog> ParseEventLogJson(const JsonValue& value);
// ParseEventLog parses an event log document (strict JSON, at most 4 MiB).
Result<EventLog> ParseEventLog(std::string_view json);
// EventLogToJson renders the log in the format above.
JsonValue EventLogToJson(const EventLog& log);
// SerializeEventLog renders EventLogToJson pretty-printed with a trailing newline.
std::string SerializeEventLog(const EventLog& log);

// CheckSequence fails with kInvalidArgument unless the records are numbered 0, 1, 2, ... in
// order (a reordered or spliced log whose `seq` fields were not rewritten).
Status CheckSequence(const EventLog& log);

// ReplayEventLog recomputes every PCR the log touches, starting from all zeros:
// PCR = SHA-256(PCR || EventDigest(record)) per record, in log order.
std::map<uint32_t, Bytes> ReplayEventLog(const EventLog& log);

}  // namespace signet::attestation

#endif  // SIGNET_ATTESTATION_EVENT_LOG_H_
