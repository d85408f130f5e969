// Strict JSON (RFC 8259) reader and writers.
//
// The reader refuses what a lenient parser would paper over, because signatures are checked
// over exact bytes and two parsers must never disagree about what a document says:
//   - duplicate object keys (after unescaping),
//   - trailing data after the top-level value (whitespace excepted),
//   - invalid UTF-8 (overlong forms, surrogates, > U+10FFFF) and unpaired \u surrogates,
//   - nesting deeper than JsonLimits::max_depth, input larger than JsonLimits::max_bytes,
//   - a byte-order mark, control characters in strings, leading zeros, "+1", ".5", NaN, etc.
// Numbers keep their exact source text; integers are read with range checks.
#ifndef SIGNET_CORE_JSON_H_
#define SIGNET_CORE_JSON_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "signet/core/result.h"

namespace signet {

// JsonLimits bounds the resources a document may consume.
struct JsonLimits {
  size_t max_bytes = 32 * 1024 * 1024;
  size_t max_depth = 64;
};

// JsonValue is an immutable-by-convention JSON tree. Objects keep their members in document
// order; keys are unique (the reader guarantees it, Set() replaces).
class JsonValue {
 public:
  enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };
  using Array = std::vector<JsonValue>;
  using Member = std::pair<std::string, JsonValue>;
  using Object = std::vector<Member>;

  JsonValue() = default;  // null
  static JsonValue Null() { return JsonValue(); }
  static JsonValue Bool(bool b);
  static JsonValue Int(int64_t n);
  static JsonValue Uint(uint64_t n);
  // NumberText stores `text` verbatim; it must be a valid JSON number (checked, aborts if not:
  // callers pass program-generated text).
  static JsonValue NumberText(std::string text);
  static JsonValue String(std::string s);
  static JsonValue MakeArray(Array items = {});
  static JsonValue MakeObject(Object members = {});

  Type type() const { return type_; }
  bool is_null() const { return type_ == Type::kNull; }
  bool is_bool() const { return type_ == Type::kBool; }
  bool is_number() const { return type_ == Type::kNumber; }
  bool is_string() const { return type_ == Type::kString; }
  bool is_array() const { return type_ == Type::kArray; }
  bool is_object() const { return type_ == Type::kObject; }

  // Unchecked accessors: calling one on the wrong type aborts (a programming error).
  bool bool_value() const;
  const std::string& string_value() const;
  const std::string& number_text() const;
  const Array& array() const;
  const Object& object() const;
  Array& mutable_array();
  Object& mutable_object();

  // AsInt64/AsUint64 read an integer number (no fraction or exponent), range-checked.
  Result<int64_t> AsInt64() const;
  Result<uint64_t> AsUint64() const;
  // AsDouble reads any number as a double.
  Result<double> AsDouble() const;

  // Find returns the member `key` of an object, or nullptr (also when this is not an object).
  const JsonValue* Find(std::string_view key) const;

  // Typed member getters for parsers. Each fails with kInvalidArgument naming `key` when the
  // member is missing or has the wrong type.
  Result<const JsonValue*> GetMember(std::string_view key) const;
  Result<std::string> GetString(std::string_view key) const;
  Result<const JsonValue*> GetObject(std::string_view key) const;
  Result<const Array*> GetArray(std::string_view key) const;
  Result<int64_t> GetInt64(std::string_view key) const;
  Result<bool> GetBool(std::string_view key) const;

  // Set adds or replaces member `key` (object only). Push appends (array only).
  JsonValue& Set(std::string key, JsonValue value);
  JsonValue& Push(JsonValue value);

  bool operator==(const JsonValue& other) const;

 private:
  friend struct JsonInternal;
  Type type_ = Type::kNull;
  bool bool_ = false;
  std::string text_;  // string value or number text
  Array array_;
  Object object_;
};

// ParseJson parses one complete document under `limits`. Errors are kInvalidArgument with a
// byte offset; the message never quotes document content.
Result<JsonValue> ParseJson(std::string_view text, const JsonLimits& limits = {});

// WriteJson renders compactly, keeping member order. With indent > 0 it pretty-prints.
std::string WriteJson(const JsonValue& value, int indent = 0);

// WriteCanonicalJson renders RFC 8785 (JCS) canonical JSON: members sorted by UTF-16 code
// units, no whitespace, minimal string escapes, numbers in ECMAScript form. A number that an
// IEEE 754 double cannot represent (it overflows, like 1e400, or underflows to zero while not
// zero, like 1e-400) has no canonical form: kInvalidArgument, never "null" or "0".
Result<std::string> WriteCanonicalJson(const JsonValue& value);

// ValidateUtf8 reports whether `s` is well-formed UTF-8 (RFC 3629).
bool ValidateUtf8(std::string_view s);

}  // namespace signet

#endif  // SIGNET_CORE_JSON_H_
