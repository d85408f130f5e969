// The attestation endpoint's routes (issue 14), for every daemon that serves them (verifierd,
// signerd): socket-free handlers over a BatchingAttester, registered on a service::Router.
//
//   POST /v1/attestation           {"nonce":"<64 hex>"}  -> {"evidence":{...},"batch":{...}}
//   POST /v1/attestation/enroll    {}                    -> EnrollResponse (AK public parts)
//   POST /v1/attestation/activate  ActivateRequest       -> ActivateResponse
//
// Messages: attester/proto/attestation.proto. Errors use service's one error body: a malformed
// body or nonce is 400 MALFORMED_REQUEST, a full queue 429, a TPM failure 503 (never a stale
// quote), a challenge for another AK 400.
#ifndef SIGNET_ATTESTER_HTTP_H_
#define SIGNET_ATTESTER_HTTP_H_

#include <functional>
#include <memory>
#include <string>

#include "signet/attester/batching.h"
#include "signet/core/bytes.h"
#include "signet/core/result.h"
#include "signet/service/http.h"

namespace signet::attester {

// ChannelBindingFn returns the channel binding of the connection `request` arrived on: SHA-256
// of the SubjectPublicKeyInfo of the TLS certificate that served it (32 bytes).
using ChannelBindingFn = std::function<Result<Bytes>(const service::Request& request)>;

// AttestationRoutes are the handlers' collaborators.
struct AttestationRoutes {
  std::shared_ptr<BatchingAttester> attester;  // required
  ChannelBindingFn channel_binding;            // required
  std::function<void()> on_request;            // optional: counts POST /v1/attestation
};

// AddAttestationRoutes registers the three routes above on `router`. kInvalidArgument when
// `routes` lacks the attester or the channel binding, or a route is already registered.
Status AddAttestationRoutes(service::Router& router, AttestationRoutes routes);

}  // namespace signet::attester

#endif  // SIGNET_ATTESTER_HTTP_H_
