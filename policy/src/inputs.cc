#include "signet/policy/inputs.h"

#include <set>

#include <openssl/x509.h>

#include "signet/core/encoding.h"
#include "signet/core/hash.h"
#include "signet/core/json.h"
#include "signet/core/ossl.h"

namespace signet::policy {
namespace {

constexpr std::string_view kOciManifestType = "application/vnd.oci.image.manifest.v1+json";
constexpr std::string_view kDsseLayerType = "application/vnd.dsse.envelope.v1+json";
constexpr std::string_view kCosignBundleAnnotation = "dev.sigstore.cosign/bundle";
constexpr std::string_view kCosignCertAnnotation = "dev.sigstore.cosign/certificate";

std::string Origin(const std::string& name, size_t index, size_t total) {
  return total > 1 ? name + "#" + std::to_string(index + 1) : name;
}

bool IsBundle(const JsonValue& v) {
  const JsonValue* mt = v.Find("mediaType");
  return mt != nullptr && mt->is_string() &&
         mt->string_value().rfind("application/vnd.dev.sigstore.bundle", 0) == 0;
}

bool IsEnvelope(const JsonValue& v) { return v.Find("payloadType") != nullptr; }

bool IsOciManifest(const JsonValue& v) {
  const JsonValue* mt = v.Find("mediaType");
  return mt != nullptr && mt->is_string() && mt->string_value() == kOciManifestType &&
         v.Find("layers") != nullptr;
}

// ReadObject turns one JSON object (bundle or envelope) into a candidate.
Result<Candidate> ReadObject(const JsonValue& v, std::string_view text, std::string origin,
                             std::string format) {
  Candidate c;
  c.origin = std::move(origin);
  c.format = std::move(format);
  if (IsBundle(v)) {
    SIGNET_ASSIGN_OR_RETURN(c.bundle, attestation::ParseBundle(text));
    if (c.format == "json") c.format = "sigstore-bundle";
    return c;
  }
  if (IsEnvelope(v)) {
    SIGNET_ASSIGN_OR_RETURN(c.envelope, attestation::ParseDsseEnvelopeJson(v));
    if (c.format == "json") c.format = "dsse";
    return c;
  }
  return InvalidArgument("neither a Sigstore bundle nor a DSSE envelope");
}

Result<Bytes> PemCertToDer(std::string_view pem) {
  SIGNET_ASSIGN_OR_RETURN(auto certs, ossl::ParseCertificatesPem(pem));
  if (certs.size() != 1) return InvalidArgument("certificate annotation must hold one certificate");
  int len = i2d_X509(certs[0].get(), nullptr);
  if (len <= 0) return InvalidArgument("certificate does not re-encode");
  Bytes der(static_cast<size_t>(len));
  unsigned char* p = der.data();
  if (i2d_X509(certs[0].get(), &p) != len) return InvalidArgument("certificate does not re-encode");
  return der;
}

// CosignLayerBundle builds a v0.1 Sigstore bundle from a cosign attestation layer: the layer
// blob is the DSSE envelope, the certificate annotation the signer, and the bundle annotation
// the Rekor entry with its SET. The certificate chain annotation is not used: the chain is
// built from the trusted root's CAs, never from material the signer supplied.
Result<attestation::Bundle> CosignLayerBundle(const JsonValue& layer, std::string_view blob) {
  const JsonValue* ann = layer.Find("annotations");
  if (ann == nullptr || !ann->is_object()) return InvalidArgument("layer has no annotations");
  const JsonValue* cert = ann->Find(kCosignCertAnnotation);
  const JsonValue* rb = ann->Find(kCosignBundleAnnotation);
  if (cert == nullptr || !cert->is_string() || rb == nullptr || !rb->is_string()) {
    return InvalidArgument("layer lacks the cosign certificate or bundle annotation");
  }
  attestation::Bundle b;
  b.version = attestation::BundleVersion::kV01;
  b.media_type = "application/vnd.dev.sigstore.bundle+json;version=0.1";
  b.material = attestation::MaterialKind::kCertificateChain;
  SIGNET_ASSIGN_OR_RETURN(Bytes der, PemCertToDer(cert->string_value()));
  b.certificates.push_back(std::move(der));
  SIGNET_ASSIGN_OR_RETURN(b.dsse_envelope, attestation::ParseDsseEnvelope(blob));

  SIGNET_ASSIGN_OR_RETURN(JsonValue rekor, ParseJson(rb->string_value()));
  SIGNET_ASSIGN_OR_RETURN(std::string set_b64, rekor.GetString("SignedEntryTimestamp"));
  SIGNET_ASSIGN_OR_RETURN(const JsonValue* payload, rekor.GetObject("Payload"));
  SIGNET_ASSIGN_OR_RETURN(std::string body_b64, payload->GetString("body"));
  SIGNET_ASSIGN_OR_RETURN(int64_t integrated, payload->GetInt64("integratedTime"));
  SIGNET_ASSIGN_OR_RETURN(int64_t log_index, payload->GetInt64("logIndex"));
  SIGNET_ASSIGN_OR_RETURN(std::string log_id_hex, payload->GetString("logID"));
  if (log_index < 0 || integrated <= 0) return InvalidArgument("bad Rekor entry numbers");
  attestation::TlogEntry e;
  e.log_index = static_cast<uint64_t>(log_index);
  SIGNET_ASSIGN_OR_RETURN(e.log_id, HexDecode(log_id_hex));
  e.integrated_time = integrated;
  SIGNET_ASSIGN_OR_RETURN(Bytes set, Base64Decode(set_b64));
  e.signed_entry_timestamp = std::move(set);
  SIGNET_ASSIGN_OR_RETURN(e.canonicalized_body, Base64Decode(body_b64));
  // kind and apiVersion come from the logged body itself; MatchRekorBody checks them again.
  SIGNET_ASSIGN_OR_RETURN(JsonValue body, ParseJson(AsString(e.canonicalized_body)));
  SIGNET_ASSIGN_OR_RETURN(e.kind, body.GetString("kind"));
  SIGNET_ASSIGN_OR_RETURN(e.version, body.GetString("apiVersion"));
  b.tlog_entries.push_back(std::move(e));
  return b;
}

}  // namespace

EvidenceSet ReadEvidence(const std::vector<EvidenceInput>& inputs) {
  EvidenceSet out;
  std::vector<std::string> digests;
  for (const auto& in : inputs) digests.push_back("sha256:" + HexEncode(Sha256(in.bytes)));
  std::vector<bool> consumed(inputs.size(), false);

  // 3 (first): find manifests so their layer blobs are consumed before being read on their own.
  std::vector<std::optional<JsonValue>> parsed(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i].bytes.size() > kMaxEvidenceBytes) continue;
    auto v = ParseJson(inputs[i].bytes);
    if (v.ok()) parsed[i] = std::move(*v);
  }
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!parsed[i] || !IsOciManifest(*parsed[i])) continue;
    const JsonValue* layers = parsed[i]->Find("layers");
    for (size_t j = 0; j < inputs.size(); ++j) {
      if (j == i || !layers->is_array()) continue;
      for (const auto& l : layers->array()) {
        const JsonValue* d = l.Find("digest");
        if (d != nullptr && d->is_string() && d->string_value() == digests[j]) consumed[j] = true;
      }
    }
  }

  for (size_t i = 0; i < inputs.size(); ++i) {
    const EvidenceInput& in = inputs[i];
    if (consumed[i]) continue;
    if (in.bytes.size() > kMaxEvidenceBytes) {
      out.problems.push_back({in.name, "input too large"});
      continue;
    }
    // 1-2. One JSON document.
    if (parsed[i]) {
      const JsonValue& v = *parsed[i];
      if (!v.is_object()) {
        out.problems.push_back({in.name, "not a JSON object"});
        continue;
      }
      if (IsOciManifest(v)) {
        const JsonValue* layers = v.Find("layers");
        if (!layers->is_array() || layers->array().empty() ||
            layers->array().size() > kMaxObjectsPerInput) {
          out.problems.push_back({in.name, "manifest has no usable layer list"});
          continue;
        }
        const auto& ls = layers->array();
        for (size_t k = 0; k < ls.size(); ++k) {
          std::string origin = Origin(in.name, k, ls.size());
          const JsonValue* mt = ls[k].Find("mediaType");
          const JsonValue* d = ls[k].Find("digest");
          if (mt == nullptr || !mt->is_string() || mt->string_value() != kDsseLayerType ||
              d == nullptr || !d->is_string()) {
            out.problems.push_back({origin, "manifest layer is not a DSSE envelope layer"});
            continue;
          }
          size_t blob = inputs.size();
          for (size_t j = 0; j < inputs.size(); ++j) {
            if (j != i && digests[j] == d->string_value()) blob = j;
          }
          if (blob == inputs.size()) {
            out.problems.push_back({origin, "the layer blob " + d->string_value() +
                                                " is not among the inputs"});
            continue;
          }
          auto b = CosignLayerBundle(ls[k], inputs[blob].bytes);
          if (!b.ok()) {
            out.problems.push_back({origin, b.error().message()});
            continue;
          }
          Candidate c;
          c.origin = origin + "+" + inputs[blob].name;
          c.format = "cosign-manifest";
          c.bundle = std::move(*b);
          out.candidates.push_back(std::move(c));
        }
        continue;
      }
      if (const JsonValue* ps = v.Find("provenance_summary")) {
        const JsonValue* list = ps->Find("provenance");
        if (list == nullptr || !list->is_array() || list->array().empty() ||
            list->array().size() > kMaxObjectsPerInput) {
          out.problems.push_back({in.name, "provenance_summary.provenance is not a list"});
          continue;
        }
        const auto& items = list->array();
        for (size_t k = 0; k < items.size(); ++k) {
          std::string origin = Origin(in.name, k, items.size());
          const JsonValue* env = items[k].Find("envelope");
          if (env == nullptr) {
            out.problems.push_back({origin, "provenance entry has no envelope"});
            continue;
          }
          auto e = attestation::ParseDsseEnvelopeJson(*env);
          if (!e.ok()) {
            out.problems.push_back({origin, e.error().message()});
            continue;
          }
          Candidate c;
          c.origin = origin;
          c.format = "gcb";
          c.envelope = std::move(*e);
          out.candidates.push_back(std::move(c));
        }
        continue;
      }
      auto c = ReadObject(v, in.bytes, in.name, "json");
      if (!c.ok()) {
        out.problems.push_back({in.name, c.error().message()});
      } else {
        out.candidates.push_back(std::move(*c));
      }
      continue;
    }
    // 1. JSON lines. Every line is reported by its physical line number (empty lines count),
    // so an operator can find the one that did not parse or verify.
    std::vector<std::pair<size_t, std::string_view>> lines;
    std::string_view rest = in.bytes;
    size_t number = 0;
    while (!rest.empty()) {
      ++number;
      size_t nl = rest.find('\n');
      std::string_view line = rest.substr(0, nl);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (!line.empty()) lines.emplace_back(number, line);
      if (nl == std::string_view::npos) break;
      rest.remove_prefix(nl + 1);
    }
    if (lines.size() < 2 || lines.size() > kMaxObjectsPerInput) {
      out.problems.push_back({in.name, "neither a JSON document nor JSON lines"});
      continue;
    }
    for (const auto& [n, text] : lines) {
      std::string origin = in.name + "#" + std::to_string(n);
      const std::string where = "line " + std::to_string(n) + ": ";
      auto v = ParseJson(text);
      if (!v.ok() || !v->is_object()) {
        out.problems.push_back({origin, where + "not a JSON object", n});
        continue;
      }
      auto c = ReadObject(*v, text, origin, "intoto-jsonl");
      if (!c.ok()) {
        out.problems.push_back({origin, where + c.error().message(), n});
      } else {
        c->line = n;
        out.candidates.push_back(std::move(*c));
      }
    }
  }
  return out;
}

}  // namespace signet::policy
