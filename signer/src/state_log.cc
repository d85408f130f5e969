#include "signet/signer/state_log.h"

#include <future>
#include <string>
#include <utility>

#include "signet/attestation/checkpoint.h"
#include "signet/core/encoding.h"
#include "signet/core/file.h"
#include "signet/core/findings.h"
#include "signet/core/hash.h"
#include "signet/core/json.h"
#include "signet/translog/tiles.h"

namespace signet::signer {

namespace {

using Promise = std::promise<Result<translog::Integrated>>;

// Wait returns the committed entry `want` of `future`, checking it got the index it was queued for.
Error LogUnavailable(const Error& cause) {
  return Unavailable("the transparency log did not commit the entry: " + cause.message())
      .WithFinding(findings::kLogUnavailable);
}

Result<translog::Integrated> Wait(std::future<Result<translog::Integrated>>& future, uint64_t want) {
  Result<translog::Integrated> got = future.get();
  if (!got.ok()) return LogUnavailable(got.error());
  if (got->index != want) {
    return Internal("the transparency log committed an entry at index " + std::to_string(got->index) +
                    ", not at the index it was queued for (" + std::to_string(want) + "); nothing released");
  }
  return got;
}

// NewestStoredTime returns the time of the last audit record among the log's last entries (a
// record is followed by at most three signature entries, so the last two bundles hold it), or
// the epoch when there is none.
Timestamp NewestStoredTime(const std::string& state_dir, uint64_t size) {
  uint64_t end = size;
  for (int bundles = 0; bundles < 2 && end > 0; ++bundles) {
    const uint64_t index = (end - 1) / translog::kTileWidth;
    const uint64_t width = end - index * translog::kTileWidth;
    auto data = ReadFile(state_dir + "/" + translog::kLogDirName + "/" +
                             translog::TilePath(translog::TileId{translog::kEntriesLevel, index, width}),
                         translog::kMaxBundleBytes);
    if (!data.ok()) break;
    auto entries = translog::ParseEntryBundle(AsBytes(*data), width);
    if (!entries.ok()) break;
    for (auto it = entries->rbegin(); it != entries->rend(); ++it) {
      auto entry = ParseAuditEntry(*it);
      if (entry.ok()) return entry->record.time;
    }
    end = index * translog::kTileWidth;
  }
  return Timestamp{};
}

}  // namespace

StateLog::StateLog(std::unique_ptr<translog::TransparencyLog> log, Bytes log_id, Timestamp newest)
    : log_(std::move(log)), log_id_(std::move(log_id)), newest_time_(newest) {
  next_index_ = log_->size();
}

Status StateLog::RecoverLocked() {
  Status st = log_->Recover();
  if (!st.ok()) {
    return Unavailable("the transparency log cannot recover: " + st.error().message())
        .WithFinding(findings::kLogUnavailable);
  }
  next_index_ = log_->size();
  stale_ = false;
  return OkStatus();
}

Result<std::unique_ptr<StateLog>> StateLog::Open(const std::string& state_dir, translog::NoteSigner signer,
                                                 translog::LogOptions options) {
  SIGNET_ASSIGN_OR_RETURN(attestation::NoteVerifierKey vkey, attestation::ParseNoteVerifierKey(signer.verifier_key()));
  Bytes log_id = LogKeyId(vkey.name, vkey.public_key);
  SIGNET_ASSIGN_OR_RETURN(std::unique_ptr<translog::TransparencyLog> log,
                          translog::TransparencyLog::Open(state_dir, std::move(signer), options));
  const Timestamp newest = NewestStoredTime(state_dir, log->size());
  return std::unique_ptr<StateLog>(new StateLog(std::move(log), std::move(log_id), newest));
}

Result<AuditEntry> StateLog::Append(const AuditRecord& record) {
  SIGNET_ASSIGN_OR_RETURN(SignedAppend out, AppendWithSignatures(record, {}));
  return std::move(out.record);
}

Result<SignedAppend> StateLog::AppendWithSignatures(const AuditRecord& record,
                                                    const std::vector<SignatureLogEntry>& signatures) {
  SIGNET_RETURN_IF_ERROR(CheckAuditRecord(record));
  for (const auto& s : signatures) {
    if (s.body.size() > translog::kMaxEntryBytes) return InvalidArgument("a signature entry is too large to log");
  }
  SignedAppend out;
  std::vector<std::future<Result<translog::Integrated>>> waits;
  uint64_t first = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stale_) SIGNET_RETURN_IF_ERROR(RecoverLocked());
    if (record.time + kClockStepAllowance < newest_time_) {
      return Unavailable("the clock is behind the newest record in the log; nothing is logged or released until it "
                         "catches up")
          .WithFinding(findings::kClockSteppedBack);
    }
    first = next_index_;
    out.record.seq = first;
    out.record.prev = std::string(64, '0');
    out.record.record = record;
    out.record.hash = ComputeEntryHash(out.record);
    SIGNET_ASSIGN_OR_RETURN(std::string stored, WriteCanonicalJson(EntryToJson(out.record)));
    if (stored.size() > translog::kMaxEntryBytes) return InvalidArgument("the audit record is too large to log");
    std::vector<std::string> entries;
    entries.push_back(std::move(stored));
    for (const auto& s : signatures) entries.push_back(s.body);
    for (auto& e : entries) {
      auto promise = std::make_shared<Promise>();
      waits.push_back(promise->get_future());
      log_->AppendAsync(std::move(e), [promise](Result<translog::Integrated> r) { promise->set_value(std::move(r)); });
    }
    next_index_ += entries.size();
    if (record.time > newest_time_) newest_time_ = record.time;
  }
  // Every future is waited for, even after a failure: the callbacks hold the promises.
  Status failed = OkStatus();
  for (size_t i = 0; i < waits.size(); ++i) {
    auto got = Wait(waits[i], first + i);
    if (!got.ok()) {
      if (failed.ok()) failed = std::move(got).error();
      continue;
    }
    if (i == 0) continue;
    LoggedEntry e;
    e.kind = signatures[i - 1].kind;
    e.body = signatures[i - 1].body;
    e.index = got->index;
    e.tree_size = got->tree_size;
    e.checkpoint = std::move(got->checkpoint);
    e.inclusion_proof = std::move(got->inclusion_proof);
    e.log_id = log_id_;
    out.signatures.push_back(std::move(e));
  }
  if (!failed.ok()) {
    stale_ = true;  // the log refuses until it recovers; the next append asks it to
    return std::move(failed).error();
  }
  return out;
}

namespace {

// ParseSignatureEntry reads the signature, verifier and key of a Rekor v2 entry (rekor_v2.h:
// hashedrekord's spec.hashedRekordV002.signature, dsse's spec.dsseV002.signatures[0]).
Result<LoggedSignatureRecord> ParseSignatureEntry(std::string_view entry) {
  JsonLimits limits;
  limits.max_bytes = translog::kMaxEntryBytes;
  limits.max_depth = 8;
  SIGNET_ASSIGN_OR_RETURN(JsonValue v, ParseJson(entry, limits));
  LoggedSignatureRecord out;
  SIGNET_ASSIGN_OR_RETURN(out.kind, v.GetString("kind"));
  SIGNET_ASSIGN_OR_RETURN(const JsonValue* spec, v.GetObject("spec"));
  const JsonValue* sig = nullptr;
  if (out.kind == kRekorKindHashedRekord) {
    SIGNET_ASSIGN_OR_RETURN(const JsonValue* body, spec->GetObject("hashedRekordV002"));
    SIGNET_ASSIGN_OR_RETURN(sig, body->GetObject("signature"));
  } else if (out.kind == kRekorKindDsse) {
    SIGNET_ASSIGN_OR_RETURN(const JsonValue* body, spec->GetObject("dsseV002"));
    SIGNET_ASSIGN_OR_RETURN(const JsonValue::Array* sigs, body->GetArray("signatures"));
    if (sigs->size() != 1 || !(*sigs)[0].is_object()) return InvalidArgument("a dsse entry must hold one signature");
    sig = &(*sigs)[0];
  } else {
    return InvalidArgument("unknown entry kind");
  }
  SIGNET_ASSIGN_OR_RETURN(out.signature, sig->GetString("content"));
  SIGNET_ASSIGN_OR_RETURN(const JsonValue* verifier, sig->GetObject("verifier"));
  if (const JsonValue* details = verifier->Find("keyDetails"); details != nullptr) {
    if (!details->is_string()) return InvalidArgument("keyDetails is not a string");
    out.key_details = details->string_value();
  }
  SIGNET_ASSIGN_OR_RETURN(const JsonValue* pk, verifier->GetObject("publicKey"));
  SIGNET_ASSIGN_OR_RETURN(std::string raw, pk->GetString("rawBytes"));
  SIGNET_ASSIGN_OR_RETURN(Bytes spki, Base64Decode(raw));
  out.key_id = HexEncode(Sha256(spki));
  return out;
}

bool IsRekorEntry(std::string_view e) { return e.starts_with("{\"apiVersion\":\""); }
bool IsAuditRecord(std::string_view e) { return e.starts_with("{\"decision\":\""); }

}  // namespace

Result<std::vector<LoggedSigning>> ReadSignings(const std::vector<std::string>& entries) {
  std::vector<LoggedSigning> out;
  LoggedSigning* open = nullptr;  // the allow record whose signature run is being read
  for (size_t i = 0; i < entries.size(); ++i) {
    const std::string& e = entries[i];
    if (IsAuditRecord(e)) {
      open = nullptr;
      auto entry = ParseAuditEntry(e);
      if (!entry.ok()) return std::move(entry).error().Prefix("log entry " + std::to_string(i));
      if (entry->record.decision != kAuditDecisionAllow) continue;
      out.push_back(LoggedSigning{i, std::move(*entry), {}});
      open = &out.back();
    } else if (IsRekorEntry(e) && open != nullptr) {
      auto sig = ParseSignatureEntry(e);
      if (!sig.ok()) return std::move(sig).error().Prefix("log entry " + std::to_string(i));
      sig->index = i;
      open->signatures.push_back(std::move(*sig));
    } else {
      open = nullptr;
    }
  }
  return out;
}

}  // namespace signet::signer
