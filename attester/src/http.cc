// The attestation routes over a BatchingAttester. See http.h.
#include "signet/attester/http.h"

#include <string>
#include <utility>

#include "attester/proto/attestation.pb.h"
#include "signet/attestation/tpm_enrollment.h"
#include "signet/core/encoding.h"
#include "signet/core/hash.h"
#include "signet/core/ossl.h"
#include "signet/service/proto_json.h"

namespace signet::attester {

namespace att = signet::attestation;

Status AddAttestationRoutes(service::Router& router, AttestationRoutes routes) {
  if (!routes.attester || !routes.channel_binding) {
    return InvalidArgument("the attestation routes need an attester and a channel binding");
  }
  auto shared = std::make_shared<const AttestationRoutes>(std::move(routes));
  const std::string json(service::kJsonContentType);

  // POST /v1/attestation: blocks this worker until the request's batch is quoted.
  SIGNET_RETURN_IF_ERROR(router.Add(
      {"POST", "/v1/attestation", json, [shared](const service::Request& request) -> Result<service::Response> {
         v1::AttestationRequest req;
         if (Status s = service::ParseProtoJson(request.body, &req); !s.ok()) {
           return service::ErrorResponse(400, service::kCodeMalformed, s.error().message());
         }
         if (shared->on_request) shared->on_request();
         auto nonce = HexDecodeAnyCase(req.nonce());
         if (!nonce.ok() || nonce->size() != 32) {
           return service::ErrorResponse(400, service::kCodeMalformed, "nonce must be 64 hex digits");
         }
         SIGNET_ASSIGN_OR_RETURN(Bytes cb, shared->channel_binding(request));
         Result<att::AttestationResponse> r = shared->attester->Attest(*nonce, cb);
         if (!r.ok()) {
           service::Response e = service::ErrorResponseFor(r.error());
           e.log.verdict = "error";
           return e;
         }
         service::Response ok = service::Response::Json(200, att::AttestationResponseToJson(*r));
         ok.log.verdict = "quoted";
         return ok;
       }}));

  SIGNET_RETURN_IF_ERROR(router.Add(
      {"POST", "/v1/attestation/enroll", json,
       service::ProtoHandler<v1::EnrollRequest, v1::EnrollResponse>(
           [shared](const v1::EnrollRequest&, const service::Request&,
                    service::LogFields*) -> Result<v1::EnrollResponse> {
             AkPublicParts p = shared->attester->PublicParts();
             v1::EnrollResponse resp;
             resp.set_ak_public(ToString(p.ak_public));
             resp.set_ak_name(HexEncode(p.ak_name));
             resp.set_ek_certificate(ToString(p.ek_certificate));
             return resp;
           })}));

  return router.Add(
      {"POST", "/v1/attestation/activate", json,
       service::ProtoHandler<v1::ActivateRequest, v1::ActivateResponse>(
           [shared](const v1::ActivateRequest& req, const service::Request&,
                    service::LogFields* log) -> Result<v1::ActivateResponse> {
             // The one strict challenge parser reads it, from its document form.
             JsonValue doc = JsonValue::MakeObject();
             doc.Set("version", JsonValue::String(att::kEnrollChallengeVersion));
             doc.Set("challenge_id", JsonValue::String(req.challenge_id()));
             doc.Set("ak_name", JsonValue::String(req.ak_name()));
             doc.Set("credential_blob", JsonValue::String(Base64Encode(ToBytes(req.credential_blob()))));
             doc.Set("encrypted_secret", JsonValue::String(Base64Encode(ToBytes(req.encrypted_secret()))));
             SIGNET_ASSIGN_OR_RETURN(att::EnrollmentChallenge c, att::ParseEnrollmentChallenge(WriteJson(doc)));
             Result<att::EnrollmentResponse> r = shared->attester->Activate(c);
             if (!r.ok()) {
               if (!r.error().finding().empty()) log->findings.push_back(r.error().finding());
               return std::move(r).error();
             }
             v1::ActivateResponse resp;
             resp.set_challenge_id(HexEncode(r->challenge_id));
             resp.set_ak_name(HexEncode(r->ak_name));
             resp.set_secret(std::string(reinterpret_cast<const char*>(r->secret.Reveal().data()), r->secret.size()));
             return resp;
           })});
}

}  // namespace signet::attester
