// RFC 7512 parser. The grammar (RFC 7512 §2.3):
//   pk11-URI   = "pkcs11:" pk11-path [ "?" pk11-query ]
//   pk11-path  = [ pk11-pattr *(";" pk11-pattr) ]
//   pk11-query = [ pk11-qattr *("&" pk11-qattr) ]
// Values are percent-encoded; a path value may hold unreserved characters, ":[]@!$'()*+,=&" and
// a query value unreserved characters and ":[]@!$'()*+,=/?|;".
#include "signet/hsm/uri.h"

#include <algorithm>
#include <cstring>
#include <utility>

namespace signet::hsm {
namespace {

constexpr size_t kMaxUriLength = 4096;

bool IsUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

bool AllowedInPath(unsigned char c) { return IsUnreserved(c) || std::strchr(":[]@!$'()*+,=&", c) != nullptr; }
bool AllowedInQuery(unsigned char c) { return IsUnreserved(c) || std::strchr(":[]@!$'()*+,=/?|;", c) != nullptr; }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decode percent-decodes `value`, checking every unescaped character with `allowed`.
// `name` is the attribute name, used in errors (never the value: it may be a PIN).
Result<Bytes> Decode(std::string_view name, std::string_view value, bool (*allowed)(unsigned char)) {
  Bytes out;
  out.reserve(value.size());
  for (size_t i = 0; i < value.size(); ++i) {
    const auto c = static_cast<unsigned char>(value[i]);
    if (c == '%') {
      if (i + 2 >= value.size()) {
        return InvalidArgument("pkcs11 URI: truncated %-escape in \"" + std::string(name) + "\"");
      }
      const int hi = HexValue(value[i + 1]);
      const int lo = HexValue(value[i + 2]);
      if (hi < 0 || lo < 0) {
        return InvalidArgument("pkcs11 URI: bad %-escape in \"" + std::string(name) + "\"");
      }
      out.push_back(static_cast<uint8_t>(hi * 16 + lo));
      i += 2;
    } else if (allowed(c)) {
      out.push_back(c);
    } else {
      return InvalidArgument("pkcs11 URI: character not allowed unescaped in \"" + std::string(name) + "\"");
    }
  }
  return out;
}

Result<std::string> DecodeText(std::string_view name, std::string_view value, bool (*allowed)(unsigned char)) {
  SIGNET_ASSIGN_OR_RETURN(Bytes raw, Decode(name, value, allowed));
  for (uint8_t b : raw) {
    if (b == 0) return InvalidArgument("pkcs11 URI: NUL byte in \"" + std::string(name) + "\"");
  }
  return ToString(raw);
}

template <typename T>
Status SetOnce(std::optional<T>& slot, T value, std::string_view name) {
  if (slot.has_value()) return InvalidArgument("pkcs11 URI: attribute \"" + std::string(name) + "\" appears twice");
  slot = std::move(value);
  return OkStatus();
}

Status ParsePathAttribute(Pkcs11Uri& uri, std::string_view name, std::string_view raw) {
  if (name.substr(0, 2) == "x-") return OkStatus();  // vendor attribute: allowed, not interpreted
  if (name == "id") {
    SIGNET_ASSIGN_OR_RETURN(Bytes id, Decode(name, raw, AllowedInPath));
    return SetOnce(uri.id, std::move(id), name);
  }
  SIGNET_ASSIGN_OR_RETURN(std::string value, DecodeText(name, raw, AllowedInPath));
  if (name == "token") return SetOnce(uri.token, std::move(value), name);
  if (name == "manufacturer") return SetOnce(uri.manufacturer, std::move(value), name);
  if (name == "serial") return SetOnce(uri.serial, std::move(value), name);
  if (name == "model") return SetOnce(uri.model, std::move(value), name);
  if (name == "library-manufacturer") return SetOnce(uri.library_manufacturer, std::move(value), name);
  if (name == "library-description") return SetOnce(uri.library_description, std::move(value), name);
  if (name == "library-version") {
    // RFC 7512 §2.3: pk11-lib-ver = 1*DIGIT [ "." 1*DIGIT ]. CK_VERSION parts are bytes, so more
    // than three digits can never match; refusing them keeps the comparison overflow-free.
    auto digits = [](std::string_view d) {
      if (d.empty() || d.size() > 3) return false;
      for (char c : d) {
        if (c < '0' || c > '9') return false;
      }
      return true;
    };
    const size_t dot = value.find('.');
    const bool ok = dot == std::string::npos ? digits(value)
                                             : digits(std::string_view(value).substr(0, dot)) &&
                                                   digits(std::string_view(value).substr(dot + 1));
    if (!ok) return InvalidArgument("pkcs11 URI: library-version must be M or M.N (decimal)");
    return SetOnce(uri.library_version, std::move(value), name);
  }
  if (name == "slot-description") return SetOnce(uri.slot_description, std::move(value), name);
  if (name == "slot-manufacturer") return SetOnce(uri.slot_manufacturer, std::move(value), name);
  if (name == "object") return SetOnce(uri.object, std::move(value), name);
  if (name == "slot-id") {
    if (value.empty() || value.size() > 19) return InvalidArgument("pkcs11 URI: slot-id must be a decimal number");
    uint64_t n = 0;
    for (char c : value) {
      if (c < '0' || c > '9') return InvalidArgument("pkcs11 URI: slot-id must be a decimal number");
      n = n * 10 + static_cast<uint64_t>(c - '0');
    }
    return SetOnce(uri.slot_id, n, name);
  }
  if (name == "type") {
    for (auto t : {ObjectType::kPublic, ObjectType::kPrivate, ObjectType::kCert, ObjectType::kSecretKey,
                   ObjectType::kData}) {
      if (ObjectTypeName(t) == value) return SetOnce(uri.type, t, name);
    }
    return InvalidArgument("pkcs11 URI: type must be public, private, cert, secret-key or data");
  }
  return InvalidArgument("pkcs11 URI: unknown path attribute \"" + std::string(name) + "\"");
}

Status ParseQueryAttribute(Pkcs11Uri& uri, std::string_view name, std::string_view raw) {
  if (name.substr(0, 2) == "x-") return OkStatus();
  if (name == "pin-value") {
    SIGNET_ASSIGN_OR_RETURN(Bytes pin, Decode(name, raw, AllowedInQuery));
    SecretBytes secret(pin);
    if (!pin.empty()) std::memset(pin.data(), 0, pin.size());
    if (uri.pin_value) return InvalidArgument("pkcs11 URI: attribute \"pin-value\" appears twice");
    uri.pin_value = std::move(secret);
    return OkStatus();
  }
  SIGNET_ASSIGN_OR_RETURN(std::string value, DecodeText(name, raw, AllowedInQuery));
  if (name == "module-path") return SetOnce(uri.module_path, std::move(value), name);
  if (name == "module-name") return SetOnce(uri.module_name, std::move(value), name);
  if (name == "pin-source") return SetOnce(uri.pin_source, std::move(value), name);
  return InvalidArgument("pkcs11 URI: unknown query attribute \"" + std::string(name) + "\"");
}

template <typename Fn>
Status ForEachAttribute(std::string_view list, char separator, Fn&& fn) {
  if (list.empty()) return OkStatus();
  size_t start = 0;
  while (true) {
    const size_t end = list.find(separator, start);
    const std::string_view item = list.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    const size_t eq = item.find('=');
    if (item.empty()) return InvalidArgument("pkcs11 URI: empty attribute");
    if (eq == std::string_view::npos || eq == 0) {
      return InvalidArgument("pkcs11 URI: attribute without \"name=value\" form");
    }
    SIGNET_RETURN_IF_ERROR(fn(item.substr(0, eq), item.substr(eq + 1)));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return OkStatus();
}

void Append(std::string& out, bool& first, char sep, std::string_view name, std::string_view value) {
  if (!first) out.push_back(sep);
  first = false;
  out.append(name);
  out.push_back('=');
  if (sep == '&') {
    // Query values may keep '/' and ':' unescaped (RFC 7512 pk11-query-res-avail), which keeps
    // module paths readable.
    for (char c : value) {
      if (c == '/' || c == ':') {
        out.push_back(c);
      } else {
        out.append(PercentEncode(AsBytes(std::string_view(&c, 1))));
      }
    }
    return;
  }
  out.append(PercentEncode(AsBytes(value)));
}

}  // namespace

std::string_view ObjectTypeName(ObjectType type) {
  switch (type) {
    case ObjectType::kPublic: return "public";
    case ObjectType::kPrivate: return "private";
    case ObjectType::kCert: return "cert";
    case ObjectType::kSecretKey: return "secret-key";
    case ObjectType::kData: return "data";
  }
  return "data";
}

std::string PercentEncode(ByteView value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(value.size() * 3);
  for (uint8_t b : value) {
    if (IsUnreserved(b)) {
      out.push_back(static_cast<char>(b));
    } else {
      out.push_back('%');
      out.push_back(kHex[b >> 4]);
      out.push_back(kHex[b & 0xF]);
    }
  }
  return out;
}

Result<Pkcs11Uri> ParsePkcs11Uri(std::string_view text) {
  if (text.size() > kMaxUriLength) return InvalidArgument("pkcs11 URI: longer than 4096 bytes");
  constexpr std::string_view kScheme = "pkcs11:";
  if (text.size() < kScheme.size()) return InvalidArgument("pkcs11 URI: must start with \"pkcs11:\"");
  for (size_t i = 0; i < kScheme.size(); ++i) {
    // RFC 3986 §3.1: the scheme is case-insensitive.
    const char c = text[i];
    const char lower = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    if (lower != kScheme[i]) return InvalidArgument("pkcs11 URI: must start with \"pkcs11:\"");
  }
  std::string_view rest = text.substr(kScheme.size());
  if (rest.find('#') != std::string_view::npos) return InvalidArgument("pkcs11 URI: fragments are not allowed");
  std::string_view path = rest;
  std::string_view query;
  bool has_query = false;
  if (const size_t q = rest.find('?'); q != std::string_view::npos) {
    path = rest.substr(0, q);
    query = rest.substr(q + 1);
    has_query = true;
  }
  Pkcs11Uri uri;
  SIGNET_RETURN_IF_ERROR(ForEachAttribute(path, ';', [&](std::string_view n, std::string_view v) {
    return ParsePathAttribute(uri, n, v);
  }));
  if (has_query && query.empty()) return InvalidArgument("pkcs11 URI: empty query");
  SIGNET_RETURN_IF_ERROR(ForEachAttribute(query, '&', [&](std::string_view n, std::string_view v) {
    return ParseQueryAttribute(uri, n, v);
  }));
  if (uri.pin_source && uri.pin_value) {
    return InvalidArgument("pkcs11 URI: pin-source and pin-value are mutually exclusive");
  }
  return uri;
}

std::string RedactPkcs11Uri(std::string_view text) {
  static constexpr std::string_view kName = "pin-value=";
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t hit = text.find(kName, pos);
    if (hit == std::string_view::npos) break;
    out.append(text.substr(pos, hit - pos));
    out.append(kName);
    out.append(kRedactedPin);
    // The value ends where the next query attribute, the fragment, the line or the text does.
    // Not at ';', quotes or blanks: a pin-value may hold ';' and a mistyped one anything, so in
    // doubt more is redacted, never less.
    size_t end = hit + kName.size();
    while (end < text.size() && text[end] != '&' && text[end] != '#' && text[end] != '\n') ++end;
    pos = end;
  }
  out.append(text.substr(std::min(pos, text.size())));
  return out;
}

std::string Pkcs11Uri::Format() const {
  std::string out = "pkcs11:";
  bool first = true;
  auto add = [&](std::string_view name, const std::optional<std::string>& v) {
    if (v) Append(out, first, ';', name, *v);
  };
  add("token", token);
  add("manufacturer", manufacturer);
  add("serial", serial);
  add("model", model);
  add("library-manufacturer", library_manufacturer);
  add("library-description", library_description);
  add("library-version", library_version);
  add("slot-description", slot_description);
  add("slot-manufacturer", slot_manufacturer);
  if (slot_id) Append(out, first, ';', "slot-id", std::to_string(*slot_id));
  add("object", object);
  if (id) {
    if (!first) out.push_back(';');
    first = false;
    // RFC 7512 §2.3: id is binary, so every byte is escaped.
    static constexpr char kHex[] = "0123456789ABCDEF";
    out.append("id=");
    for (uint8_t b : *id) {
      out.push_back('%');
      out.push_back(kHex[b >> 4]);
      out.push_back(kHex[b & 0xF]);
    }
  }
  if (type) Append(out, first, ';', "type", ObjectTypeName(*type));
  bool qfirst = true;
  std::string query;
  auto qadd = [&](std::string_view name, const std::optional<std::string>& v) {
    if (v) Append(query, qfirst, '&', name, *v);
  };
  qadd("module-name", module_name);
  qadd("module-path", module_path);
  qadd("pin-source", pin_source);
  if (!query.empty()) out += "?" + query;
  return out;
}

}  // namespace signet::hsm
