#include "signet/core/json.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>

namespace signet {

// ---------------------------------------------------------------- JsonValue

JsonValue JsonValue::Bool(bool b) {
  JsonValue v;
  v.type_ = Type::kBool;
  v.bool_ = b;
  return v;
}
JsonValue JsonValue::Int(int64_t n) {
  JsonValue v;
  v.type_ = Type::kNumber;
  v.text_ = std::to_string(n);
  return v;
}
JsonValue JsonValue::Uint(uint64_t n) {
  JsonValue v;
  v.type_ = Type::kNumber;
  v.text_ = std::to_string(n);
  return v;
}
JsonValue JsonValue::String(std::string s) {
  JsonValue v;
  v.type_ = Type::kString;
  v.text_ = std::move(s);
  return v;
}
JsonValue JsonValue::MakeArray(Array items) {
  JsonValue v;
  v.type_ = Type::kArray;
  v.array_ = std::move(items);
  return v;
}
JsonValue JsonValue::MakeObject(Object members) {
  JsonValue v;
  v.type_ = Type::kObject;
  v.object_ = std::move(members);
  return v;
}

bool JsonValue::bool_value() const {
  if (type_ != Type::kBool) std::abort();
  return bool_;
}
const std::string& JsonValue::string_value() const {
  if (type_ != Type::kString) std::abort();
  return text_;
}
const std::string& JsonValue::number_text() const {
  if (type_ != Type::kNumber) std::abort();
  return text_;
}
const JsonValue::Array& JsonValue::array() const {
  if (type_ != Type::kArray) std::abort();
  return array_;
}
const JsonValue::Object& JsonValue::object() const {
  if (type_ != Type::kObject) std::abort();
  return object_;
}
JsonValue::Array& JsonValue::mutable_array() {
  if (type_ != Type::kArray) std::abort();
  return array_;
}
JsonValue::Object& JsonValue::mutable_object() {
  if (type_ != Type::kObject) std::abort();
  return object_;
}

namespace {
bool IsIntegerText(std::string_view t) {
  return t.find_first_of(".eE") == std::string_view::npos;
}
}  // namespace

Result<int64_t> JsonValue::AsInt64() const {
  if (type_ != Type::kNumber || !IsIntegerText(text_)) return InvalidArgument("json: not an integer");
  int64_t v = 0;
  auto [p, ec] = std::from_chars(text_.data(), text_.data() + text_.size(), v);
  if (ec != std::errc() || p != text_.data() + text_.size()) return InvalidArgument("json: integer out of range");
  return v;
}

Result<uint64_t> JsonValue::AsUint64() const {
  if (type_ != Type::kNumber || !IsIntegerText(text_) || text_[0] == '-') {
    return InvalidArgument("json: not a non-negative integer");
  }
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(text_.data(), text_.data() + text_.size(), v);
  if (ec != std::errc() || p != text_.data() + text_.size()) return InvalidArgument("json: integer out of range");
  return v;
}

Result<double> JsonValue::AsDouble() const {
  if (type_ != Type::kNumber) return InvalidArgument("json: not a number");
  double v = 0;
  auto [p, ec] = std::from_chars(text_.data(), text_.data() + text_.size(), v);
  if (ec != std::errc() || p != text_.data() + text_.size() || !std::isfinite(v)) {
    return InvalidArgument("json: number out of range");
  }
  return v;
}

const JsonValue* JsonValue::Find(std::string_view key) const {
  if (type_ != Type::kObject) return nullptr;
  for (const auto& [k, v] : object_) {
    if (k == key) return &v;
  }
  return nullptr;
}

Result<const JsonValue*> JsonValue::GetMember(std::string_view key) const {
  if (type_ != Type::kObject) return InvalidArgument("json: expected an object");
  const JsonValue* v = Find(key);
  if (v == nullptr) return InvalidArgument("json: missing field \"" + std::string(key) + "\"");
  return v;
}
Result<std::string> JsonValue::GetString(std::string_view key) const {
  SIGNET_ASSIGN_OR_RETURN(const JsonValue* v, GetMember(key));
  if (!v->is_string()) return InvalidArgument("json: field \"" + std::string(key) + "\" must be a string");
  return v->string_value();
}
Result<const JsonValue*> JsonValue::GetObject(std::string_view key) const {
  SIGNET_ASSIGN_OR_RETURN(const JsonValue* v, GetMember(key));
  if (!v->is_object()) return InvalidArgument("json: field \"" + std::string(key) + "\" must be an object");
  return v;
}
Result<const JsonValue::Array*> JsonValue::GetArray(std::string_view key) const {
  SIGNET_ASSIGN_OR_RETURN(const JsonValue* v, GetMember(key));
  if (!v->is_array()) return InvalidArgument("json: field \"" + std::string(key) + "\" must be an array");
  return &v->array();
}
Result<int64_t> JsonValue::GetInt64(std::string_view key) const {
  SIGNET_ASSIGN_OR_RETURN(const JsonValue* v, GetMember(key));
  auto r = v->AsInt64();
  if (!r.ok()) return InvalidArgument("json: field \"" + std::string(key) + "\" must be an integer");
  return *r;
}
Result<bool> JsonValue::GetBool(std::string_view key) const {
  SIGNET_ASSIGN_OR_RETURN(const JsonValue* v, GetMember(key));
  if (!v->is_bool()) return InvalidArgument("json: field \"" + std::string(key) + "\" must be a boolean");
  return v->bool_value();
}

JsonValue& JsonValue::Set(std::string key, JsonValue value) {
  if (type_ == Type::kNull) type_ = Type::kObject;
  if (type_ != Type::kObject) std::abort();
  for (auto& [k, v] : object_) {
    if (k == key) {
      v = std::move(value);
      return *this;
    }
  }
  object_.emplace_back(std::move(key), std::move(value));
  return *this;
}

JsonValue& JsonValue::Push(JsonValue value) {
  if (type_ == Type::kNull) type_ = Type::kArray;
  if (type_ != Type::kArray) std::abort();
  array_.push_back(std::move(value));
  return *this;
}

bool JsonValue::operator==(const JsonValue& o) const {
  if (type_ != o.type_) return false;
  switch (type_) {
    case Type::kNull: return true;
    case Type::kBool: return bool_ == o.bool_;
    case Type::kNumber:
    case Type::kString: return text_ == o.text_;
    case Type::kArray: return array_ == o.array_;
    case Type::kObject: {
      if (object_.size() != o.object_.size()) return false;
      for (const auto& [k, v] : object_) {
        const JsonValue* ov = o.Find(k);
        if (ov == nullptr || !(*ov == v)) return false;
      }
      return true;
    }
  }
  return false;
}

// JsonInternal lets the reader build a number without re-validating its text.
struct JsonInternal {
  static JsonValue MakeNumber(std::string text) {
    JsonValue v;
    v.type_ = JsonValue::Type::kNumber;
    v.text_ = std::move(text);
    return v;
  }
};

// ---------------------------------------------------------------- UTF-8

namespace {

// DecodeUtf8 decodes one scalar at s[i], advancing i; returns -1 if ill-formed (RFC 3629 §4).
int32_t DecodeUtf8(std::string_view s, size_t& i) {
  auto b = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
  uint8_t c = b(i);
  if (c < 0x80) {
    ++i;
    return c;
  }
  size_t n;
  int32_t cp;
  uint8_t lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) { n = 1; cp = c & 0x1F; }
  else if (c == 0xE0) { n = 2; cp = c & 0x0F; lo = 0xA0; }
  else if (c >= 0xE1 && c <= 0xEC) { n = 2; cp = c & 0x0F; }
  else if (c == 0xED) { n = 2; cp = c & 0x0F; hi = 0x9F; }  // no surrogates
  else if (c >= 0xEE && c <= 0xEF) { n = 2; cp = c & 0x0F; }
  else if (c == 0xF0) { n = 3; cp = c & 0x07; lo = 0x90; }
  else if (c >= 0xF1 && c <= 0xF3) { n = 3; cp = c & 0x07; }
  else if (c == 0xF4) { n = 3; cp = c & 0x07; hi = 0x8F; }  // <= U+10FFFF
  else return -1;
  if (i + n >= s.size()) return -1;  // truncated sequence
  for (size_t k = 1; k <= n; ++k) {
    uint8_t cc = b(i + k);
    uint8_t l = k == 1 ? lo : 0x80, h = k == 1 ? hi : 0xBF;
    if (cc < l || cc > h) return -1;
    cp = (cp << 6) | (cc & 0x3F);
  }
  i += n + 1;
  return cp;
}

void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

}  // namespace

bool ValidateUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    if (DecodeUtf8(s, i) < 0) return false;
  }
  return true;
}

// ---------------------------------------------------------------- Reader

namespace {

// kPlainStringByte marks the bytes a JSON string holds verbatim: printable ASCII except '"'
// and '\\' (RFC 8259 §7). Everything else goes through escape, control and UTF-8 checks.
constexpr auto kPlainStringByte = [] {
  std::array<bool, 256> t{};
  for (int c = 0x20; c < 0x80; ++c) t[static_cast<size_t>(c)] = c != '"' && c != '\\';
  return t;
}();

// PlainRunEnd returns the end of the run of kPlainStringByte bytes that starts at `pos`. Long
// runs (base64 members run to kilobytes) are checked eight bytes at a time: a word holds no
// byte below 0x20, at or above 0x80, '"' or '\\' exactly when the four SWAR tests below are all
// zero (each is exact for "some byte matches"); a word that fails goes to the byte loop.
size_t PlainRunEnd(std::string_view s, size_t pos) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kHigh = 0x8080808080808080ULL;
  size_t i = pos;
  while (s.size() - i >= 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    const uint64_t quote = w ^ (kOnes * '"');
    const uint64_t backslash = w ^ (kOnes * '\\');
    const uint64_t special = ((w - kOnes * 0x20) & ~w) | ((quote - kOnes) & ~quote) |
                             ((backslash - kOnes) & ~backslash) | w;
    if ((special & kHigh) != 0) break;
    i += 8;
  }
  while (i < s.size() && kPlainStringByte[static_cast<uint8_t>(s[i])]) ++i;
  return i;
}

class Reader {
 public:
  Reader(std::string_view text, const JsonLimits& limits) : s_(text), limits_(limits) {}

  Result<JsonValue> ParseDocument() {
    if (s_.size() > limits_.max_bytes) return InvalidArgument("json: document exceeds size limit");
    if (s_.size() >= 3 && static_cast<uint8_t>(s_[0]) == 0xEF && static_cast<uint8_t>(s_[1]) == 0xBB &&
        static_cast<uint8_t>(s_[2]) == 0xBF) {
      return Fail("byte-order mark not allowed");
    }
    SkipWs();
    SIGNET_ASSIGN_OR_RETURN(JsonValue v, ParseValue(0));
    SkipWs();
    if (pos_ != s_.size()) return Fail("trailing data after document");
    return v;
  }

 private:
  Error Fail(std::string_view what) const {
    return InvalidArgument("json: " + std::string(what) + " at offset " + std::to_string(pos_));
  }

  void SkipWs() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) ++pos_;
  }

  bool Consume(std::string_view lit) {
    if (s_.substr(pos_, lit.size()) == lit) {
      pos_ += lit.size();
      return true;
    }
    return false;
  }

  Result<JsonValue> ParseValue(size_t depth) {
    if (pos_ >= s_.size()) return Fail("unexpected end of input");
    char c = s_[pos_];
    switch (c) {
      case '{': return ParseObject(depth + 1);
      case '[': return ParseArray(depth + 1);
      case '"': {
        SIGNET_ASSIGN_OR_RETURN(std::string str, ParseString());
        return JsonValue::String(std::move(str));
      }
      case 't':
        if (Consume("true")) return JsonValue::Bool(true);
        return Fail("invalid literal");
      case 'f':
        if (Consume("false")) return JsonValue::Bool(false);
        return Fail("invalid literal");
      case 'n':
        if (Consume("null")) return JsonValue::Null();
        return Fail("invalid literal");
      default:
        if (c == '-' || (c >= '0' && c <= '9')) return ParseNumber();
        return Fail("unexpected character");
    }
  }

  Result<JsonValue> ParseObject(size_t depth) {
    if (depth > limits_.max_depth) return Fail("nesting exceeds depth limit");
    ++pos_;  // '{'
    JsonValue obj = JsonValue::MakeObject();
    auto& members = obj.mutable_object();
    SkipWs();
    if (pos_ < s_.size() && s_[pos_] == '}') {
      ++pos_;
      return obj;
    }
    while (true) {
      SkipWs();
      if (pos_ >= s_.size() || s_[pos_] != '"') return Fail("expected object key");
      SIGNET_ASSIGN_OR_RETURN(std::string key, ParseString());
      SkipWs();
      if (pos_ >= s_.size() || s_[pos_] != ':') return Fail("expected ':'");
      ++pos_;
      SkipWs();
      SIGNET_ASSIGN_OR_RETURN(JsonValue v, ParseValue(depth));
      members.emplace_back(std::move(key), std::move(v));
      SkipWs();
      if (pos_ >= s_.size()) return Fail("unterminated object");
      if (s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (s_[pos_] == '}') {
        ++pos_;
        break;
      }
      return Fail("expected ',' or '}'");
    }
    // Duplicate keys: two readers could pick different members, so the document is ambiguous.
    std::vector<std::string_view> keys;
    keys.reserve(members.size());
    for (const auto& m : members) keys.emplace_back(m.first);
    std::sort(keys.begin(), keys.end());
    if (std::adjacent_find(keys.begin(), keys.end()) != keys.end()) return Fail("duplicate object key");
    return obj;
  }

  Result<JsonValue> ParseArray(size_t depth) {
    if (depth > limits_.max_depth) return Fail("nesting exceeds depth limit");
    ++pos_;  // '['
    JsonValue arr = JsonValue::MakeArray();
    SkipWs();
    if (pos_ < s_.size() && s_[pos_] == ']') {
      ++pos_;
      return arr;
    }
    while (true) {
      SkipWs();
      SIGNET_ASSIGN_OR_RETURN(JsonValue v, ParseValue(depth));
      arr.mutable_array().push_back(std::move(v));
      SkipWs();
      if (pos_ >= s_.size()) return Fail("unterminated array");
      if (s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (s_[pos_] == ']') {
        ++pos_;
        break;
      }
      return Fail("expected ',' or ']'");
    }
    return arr;
  }

  Result<uint32_t> ParseHex4() {
    if (pos_ + 4 > s_.size()) return Fail("truncated \\u escape");
    uint32_t v = 0;
    for (int k = 0; k < 4; ++k) {
      char c = s_[pos_++];
      v <<= 4;
      if (c >= '0' && c <= '9') v |= static_cast<uint32_t>(c - '0');
      else if (c >= 'a' && c <= 'f') v |= static_cast<uint32_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') v |= static_cast<uint32_t>(c - 'A' + 10);
      else return Fail("invalid \\u escape");
    }
    return v;
  }

  Result<std::string> ParseString() {
    ++pos_;  // opening quote
    std::string out;
    while (true) {
      // A run of bytes that need no decoding (printable ASCII but '"' and '\\') is copied at
      // once; base64 and hex members, most of a Sigstore bundle, are nothing else.
      const size_t run = PlainRunEnd(s_, pos_);
      if (run != pos_) {
        out.append(s_.data() + pos_, run - pos_);
        pos_ = run;
      }
      if (pos_ >= s_.size()) return Fail("unterminated string");
      uint8_t c = static_cast<uint8_t>(s_[pos_]);
      if (c == '"') {
        ++pos_;
        return out;
      }
      if (c < 0x20) return Fail("control character in string");
      if (c == '\\') {
        ++pos_;
        if (pos_ >= s_.size()) return Fail("unterminated escape");
        char e = s_[pos_++];
        switch (e) {
          case '"': out += '"'; break;
          case '\\': out += '\\'; break;
          case '/': out += '/'; break;
          case 'b': out += '\b'; break;
          case 'f': out += '\f'; break;
          case 'n': out += '\n'; break;
          case 'r': out += '\r'; break;
          case 't': out += '\t'; break;
          case 'u': {
            SIGNET_ASSIGN_OR_RETURN(uint32_t cp, ParseHex4());
            if (cp >= 0xDC00 && cp <= 0xDFFF) return Fail("unpaired low surrogate");
            if (cp >= 0xD800 && cp <= 0xDBFF) {
              if (!Consume("\\u")) return Fail("unpaired high surrogate");
              SIGNET_ASSIGN_OR_RETURN(uint32_t lo, ParseHex4());
              if (lo < 0xDC00 || lo > 0xDFFF) return Fail("unpaired high surrogate");
              cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            }
            AppendUtf8(out, cp);
            break;
          }
          default: return Fail("invalid escape");
        }
        continue;
      }
      if (c < 0x80) {
        out += static_cast<char>(c);
        ++pos_;
        continue;
      }
      size_t start = pos_;
      if (DecodeUtf8(s_, pos_) < 0) {
        pos_ = start;
        return Fail("invalid UTF-8");
      }
      out.append(s_.substr(start, pos_ - start));
    }
  }

  Result<JsonValue> ParseNumber() {
    size_t start = pos_;
    auto digit = [&]() { return pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9'; };
    if (s_[pos_] == '-') ++pos_;
    if (!digit()) return Fail("invalid number");
    if (s_[pos_] == '0') {
      ++pos_;
      if (digit()) return Fail("leading zero in number");
    } else {
      while (digit()) ++pos_;
    }
    if (pos_ < s_.size() && s_[pos_] == '.') {
      ++pos_;
      if (!digit()) return Fail("invalid fraction");
      while (digit()) ++pos_;
    }
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
      if (!digit()) return Fail("invalid exponent");
      while (digit()) ++pos_;
    }
    return JsonInternal::MakeNumber(std::string(s_.substr(start, pos_ - start)));
  }

  std::string_view s_;
  JsonLimits limits_;
  size_t pos_ = 0;
};

bool IsValidNumberText(std::string_view t) {
  JsonLimits limits;
  Result<JsonValue> v = Reader(t, limits).ParseDocument();
  return v.ok() && v->is_number();
}

}  // namespace

JsonValue JsonValue::NumberText(std::string text) {
  if (!IsValidNumberText(text)) std::abort();
  return JsonInternal::MakeNumber(std::move(text));
}

Result<JsonValue> ParseJson(std::string_view text, const JsonLimits& limits) {
  return Reader(text, limits).ParseDocument();
}

// ---------------------------------------------------------------- Writers

namespace {

void WriteString(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  size_t i = 0;
  while (i < s.size()) {
    // Runs that need no escape are appended at once (bytes >= 0x80 are written as they are).
    size_t run = i;
    while (run < s.size() && (static_cast<uint8_t>(s[run]) >= 0x80 ||
                              kPlainStringByte[static_cast<uint8_t>(s[run])])) {
      ++run;
    }
    out.append(s.data() + i, run - i);
    i = run;
    if (i == s.size()) break;
    const char ch = s[i++];
    auto c = static_cast<uint8_t>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 0xf];
        } else {
          out += ch;
        }
    }
  }
  out += '"';
}

void Newline(std::string& out, int indent, int level) {
  if (indent <= 0) return;
  out += '\n';
  out.append(static_cast<size_t>(indent * level), ' ');
}

void Write(std::string& out, const JsonValue& v, int indent, int level) {
  switch (v.type()) {
    case JsonValue::Type::kNull: out += "null"; return;
    case JsonValue::Type::kBool: out += v.bool_value() ? "true" : "false"; return;
    case JsonValue::Type::kNumber: out += v.number_text(); return;
    case JsonValue::Type::kString: WriteString(out, v.string_value()); return;
    case JsonValue::Type::kArray: {
      out += '[';
      bool first = true;
      for (const auto& item : v.array()) {
        if (!first) out += ',';
        first = false;
        Newline(out, indent, level + 1);
        Write(out, item, indent, level + 1);
      }
      if (!v.array().empty()) Newline(out, indent, level);
      out += ']';
      return;
    }
    case JsonValue::Type::kObject: {
      out += '{';
      bool first = true;
      for (const auto& [k, item] : v.object()) {
        if (!first) out += ',';
        first = false;
        Newline(out, indent, level + 1);
        WriteString(out, k);
        out += indent > 0 ? ": " : ":";
        Write(out, item, indent, level + 1);
      }
      if (!v.object().empty()) Newline(out, indent, level);
      out += '}';
      return;
    }
  }
}

std::u16string ToUtf16(std::string_view s) {
  std::u16string out;
  size_t i = 0;
  while (i < s.size()) {
    int32_t cp = DecodeUtf8(s, i);
    if (cp < 0) {  // not reachable for parsed input; keep ordering total anyway
      out.push_back(0xFFFD);
      ++i;
      continue;
    }
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out.push_back(static_cast<char16_t>(0xD800 + (cp >> 10)));
      out.push_back(static_cast<char16_t>(0xDC00 + (cp & 0x3FF)));
    } else {
      out.push_back(static_cast<char16_t>(cp));
    }
  }
  return out;
}

// CanonicalNumber renders a number as ECMAScript Number.prototype.toString would (RFC 8785
// §3.2.2.3). RFC 8785 numbers are IEEE 754 doubles: a number that overflows to infinity (1e400)
// or underflows to zero while its digits are not all zero (1e-400) has no such rendering, so it
// is refused rather than written as "null" or "0" (either would sign a different document).
Result<std::string> CanonicalNumber(const std::string& text) {
  double d = std::strtod(text.c_str(), nullptr);
  if (!std::isfinite(d)) return InvalidArgument("json: number out of the IEEE 754 double range");
  if (d == 0) {
    const std::string_view mantissa = std::string_view(text).substr(0, text.find_first_of("eE"));
    if (mantissa.find_first_of("123456789") != std::string_view::npos) {
      return InvalidArgument("json: number too small for an IEEE 754 double");
    }
    return std::string("0");
  }
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string sci(buf, r.ptr);  // shortest round-trip, e.g. "1.5e+21", "-1e-07"
  bool neg = sci[0] == '-';
  if (neg) sci.erase(0, 1);
  size_t epos = sci.find('e');
  std::string mant = sci.substr(0, epos);
  int exp = std::stoi(sci.substr(epos + 1));
  std::string digits;
  for (char c : mant) if (c != '.') digits += c;
  int k = static_cast<int>(digits.size());
  int n = exp + 1;  // position of decimal point relative to digits
  std::string out;
  if (k <= n && n <= 21) {
    out = digits + std::string(static_cast<size_t>(n - k), '0');
  } else if (0 < n && n <= 21) {
    out = digits.substr(0, static_cast<size_t>(n)) + "." + digits.substr(static_cast<size_t>(n));
  } else if (-6 < n && n <= 0) {
    out = "0." + std::string(static_cast<size_t>(-n), '0') + digits;
  } else {
    int e = n - 1;
    out = digits.substr(0, 1);
    if (k > 1) out += "." + digits.substr(1);
    out += e >= 0 ? "e+" : "e-";
    out += std::to_string(e >= 0 ? e : -e);
  }
  return neg ? "-" + out : out;
}

Status WriteCanonical(std::string& out, const JsonValue& v) {
  switch (v.type()) {
    case JsonValue::Type::kNumber: {
      SIGNET_ASSIGN_OR_RETURN(std::string number, CanonicalNumber(v.number_text()));
      out += number;
      return OkStatus();
    }
    case JsonValue::Type::kArray: {
      out += '[';
      bool first = true;
      for (const auto& item : v.array()) {
        if (!first) out += ',';
        first = false;
        SIGNET_RETURN_IF_ERROR(WriteCanonical(out, item));
      }
      out += ']';
      return OkStatus();
    }
    case JsonValue::Type::kObject: {
      std::vector<std::pair<std::u16string, const JsonValue::Member*>> sorted;
      sorted.reserve(v.object().size());
      for (const auto& m : v.object()) sorted.emplace_back(ToUtf16(m.first), &m);
      std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
      out += '{';
      bool first = true;
      for (const auto& [key16, m] : sorted) {
        if (!first) out += ',';
        first = false;
        WriteString(out, m->first);
        out += ':';
        SIGNET_RETURN_IF_ERROR(WriteCanonical(out, m->second));
      }
      out += '}';
      return OkStatus();
    }
    default: Write(out, v, 0, 0); return OkStatus();
  }
}

}  // namespace

std::string WriteJson(const JsonValue& value, int indent) {
  std::string out;
  Write(out, value, indent, 0);
  return out;
}

Result<std::string> WriteCanonicalJson(const JsonValue& value) {
  std::string out;
  SIGNET_RETURN_IF_ERROR(WriteCanonical(out, value));
  return out;
}

}  // namespace signet
