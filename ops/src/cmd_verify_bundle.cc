// `signet verify-bundle`: offline Sigstore bundle verification speaking the sigstore-conformance
// CLI protocol exactly (../shared/conformance/README.md, the suite's docs/cli_protocol.md).
#include <sys/stat.h>

#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "signet/attestation/bundle.h"
#include "signet/core/findings.h"
#include "signet/core/public_key.h"
#include "signet/attestation/trusted_root.h"
#include "keyring_wiring.h"
#include "signet/attestation/verifier.h"
#include "signet/core/encoding.h"
#include "signet/core/file.h"
#include "signet/core/hash.h"
#include "signet/core/json.h"
#include "signet/core/ossl.h"
#include "signet/ops/commands.h"
#include "signet/ops/exit_codes.h"

namespace signet::ops {
namespace {

constexpr const char kHelp[] = R"(Verify a Sigstore bundle offline against a pinned trusted root.

Protocol (sigstore-conformance CLI protocol; arguments always in this order):
  signet verify-bundle --bundle FILE --certificate-identity IDENTITY
                       --certificate-oidc-issuer URL [--trusted-root FILE] FILE_OR_DIGEST
  signet verify-bundle --bundle FILE --key PATH_TO_KEY [--trusted-root FILE] FILE_OR_DIGEST
  signet verify-bundle --bundle FILE --keyring KEYRING [--revocations FILE] [--trusted-root FILE] FILE_OR_DIGEST

FILE_OR_DIGEST is the signed artifact's path, or, when no such file exists,
"sha256:<64 lowercase hex>" (message signatures are then verified from the digest alone;
for a DSSE bundle the digest must be a subject of its in-toto statement).
Keyless bundles: the certificate must chain to a trusted-root Fulcio CA at the verified
signing time (Rekor SET or RFC 3161 timestamp), carry a valid SCT, and name exactly the
given SAN (IDENTITY) and OIDC issuer (URL). --key bundles: the PEM public key is the only
trusted key; the bundle's key hint is ignored. --keyring bundles: a release key version of a
quorum-verified keyring (see "Keyrings and custodians" in the README) that verifies the bundle and
was valid at every verified signing time (KEY_OUTSIDE_VALIDITY, KEY_REVOKED; with --revocations a
list past next_update is REVOCATION_LIST_STALE). --trusted-root is required: nothing is
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
  std::string keyring;
  std::string revocations;
  std::string trusted_root;
  std::string input;
  bool json = false;
};

bool Exists(const std::string& path) {
  struct stat st{};
  return ::lstat(path.c_str(), &st) == 0;
}

// NeedsArtifactBytes says whether verification needs the artifact's bytes rather than its
// SHA-256: only a message signature whose key signs the whole message (Ed25519) or hashes with
// something other than SHA-256, or whose digest hint is not SHA-256. Everything else (every DSSE
// bundle, ECDSA P-256 and RSA-SHA256 message signatures) is verified from a streamed digest.
bool NeedsArtifactBytes(const attestation::Bundle& bundle, const attestation::VerificationPolicy& policy) {
  if (!bundle.message_signature) return false;
  if (bundle.message_signature->digest && bundle.message_signature->digest->algorithm != HashAlgorithm::kSha256) {
    return true;
  }
  std::optional<PublicKey> key = policy.key;
  if (!key && !bundle.certificates.empty()) {
    if (auto cert = ossl::ParseCertificateDer(bundle.certificates.front()); cert.ok()) {
      if (auto k = PublicKey::FromCertificate(cert->get()); k.ok()) key = std::move(*k);
    }
  }
  if (!key) return false;  // verification fails later on its own terms
  return key->algorithm() == SignatureAlgorithm::kEd25519 || key->hash() != HashAlgorithm::kSha256;
}

// LoadArtifact follows the protocol: FILE_OR_DIGEST is a path when something exists there,
// else a sha256: digest. A path must be a regular file (a FIFO, device or directory is exit 2,
// at once). Its SHA-256 is streamed in fixed-size chunks, so an artifact of any size is
// verified in constant memory; the bytes are read whole only when NeedsArtifactBytes, and then
// under kInMemoryLimit.
Result<attestation::Artifact> LoadArtifact(const std::string& input, bool needs_bytes) {
  if (Exists(input)) {
    if (needs_bytes) {
      constexpr size_t kInMemoryLimit = 256 * 1024 * 1024;
      auto data = ReadFile(input, kInMemoryLimit);
      if (!data.ok()) return std::move(data).error().Prefix("artifact");
      return attestation::Artifact::FromBytes(ToBytes(*data));
    }
    attestation::Artifact a;
    auto digest = Sha256File(input);
    if (!digest.ok()) return std::move(digest).error().Prefix("artifact");
    a.sha256 = std::move(*digest);
    return a;
  }
  if (input.rfind("sha256:", 0) == 0) return attestation::Artifact::FromDigestString(input);
  return NotFound("artifact is neither a file nor a sha256:<hex> digest");
}

// NotCanonicalButDecodable reports whether `text` is base64 that a lenient decoder would accept
// (one alphabet, a valid length, padding that may be missing, non-zero leftover bits) although
// the bundle parser's strict decoder refuses it: standard alphabet with padding for a
// messageSignature, either alphabet with optional padding for a DSSE sig (`dsse`). Line breaks
// are skipped, as the bundle parser skips them.
bool NotCanonicalButDecodable(std::string_view text, bool dsse) {
  std::string body;
  for (char c : text) {
    if (c != '\n' && c != '\r') body.push_back(c);
  }
  const bool strict_ok = dsse ? Base64DecodeStdOrUrl(body).ok() : Base64Decode(body).ok();
  if (strict_ok) return false;  // canonical: nothing to say here
  size_t pad = 0;
  while (!body.empty() && body.back() == '=' && pad < 3) {
    body.pop_back();
    ++pad;
  }
  if (body.empty() || pad > 2 || body.size() % 4 == 1) return false;
  const bool url = body.find_first_of("-_") != std::string::npos;
  const bool std_alphabet = body.find_first_of("+/") != std::string::npos;
  if (url && std_alphabet) return false;
  for (char c : body) {
    const bool alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!alnum && c != '+' && c != '/' && c != '-' && c != '_') return false;
  }
  return true;
}

// CheckSignatureEncodings: a signature whose base64 is not canonical (non-zero leftover bits:
// a second spelling of some byte string) is a signature that does not verify, exit 1 with
// SIGNATURE_INVALID, not an unusable bundle (exit 2). Accepting it would make signatures
// malleable; calling it malformed would report a forgery attempt as a usage error. Anything that
// is not base64 at all is left to ParseBundle (malformed, exit 2).
Status CheckSignatureEncodings(std::string_view bundle_json) {
  auto doc = ParseJson(bundle_json);
  if (!doc.ok() || !doc->is_object()) return OkStatus();
  std::vector<std::pair<const JsonValue*, bool>> sigs;  // (value, is a DSSE sig)
  if (const JsonValue* ms = doc->Find("messageSignature"); ms != nullptr) sigs.emplace_back(ms->Find("signature"), false);
  if (const JsonValue* env = doc->Find("dsseEnvelope"); env != nullptr) {
    if (const JsonValue* list = env->Find("signatures"); list != nullptr && list->is_array()) {
      for (const JsonValue& s : list->array()) sigs.emplace_back(s.Find("sig"), true);
    }
  }
  for (const auto& [sig, dsse] : sigs) {
    if (sig != nullptr && sig->is_string() && NotCanonicalButDecodable(sig->string_value(), dsse)) {
      return VerificationFailed(findings::kSignatureInvalid,
                                "signature is not canonical base64 and does not verify");
    }
  }
  return OkStatus();
}

// VerifyWithKeyring verifies the bundle under each release key of the keyring (keyring order) and
// accepts the first that verifies only if that key version was valid at every verified signing
// time of the bundle (a bundle always has at least one: VerifyBundle step 4). With no key
// verifying, the refusal under the first key is returned.
Result<attestation::VerifiedBundle> VerifyWithKeyring(const Args& args) {
  SystemClock clock;
  SIGNET_ASSIGN_OR_RETURN(custody::Keyring keyring, LoadVerifiedKeyring(args.keyring, args.revocations, clock.Now()));
  std::vector<PublicKey> keys = custody::KeyringPublicKeys(keyring, "release");
  if (keys.empty()) return VerificationFailed(findings::kKeyringKeyUnknown, "the keyring has no release key");
  SIGNET_ASSIGN_OR_RETURN(std::string root_json, ReadFile(args.trusted_root, attestation::kMaxTrustedRootBytes));
  SIGNET_ASSIGN_OR_RETURN(attestation::TrustedRoot root, attestation::TrustedRoot::Parse(root_json));
  SIGNET_ASSIGN_OR_RETURN(std::string bundle_json, ReadFile(args.bundle, attestation::kMaxBundleBytes));
  SIGNET_RETURN_IF_ERROR(CheckSignatureEncodings(bundle_json));
  SIGNET_ASSIGN_OR_RETURN(attestation::Bundle bundle, attestation::ParseBundle(bundle_json));
  std::optional<Error> first;
  for (const PublicKey& key : keys) {
    attestation::VerificationPolicy policy;
    policy.key = key;
    SIGNET_ASSIGN_OR_RETURN(attestation::Artifact artifact, LoadArtifact(args.input, NeedsArtifactBytes(bundle, policy)));
    auto verified = attestation::VerifyBundle(bundle, root, policy, artifact, clock);
    if (!verified.ok()) {
      if (!first) first = verified.error();
      continue;
    }
    std::vector<Timestamp> times;
    for (const auto& t : verified->times()) times.push_back(t.time);
    SIGNET_RETURN_IF_ERROR(CheckKeyringTimes(keyring, key, "release", times, clock.Now()));
    return verified;
  }
  return *first;
}

Result<attestation::VerifiedBundle> Verify(const Args& args) {
  if (args.trusted_root.empty()) {
    return InvalidArgument("--trusted-root is required (verification is offline)");
  }
  attestation::VerificationPolicy policy;
  if (!args.keyring.empty()) {
    if (!args.key.empty() || !args.identity.empty() || !args.issuer.empty()) {
      return InvalidArgument("--keyring excludes --key and --certificate-identity/--certificate-oidc-issuer");
    }
    return VerifyWithKeyring(args);
  }
  if (!args.revocations.empty()) return InvalidArgument("--revocations needs --keyring");
  if (!args.key.empty()) {
    if (!args.identity.empty() || !args.issuer.empty()) {
      return InvalidArgument("--key excludes --certificate-identity/--certificate-oidc-issuer");
    }
    SIGNET_ASSIGN_OR_RETURN(std::string pem, ReadFile(args.key, 1024 * 1024));
    auto key = PublicKey::FromPem(pem);
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
  SIGNET_RETURN_IF_ERROR(CheckSignatureEncodings(bundle_json));
  SIGNET_ASSIGN_OR_RETURN(attestation::Bundle bundle, attestation::ParseBundle(bundle_json));
  SIGNET_ASSIGN_OR_RETURN(attestation::Artifact artifact, LoadArtifact(args.input, NeedsArtifactBytes(bundle, policy)));
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
  cmd->add_option("--keyring", args->keyring,
                  "keyring.json in place of --key: a release key version valid at the bundle's verified time");
  cmd->add_option("--revocations", args->revocations, "revocations.json signed by the keyring's custodians (with --keyring)");
  cmd->add_option("--trusted-root", args->trusted_root, "Sigstore trusted_root.json (required)");
  cmd->add_flag("--json", args->json, "Print the verified identity record and checks as JSON");
  cmd->add_option("FILE_OR_DIGEST", args->input, "Artifact path, or sha256:<hex> when no such file exists")
      ->required();
  cmd->callback([&cli, args] {
    cli.action = [args] { return Run(*args); };
  });
}

}  // namespace signet::ops
