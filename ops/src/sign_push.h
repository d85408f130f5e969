// `signet sign --push`: after a successful sign, upload what was written to --out to the image's
// registry (registry/push.h): the simple-signing payload as cosign's legacy `.sig` layer, the v3
// bundle and the VSA as OCI 1.1 referrers.
#ifndef SIGNET_OPS_SIGN_PUSH_H_
#define SIGNET_OPS_SIGN_PUSH_H_

#include <functional>
#include <string>
#include <vector>

#include "signet/core/result.h"

namespace signet::ops {

// PushFlags are `signet sign`'s registry flags.
struct PushFlags {
  bool push = false;
  std::string registry_config;  // --registry-config
  std::string registry_ca;      // --registry-ca
};

// CheckPushFlags refuses registry flags without --push and, with it, an image reference whose
// registry cannot be named (before anything is signed). kInvalidArgument.
Status CheckPushFlags(const PushFlags& flags, const std::string& image);

// PushSignedOutputs uploads the files of the output directory `out` about `image`
// (REGISTRY/REPO@sha256:HEX) and returns one line per upload ("<what> <where>").
Result<std::vector<std::string>> PushSignedOutputs(const PushFlags& flags, const std::string& image,
                                                   const std::string& out);

// SignThenPush runs `sign` (the whole `signet sign`) and, with --push and when it signed (exit 0),
// pushes its outputs: CheckPushFlags first (exit 2, nothing signed), then `sign`'s exit code,
// then ReportPushResult's.
int SignThenPush(const PushFlags& flags, const std::string& image, const std::string& out,
                 const std::function<int()>& sign);

// ReportPushResult prints what was pushed, or the failure (the signed outputs stay in `out`), and
// returns the exit code: 0, or 3 for a failed push.
int ReportPushResult(const Result<std::vector<std::string>>& pushed, const std::string& out);

}  // namespace signet::ops

#endif  // SIGNET_OPS_SIGN_PUSH_H_
