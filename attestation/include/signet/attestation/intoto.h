// in-toto Statement v0.1 and v1 (github.com/in-toto/attestation, spec/v1/statement.md).
//
// Trust decision: a Statement is only ever parsed from a VerifiedEnvelope, so its bytes are the
// exact bytes a trusted key signed. Subject digests match by exact lowercase-hex string
// equality: "ABC..." or "sha256:abc..." never match "abc...".
#ifndef SIGNET_ATTESTATION_INTOTO_H_
#define SIGNET_ATTESTATION_INTOTO_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "signet/attestation/dsse.h"
#include "signet/core/json.h"
#include "signet/core/result.h"

namespace signet::attestation {

// kInTotoPayloadType is the only DSSE payloadType a Statement may arrive in.
inline constexpr const char kInTotoPayloadType[] = "application/vnd.in-toto+json";
// kStatementV01 / kStatementV1 are the accepted `_type` values.
inline constexpr const char kStatementV01[] = "https://in-toto.io/Statement/v0.1";
inline constexpr const char kStatementV1[] = "https://in-toto.io/Statement/v1";

// Subject is one statement subject: a name and its digest set (algorithm -> value, as written).
struct Subject {
  std::string name;
  std::vector<std::pair<std::string, std::string>> digest;
};

// Statement is a parsed in-toto Statement from verified bytes.
class Statement {
 public:
  const std::string& type() const { return type_; }
  const std::vector<Subject>& subjects() const { return subjects_; }
  const std::string& predicate_type() const { return predicate_type_; }
  // predicate is the predicate object (null when absent).
  const JsonValue& predicate() const { return predicate_; }

  // MatchesDigest reports whether some subject has digest[`algorithm`] exactly equal to
  // `lower_hex`. `lower_hex` must itself be lowercase hex of the algorithm's length, otherwise
  // nothing matches. Cannot fail.
  bool MatchesDigest(std::string_view algorithm, std::string_view lower_hex) const;

 private:
  friend Result<Statement> ParseStatement(const VerifiedEnvelope&);
  friend Result<Statement> ParseStatementBytesForFuzzing(ByteView);
  Statement() = default;
  std::string type_;
  std::vector<Subject> subjects_;
  std::string predicate_type_;
  JsonValue predicate_;
};

// ParseStatement parses the payload of a verified envelope.
// Steps:
//   1. payloadType must be exactly application/vnd.in-toto+json (else PAYLOAD_TYPE_MISMATCH).
//   2. Strict JSON object; `_type` is Statement v0.1 or v1.
//   3. `subject` is a non-empty array of objects; each has a string `name` (may be empty in v1
//      only when a digest is present) and a non-empty `digest` object of string values.
//   4. `predicateType` is a string; `predicate`, when present, is an object.
// Fails VerificationFailed("PAYLOAD_TYPE_MISMATCH") or VerificationFailed("STATEMENT_INVALID").
Result<Statement> ParseStatement(const VerifiedEnvelope& envelope);

// ParseStatementBytesForFuzzing runs steps 2-4 on raw bytes. Only fuzz targets call it: it
// yields a Statement from unverified bytes.
Result<Statement> ParseStatementBytesForFuzzing(ByteView payload);

}  // namespace signet::attestation

#endif  // SIGNET_ATTESTATION_INTOTO_H_
