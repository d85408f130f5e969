// `signet verify-bundle`: offline Sigstore bundle verification speaking the sigstore-conformance
// CLI protocol exactly (../shared/conformance/README.md, the suite's docs/cli_protocol.md).
#include <sys/stat.h>

#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include "signet/attestation/bundle.h"
#include "signet/attestation/findings.h"
#include "signet/attestation/trusted_root.h"
#include "signet/attestation/verifier.h"
#include "signet/core/file.h"
#include "signet/core/hash.h"
#include "signet/core/json.h"
#include "signet/ops/commands.h"
#include "signet/ops/exit_codes.h"

namespace signet::ops {
namespace {

constexpr const char kHelp[] = R"(Verify a Sigstore bundle offline against a pinned trusted root.

Protocol (sigstore-conformance CLI protocol; arguments always in this order):
  signet verify-bundle --bundle FILE --certificate-identity IDENTITY
                       --certificate-oidc-issuer URL [--trusted-root FILE] FILE_OR_DIGEST
  signet verify-bundle --bundle FILE --key PATH_TO_KEY [--trusted-root FILE] FILE_OR_DIGEST

FILE_OR_DIGEST is the signed artifact's path, or, when no such file exists,
"sha256:<64 lowercase hex>" (message signatures are then verified from the digest alone;
for a DSSE bundle the digest must be a subject of its in-toto statement).
Keyless bundles: the certificate must chain to a trusted-root Fulcio CA at the verified
signing time (Rekor SET or RFC 3161 timestamp), carry a valid SCT, and name exactly the
given SAN (IDENTITY) and OIDC issuer (URL). --key bundles: the PEM public key is the only
trusted key; the bundle's key hint is ignored. --trusted-root is required: nothing is
fetched from the network.

Exit status: 0 verified; 1 refused (the finding code is printed, e.g. SIGNATURE_INVALID,
CERT_CHAIN_INVALID, TLOG_BODY_MISMATCH, INCLUSION_PROOF_INVALID, IDENTITY_MISMATCH);
2 unusable input (unreadable or malformed bundle, key, trusted root or arguments).
--json prints the verified identity record and the checks performed (or the refusal).)";

struct Args {
  std::string bundle;
  std::string identity;
  std::string issuer;
  std::string key;
  std::string trusted_root;
  std::string input;
  bool json = false;
};

bool IsRegularFile(const std::string& path) {
  struct stat st{};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

Result<attestation::Artifact> LoadArtifact(const std::string& input) {
  // The protocol: a path when such a file exists, else a sha256: digest.
  if (IsRegularFile(input)) {
    constexpr size_t kInMemoryLimit = 256 * 1024 * 1024;
    struct stat st{};
    if (::stat(input.c_str(), &st) == 0 && static_cast<size_t>(st.st_size) <= kInMemoryLimit) {
      SIGNET_ASSIGN_OR_RETURN(std::string data, ReadFile(input, kInMemoryLimit));
      return attestation::Artifact::FromBytes(ToBytes(data));
    }
    attestation::Artifact a;
    SIGNET_ASSIGN_OR_RETURN(a.sha256, HashFile(HashAlgorithm::kSha256, input));
    return a;
  }
  if (input.rfind("sha256:", 0) == 0) return attestation::Artifact::FromDigestString(input);
  return NotFound("artifact is neither a file nor a sha256:<hex> digest");
}

Result<attestation::VerifiedBundle> Verify(const Args& args) {
  if (args.trusted_root.empty()) {
    return InvalidArgument("--trusted-root is required (verification is offline)");
  }
  attestation::VerificationPolicy policy;
  if (!args.key.empty()) {
    if (!args.identity.empty() || !args.issuer.empty()) {
      return InvalidArgument("--key excludes --certificate-identity/--certificate-oidc-issuer");
    }
    SIGNET_ASSIGN_OR_RETURN(std::string pem, ReadFile(args.key, 1024 * 1024));
    auto key = attestation::PublicKey::FromPem(pem);
    if (!key.ok()) return std::move(key).error().Prefix("--key");
    policy.key = std::move(key).value();
  } else {
    if (args.identity.empty() || args.issuer.empty()) {
      return InvalidArgument("need --key, or both --certificate-identity and --certificate-oidc-issuer");
    }
    policy.identity = attestation::CertificateIdentity{args.identity, args.issuer};
  }
  SIGNET_ASSIGN_OR_RETURN(std::string root_json, ReadFile(args.trusted_root, attestation::kMaxTrustedRootBytes));
  SIGNET_ASSIGN_OR_RETURN(attestation::TrustedRoot root, attestation::TrustedRoot::Parse(root_json));
  SIGNET_ASSIGN_OR_RETURN(std::string bundle_json, ReadFile(args.bundle, attestation::kMaxBundleBytes));
  SIGNET_ASSIGN_OR_RETURN(attestation::Bundle bundle, attestation::ParseBundle(bundle_json));
  SIGNET_ASSIGN_OR_RETURN(attestation::Artifact artifact, LoadArtifact(args.input));
  SystemClock clock;
  return attestation::VerifyBundle(bundle, root, policy, artifact, clock);
}

int Run(const Args& args) {
  auto result = Verify(args);
  if (!result.ok()) {
    if (args.json) {
      JsonValue out = JsonValue::MakeObject();
      out.Set("verified", JsonValue::Bool(false));
      out.Set("code", JsonValue::String(std::string(ErrorCodeName(result.error().code()))));
      if (!result.error().finding().empty()) {
        out.Set("finding", JsonValue::String(result.error().finding()));
      }
      out.Set("message", JsonValue::String(result.error().message()));
      std::printf("%s\n", WriteJson(out, 2).c_str());
    }
    return ReportError(result.error());
  }
  if (args.json) {
    std::printf("%s\n", WriteJson(result->ToJson(), 2).c_str());
  } else if (result->identity()) {
    std::printf("verified: %s (issuer %s)\n", result->identity()->san.c_str(),
                result->identity()->issuer.c_str());
  } else {
    std::printf("verified: pinned key\n");
  }
  return kExitOk;
}

}  // namespace

void RegisterVerifyBundleCommand(Cli& cli) {
  auto args = std::make_shared<Args>();
  auto* cmd = cli.app.add_subcommand("verify-bundle", "Verify a Sigstore bundle offline (sigstore-conformance protocol)");
  cmd->footer(kHelp);
  cmd->add_option("--bundle", args->bundle, "Sigstore bundle (JSON)")->required();
  cmd->add_option("--certificate-identity", args->identity, "Expected certificate SAN, compared exactly");
  cmd->add_option("--certificate-oidc-issuer", args->issuer, "Expected OIDC issuer, compared exactly");
  cmd->add_option("--key", args->key, "PEM public key (managed-key bundles)");
  cmd->add_option("--trusted-root", args->trusted_root, "Sigstore trusted_root.json (required)");
  cmd->add_flag("--json", args->json, "Print the verified identity record and checks as JSON");
  cmd->add_option("FILE_OR_DIGEST", args->input, "Artifact path, or sha256:<hex> when no such file exists")
      ->required();
  cmd->callback([&cli, args] {
    cli.action = [args] { return Run(*args); };
  });
}

}  // namespace signet::ops
