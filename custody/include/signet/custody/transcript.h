// The ceremony transcript: `DIR/transcript.jsonl`, a hash chain of every ceremony step
// (issue 17 points 1-2).
//
// One JSON object per line, each line ending in "\n":
//   {"seq":N,"time":"RFC3339","step":"...","details":{...},"prev":"<hex SHA-256 of previous line>"}
// `seq` counts from 1; the first line's `prev` is 64 zeros; a line's hash is SHA-256 of its
// exact bytes without the newline. An approval is a line with
//   "step":"approve","details":{"custodian":NAME,"key_id":HEX,"head":HEX,"signature":B64}
// whose signature is over ApprovalMessage(kTranscriptContext, head bytes), where the head is the
// hash of the latest non-approval line. Every later step (rotate, revoke, restore) appends a
// non-approval line and so moves the head: it needs a fresh quorum.
#ifndef SIGNET_CUSTODY_TRANSCRIPT_H_
#define SIGNET_CUSTODY_TRANSCRIPT_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "signet/core/bytes.h"
#include "signet/core/json.h"
#include "signet/core/public_key.h"
#include "signet/core/result.h"
#include "signet/core/time.h"
#include "signet/custody/approval.h"

namespace signet::custody {

// The step name of an approval line.
inline constexpr std::string_view kApproveStep = "approve";

// Limits: a line, the whole file, the number of lines.
inline constexpr size_t kMaxTranscriptLineBytes = 1024 * 1024;
inline constexpr size_t kMaxTranscriptBytes = 64 * 1024 * 1024;
inline constexpr size_t kMaxTranscriptLines = 100000;

// TranscriptEntry is one parsed line.
struct TranscriptEntry {
  int64_t seq = 0;
  std::string time;  // RFC 3339 as written
  std::string step;
  JsonValue details;  // an object
  std::string prev;   // hex
  Bytes hash;         // SHA-256 of the line's bytes
};

// TranscriptApproval is the details of an approval line.
struct TranscriptApproval {
  std::string custodian;
  std::string key_id;
  Bytes head;       // 32 bytes
  Bytes signature;  // DER ECDSA
};

// CustodianKey is a custodian as a quorum check knows it: a name and a public key.
struct CustodianKey {
  std::string name;
  PublicKey key;
};

// QuorumResult says which custodians validly approved and which did not.
struct QuorumResult {
  int threshold = 0;
  std::vector<std::string> approved;  // distinct custodian names, in custodian order
  std::vector<std::string> missing;   // the others, in custodian order
  bool met() const { return static_cast<int>(approved.size()) >= threshold; }
};

// Transcript is an open transcript file.
class Transcript {
 public:
  // Create starts an empty transcript at `path`; nothing is written until the first Append.
  // kAlreadyExists when something stands at `path`.
  static Result<Transcript> Create(std::string path);
  // Open reads and verifies (Verify) the transcript at `path`. kNotFound when missing;
  // kVerificationFailed TRANSCRIPT_CHAIN_BROKEN naming the first bad line.
  static Result<Transcript> Open(std::string path);
  // Parse reads transcript text (no file); `Open` without the file. Same errors.
  static Result<Transcript> Parse(std::string path, std::string_view text);

  const std::string& path() const { return path_; }
  const std::vector<TranscriptEntry>& entries() const { return entries_; }

  // Append adds a line (`step` non-empty, `details` an object) at `time` and writes the whole
  // file again crash-safely (temp file, fsync, rename, directory fsync): a crash leaves the old
  // or the new transcript, never a torn line. Returns the new entry.
  Result<TranscriptEntry> Append(std::string_view step, JsonValue details, Timestamp time);

  // Head returns the hash of the latest non-approval line (kFailedPrecondition when none).
  Result<Bytes> Head() const;

  // Approve signs the current head with `signer` and appends the approval line for `custodian`.
  Result<TranscriptEntry> Approve(ApprovalSigner& signer, std::string_view custodian, Timestamp time);

  // CheckQuorum counts the distinct custodians of `custodians` with a valid approval of the
  // current head (each approval's signature checked with the custodian's key whose KeyId matches;
  // an approval by an unknown key, of an older head or with a bad signature counts for nobody).
  Result<QuorumResult> CheckQuorum(std::span<const CustodianKey> custodians, int threshold) const;

  // Verify checks the chain: seq consecutive from 1, each `prev` the previous line's hash,
  // well-formed approval details. kVerificationFailed TRANSCRIPT_CHAIN_BROKEN naming the line.
  Status Verify() const;

  // Text returns the file's bytes.
  const std::string& Text() const { return text_; }

 private:
  Transcript(std::string path, std::string text, std::vector<TranscriptEntry> entries)
      : path_(std::move(path)), text_(std::move(text)), entries_(std::move(entries)) {}
  std::string path_;
  std::string text_;
  std::vector<TranscriptEntry> entries_;
};

// ParseTranscriptApproval reads an approval line's details (kInvalidArgument when malformed).
Result<TranscriptApproval> ParseTranscriptApproval(const JsonValue& details);

}  // namespace signet::custody

#endif  // SIGNET_CUSTODY_TRANSCRIPT_H_
