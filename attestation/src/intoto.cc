#include "signet/attestation/intoto.h"

#include "signet/core/findings.h"

namespace signet::attestation {
namespace {

Error Invalid(const char* msg) { return VerificationFailed(findings::kStatementInvalid, msg); }

size_t HexLengthFor(std::string_view algorithm) {
  if (algorithm == "sha256") return 64;
  if (algorithm == "sha384") return 96;
  if (algorithm == "sha512") return 128;
  if (algorithm == "sha1") return 40;
  return 0;  // unknown algorithms: any non-empty lowercase hex
}

bool IsLowerHex(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

bool Statement::MatchesDigest(std::string_view algorithm, std::string_view lower_hex) const {
  if (!IsLowerHex(lower_hex)) return false;
  size_t want = HexLengthFor(algorithm);
  if (want != 0 && lower_hex.size() != want) return false;
  for (const Subject& s : subjects_) {
    for (const auto& [alg, value] : s.digest) {
      if (alg == algorithm && value == lower_hex) return true;
    }
  }
  return false;
}

Result<Statement> ParseStatement(const VerifiedEnvelope& envelope) {
  // 1. The type binds the interpretation of the signed bytes: check it before parsing them.
  if (envelope.payload_type() != kInTotoPayloadType) {
    return VerificationFailed(findings::kPayloadTypeMismatch,
                              "payloadType is not application/vnd.in-toto+json");
  }
  return ParseStatementBytesForFuzzing(envelope.payload());
}

Result<Statement> ParseStatementBytesForFuzzing(ByteView payload) {
  // 2. Strict JSON and a known statement type.
  JsonLimits limits;
  limits.max_bytes = kMaxDssePayloadBytes;
  auto doc = ParseJson(AsString(payload), limits);
  if (!doc.ok()) return Invalid("statement is not strict JSON");
  if (!doc->is_object()) return Invalid("statement is not an object");
  Statement st;
  auto type = doc->GetString("_type");
  if (!type.ok()) return Invalid("statement has no _type");
  if (*type != kStatementV01 && *type != kStatementV1) return Invalid("unknown statement _type");
  st.type_ = std::move(type).value();
  // 3. Subjects with digest sets.
  auto subjects = doc->GetArray("subject");
  if (!subjects.ok() || (*subjects)->empty()) return Invalid("statement has no subject");
  for (const JsonValue& s : **subjects) {
    if (!s.is_object()) return Invalid("subject is not an object");
    Subject subject;
    if (const JsonValue* name = s.Find("name")) {
      if (!name->is_string()) return Invalid("subject name is not a string");
      subject.name = name->string_value();
    } else if (st.type_ == kStatementV01) {
      return Invalid("subject has no name");
    }
    auto digest = s.GetObject("digest");
    if (!digest.ok() || (*digest)->object().empty()) return Invalid("subject has no digest");
    for (const auto& [alg, value] : (*digest)->object()) {
      if (!value.is_string()) return Invalid("digest value is not a string");
      subject.digest.emplace_back(alg, value.string_value());
    }
    st.subjects_.push_back(std::move(subject));
  }
  // 4. Predicate type and predicate.
  auto ptype = doc->GetString("predicateType");
  if (!ptype.ok()) return Invalid("statement has no predicateType");
  st.predicate_type_ = std::move(ptype).value();
  if (const JsonValue* pred = doc->Find("predicate")) {
    if (!pred->is_object()) return Invalid("predicate is not an object");
    st.predicate_ = *pred;
  }
  return st;
}

}  // namespace signet::attestation
