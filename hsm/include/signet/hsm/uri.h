// RFC 7512 "pkcs11:" URIs: how Signet names a token or a key.
#ifndef SIGNET_HSM_URI_H_
#define SIGNET_HSM_URI_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "signet/core/bytes.h"
#include "signet/core/result.h"
#include "signet/core/secret.h"

namespace signet::hsm {

// ObjectType is the RFC 7512 §2.3 "type" path attribute.
enum class ObjectType { kPublic, kPrivate, kCert, kSecretKey, kData };

// Pkcs11Uri is a parsed RFC 7512 URI. Absent attributes match anything. Move-only because it may
// hold a PIN (pin-value), which is kept in SecretBytes and never rendered by Format().
struct Pkcs11Uri {
  // Path attributes (RFC 7512 §2.3), percent-decoded.
  std::optional<std::string> token;
  std::optional<std::string> manufacturer;
  std::optional<std::string> serial;
  std::optional<std::string> model;
  std::optional<std::string> library_manufacturer;
  std::optional<std::string> library_description;
  std::optional<std::string> library_version;
  std::optional<std::string> slot_description;
  std::optional<std::string> slot_manufacturer;
  std::optional<uint64_t> slot_id;
  std::optional<std::string> object;  // CKA_LABEL
  std::optional<Bytes> id;            // CKA_ID, binary
  std::optional<ObjectType> type;
  // Query attributes (RFC 7512 §2.3).
  std::optional<std::string> module_path;
  std::optional<std::string> module_name;
  std::optional<std::string> pin_source;
  // pin_value is set when the URI carried "pin-value". Callers must warn: it is for tests only.
  std::optional<SecretBytes> pin_value;

  // Format renders the URI with every attribute that is set, percent-encoding values so that
  // Parse(Format(u)) == u. pin-value is never rendered: the output is safe to print and log.
  std::string Format() const;
  // HasKeySelector reports whether any of object, id or type is set.
  bool HasKeySelector() const { return object || id || type; }
};

// ParsePkcs11Uri parses `uri` strictly: the "pkcs11:" scheme, known attribute names (or vendor
// "x-" names, which are ignored), each attribute at most once, well-formed %XX escapes, only the
// characters RFC 7512 allows unescaped, a decimal slot-id, a known type, and at most 4096 bytes.
// pin-source and pin-value together are refused. Errors are kInvalidArgument naming the problem;
// a pin-value is never echoed.
Result<Pkcs11Uri> ParsePkcs11Uri(std::string_view uri);

// kRedactedPin replaces a PIN wherever a URI is shown.
inline constexpr const char kRedactedPin[] = "<redacted>";

// RedactPkcs11Uri returns `text` with the value of every "pin-value=" attribute replaced by
// kRedactedPin. It works on any text (a URI that does not parse, or a message that quotes one),
// so every URI the CLI prints or puts into an error goes through it. A value ends at '&', '#',
// a newline or the end of the text (in doubt more is redacted, never less).
std::string RedactPkcs11Uri(std::string_view text);

// ObjectTypeName returns the RFC 7512 spelling: "public", "private", "cert", "secret-key", "data".
std::string_view ObjectTypeName(ObjectType type);

// PercentEncode encodes every byte outside RFC 3986 "unreserved" as %XX (uppercase hex).
std::string PercentEncode(ByteView value);

}  // namespace signet::hsm

#endif  // SIGNET_HSM_URI_H_
