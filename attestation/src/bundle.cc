#include "signet/attestation/bundle.h"

#include <charconv>
#include <cstring>
#include <initializer_list>

#include "signet/core/findings.h"
#include "signet/core/encoding.h"
#include "signet/core/json.h"

namespace signet::attestation {
namespace {

Error Malformed(std::string msg) {
  return InvalidArgument("bundle: " + std::move(msg)).WithFinding(findings::kMalformedInput);
}

// OnlyMembers enforces proto3 JSON's refusal of unknown fields.
Status OnlyMembers(const JsonValue& obj, std::initializer_list<std::string_view> allowed,
                   const char* where) {
  if (!obj.is_object()) return Malformed(std::string(where) + " is not an object");
  for (const auto& [k, v] : obj.object()) {
    bool ok = false;
    for (std::string_view a : allowed) ok = ok || k == a;
    if (!ok) return Malformed(std::string(where) + " has an unknown member");
  }
  return OkStatus();
}

// Int64 reads a proto3 JSON int64: a decimal string (canonical) or an integer number.
Result<int64_t> Int64(const JsonValue& v, const char* what) {
  if (v.is_number()) {
    auto n = v.AsInt64();
    if (!n.ok()) return Malformed(std::string(what) + " is not an integer");
    return *n;
  }
  if (!v.is_string()) return Malformed(std::string(what) + " is not an integer");
  const std::string& s = v.string_value();
  int64_t n = 0;
  const char* first = s.data();
  const char* last = s.data() + s.size();
  if (s.empty() || (s.size() > 1 && s[0] == '0') || (s[0] == '-' && (s.size() == 1 || s[1] == '0')) ||
      s[0] == '+') {
    return Malformed(std::string(what) + " is not a canonical integer");
  }
  auto [ptr, ec] = std::from_chars(first, last, n);
  if (ec != std::errc() || ptr != last) return Malformed(std::string(what) + " is not an integer");
  return n;
}

Result<uint64_t> NonNegative(const JsonValue& obj, const char* key) {
  const JsonValue* v = obj.Find(key);
  if (v == nullptr) return Malformed(std::string(key) + " missing");
  SIGNET_ASSIGN_OR_RETURN(int64_t n, Int64(*v, key));
  if (n < 0) return Malformed(std::string(key) + " is negative");
  return static_cast<uint64_t>(n);
}

// ProtoBase64 decodes a proto3 JSON bytes field: strict standard base64, except that line
// breaks are skipped as protobuf's JSON parsers skip them (bundles built with `base64`
// wrapping their output exist in the wild and in the conformance suite).
Result<Bytes> ProtoBase64(std::string_view text) {
  if (std::memchr(text.data(), '\n', text.size()) == nullptr &&
      std::memchr(text.data(), '\r', text.size()) == nullptr) {
    return Base64Decode(text);
  }
  std::string joined;
  joined.reserve(text.size());
  for (char c : text) {
    if (c != '\n' && c != '\r') joined.push_back(c);
  }
  return Base64Decode(joined);
}

Result<Bytes> B64(const JsonValue& obj, const char* key, bool allow_empty = false) {
  // Read in place: the member text is decoded, never copied first.
  const JsonValue* text = obj.Find(key);
  if (text == nullptr || !text->is_string()) {
    return Malformed(std::string(key) + " missing or not a string");
  }
  auto raw = ProtoBase64(text->string_value());
  if (!raw.ok()) return Malformed(std::string(key) + " is not base64");
  if (raw->empty() && !allow_empty) return Malformed(std::string(key) + " is empty");
  return raw;
}

Result<TlogEntry> ParseEntry(const JsonValue& e) {
  SIGNET_RETURN_IF_ERROR(OnlyMembers(e,
      {"logIndex", "logId", "kindVersion", "integratedTime", "inclusionPromise", "inclusionProof",
       "canonicalizedBody"}, "tlog entry"));
  TlogEntry out;
  SIGNET_ASSIGN_OR_RETURN(out.log_index, NonNegative(e, "logIndex"));
  auto log_id = e.GetObject("logId");
  if (!log_id.ok()) return Malformed("logId missing");
  SIGNET_RETURN_IF_ERROR(OnlyMembers(**log_id, {"keyId"}, "logId"));
  SIGNET_ASSIGN_OR_RETURN(out.log_id, B64(**log_id, "keyId"));
  auto kv = e.GetObject("kindVersion");
  if (!kv.ok()) return Malformed("kindVersion missing");
  SIGNET_RETURN_IF_ERROR(OnlyMembers(**kv, {"kind", "version"}, "kindVersion"));
  auto kind = (*kv)->GetString("kind");
  auto version = (*kv)->GetString("version");
  if (!kind.ok() || !version.ok()) return Malformed("kindVersion incomplete");
  out.kind = std::move(kind).value();
  out.version = std::move(version).value();
  if (const JsonValue* it = e.Find("integratedTime")) {
    SIGNET_ASSIGN_OR_RETURN(int64_t t, Int64(*it, "integratedTime"));
    if (t < 0) return Malformed("integratedTime is negative");
    if (t != 0) out.integrated_time = t;  // proto3: 0 is the default, i.e. absent
  }
  if (const JsonValue* promise = e.Find("inclusionPromise")) {
    SIGNET_RETURN_IF_ERROR(OnlyMembers(*promise, {"signedEntryTimestamp"}, "inclusionPromise"));
    SIGNET_ASSIGN_OR_RETURN(Bytes set, B64(*promise, "signedEntryTimestamp"));
    out.signed_entry_timestamp = std::move(set);
  }
  if (const JsonValue* proof = e.Find("inclusionProof")) {
    SIGNET_RETURN_IF_ERROR(OnlyMembers(*proof,
        {"logIndex", "rootHash", "treeSize", "hashes", "checkpoint"}, "inclusionProof"));
    InclusionProof p;
    SIGNET_ASSIGN_OR_RETURN(p.log_index, NonNegative(*proof, "logIndex"));
    SIGNET_ASSIGN_OR_RETURN(p.tree_size, NonNegative(*proof, "treeSize"));
    SIGNET_ASSIGN_OR_RETURN(p.root_hash, B64(*proof, "rootHash"));
    if (const JsonValue* hashes = proof->Find("hashes")) {
      if (!hashes->is_array()) return Malformed("hashes is not an array");
      if (hashes->array().size() > 64) return Malformed("too many proof hashes");
      for (const JsonValue& h : hashes->array()) {
        if (!h.is_string()) return Malformed("proof hash is not a string");
        auto raw = ProtoBase64(h.string_value());
        if (!raw.ok()) return Malformed("proof hash is not base64");
        p.hashes.push_back(std::move(raw).value());
      }
    }
    if (const JsonValue* cp = proof->Find("checkpoint")) {
      SIGNET_RETURN_IF_ERROR(OnlyMembers(*cp, {"envelope"}, "checkpoint"));
      auto env = cp->GetString("envelope");
      if (!env.ok()) return Malformed("checkpoint envelope missing");
      p.checkpoint = std::move(env).value();
    }
    out.inclusion_proof = std::move(p);
  }
  SIGNET_ASSIGN_OR_RETURN(out.canonicalized_body, B64(e, "canonicalizedBody"));
  return out;
}

Result<HashAlgorithm> DigestAlgorithm(const std::string& name) {
  if (name == "SHA2_256") return HashAlgorithm::kSha256;
  if (name == "SHA2_384") return HashAlgorithm::kSha384;
  if (name == "SHA2_512") return HashAlgorithm::kSha512;
  return InvalidArgument("bundle: unsupported messageDigest algorithm")
      .WithFinding(findings::kUnsupported);
}

}  // namespace

Result<Bundle> ParseBundle(std::string_view json) {
  // 1. Strict JSON.
  JsonLimits limits;
  limits.max_bytes = kMaxBundleBytes;
  limits.max_depth = 16;
  auto doc = ParseJson(json, limits);
  if (!doc.ok()) return Malformed("not strict JSON");
  SIGNET_RETURN_IF_ERROR(OnlyMembers(*doc,
      {"mediaType", "verificationMaterial", "messageSignature", "dsseEnvelope"}, "bundle"));
  Bundle b;
  // 2. Media type.
  auto media = doc->GetString("mediaType");
  if (!media.ok()) return Malformed("mediaType missing");
  b.media_type = *media;
  if (*media == "application/vnd.dev.sigstore.bundle+json;version=0.1") {
    b.version = BundleVersion::kV01;
  } else if (*media == "application/vnd.dev.sigstore.bundle+json;version=0.2") {
    b.version = BundleVersion::kV02;
  } else if (*media == "application/vnd.dev.sigstore.bundle+json;version=0.3" ||
             *media == "application/vnd.dev.sigstore.bundle.v0.3+json") {
    b.version = BundleVersion::kV03;
  } else {
    return InvalidArgument("bundle: unsupported mediaType").WithFinding(findings::kUnsupported);
  }
  // 3. Verification material.
  auto vm = doc->GetObject("verificationMaterial");
  if (!vm.ok()) return Malformed("verificationMaterial missing");
  SIGNET_RETURN_IF_ERROR(OnlyMembers(**vm,
      {"publicKey", "x509CertificateChain", "certificate", "tlogEntries",
       "timestampVerificationData"}, "verificationMaterial"));
  int variants = 0;
  if (const JsonValue* pk = (*vm)->Find("publicKey")) {
    ++variants;
    SIGNET_RETURN_IF_ERROR(OnlyMembers(*pk, {"hint"}, "publicKey"));
    b.material = MaterialKind::kPublicKey;
    if (const JsonValue* hint = pk->Find("hint")) {
      if (!hint->is_string()) return Malformed("publicKey hint is not a string");
      b.public_key_hint = hint->string_value();
    }
  }
  if (const JsonValue* chain = (*vm)->Find("x509CertificateChain")) {
    ++variants;
    SIGNET_RETURN_IF_ERROR(OnlyMembers(*chain, {"certificates"}, "x509CertificateChain"));
    b.material = MaterialKind::kCertificateChain;
    auto certs = chain->GetArray("certificates");
    if (!certs.ok() || (*certs)->empty()) return Malformed("certificate chain is empty");
    if ((*certs)->size() > 8) return Malformed("certificate chain is too long");
    for (const JsonValue& c : **certs) {
      SIGNET_RETURN_IF_ERROR(OnlyMembers(c, {"rawBytes"}, "certificate"));
      SIGNET_ASSIGN_OR_RETURN(Bytes der, B64(c, "rawBytes"));
      b.certificates.push_back(std::move(der));
    }
  }
  if (const JsonValue* cert = (*vm)->Find("certificate")) {
    ++variants;
    SIGNET_RETURN_IF_ERROR(OnlyMembers(*cert, {"rawBytes"}, "certificate"));
    b.material = MaterialKind::kCertificate;
    SIGNET_ASSIGN_OR_RETURN(Bytes der, B64(*cert, "rawBytes"));
    b.certificates.push_back(std::move(der));
  }
  if (variants != 1) return Malformed("verificationMaterial needs exactly one key or certificate");
  if (const JsonValue* entries = (*vm)->Find("tlogEntries")) {
    if (!entries->is_array()) return Malformed("tlogEntries is not an array");
    if (entries->array().size() > 16) return Malformed("too many tlog entries");
    for (const JsonValue& e : entries->array()) {
      SIGNET_ASSIGN_OR_RETURN(TlogEntry entry, ParseEntry(e));
      b.tlog_entries.push_back(std::move(entry));
    }
  }
  if (const JsonValue* tvd = (*vm)->Find("timestampVerificationData")) {
    SIGNET_RETURN_IF_ERROR(OnlyMembers(*tvd, {"rfc3161Timestamps"}, "timestampVerificationData"));
    if (const JsonValue* ts = tvd->Find("rfc3161Timestamps")) {
      if (!ts->is_array()) return Malformed("rfc3161Timestamps is not an array");
      if (ts->array().size() > 16) return Malformed("too many timestamps");
      for (const JsonValue& t : ts->array()) {
        SIGNET_RETURN_IF_ERROR(OnlyMembers(t, {"signedTimestamp"}, "rfc3161Timestamp"));
        SIGNET_ASSIGN_OR_RETURN(Bytes der, B64(t, "signedTimestamp"));
        b.rfc3161_timestamps.push_back(std::move(der));
      }
    }
  }
  // 4. Content: exactly one signature.
  const JsonValue* ms = doc->Find("messageSignature");
  const JsonValue* dsse = doc->Find("dsseEnvelope");
  if ((ms != nullptr) == (dsse != nullptr)) {
    return Malformed("needs exactly one of messageSignature and dsseEnvelope");
  }
  if (ms != nullptr) {
    SIGNET_RETURN_IF_ERROR(OnlyMembers(*ms, {"messageDigest", "signature"}, "messageSignature"));
    MessageSignature sig;
    if (const JsonValue* md = ms->Find("messageDigest")) {
      SIGNET_RETURN_IF_ERROR(OnlyMembers(*md, {"algorithm", "digest"}, "messageDigest"));
      auto alg = md->GetString("algorithm");
      if (!alg.ok()) return Malformed("messageDigest algorithm missing");
      MessageDigest d;
      SIGNET_ASSIGN_OR_RETURN(d.algorithm, DigestAlgorithm(*alg));
      SIGNET_ASSIGN_OR_RETURN(d.digest, B64(*md, "digest"));
      if (d.digest.size() != HashSize(d.algorithm)) return Malformed("messageDigest has the wrong size");
      sig.digest = std::move(d);
    }
    SIGNET_ASSIGN_OR_RETURN(sig.signature, B64(*ms, "signature"));
    b.message_signature = std::move(sig);
  } else {
    auto env = ParseDsseEnvelopeJson(*dsse);
    if (!env.ok()) return Malformed("dsseEnvelope is malformed");
    if (env->signatures.size() != 1) return Malformed("dsseEnvelope must carry exactly one signature");
    b.dsse_envelope = std::move(env).value();
  }
  return b;
}

}  // namespace signet::attestation
