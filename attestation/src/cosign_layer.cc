#include "signet/attestation/cosign_layer.h"

#include "signet/core/findings.h"
#include "signet/core/encoding.h"
#include "signet/core/json.h"
#include "signet/core/ossl.h"

namespace signet::attestation {
namespace {

Error Malformed(std::string msg) {
  return InvalidArgument("cosign layer: " + std::move(msg)).WithFinding(findings::kMalformedInput);
}

}  // namespace

Result<Bundle> BundleFromCosignLayer(std::string_view layer, std::string_view bundle_annotation,
                                     std::string_view certificate_pem) {
  Bundle b;
  b.version = BundleVersion::kV01;
  b.media_type = "application/vnd.dsse.envelope.v1+json";
  // 1. The envelope.
  auto env = ParseDsseEnvelope(layer);
  if (!env.ok()) return std::move(env).error();
  if (env->signatures.size() != 1) return Malformed("envelope must carry exactly one signature");
  b.dsse_envelope = std::move(env).value();
  // 2. The certificate.
  auto certs = ossl::ParseCertificatesPem(certificate_pem);
  if (!certs.ok() || certs->size() != 1) return Malformed("certificate annotation is not one PEM certificate");
  auto der = ossl::CertificateToDer((*certs)[0].get());
  if (!der.ok()) return Malformed("certificate cannot be encoded");
  b.material = MaterialKind::kCertificate;
  b.certificates.push_back(std::move(der).value());
  // 3. The Rekor entry.
  JsonLimits limits;
  limits.max_bytes = kMaxBundleBytes;
  limits.max_depth = 8;
  auto doc = ParseJson(bundle_annotation, limits);
  if (!doc.ok() || !doc->is_object()) return Malformed("bundle annotation is not strict JSON");
  auto set_b64 = doc->GetString("SignedEntryTimestamp");
  auto payload = doc->GetObject("Payload");
  if (!set_b64.ok() || !payload.ok()) return Malformed("bundle annotation incomplete");
  TlogEntry e;
  auto set = Base64Decode(*set_b64);
  if (!set.ok() || set->empty()) return Malformed("SignedEntryTimestamp is not base64");
  e.signed_entry_timestamp = std::move(set).value();
  auto body_b64 = (*payload)->GetString("body");
  auto time = (*payload)->GetInt64("integratedTime");
  auto index = (*payload)->GetInt64("logIndex");
  auto log_id = (*payload)->GetString("logID");
  if (!body_b64.ok() || !time.ok() || !index.ok() || !log_id.ok()) return Malformed("Payload incomplete");
  if (*time <= 0 || *index < 0) return Malformed("Payload has a negative index or time");
  auto body = Base64Decode(*body_b64);
  if (!body.ok() || body->empty()) return Malformed("body is not base64");
  auto id = HexDecode(*log_id);
  if (!id.ok() || id->size() != 32) return Malformed("logID is not 32 bytes of lowercase hex");
  auto body_doc = ParseJson(AsString(*body), limits);
  if (!body_doc.ok() || !body_doc->is_object()) return Malformed("body is not strict JSON");
  auto kind = body_doc->GetString("kind");
  auto version = body_doc->GetString("apiVersion");
  if (!kind.ok() || !version.ok()) return Malformed("body has no kind or apiVersion");
  e.kind = *kind;
  e.version = *version;
  e.integrated_time = *time;
  e.log_index = static_cast<uint64_t>(*index);
  e.log_id = std::move(id).value();
  e.canonicalized_body = std::move(body).value();
  b.tlog_entries.push_back(std::move(e));
  return b;
}

}  // namespace signet::attestation
