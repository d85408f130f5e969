// Small strict-JSON helpers shared by the TPM evidence, event-log and reference parsers.
#ifndef SIGNET_ATTESTATION_TPM_JSON_UTIL_H_
#define SIGNET_ATTESTATION_TPM_JSON_UTIL_H_

#include <initializer_list>
#include <string>
#include <string_view>

#include "signet/core/bytes.h"
#include "signet/core/encoding.h"
#include "signet/core/json.h"
#include "signet/core/result.h"

namespace signet::attestation::internal {

// ExpectExactMembers fails unless `v` is an object whose member names are exactly `required`
// plus any subset of `optional`.
inline Status ExpectExactMembers(const JsonValue& v, std::string_view what,
                                 std::initializer_list<std::string_view> required,
                                 std::initializer_list<std::string_view> optional = {}) {
  if (!v.is_object()) return InvalidArgument(std::string(what) + " must be a JSON object");
  size_t found_required = 0;
  for (const auto& [key, value] : v.object()) {
    bool known = false;
    for (auto r : required) {
      if (key == r) {
        known = true;
        ++found_required;
      }
    }
    for (auto o : optional) known = known || key == o;
    if (!known) return InvalidArgument(std::string(what) + " has an unexpected member");
  }
  if (found_required != required.size()) {
    return InvalidArgument(std::string(what) + " lacks a required member");
  }
  return OkStatus();
}

// GetHex reads member `key` as lowercase hex of exactly `size` bytes (any size if 0).
inline Result<Bytes> GetHex(const JsonValue& v, std::string_view key, size_t size) {
  SIGNET_ASSIGN_OR_RETURN(std::string text, v.GetString(key));
  auto bytes = HexDecode(text);
  if (!bytes.ok() || (size != 0 && bytes->size() != size)) {
    return InvalidArgument("member \"" + std::string(key) + "\" must be " +
                           (size != 0 ? std::to_string(size) + "-byte " : std::string()) +
                           "lowercase hex");
  }
  return std::move(bytes).value();
}

// GetBase64 reads member `key` as standard padded base64 of at most `max` bytes.
inline Result<Bytes> GetBase64(const JsonValue& v, std::string_view key, size_t max) {
  SIGNET_ASSIGN_OR_RETURN(std::string text, v.GetString(key));
  auto bytes = Base64Decode(text);
  if (!bytes.ok() || bytes->size() > max) {
    return InvalidArgument("member \"" + std::string(key) + "\" must be base64 of at most " +
                           std::to_string(max) + " bytes");
  }
  return std::move(bytes).value();
}

// GetBoundedUint reads member `key` as an integer in [0, max].
inline Result<uint64_t> GetBoundedUint(const JsonValue& v, std::string_view key, uint64_t max) {
  SIGNET_ASSIGN_OR_RETURN(const JsonValue* m, v.GetMember(key));
  auto n = m->AsUint64();
  if (!n.ok() || *n > max) {
    return InvalidArgument("member \"" + std::string(key) + "\" must be an integer in [0, " +
                           std::to_string(max) + "]");
  }
  return *n;
}

}  // namespace signet::attestation::internal

#endif  // SIGNET_ATTESTATION_TPM_JSON_UTIL_H_
