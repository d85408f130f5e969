// `signet sign --signerd`: the pipeline client's request and response mapping (issue 15 part 4).
//
// Pure functions, no socket: cmd_sign.cc sends what BuildSignerdRequest returns with
// service::HttpsClient and hands the response to InterpretSignerdResponse, whose result says
// what to print, which exit code to return and which files to write. The response is trusted for
// nothing it does not have to be: the outputs must be exactly the four signature files, each
// strict base64, and the decision must name the image that was asked for; anything else is
// refused and nothing is written.
#ifndef SIGNET_OPS_SIGN_CLIENT_H_
#define SIGNET_OPS_SIGN_CLIENT_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "signet/core/json.h"
#include "signet/core/result.h"
#include "signet/policy/inputs.h"

namespace signet::ops {

// kSignerdSignPath is the route the client posts to.
inline constexpr std::string_view kSignerdSignPath = "/v1/sign";

// kSignerdOutputFiles are the names the response's `outputs` must hold for an allowed request,
// exactly these four (decision.json is written from the response's decision, as local signing
// writes it).
inline constexpr const char* kSignerdOutputFiles[] = {"simplesigning.json", "simplesigning.sig", "image.sigstore.json",
                                                      "vsa.sigstore.json"};

// BuildSignerdRequest renders the POST /v1/sign body:
//   {"image": IMAGE, "provenance": [{"name", "content": base64}], "attestations": [same],
//    "annotations": {"k": "v"}}
// Input names are sent as given on the command line (the audit entry and the VSA name them, as
// in local signing).
std::string BuildSignerdRequest(std::string_view image, const std::vector<policy::EvidenceInput>& provenance,
                                const std::vector<policy::EvidenceInput>& attestations,
                                const std::map<std::string, std::string>& annotations);

// SignerdReply is what one response means for the CLI.
struct SignerdReply {
  int exit_code = 3;                // as local signing: 0 allowed, 1 refused, 2 bad input, 3 the rest
  std::optional<JsonValue> decision;  // set for a well-formed 200: printed on stdout
  // outputs: for an allowed 200, (file name, content) in signer::kOutputFiles order, including
  // decision.json; empty otherwise.
  std::vector<std::pair<std::string, std::string>> outputs;
  std::optional<uint64_t> audit_seq;  // the server's audit entry, for an allowed 200
  std::string audit_hash;
  // message: for anything but a well-formed 200, the line to print on stderr (after
  // "signet: "): the status, the server's error code and its message (made printable).
  std::string message;
  std::string retry_after;  // the Retry-After header, made printable, when given
};

// InterpretSignerdResponse maps one HTTP response to a SignerdReply. `expected_digest` is the
// requested image's "sha256:HEX", which the decision's `subject` must be for an allowed request
// (a deny may name it or have none); "" for a reference without a digest, which can only be
// denied.
//   200 + {"decision": {"allowed": true, ...}, "outputs": {the four names}, "auditEntry":
//         {"seq", "hash"}} -> 0; every output decoded (strict base64)
//   200 + allowed false and no outputs -> 1
// The decision's members are put back into policy::Decision::ToJson's order (signerd's protobuf
// Struct does not keep it), so it prints and is written as local signing's.
//   200 otherwise (not JSON, missing or extra fields, unknown or repeated output names, bad
//       base64, outputs on a deny, a decision for another digest) -> 3, nothing to write
//   401, 403 -> 1 (refused: the server's code is in `message`)
//   400, 413 -> 2 (the server found the input unusable)
//   429, 5xx and every other status -> 3 (Retry-After in `retry_after` when given)
SignerdReply InterpretSignerdResponse(int status, std::string_view body, std::string_view retry_after,
                                      std::string_view expected_digest);

// WriteSignerdOutputs writes an allowed reply's outputs into `out_dir` as local signing does
// (signer::WriteOutputs: staged beside it, fsynced, renamed into place as one set, 0644 files).
// Refuses (kInternal, nothing written) a reply that is not an allowed one with its outputs.
// Fills `written` with the paths written.
Status WriteSignerdOutputs(const std::string& out_dir, const SignerdReply& reply, std::vector<std::string>* written);

}  // namespace signet::ops

#endif  // SIGNET_OPS_SIGN_CLIENT_H_
