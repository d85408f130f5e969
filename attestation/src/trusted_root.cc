#include "signet/attestation/trusted_root.h"

#include "signet/core/findings.h"
#include "signet/core/encoding.h"
#include "signet/core/json.h"

namespace signet::attestation {
namespace {

Error Invalid(std::string msg) {
  return InvalidArgument("trusted root: " + std::move(msg)).WithFinding(findings::kTrustedRootInvalid);
}

Result<TimeRange> ParseRange(const JsonValue& holder, const std::string& where) {
  const JsonValue* vf = holder.Find("validFor");
  if (vf == nullptr || !vf->is_object()) return Invalid(where + ": validFor missing");
  TimeRange range;
  auto start = vf->GetString("start");
  if (!start.ok()) return Invalid(where + ": validFor has no start");
  auto s = ParseRfc3339(*start);
  if (!s.ok()) return Invalid(where + ": validFor.start is not RFC 3339");
  range.start = *s;
  if (const JsonValue* end = vf->Find("end"); end != nullptr && !end->is_null()) {
    if (!end->is_string()) return Invalid(where + ": validFor.end is not a string");
    auto e = ParseRfc3339(end->string_value());
    if (!e.ok()) return Invalid(where + ": validFor.end is not RFC 3339");
    if (*e < range.start) return Invalid(where + ": validFor ends before it starts");
    range.end = *e;
  }
  return range;
}

Result<Bytes> B64(const JsonValue& obj, std::string_view key, const std::string& where) {
  auto text = obj.GetString(key);
  if (!text.ok()) return Invalid(where + ": " + std::string(key) + " missing");
  auto raw = Base64Decode(*text);
  if (!raw.ok() || raw->empty()) return Invalid(where + ": " + std::string(key) + " is not base64");
  return raw;
}

struct LogCommon {
  std::string base_url;
  Bytes log_id;
  ossl::UniquePtr<EVP_PKEY> key;
  TimeRange range;
};

Result<LogCommon> ParseLog(const JsonValue& log, const std::string& where) {
  if (!log.is_object()) return Invalid(where + ": not an object");
  LogCommon out;
  if (const JsonValue* url = log.Find("baseUrl"); url && url->is_string()) {
    out.base_url = url->string_value();
  }
  if (const JsonValue* alg = log.Find("hashAlgorithm")) {
    if (!alg->is_string() || alg->string_value() != "SHA2_256") {
      return Invalid(where + ": hashAlgorithm is not SHA2_256");
    }
  }
  auto pk = log.GetObject("publicKey");
  if (!pk.ok()) return Invalid(where + ": publicKey missing");
  SIGNET_ASSIGN_OR_RETURN(Bytes der, B64(**pk, "rawBytes", where + ".publicKey"));
  std::string details;
  if (const JsonValue* kd = (*pk)->Find("keyDetails"); kd && kd->is_string()) details = kd->string_value();
  if (details.rfind("PKCS1_RSA_", 0) == 0) {
    // keyDetails PKCS1_RSA_*: rawBytes is a PKCS#1 RSAPublicKey, not an SPKI.
    const unsigned char* p = der.data();
    EVP_PKEY* raw = d2i_PublicKey(EVP_PKEY_RSA, nullptr, &p, static_cast<long>(der.size()));
    if (raw == nullptr || p != der.data() + der.size()) {
      EVP_PKEY_free(raw);
      ossl::DrainErrors();
      return Invalid(where + ": publicKey is not a DER RSAPublicKey");
    }
    out.key.reset(raw);
  } else {
    auto key = ossl::ParsePublicKeyDer(der);
    if (!key.ok()) return Invalid(where + ": publicKey is not a DER SPKI");
    out.key = std::move(key).value();
  }
  SIGNET_ASSIGN_OR_RETURN(out.range, ParseRange(**pk, where + ".publicKey"));
  auto id = log.GetObject("logId");
  if (!id.ok()) return Invalid(where + ": logId missing");
  SIGNET_ASSIGN_OR_RETURN(out.log_id, B64(**id, "keyId", where + ".logId"));
  return out;
}

Result<CertificateAuthority> ParseAuthority(const JsonValue& ca, const std::string& where) {
  if (!ca.is_object()) return Invalid(where + ": not an object");
  CertificateAuthority out;
  if (const JsonValue* uri = ca.Find("uri"); uri && uri->is_string()) out.uri = uri->string_value();
  auto chain = ca.GetObject("certChain");
  if (!chain.ok()) return Invalid(where + ": certChain missing");
  auto certs = (*chain)->GetArray("certificates");
  if (!certs.ok() || (*certs)->empty()) return Invalid(where + ": certChain is empty");
  for (const JsonValue& c : **certs) {
    if (!c.is_object()) return Invalid(where + ": certificate is not an object");
    SIGNET_ASSIGN_OR_RETURN(Bytes der, B64(c, "rawBytes", where + ".certificate"));
    auto cert = ossl::ParseCertificateDer(der);
    if (!cert.ok()) return Invalid(where + ": certificate is not DER X.509");
    out.chain.emplace_back(cert->release(), X509_free);
  }
  SIGNET_ASSIGN_OR_RETURN(out.valid_for, ParseRange(ca, where));
  return out;
}

// CheckPinnedChain verifies, once, that a pinned CA chain links: each certificate is signed by
// the next, every issuer is a CA, and the last is a self-signed root whose signature verifies.
// These signatures cover pinned bytes only, so re-verifying them for every bundle would add
// no assurance; VerifyBundle anchors at the issuing certificate and checks the validity of the
// rest of the chain at the signing time itself.
Status CheckPinnedChain(const CertificateAuthority& ca, const std::string& where) {
  for (size_t i = 0; i < ca.chain.size(); ++i) {
    X509* cert = ca.chain[i].get();
    X509* issuer = i + 1 < ca.chain.size() ? ca.chain[i + 1].get() : cert;
    if (X509_check_ca(issuer) == 0 || X509_check_issued(issuer, cert) != X509_V_OK ||
        X509_verify(cert, X509_get0_pubkey(issuer)) != 1) {
      ossl::DrainErrors();
      return Invalid(where + ": certChain does not link to a self-signed root");
    }
  }
  return OkStatus();
}

}  // namespace

const TransparencyLog* TrustedRoot::FindTlog(ByteView log_id) const {
  for (const TransparencyLog& log : tlogs_) {
    if (log.log_id.size() == log_id.size() &&
        std::equal(log.log_id.begin(), log.log_id.end(), log_id.begin())) {
      return &log;
    }
  }
  return nullptr;
}

Result<TrustedRoot> TrustedRoot::Parse(std::string_view json) {
  // 1. Strict JSON and media type.
  JsonLimits limits;
  limits.max_bytes = kMaxTrustedRootBytes;
  limits.max_depth = 16;
  auto doc = ParseJson(json, limits);
  if (!doc.ok()) return Invalid("not strict JSON");
  if (!doc->is_object()) return Invalid("not an object");
  auto media = doc->GetString("mediaType");
  if (!media.ok()) return Invalid("mediaType missing");
  if (*media != "application/vnd.dev.sigstore.trustedroot+json;version=0.1" &&
      *media != "application/vnd.dev.sigstore.trustedroot.v0.2+json" &&
      *media != "application/vnd.dev.sigstore.trustedroot+json;version=0.2") {
    return Invalid("unsupported mediaType");
  }
  TrustedRoot root;
  auto section = [&](const char* name) -> Result<const JsonValue::Array*> {
    const JsonValue* v = doc->Find(name);
    static const JsonValue::Array kEmpty;
    if (v == nullptr) return &kEmpty;
    if (!v->is_array()) return Invalid(std::string(name) + " is not an array");
    return &v->array();
  };
  // 2. Transparency logs and CT logs.
  SIGNET_ASSIGN_OR_RETURN(const JsonValue::Array* tlogs, section("tlogs"));
  for (size_t i = 0; i < tlogs->size(); ++i) {
    std::string where = "tlogs[" + std::to_string(i) + "]";
    SIGNET_ASSIGN_OR_RETURN(LogCommon log, ParseLog((*tlogs)[i], where));
    auto key = PublicKey::FromEvp(log.key.get());
    if (!key.ok()) return Invalid(where + ": key type not supported");
    root.tlogs_.push_back(TransparencyLog{std::move(log.base_url), std::move(log.log_id),
                                          std::move(key).value(), log.range});
  }
  SIGNET_ASSIGN_OR_RETURN(const JsonValue::Array* ctlogs, section("ctlogs"));
  for (size_t i = 0; i < ctlogs->size(); ++i) {
    std::string where = "ctlogs[" + std::to_string(i) + "]";
    SIGNET_ASSIGN_OR_RETURN(LogCommon log, ParseLog((*ctlogs)[i], where));
    root.ctlogs_.push_back(CtLog{std::move(log.base_url), std::move(log.log_id),
                                 std::shared_ptr<EVP_PKEY>(log.key.release(), EVP_PKEY_free),
                                 log.range});
  }
  // 3. Certificate and timestamp authorities.
  SIGNET_ASSIGN_OR_RETURN(const JsonValue::Array* cas, section("certificateAuthorities"));
  for (size_t i = 0; i < cas->size(); ++i) {
    SIGNET_ASSIGN_OR_RETURN(CertificateAuthority ca,
                            ParseAuthority((*cas)[i], "certificateAuthorities[" + std::to_string(i) + "]"));
    SIGNET_RETURN_IF_ERROR(CheckPinnedChain(ca, "certificateAuthorities[" + std::to_string(i) + "]"));
    root.cas_.push_back(std::move(ca));
  }
  SIGNET_ASSIGN_OR_RETURN(const JsonValue::Array* tsas, section("timestampAuthorities"));
  for (size_t i = 0; i < tsas->size(); ++i) {
    SIGNET_ASSIGN_OR_RETURN(CertificateAuthority tsa,
                            ParseAuthority((*tsas)[i], "timestampAuthorities[" + std::to_string(i) + "]"));
    root.tsas_.push_back(std::move(tsa));
  }
  return root;
}

}  // namespace signet::attestation
