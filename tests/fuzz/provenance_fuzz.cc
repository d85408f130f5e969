// Fuzzes the SLSA provenance normaliser. The input is a statement-shaped JSON document; its
// predicate is normalised under its own predicateType and under each SLSA version, so every
// version's reader sees every shape. Nothing may crash; success implies the required fields.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "signet/core/json.h"
#include "signet/policy/provenance.h"

namespace {

void Check(std::string_view type, const signet::JsonValue& predicate) {
  auto p = signet::policy::NormaliseProvenance(type, predicate);
  if (!p.ok()) {
    const std::string& f = p.error().finding();
    if (f != "MALFORMED_INPUT" && f != "PREDICATE_TYPE_INVALID") std::abort();
    return;
  }
  if (p->builder_id.empty() || p->build_type.empty()) std::abort();
  if (!signet::policy::IsSlsaProvenanceType(p->predicate_type)) std::abort();
  (void)signet::policy::ClaimsHostedRunner(*p);
}

// CheckSignedTime: a signed finish time, when found, is within the bounded years.
void CheckSignedTime(std::string_view type, const signet::JsonValue& predicate) {
  auto t = signet::policy::SignedFinishTime(type, predicate);
  if (t && (signet::ToUnixSeconds(*t) < 0 || signet::ToUnixSeconds(*t) > 7258118400)) std::abort();  // 2200-01-01
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  signet::JsonLimits limits;
  limits.max_bytes = 1 << 20;
  auto v = signet::ParseJson(text, limits);
  if (!v.ok()) return 0;
  const signet::JsonValue* pred = v->Find("predicate");
  signet::JsonValue predicate = pred != nullptr ? *pred : *v;
  const signet::JsonValue* type = v->Find("predicateType");
  if (type != nullptr && type->is_string()) Check(type->string_value(), predicate);
  Check(signet::policy::kSlsaProvenanceV1, predicate);
  Check(signet::policy::kSlsaProvenanceV02, predicate);
  Check(signet::policy::kSlsaProvenanceV01, predicate);
  for (std::string_view t : {std::string_view(signet::policy::kSlsaProvenanceV1), std::string_view(signet::policy::kSlsaProvenanceV02),
                             std::string_view("https://cosign.sigstore.dev/attestation/vuln/v1"),
                             std::string_view("https://cyclonedx.org/bom")}) {
    CheckSignedTime(t, predicate);
  }
  (void)signet::policy::SplitSourceUri(text);
  return 0;
}
