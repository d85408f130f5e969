// The ceremony transcript hash chain (see transcript.h).
#include "signet/custody/transcript.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <string>

#include "json_fields.h"
#include "signet/core/encoding.h"
#include "signet/core/file.h"
#include "signet/core/findings.h"
#include "signet/core/hash.h"

namespace signet::custody {
namespace {

const std::string kZeroHash(64, '0');

Error ChainBroken(size_t line, std::string_view why) {
  return VerificationFailed(findings::kTranscriptChainBroken,
                            "transcript line " + std::to_string(line) + ": " + std::string(why));
}

// ParseLine reads one line's JSON (no chain checks).
Result<TranscriptEntry> ParseLine(std::string_view line) {
  Result<JsonValue> doc = ParseJson(line, JsonLimits{kMaxTranscriptLineBytes, 32});
  if (!doc.ok()) return InvalidArgument("not a JSON object");
  SIGNET_RETURN_IF_ERROR(internal::ExactMembers(*doc, {"seq", "time", "step", "details", "prev"}, "line"));
  TranscriptEntry e;
  SIGNET_ASSIGN_OR_RETURN(e.seq, doc->GetInt64("seq"));
  SIGNET_ASSIGN_OR_RETURN(e.time, internal::GetStringField(*doc, "time", "line", 64));
  SIGNET_ASSIGN_OR_RETURN(e.step, internal::GetStringField(*doc, "step", "line", 64));
  SIGNET_ASSIGN_OR_RETURN(e.prev, internal::GetStringField(*doc, "prev", "line", 64));
  SIGNET_ASSIGN_OR_RETURN(const JsonValue* details, doc->GetObject("details"));
  e.details = *details;
  SIGNET_RETURN_IF_ERROR(internal::ParseTimeField(e.time, "time"));
  if (e.step.empty()) return InvalidArgument("empty step");
  e.hash = Sha256(AsBytes(line));
  return e;
}

std::string RenderLine(int64_t seq, std::string_view time, std::string_view step, const JsonValue& details,
                       std::string_view prev) {
  JsonValue o = JsonValue::MakeObject();
  o.Set("seq", JsonValue::Int(seq));
  o.Set("time", JsonValue::String(std::string(time)));
  o.Set("step", JsonValue::String(std::string(step)));
  o.Set("details", details);
  o.Set("prev", JsonValue::String(std::string(prev)));
  return WriteJson(o);
}

}  // namespace

Result<TranscriptApproval> ParseTranscriptApproval(const JsonValue& details) {
  SIGNET_RETURN_IF_ERROR(internal::ExactMembers(details, {"custodian", "key_id", "head", "signature"}, "approval"));
  TranscriptApproval a;
  SIGNET_ASSIGN_OR_RETURN(a.custodian, internal::GetStringField(details, "custodian", "approval"));
  SIGNET_ASSIGN_OR_RETURN(a.key_id, internal::GetStringField(details, "key_id", "approval"));
  SIGNET_ASSIGN_OR_RETURN(std::string head, internal::GetStringField(details, "head", "approval"));
  SIGNET_ASSIGN_OR_RETURN(std::string sig, internal::GetStringField(details, "signature", "approval", 1024));
  if (!internal::IsName(a.custodian)) return internal::Malformed("approval: custodian is not a valid name");
  if (!internal::IsKeyIdHex(a.key_id)) return internal::Malformed("approval: key_id is not 64 hex digits");
  if (!internal::IsKeyIdHex(head)) return internal::Malformed("approval: head is not 64 hex digits");
  a.head = *HexDecode(head);
  Result<Bytes> sig_bytes = Base64Decode(sig);
  if (!sig_bytes.ok() || sig_bytes->empty()) return internal::Malformed("approval: signature is not base64");
  a.signature = std::move(*sig_bytes);
  return a;
}

Result<Transcript> Transcript::Create(std::string path) {
  struct stat st;
  if (lstat(path.c_str(), &st) == 0) return AlreadyExists("transcript: " + path + " already exists");
  if (errno != ENOENT) return InvalidArgument("transcript: cannot check " + path);
  return Transcript(std::move(path), "", {});
}

Result<Transcript> Transcript::Open(std::string path) {
  SIGNET_ASSIGN_OR_RETURN(std::string text, ReadFile(path, kMaxTranscriptBytes));
  return Parse(std::move(path), text);
}

Result<Transcript> Transcript::Parse(std::string path, std::string_view text) {
  if (text.size() > kMaxTranscriptBytes) return InvalidArgument("transcript: larger than the limit");
  if (!text.empty() && text.back() != '\n') return ChainBroken(1 + static_cast<size_t>(std::count(text.begin(), text.end(), '\n')), "no final newline (a torn write)");
  std::vector<TranscriptEntry> entries;
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl - pos);
    const size_t number = entries.size() + 1;
    if (number > kMaxTranscriptLines) return InvalidArgument("transcript: too many lines");
    if (line.size() > kMaxTranscriptLineBytes) return ChainBroken(number, "line too long");
    Result<TranscriptEntry> e = ParseLine(line);
    if (!e.ok()) return ChainBroken(number, "malformed line");
    entries.push_back(std::move(*e));
    pos = nl + 1;
  }
  Transcript t(std::move(path), std::string(text), std::move(entries));
  SIGNET_RETURN_IF_ERROR(t.Verify());
  return t;
}

Status Transcript::Verify() const {
  std::string prev = kZeroHash;
  for (size_t i = 0; i < entries_.size(); ++i) {
    const TranscriptEntry& e = entries_[i];
    if (e.seq != static_cast<int64_t>(i + 1)) return ChainBroken(i + 1, "seq is not consecutive");
    if (e.prev != prev) return ChainBroken(i + 1, "prev is not the hash of the line before");
    if (e.step == kApproveStep && !ParseTranscriptApproval(e.details).ok()) {
      return ChainBroken(i + 1, "malformed approval");
    }
    prev = HexEncode(e.hash);
  }
  return OkStatus();
}

Result<TranscriptEntry> Transcript::Append(std::string_view step, JsonValue details, Timestamp time) {
  if (step.empty() || step.size() > 64 || !ValidateUtf8(step)) return InvalidArgument("transcript: bad step name");
  if (!details.is_object()) return InvalidArgument("transcript: details must be an object");
  const int64_t seq = static_cast<int64_t>(entries_.size()) + 1;
  const std::string prev = entries_.empty() ? kZeroHash : HexEncode(entries_.back().hash);
  const std::string line = RenderLine(seq, FormatRfc3339(time), step, details, prev);
  if (line.size() > kMaxTranscriptLineBytes) return InvalidArgument("transcript: line too long");
  Result<TranscriptEntry> e = ParseLine(line);
  if (!e.ok()) return std::move(e).error().Prefix("transcript: the new line does not parse");
  std::string text = text_ + line + "\n";
  SIGNET_RETURN_IF_ERROR(WriteFileAtomic(path_, text, 0644));
  text_ = std::move(text);
  entries_.push_back(*e);
  return *std::move(e);
}

Result<Bytes> Transcript::Head() const {
  for (auto it = entries_.rbegin(); it != entries_.rend(); ++it) {
    if (it->step != kApproveStep) return it->hash;
  }
  return FailedPrecondition("transcript: no step to approve yet");
}

Result<TranscriptEntry> Transcript::Approve(ApprovalSigner& signer, std::string_view custodian, Timestamp time) {
  if (!internal::IsName(custodian)) return InvalidArgument("transcript: the custodian name is not valid");
  SIGNET_ASSIGN_OR_RETURN(Bytes head, Head());
  SIGNET_ASSIGN_OR_RETURN(Bytes sig, SignApproval(signer, kTranscriptContext, head));
  JsonValue details = JsonValue::MakeObject();
  details.Set("custodian", JsonValue::String(std::string(custodian)));
  details.Set("key_id", JsonValue::String(signer.key_id()));
  details.Set("head", JsonValue::String(HexEncode(head)));
  details.Set("signature", JsonValue::String(Base64Encode(sig)));
  return Append(kApproveStep, std::move(details), time);
}

Result<QuorumResult> Transcript::CheckQuorum(std::span<const CustodianKey> custodians, int threshold) const {
  SIGNET_ASSIGN_OR_RETURN(Bytes head, Head());
  const Bytes message = ApprovalMessage(kTranscriptContext, head);
  QuorumResult q;
  q.threshold = threshold;
  std::vector<Bytes> counted;  // canonical ids: one key counts once, whatever names it has
  for (const CustodianKey& c : custodians) {
    const std::string id = KeyId(c.key);
    bool approved = false;
    if (std::find(counted.begin(), counted.end(), c.key.canonical_id()) != counted.end()) {
      q.missing.push_back(c.name);
      continue;
    }
    for (const TranscriptEntry& e : entries_) {
      if (e.step != kApproveStep) continue;
      Result<TranscriptApproval> a = ParseTranscriptApproval(e.details);
      if (!a.ok() || a->key_id != id || a->head != head) continue;
      if (c.key.Verify(message, a->signature).ok()) {
        approved = true;
        break;
      }
    }
    if (approved) counted.push_back(c.key.canonical_id());
    (approved ? q.approved : q.missing).push_back(c.name);
  }
  return q;
}

}  // namespace signet::custody
