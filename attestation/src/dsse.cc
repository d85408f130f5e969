#include "signet/attestation/dsse.h"

#include <string>

#include "signet/core/findings.h"
#include "signet/core/encoding.h"

namespace signet::attestation {
namespace {

Error Malformed(std::string msg) {
  return InvalidArgument("DSSE envelope: " + std::move(msg)).WithFinding(findings::kMalformedInput);
}

}  // namespace

Bytes Pae(std::string_view payload_type, ByteView payload) {
  // DSSE protocol.md: PAE(type, body) = "DSSEv1" + SP + LEN(type) + SP + type + SP + LEN(body)
  // + SP + body, where LEN is the ASCII decimal byte length without leading zeros.
  std::string head = "DSSEv1 " + std::to_string(payload_type.size()) + " ";
  head.append(payload_type);
  head += " " + std::to_string(payload.size()) + " ";
  Bytes out;
  out.reserve(head.size() + payload.size());
  out.insert(out.end(), head.begin(), head.end());
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

Result<DsseEnvelope> ParseDsseEnvelopeJson(const JsonValue& value) {
  if (!value.is_object()) return Malformed("not an object");
  for (const auto& [k, v] : value.object()) {
    if (k != "payload" && k != "payloadType" && k != "signatures") {
      return Malformed("unknown member");
    }
  }
  DsseEnvelope env;
  auto type = value.GetString("payloadType");
  if (!type.ok()) return Malformed("payloadType missing or not a string");
  env.payload_type = std::move(type).value();
  auto payload_b64 = value.GetString("payload");
  if (!payload_b64.ok()) return Malformed("payload missing or not a string");
  if (payload_b64->size() > kMaxDssePayloadBytes / 3 * 4 + 4) return Malformed("payload too large");
  auto payload = Base64DecodeStdOrUrl(*payload_b64);
  if (!payload.ok()) return Malformed("payload is not base64");
  env.payload = std::move(payload).value();
  auto sigs = value.GetArray("signatures");
  if (!sigs.ok()) return Malformed("signatures missing or not an array");
  if ((*sigs)->empty()) return Malformed("no signatures");
  if ((*sigs)->size() > kMaxDsseSignatures) return Malformed("too many signatures");
  for (const JsonValue& s : **sigs) {
    if (!s.is_object()) return Malformed("signature is not an object");
    for (const auto& [k, v] : s.object()) {
      if (k != "sig" && k != "keyid") return Malformed("unknown signature member");
    }
    DsseSignature sig;
    if (const JsonValue* keyid = s.Find("keyid")) {
      if (!keyid->is_string()) return Malformed("keyid is not a string");
      sig.keyid = keyid->string_value();
    }
    auto sig_b64 = s.GetString("sig");
    if (!sig_b64.ok()) return Malformed("sig missing or not a string");
    auto raw = Base64DecodeStdOrUrl(*sig_b64);
    if (!raw.ok()) return Malformed("sig is not base64");
    if (raw->empty()) return Malformed("empty sig");
    sig.sig = std::move(raw).value();
    env.signatures.push_back(std::move(sig));
  }
  return env;
}

Result<DsseEnvelope> ParseDsseEnvelope(std::string_view json) {
  JsonLimits limits;
  limits.max_bytes = kMaxDssePayloadBytes / 3 * 4 + 64 * 1024;
  limits.max_depth = 8;
  auto value = ParseJson(json, limits);
  if (!value.ok()) return Malformed("not strict JSON");
  return ParseDsseEnvelopeJson(*value);
}

Result<VerifiedEnvelope> VerifyEnvelope(const DsseEnvelope& envelope,
                                        const std::vector<TrustedKey>& keys, size_t threshold) {
  // 1. The threshold must be satisfiable by distinct keys; duplicates are folded here so the
  //    same key pinned twice, in any encoding, can never count twice (PublicKey::canonical_id).
  std::vector<const TrustedKey*> distinct;
  for (const TrustedKey& k : keys) {
    bool dup = false;
    for (const TrustedKey* d : distinct) dup = dup || d->key.canonical_id() == k.key.canonical_id();
    if (!dup) distinct.push_back(&k);
  }
  if (threshold == 0) return InvalidArgument("DSSE threshold must be at least 1");
  if (threshold > distinct.size()) {
    return InvalidArgument("DSSE threshold exceeds the number of distinct trusted keys");
  }
  // 2. Signatures are always over PAE, never over the raw payload.
  const Bytes pae = Pae(envelope.payload_type, envelope.payload);
  // 3. keyid is deliberately ignored: trying every key costs a few verifications and removes
  //    any way for the envelope to steer which key is used.
  std::vector<bool> counted(distinct.size(), false);
  size_t count = 0;
  for (const DsseSignature& sig : envelope.signatures) {
    for (size_t i = 0; i < distinct.size(); ++i) {
      if (counted[i]) continue;
      if (distinct[i]->key.Verify(pae, sig.sig).ok()) {
        counted[i] = true;
        ++count;
        break;
      }
    }
  }
  // 4. Threshold.
  if (count == 0) {
    return VerificationFailed(findings::kSignatureInvalid, "no trusted key verifies the envelope");
  }
  if (count < threshold) {
    return VerificationFailed(findings::kThresholdNotMet,
                              "too few distinct trusted keys verify the envelope");
  }
  VerifiedEnvelope out;
  out.payload_type_ = envelope.payload_type;
  out.payload_ = envelope.payload;
  for (size_t i = 0; i < distinct.size(); ++i) {
    if (counted[i]) out.key_names_.push_back(distinct[i]->name);
  }
  return out;
}

}  // namespace signet::attestation
