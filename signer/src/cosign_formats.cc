#include "signet/signer/cosign_formats.h"

#include "signet/core/encoding.h"
#include "signet/core/hash.h"
#include "signet/core/json.h"

namespace signet::signer {

namespace {

// GoJsonString renders a string as Go's encoding/json does (HTML-safe escaping).
void AppendGoJsonString(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == '<' || c == '>' || c == '&') {
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    } else if (c == 0xE2 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
               (static_cast<unsigned char>(s[i + 2]) == 0xA8 || static_cast<unsigned char>(s[i + 2]) == 0xA9)) {
      out += static_cast<unsigned char>(s[i + 2]) == 0xA8 ? "\\u2028" : "\\u2029";
      i += 2;
    } else {
      out += static_cast<char>(c);
    }
  }
  out += '"';
}

}  // namespace

std::string SimpleSigningPayload(const ImageRef& image, const std::map<std::string, std::string>& annotations) {
  std::string out = "{\"critical\":{\"identity\":{\"docker-reference\":";
  AppendGoJsonString(out, image.repository);
  out += "},\"image\":{\"docker-manifest-digest\":";
  AppendGoJsonString(out, image.digest());
  out += "},\"type\":\"cosign container image signature\"},\"optional\":";
  if (annotations.empty()) {
    out += "null";
  } else {
    out += '{';
    bool first = true;
    for (const auto& [k, v] : annotations) {  // std::map iterates in byte order, like Go
      if (!first) out += ',';
      first = false;
      AppendGoJsonString(out, k);
      out += ':';
      AppendGoJsonString(out, v);
    }
    out += '}';
  }
  out += '}';
  return out;
}

JsonValue CosignSignStatement(const ImageRef& image) {
  JsonValue digest;
  digest.Set("sha256", JsonValue::String(image.digest_hex));
  JsonValue subject;
  subject.Set("name", JsonValue::String(image.repository)).Set("digest", std::move(digest));
  JsonValue st;
  st.Set("_type", JsonValue::String("https://in-toto.io/Statement/v1"))
      .Set("subject", JsonValue::MakeArray({std::move(subject)}))
      .Set("predicateType", JsonValue::String(kCosignSignPredicate))
      .Set("predicate", JsonValue::MakeObject());
  return st;
}

JsonValue VsaStatement(const ImageRef& image, const VsaParams& params) {
  JsonValue digest;
  digest.Set("sha256", JsonValue::String(image.digest_hex));
  JsonValue subject;
  subject.Set("name", JsonValue::String(image.repository)).Set("digest", std::move(digest));
  JsonValue verifier;
  verifier.Set("id", JsonValue::String(params.verifier_id));
  JsonValue policy_digest;
  policy_digest.Set("sha256", JsonValue::String(params.policy_sha256));
  JsonValue policy;
  policy.Set("uri", JsonValue::String(params.policy_uri)).Set("digest", std::move(policy_digest));
  JsonValue inputs = JsonValue::MakeArray();
  for (const auto& in : params.inputs) {
    JsonValue d;
    d.Set("sha256", JsonValue::String(in.sha256));
    JsonValue o;
    o.Set("uri", JsonValue::String(in.uri)).Set("digest", std::move(d));
    inputs.Push(std::move(o));
  }
  JsonValue levels = JsonValue::MakeArray();
  for (const auto& l : params.verified_levels) levels.Push(JsonValue::String(l));
  JsonValue predicate;
  predicate.Set("verifier", std::move(verifier))
      .Set("timeVerified", JsonValue::String(FormatRfc3339(params.time_verified)))
      .Set("resourceUri", JsonValue::String(image.ToString()))
      .Set("policy", std::move(policy))
      .Set("inputAttestations", std::move(inputs))
      .Set("verificationResult", JsonValue::String("PASSED"))
      .Set("verifiedLevels", std::move(levels))
      .Set("slsaVersion", JsonValue::String("1.0"));
  JsonValue st;
  st.Set("_type", JsonValue::String("https://in-toto.io/Statement/v1"))
      .Set("subject", JsonValue::MakeArray({std::move(subject)}))
      .Set("predicateType", JsonValue::String(kVsaPredicate))
      .Set("predicate", std::move(predicate));
  return st;
}

std::string KeyHint(ByteView spki_der) { return Base64Encode(Sha256(spki_der)); }

std::string DsseBundle(std::string_view payload_type, ByteView payload, ByteView signature, ByteView spki_der,
                       const BundleMaterial& extra) {
  std::string hint = KeyHint(spki_der);
  JsonValue sig;
  sig.Set("sig", JsonValue::String(Base64Encode(signature))).Set("keyid", JsonValue::String(hint));
  JsonValue envelope;
  envelope.Set("payload", JsonValue::String(Base64Encode(payload)))
      .Set("payloadType", JsonValue::String(std::string(payload_type)))
      .Set("signatures", JsonValue::MakeArray({std::move(sig)}));
  JsonValue pk;
  pk.Set("hint", JsonValue::String(hint));
  JsonValue material;
  material.Set("publicKey", std::move(pk)).Set("tlogEntries", JsonValue::MakeArray(extra.tlog_entries));
  if (!extra.rfc3161_timestamps.empty()) {
    JsonValue stamps = JsonValue::MakeArray();
    for (const Bytes& t : extra.rfc3161_timestamps) {
      JsonValue ts;
      ts.Set("signedTimestamp", JsonValue::String(Base64Encode(t)));
      stamps.Push(std::move(ts));
    }
    JsonValue tvd;
    tvd.Set("rfc3161Timestamps", std::move(stamps));
    material.Set("timestampVerificationData", std::move(tvd));
  }
  JsonValue bundle;
  bundle.Set("mediaType", JsonValue::String(kBundleV03MediaType))
      .Set("verificationMaterial", std::move(material))
      .Set("dsseEnvelope", std::move(envelope));
  return WriteJson(bundle, 2) + "\n";
}

}  // namespace signet::signer
