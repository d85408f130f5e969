// DSSE v1 envelopes (github.com/secure-systems-lab/dsse, protocol.md and envelope.md).
//
// Trust decision: an envelope is accepted only when at least `threshold` DISTINCT pinned keys
// verify a signature over PAE(payloadType, payload). The signature's `keyid` is a hint that is
// never consulted for trust, and the raw payload is never what a signature is checked over.
// The payload reaches callers only through VerifiedEnvelope, which only VerifyEnvelope makes.
#ifndef SIGNET_ATTESTATION_DSSE_H_
#define SIGNET_ATTESTATION_DSSE_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "signet/core/public_key.h"
#include "signet/core/bytes.h"
#include "signet/core/json.h"
#include "signet/core/result.h"

namespace signet::attestation {

// kMaxDssePayloadBytes bounds a decoded payload; kMaxDsseSignatures bounds the signature list.
inline constexpr size_t kMaxDssePayloadBytes = 16 * 1024 * 1024;
inline constexpr size_t kMaxDsseSignatures = 64;

// Pae returns the DSSE v1 pre-authentication encoding
// "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, lengths in ASCII decimal. Cannot fail.
Bytes Pae(std::string_view payload_type, ByteView payload);

// DsseSignature is one parsed, unverified signature.
struct DsseSignature {
  std::string keyid;  // hint only; may be empty
  Bytes sig;
};

// DsseEnvelope is a parsed, UNVERIFIED envelope. Nothing in it may be trusted before
// VerifyEnvelope succeeds.
struct DsseEnvelope {
  std::string payload_type;
  Bytes payload;
  std::vector<DsseSignature> signatures;
};

// ParseDsseEnvelope parses the JSON envelope strictly (DSSE envelope.md): an object with exactly
// the members "payload" (base64), "payloadType" (string) and "signatures" (non-empty array of
// objects with "sig" (base64, non-empty) and an optional string "keyid"). Base64 may be standard
// or URL-safe, padded or not, never mixed. Unknown members, duplicate keys, trailing data and
// oversize input are refused. Fails kInvalidArgument with finding MALFORMED_INPUT.
Result<DsseEnvelope> ParseDsseEnvelope(std::string_view json);
// ParseDsseEnvelopeJson is ParseDsseEnvelope over an already parsed JSON value.
Result<DsseEnvelope> ParseDsseEnvelopeJson(const JsonValue& value);

// TrustedKey is a key the caller pinned, with a name used only for reporting.
struct TrustedKey {
  std::string name;
  PublicKey key;
};

// VerifiedEnvelope is an envelope whose signatures met the threshold. Only VerifyEnvelope
// creates one, so holding one proves the payload was verified.
class VerifiedEnvelope {
 public:
  const std::string& payload_type() const { return payload_type_; }
  const Bytes& payload() const { return payload_; }
  // key_names lists the distinct trusted keys that verified, in trusted-key order.
  const std::vector<std::string>& key_names() const { return key_names_; }

 private:
  friend Result<VerifiedEnvelope> VerifyEnvelope(const DsseEnvelope&, const std::vector<TrustedKey>&,
                                                 size_t);
  VerifiedEnvelope() = default;
  std::string payload_type_;
  Bytes payload_;
  std::vector<std::string> key_names_;
};

// VerifyEnvelope verifies `envelope` against `keys`.
// Steps:
//   1. Refuse threshold 0 or a threshold above the number of distinct keys (kInvalidArgument).
//   2. Compute PAE(payloadType, payload) once.
//   3. For every signature, try every trusted key not yet counted (keyid ignored); a key counts
//      once however many signatures it made. Keys with identical SPKI count once.
//   4. Accept when the count reaches `threshold`.
// Fails VerificationFailed("SIGNATURE_INVALID") when no key verifies and
// VerificationFailed("THRESHOLD_NOT_MET") when some but too few do.
Result<VerifiedEnvelope> VerifyEnvelope(const DsseEnvelope& envelope,
                                        const std::vector<TrustedKey>& keys, size_t threshold);

}  // namespace signet::attestation

#endif  // SIGNET_ATTESTATION_DSSE_H_
