// cosign OCI attestation layers (application/vnd.dsse.envelope.v1+json) as Sigstore bundles.
//
// cosign (before v3) stores an attestation as an OCI layer whose bytes are a DSSE envelope, with
// the signing certificate in the `dev.sigstore.cosign/certificate` annotation and the Rekor entry
// in `dev.sigstore.cosign/bundle`: {"SignedEntryTimestamp": b64, "Payload": {"body": b64,
// "integratedTime": n, "logIndex": n, "logID": "<hex>"}}. There is no inclusion proof, so the
// result is a v0.1 bundle whose log entry rests on its SET — VerifyBundle applies exactly the
// checks it applies to any v0.1 bundle.
// Trust decision: none here. The conversion only reshapes unverified data.
#ifndef SIGNET_ATTESTATION_COSIGN_LAYER_H_
#define SIGNET_ATTESTATION_COSIGN_LAYER_H_

#include <string_view>

#include "signet/attestation/bundle.h"
#include "signet/core/result.h"

namespace signet::attestation {

// BundleFromCosignLayer builds an UNVERIFIED v0.1 bundle from an attestation layer's bytes and
// its two annotations. Steps:
//   1. The layer is a strict DSSE envelope with exactly one signature.
//   2. The certificate annotation holds exactly one PEM certificate.
//   3. The bundle annotation holds SignedEntryTimestamp and a Payload with a base64 body, a
//      positive integratedTime, a non-negative logIndex and a hex logID; kind and version are
//      read from the body.
// Fails kInvalidArgument with finding MALFORMED_INPUT.
Result<Bundle> BundleFromCosignLayer(std::string_view layer, std::string_view bundle_annotation,
                                     std::string_view certificate_pem);

}  // namespace signet::attestation

#endif  // SIGNET_ATTESTATION_COSIGN_LAYER_H_
