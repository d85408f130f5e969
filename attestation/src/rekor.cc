#include "signet/attestation/rekor.h"

#include "signet/core/findings.h"
#include "signet/core/encoding.h"
#include "signet/core/hash.h"
#include "signet/core/json.h"
#include "signet/core/ossl.h"

#include <openssl/pem.h>

namespace signet::attestation {
namespace {

Error Mismatch(const char* msg) { return VerificationFailed(findings::kTlogBodyMismatch, msg); }

Result<Bytes> B64Member(const JsonValue& obj, std::string_view key) {
  // Read in place: the member text is decoded, never copied first.
  const JsonValue* text = obj.Find(key);
  if (text == nullptr || !text->is_string()) return Mismatch("tlog body field missing");
  auto raw = Base64Decode(text->string_value());
  if (!raw.ok()) return Mismatch("tlog body field is not base64");
  return raw;
}

// Rekor v1 digests: {"algorithm":"sha256","value":"<lowercase hex>"}.
Result<MessageDigest> HexDigest(const JsonValue& obj) {
  auto alg = obj.GetString("algorithm");
  auto value = obj.GetString("value");
  if (!alg.ok() || !value.ok()) return Mismatch("tlog body digest incomplete");
  auto a = ParseHashName(*alg);
  if (!a.ok()) return Mismatch("tlog body digest algorithm unsupported");
  auto raw = HexDecode(*value);
  if (!raw.ok() || raw->size() != HashSize(*a)) return Mismatch("tlog body digest malformed");
  return MessageDigest{*a, std::move(raw).value()};
}

// Rekor v2 digests: {"algorithm":"SHA2_256","digest":"<base64>"}.
Result<MessageDigest> ProtoDigest(const JsonValue& obj) {
  auto alg = obj.GetString("algorithm");
  if (!alg.ok()) return Mismatch("tlog body digest incomplete");
  HashAlgorithm a;
  if (*alg == "SHA2_256") {
    a = HashAlgorithm::kSha256;
  } else if (*alg == "SHA2_384") {
    a = HashAlgorithm::kSha384;
  } else if (*alg == "SHA2_512") {
    a = HashAlgorithm::kSha512;
  } else {
    return Mismatch("tlog body digest algorithm unsupported");
  }
  SIGNET_ASSIGN_OR_RETURN(Bytes raw, B64Member(obj, "digest"));
  if (raw.size() != HashSize(a)) return Mismatch("tlog body digest malformed");
  return MessageDigest{a, std::move(raw)};
}

// VerifierFromBlock turns one decoded PEM block into a RekorVerifier.
Result<RekorVerifier> VerifierFromBlock(std::string_view block_name, Bytes der) {
  RekorVerifier v;
  if (block_name == "CERTIFICATE") {
    v.is_certificate = true;
    v.der = std::move(der);
    return v;
  }
  if (block_name != "PUBLIC KEY") return Mismatch("tlog body verifier is neither a certificate nor a key");
  // Keys are re-encoded so that the comparison with the pinned key is on canonical DER.
  auto key = ossl::ParsePublicKeyDer(der);
  if (!key.ok()) return Mismatch("tlog body public key malformed");
  auto canonical = ossl::PublicKeyToDer(key->get());
  if (!canonical.ok()) return Mismatch("tlog body public key malformed");
  v.der = std::move(canonical).value();
  return v;
}

// CanonicalPem decodes the common, canonical form of one PEM block (RFC 7468 §3 "strict"):
// "-----BEGIN <label>-----\n", base64 lines of 64 characters (the last one 1..64) each ending in
// "\n", "-----END <label>-----" and at most one "\n", for the labels CERTIFICATE and PUBLIC KEY.
// On such input it gives what PEM_read_bio gives, without a BIO and line-by-line copies; it
// returns false for anything else (CRLF, headers, other widths, non-canonical base64), and the
// caller then reads the block with PEM_read_bio as before.
bool CanonicalPem(std::string_view pem, std::string* label, Bytes* der) {
  constexpr std::string_view kBegin = "-----BEGIN ";
  constexpr std::string_view kDashes = "-----\n";
  if (pem.substr(0, kBegin.size()) != kBegin) return false;
  std::string_view rest = pem.substr(kBegin.size());
  std::string_view name;
  for (std::string_view candidate :
       {std::string_view("CERTIFICATE"), std::string_view("PUBLIC KEY")}) {
    if (rest.substr(0, candidate.size()) == candidate &&
        rest.substr(candidate.size(), kDashes.size()) == kDashes) {
      name = candidate;
    }
  }
  if (name.empty()) return false;
  rest = rest.substr(name.size() + kDashes.size());
  std::string b64;
  b64.reserve(rest.size());
  bool last = false;
  while (!rest.empty() && rest.front() != '-') {
    const size_t nl = rest.find('\n');
    if (last || nl == std::string_view::npos || nl == 0 || nl > 64) return false;
    last = nl < 64;  // a short line must be the last one
    b64.append(rest.data(), nl);
    rest = rest.substr(nl + 1);
  }
  if (b64.empty()) return false;
  const std::string end = "-----END " + std::string(name) + "-----";
  if (rest != end && rest != end + "\n") return false;
  auto raw = Base64Decode(b64);
  if (!raw.ok() || raw->empty()) return false;
  *label = std::string(name);
  *der = std::move(raw).value();
  return true;
}

// Rekor v1 verifiers are base64(PEM), either a CERTIFICATE or a PUBLIC KEY block. A certificate
// is compared as DER bytes with the bundle's (which was parsed), so it is not parsed again here.
Result<RekorVerifier> PemVerifier(ByteView pem_bytes) {
  std::string canonical_label;
  Bytes canonical_der;
  if (CanonicalPem(AsString(pem_bytes), &canonical_label, &canonical_der)) {
    return VerifierFromBlock(canonical_label, std::move(canonical_der));
  }
  ossl::UniquePtr<BIO> bio(BIO_new_mem_buf(pem_bytes.data(), static_cast<int>(pem_bytes.size())));
  if (!bio) return ossl::OpenSslError(ErrorCode::kInternal, "BIO_new_mem_buf");
  char* name = nullptr;
  char* header = nullptr;
  unsigned char* data = nullptr;
  long len = 0;
  if (PEM_read_bio(bio.get(), &name, &header, &data, &len) != 1) {
    ossl::DrainErrors();
    return Mismatch("tlog body verifier is not PEM");
  }
  std::string block_name(name);
  Bytes der(data, data + len);
  OPENSSL_free(name);
  OPENSSL_free(header);
  OPENSSL_free(data);
  // Exactly one block: anything after it but whitespace is refused.
  char rest = 0;
  while (BIO_read(bio.get(), &rest, 1) == 1) {
    if (rest != '\n' && rest != '\r' && rest != ' ' && rest != '\t') {
      return Mismatch("tlog body verifier has trailing data");
    }
  }
  return VerifierFromBlock(block_name, std::move(der));
}

// Rekor v2 verifiers: {"publicKey":{"rawBytes":..}} or {"x509Certificate":{"rawBytes":..}}.
Result<RekorVerifier> ProtoVerifier(const JsonValue& obj) {
  RekorVerifier v;
  if (const JsonValue* cert = obj.Find("x509Certificate")) {
    v.is_certificate = true;
    SIGNET_ASSIGN_OR_RETURN(v.der, B64Member(*cert, "rawBytes"));
    return v;
  }
  if (const JsonValue* key = obj.Find("publicKey")) {
    SIGNET_ASSIGN_OR_RETURN(v.der, B64Member(*key, "rawBytes"));
    return v;
  }
  return Mismatch("tlog body verifier missing");
}

Result<RekorBody> ParseHashedRekordV001(const JsonValue& spec, RekorBody body) {
  auto data = spec.GetObject("data");
  if (!data.ok()) return Mismatch("hashedrekord data missing");
  auto hash = (*data)->GetObject("hash");
  if (!hash.ok()) return Mismatch("hashedrekord hash missing");
  SIGNET_ASSIGN_OR_RETURN(MessageDigest d, HexDigest(**hash));
  body.data_digest = std::move(d);
  auto sig = spec.GetObject("signature");
  if (!sig.ok()) return Mismatch("hashedrekord signature missing");
  RekorSignature rs;
  SIGNET_ASSIGN_OR_RETURN(rs.signature, B64Member(**sig, "content"));
  auto pk = (*sig)->GetObject("publicKey");
  if (!pk.ok()) return Mismatch("hashedrekord publicKey missing");
  SIGNET_ASSIGN_OR_RETURN(Bytes pem, B64Member(**pk, "content"));
  SIGNET_ASSIGN_OR_RETURN(rs.verifier, PemVerifier(pem));
  body.signatures.push_back(std::move(rs));
  return body;
}

Result<RekorBody> ParseHashedRekordV002(const JsonValue& spec, RekorBody body) {
  auto inner = spec.GetObject("hashedRekordV002");
  if (!inner.ok()) return Mismatch("hashedRekordV002 missing");
  auto data = (*inner)->GetObject("data");
  if (!data.ok()) return Mismatch("hashedrekord data missing");
  SIGNET_ASSIGN_OR_RETURN(MessageDigest d, ProtoDigest(**data));
  body.data_digest = std::move(d);
  auto sig = (*inner)->GetObject("signature");
  if (!sig.ok()) return Mismatch("hashedrekord signature missing");
  RekorSignature rs;
  SIGNET_ASSIGN_OR_RETURN(rs.signature, B64Member(**sig, "content"));
  auto verifier = (*sig)->GetObject("verifier");
  if (!verifier.ok()) return Mismatch("hashedrekord verifier missing");
  SIGNET_ASSIGN_OR_RETURN(rs.verifier, ProtoVerifier(**verifier));
  body.signatures.push_back(std::move(rs));
  return body;
}

Result<RekorBody> ParseDsseV001(const JsonValue& spec, RekorBody body) {
  auto ph = spec.GetObject("payloadHash");
  if (!ph.ok()) return Mismatch("dsse payloadHash missing");
  SIGNET_ASSIGN_OR_RETURN(MessageDigest d, HexDigest(**ph));
  body.payload_hash = std::move(d);
  auto sigs = spec.GetArray("signatures");
  if (!sigs.ok() || (*sigs)->empty()) return Mismatch("dsse signatures missing");
  for (const JsonValue& s : **sigs) {
    RekorSignature rs;
    SIGNET_ASSIGN_OR_RETURN(rs.signature, B64Member(s, "signature"));
    SIGNET_ASSIGN_OR_RETURN(Bytes pem, B64Member(s, "verifier"));
    SIGNET_ASSIGN_OR_RETURN(rs.verifier, PemVerifier(pem));
    body.signatures.push_back(std::move(rs));
  }
  return body;
}

Result<RekorBody> ParseDsseV002(const JsonValue& spec, RekorBody body) {
  auto inner = spec.GetObject("dsseV002");
  if (!inner.ok()) return Mismatch("dsseV002 missing");
  auto ph = (*inner)->GetObject("payloadHash");
  if (!ph.ok()) return Mismatch("dsse payloadHash missing");
  SIGNET_ASSIGN_OR_RETURN(MessageDigest d, ProtoDigest(**ph));
  body.payload_hash = std::move(d);
  auto sigs = (*inner)->GetArray("signatures");
  if (!sigs.ok() || (*sigs)->empty()) return Mismatch("dsse signatures missing");
  for (const JsonValue& s : **sigs) {
    RekorSignature rs;
    SIGNET_ASSIGN_OR_RETURN(rs.signature, B64Member(s, "content"));
    auto verifier = s.GetObject("verifier");
    if (!verifier.ok()) return Mismatch("dsse verifier missing");
    SIGNET_ASSIGN_OR_RETURN(rs.verifier, ProtoVerifier(**verifier));
    body.signatures.push_back(std::move(rs));
  }
  return body;
}

Result<RekorBody> ParseIntotoV002(const JsonValue& spec, RekorBody body) {
  auto content = spec.GetObject("content");
  if (!content.ok()) return Mismatch("intoto content missing");
  auto ph = (*content)->GetObject("payloadHash");
  if (!ph.ok()) return Mismatch("intoto payloadHash missing");
  SIGNET_ASSIGN_OR_RETURN(MessageDigest d, HexDigest(**ph));
  body.payload_hash = std::move(d);
  auto env = (*content)->GetObject("envelope");
  if (!env.ok()) return Mismatch("intoto envelope missing");
  auto type = (*env)->GetString("payloadType");
  if (!type.ok()) return Mismatch("intoto payloadType missing");
  body.payload_type = std::move(type).value();
  if ((*env)->Find("payload") != nullptr) {
    // The log stores base64(base64(payload)): the envelope's own base64 text, encoded again.
    SIGNET_ASSIGN_OR_RETURN(Bytes once, B64Member(**env, "payload"));
    auto twice = Base64DecodeStdOrUrl(AsString(once));
    if (!twice.ok()) return Mismatch("intoto payload malformed");
    body.payload = std::move(twice).value();
  }
  auto sigs = (*env)->GetArray("signatures");
  if (!sigs.ok() || (*sigs)->empty()) return Mismatch("intoto signatures missing");
  for (const JsonValue& s : **sigs) {
    RekorSignature rs;
    SIGNET_ASSIGN_OR_RETURN(Bytes once, B64Member(s, "sig"));
    auto twice = Base64DecodeStdOrUrl(AsString(once));
    if (!twice.ok()) return Mismatch("intoto signature malformed");
    rs.signature = std::move(twice).value();
    SIGNET_ASSIGN_OR_RETURN(Bytes pem, B64Member(s, "publicKey"));
    SIGNET_ASSIGN_OR_RETURN(rs.verifier, PemVerifier(pem));
    body.signatures.push_back(std::move(rs));
  }
  return body;
}

bool SameSigner(const RekorVerifier& v, const SignedContent& content) {
  return v.is_certificate == content.signer_is_certificate && v.der == content.signer_der;
}

}  // namespace

Result<RekorBody> ParseRekorBody(ByteView raw) {
  JsonLimits limits;
  limits.max_bytes = kMaxBundleBytes;
  limits.max_depth = 16;
  auto doc = ParseJson(AsString(raw), limits);
  if (!doc.ok() || !doc->is_object()) return Mismatch("tlog body is not strict JSON");
  RekorBody body;
  auto kind = doc->GetString("kind");
  auto version = doc->GetString("apiVersion");
  auto spec = doc->GetObject("spec");
  if (!kind.ok() || !version.ok() || !spec.ok()) return Mismatch("tlog body incomplete");
  body.kind = *kind;
  body.api_version = *version;
  if (*kind == "hashedrekord" && *version == "0.0.1") return ParseHashedRekordV001(**spec, std::move(body));
  if (*kind == "hashedrekord" && *version == "0.0.2") return ParseHashedRekordV002(**spec, std::move(body));
  if (*kind == "dsse" && *version == "0.0.1") return ParseDsseV001(**spec, std::move(body));
  if (*kind == "dsse" && *version == "0.0.2") return ParseDsseV002(**spec, std::move(body));
  if (*kind == "intoto" && *version == "0.0.2") return ParseIntotoV002(**spec, std::move(body));
  return Mismatch("tlog entry kind not supported");
}

Status MatchRekorBody(const TlogEntry& entry, const SignedContent& content) {
  // 1. The body is what the log signed; the kindVersion beside it is not, so both must agree.
  SIGNET_ASSIGN_OR_RETURN(RekorBody body, ParseRekorBody(entry.canonicalized_body));
  if (body.kind != entry.kind || body.api_version != entry.version) {
    return Mismatch("tlog kindVersion does not match the body");
  }
  if ((content.message != nullptr) == (content.envelope != nullptr)) {
    return InvalidArgument("MatchRekorBody needs exactly one signed content");
  }
  // 2. hashedrekord: one signature over a digest.
  if (body.kind == "hashedrekord") {
    const RekorSignature& rs = body.signatures.front();
    if (!SameSigner(rs.verifier, content)) return Mismatch("tlog entry names another signer");
    if (!body.data_digest || body.data_digest->algorithm != HashAlgorithm::kSha256) {
      return Mismatch("tlog entry digest is not SHA-256");
    }
    if (content.message != nullptr) {
      if (rs.signature != content.message->signature) return Mismatch("tlog entry has another signature");
      if (body.data_digest->digest != content.artifact_sha256) {
        return Mismatch("tlog entry digest does not match the artifact");
      }
      return OkStatus();
    }
    // DSSE logged as hashedrekord: Rekor v2 only (rekor-v2 spec: digest = SHA-256(PAE)).
    if (body.api_version != "0.0.2") return Mismatch("DSSE envelope logged as a v1 hashedrekord");
    if (content.envelope->signatures.size() != 1 ||
        rs.signature != content.envelope->signatures.front().sig) {
      return Mismatch("tlog entry has another signature");
    }
    if (body.data_digest->digest !=
        Sha256(Pae(content.envelope->payload_type, content.envelope->payload))) {
      return Mismatch("tlog entry digest does not match the envelope");
    }
    return OkStatus();
  }
  // 3. dsse / intoto: payload hash and the exact signature set.
  if (content.envelope == nullptr) return Mismatch("message signature logged as a DSSE entry");
  const DsseEnvelope& env = *content.envelope;
  if (!body.payload_hash || body.payload_hash->algorithm != HashAlgorithm::kSha256 ||
      body.payload_hash->digest != Sha256(env.payload)) {
    return Mismatch("tlog payload hash does not match the envelope");
  }
  if (body.payload_type && *body.payload_type != env.payload_type) {
    return Mismatch("tlog payloadType does not match the envelope");
  }
  if (body.payload && *body.payload != env.payload) {
    return Mismatch("tlog payload does not match the envelope");
  }
  if (body.signatures.size() != env.signatures.size()) {
    return Mismatch("tlog signature count does not match the envelope");
  }
  for (const DsseSignature& sig : env.signatures) {
    bool found = false;
    for (const RekorSignature& rs : body.signatures) {
      found = found || (rs.signature == sig.sig && SameSigner(rs.verifier, content));
    }
    if (!found) return Mismatch("tlog signatures do not match the envelope");
  }
  return OkStatus();
}

Result<std::string> SetPayload(const TlogEntry& entry) {
  if (!entry.integrated_time) {
    return VerificationFailed(findings::kSetInvalid, "entry has no integrated time to promise");
  }
  // The four members in RFC 8785 order (body < integratedTime < logID < logIndex), written
  // directly: base64 and hex need no escaping, and an integer of magnitude <= 2^53 is its own
  // ECMAScript rendering. Larger numbers take the general writer, which renders them as the
  // double they become.
  constexpr uint64_t kExactInDouble = uint64_t{1} << 53;
  const int64_t t = *entry.integrated_time;
  if (entry.log_index <= kExactInDouble && t <= static_cast<int64_t>(kExactInDouble) &&
      t >= -static_cast<int64_t>(kExactInDouble)) {
    const std::string body = Base64Encode(entry.canonicalized_body);
    const std::string id = HexEncode(entry.log_id);
    std::string out;
    out.reserve(body.size() + id.size() + 96);
    out += "{\"body\":\"";
    out += body;
    out += "\",\"integratedTime\":";
    out += std::to_string(t);
    out += ",\"logID\":\"";
    out += id;
    out += "\",\"logIndex\":";
    out += std::to_string(entry.log_index);
    out += '}';
    return out;
  }
  JsonValue obj = JsonValue::MakeObject();
  obj.Set("body", JsonValue::String(Base64Encode(entry.canonicalized_body)));
  obj.Set("integratedTime", JsonValue::Int(*entry.integrated_time));
  obj.Set("logID", JsonValue::String(HexEncode(entry.log_id)));
  obj.Set("logIndex", JsonValue::Uint(entry.log_index));
  return WriteCanonicalJson(obj);
}

Status VerifySet(const TlogEntry& entry, const TransparencyLog& log) {
  if (!entry.signed_entry_timestamp) {
    return VerificationFailed(findings::kSetInvalid, "entry has no signed entry timestamp");
  }
  SIGNET_ASSIGN_OR_RETURN(std::string payload, SetPayload(entry));
  if (!log.key.Verify(AsBytes(payload), *entry.signed_entry_timestamp).ok()) {
    return VerificationFailed(findings::kSetInvalid, "signed entry timestamp does not verify");
  }
  return OkStatus();
}

}  // namespace signet::attestation
