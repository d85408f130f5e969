// Fuzzes what the attestation endpoint parses: the request body (strict proto3 JSON,
// AttestationRequest), the response a client reads (ParseAttestationResponse: evidence + batch
// proof), the batch proof alone, and VerifyBatchFreshness over whatever parsed. Parsing is a
// fixed point of rendering; a proof accepted for a leaf must lead to the root it was checked
// against.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "attester/proto/attestation.pb.h"
#include "signet/attestation/attest_batch.h"
#include "signet/attestation/merkle.h"
#include "signet/attestation/tpm_evidence.h"
#include "signet/core/json.h"
#include "signet/service/proto_json.h"

namespace att = signet::attestation;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  signet::attester::v1::AttestationRequest req;
  (void)signet::service::ParseProtoJson(text, &req);

  auto r = att::ParseAttestationResponse(text);
  if (r.ok()) {
    auto again = att::ParseAttestationResponse(att::AttestationResponseToJson(*r));
    if (!again.ok() || again->evidence.batch_root != r->evidence.batch_root ||
        again->batch.proof != r->batch.proof || again->batch.leaf_index != r->batch.leaf_index) {
      std::abort();
    }
    const signet::Bytes& root = r->evidence.batch_root;
    auto qd = att::BatchQualifyingData(root);
    if (!qd.ok()) std::abort();  // the parser guarantees a 32-byte root
    signet::Status s = att::VerifyBatchFreshness(*qd, root, r->batch, r->evidence.nonce, r->evidence.channel_binding,
                                                 r->evidence.nonce, r->evidence.channel_binding);
    if (s.ok()) {
      auto leaf = att::BatchLeafHash(r->evidence.nonce, r->evidence.channel_binding);
      if (!leaf.ok() ||
          !att::VerifyInclusionProof(r->batch.leaf_index, r->batch.tree_size, *leaf, r->batch.proof, root).ok()) {
        std::abort();
      }
    }
  }
  auto v = signet::ParseJson(text);
  if (v.ok()) {
    auto p = att::ParseBatchProofJson(*v);
    if (p.ok()) {
      auto back = att::ParseBatchProofJson(att::BatchProofToJson(*p));
      if (!back.ok() || back->proof != p->proof || back->tree_size != p->tree_size) std::abort();
    }
  }
  return 0;
}
