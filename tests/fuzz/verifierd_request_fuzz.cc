// Fuzz target: verifierd's request decoding never crashes. Each input is tried as
//   1. a /v1/verify body (core strict JSON, then proto3 JSON into VerifyRequest), and when it
//      decodes, the whole handler at the HTTP level against a state with no policy (the
//      UNKNOWN_POLICY path) and, for its evidence, the (unverified) classifier;
//   2. an admission.k8s.io/v1 AdmissionReview (strict JSON, shape, image extraction).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "signet/verifierd/admission.h"
#include "signet/verifierd/evidence.h"
#include "signet/verifierd/verifier.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace signet::verifierd;
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  static const auto state = VerifierState::FromGates({}, VerifierdConfig{}, nullptr);
  auto req = ParseVerifyRequest(body);
  if (req.ok()) {
    std::vector<EvidenceFile> files;
    for (const auto& e : req->evidence()) files.push_back(ClassifyEvidence(e.name(), e.content()));
    PairSimpleSignatures(files);
    VerifyOptions o;
    (void)HandleVerifyBody(*state, nullptr, body, o);
  }
  (void)ParseAdmissionReview(body);
  return 0;
}
