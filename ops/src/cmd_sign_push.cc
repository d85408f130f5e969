// `signet sign --push` (see sign_push.h). No command of its own: cmd_sign.cc calls it.
#include <cstdio>

#include "signet/core/file.h"
#include "signet/ops/commands.h"
#include "signet/ops/exit_codes.h"
#include "signet/registry/evidence.h"
#include "signet/registry/push.h"
#include "signet/registry/registry.h"
#include "sign_push.h"

namespace signet::ops {

Status CheckPushFlags(const PushFlags& flags, const std::string& image) {
  if (!flags.push) {
    if (!flags.registry_config.empty() || !flags.registry_ca.empty()) {
      return InvalidArgument("--registry-config and --registry-ca are only for --push");
    }
    return OkStatus();
  }
  Result<registry::ImageLocation> location = registry::SplitImageReference(image);
  // A reference without a digest is `signet sign`'s to refuse (and log); nothing is pushed then.
  if (!location.ok() && location.error().code() != ErrorCode::kVerificationFailed) {
    return std::move(location).error().Prefix("--push");
  }
  return OkStatus();
}

Result<std::vector<std::string>> PushSignedOutputs(const PushFlags& flags, const std::string& image,
                                                   const std::string& out) {
  SIGNET_ASSIGN_OR_RETURN(registry::ImageLocation location, registry::SplitImageReference(image));
  auto read = [&](const char* name) { return ReadFile(out + "/" + name, 64 * 1024 * 1024); };
  SIGNET_ASSIGN_OR_RETURN(std::string payload, read("simplesigning.json"));
  SIGNET_ASSIGN_OR_RETURN(std::string signature, read("simplesigning.sig"));
  SIGNET_ASSIGN_OR_RETURN(std::string bundle, read("image.sigstore.json"));
  SIGNET_ASSIGN_OR_RETURN(std::string vsa, read("vsa.sigstore.json"));
  while (!signature.empty() && (signature.back() == '\n' || signature.back() == '\r')) signature.pop_back();

  registry::RegistryOptions options;
  options.registry_config = flags.registry_config;
  options.registry_ca = flags.registry_ca;
  SIGNET_ASSIGN_OR_RETURN(std::unique_ptr<registry::Registry> reg, registry::Registry::Open(location.host, options));
  // The subject descriptor comes from the registry's (digest-checked) manifest: an index for a
  // multi-arch image, which is signed at the index digest.
  SIGNET_ASSIGN_OR_RETURN(registry::Manifest subject_manifest, reg->GetManifest(location.repository, location.digest));
  registry::Descriptor subject;
  subject.media_type = subject_manifest.media_type;
  subject.digest = subject_manifest.digest;
  subject.size = static_cast<int64_t>(subject_manifest.bytes.size());

  std::vector<std::string> done;
  const std::string repo = location.host + "/" + location.repository;
  SIGNET_ASSIGN_OR_RETURN(std::string sig_tag, registry::CosignTag(location.digest, "sig"));
  SIGNET_ASSIGN_OR_RETURN(std::string sig,
                          registry::PushCosignSignature(*reg, location.repository, location.digest, payload, signature));
  done.push_back("signature " + repo + ":" + sig_tag + " (" + sig + ")");
  struct Referrer {
    const char* what;
    std::string* bytes;
    const char* predicate_type;
  };
  for (const Referrer& r : {Referrer{"bundle", &bundle, "https://sigstore.dev/cosign/sign/v1"},
                            Referrer{"vsa", &vsa, "https://slsa.dev/verification_summary/v1"}}) {
    registry::ReferrerArtifact artifact;
    artifact.artifact_type = std::string(registry::kSigstoreBundleType);
    artifact.media_type = std::string(registry::kSigstoreBundleType);
    artifact.bytes = *r.bytes;
    artifact.annotations = {{std::string(registry::kBundleContentAnnotation), "dsse-envelope"},
                            {std::string(registry::kBundlePredicateTypeAnnotation), r.predicate_type}};
    SIGNET_ASSIGN_OR_RETURN(std::string digest, registry::PushReferrer(*reg, location.repository, subject, artifact));
    done.push_back(std::string(r.what) + " referrer " + repo + "@" + digest);
  }
  return done;
}

int ReportPushResult(const Result<std::vector<std::string>>& pushed, const std::string& out) {
  if (!pushed.ok()) {
    std::fprintf(stderr, "signet: push failed: %s\nsignet: the image IS signed (the audit log holds the entry) and "
                 "the signed outputs are in %s; nothing was rolled back\n",
                 pushed.error().ToString().c_str(), out.c_str());
    return kExitInternal;
  }
  for (const auto& line : *pushed) std::fprintf(stderr, "signet: pushed %s\n", line.c_str());
  return kExitOk;
}

}  // namespace signet::ops

namespace signet::ops {

int SignThenPush(const PushFlags& flags, const std::string& image, const std::string& out,
                 const std::function<int()>& sign) {
  if (Status st = CheckPushFlags(flags, image); !st.ok()) return ReportError(st.error());
  int rc = sign();
  if (rc != kExitOk || !flags.push) return rc;
  return ReportPushResult(PushSignedOutputs(flags, image, out), out);
}

}  // namespace signet::ops
