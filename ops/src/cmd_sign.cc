// `signet sign` (provenance-gated signing) and `signet verify-image` (self-check of its outputs).
// A shell over signer::SigningService: flags, the audit log's path, printing and exit codes.
#include <unistd.h>

#include <cstdio>
#include <optional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "signet/attestation/bundle.h"
#include "signet/attestation/trusted_root.h"
#include "signet/attestation/verifier.h"
#include "signet/core/findings.h"
#include "signet/core/public_key.h"
#include "signet/core/file.h"
#include "signet/core/json.h"
#include "signet/core/time.h"
#include "signet/ops/backends.h"
#include "signet/ops/commands.h"
#include "signet/ops/exit_codes.h"
#include "signet/signer/audit_log.h"
#include "signet/policy/image_verify.h"
#include "signet/signer/signing.h"
#include "signet/signer/signing_service.h"
#include "signet/service/client.h"
#include "sign_client.h"
#include "sign_push.h"
#include "keyring_wiring.h"
#include "state_dir.h"
#include "tsa_wiring.h"
#include "version.h"
#include "wiring.h"

namespace signet::ops {
namespace {

struct SignFlags {
  std::string key;
  KeyBackendFlags backend;
  std::string policy;
  std::string image;
  std::vector<std::string> provenance;
  std::vector<std::string> attestations;
  std::vector<std::string> annotations;
  std::string out;
  std::string audit_log;
  std::string state_dir;  // the transparency log of `signet log init` (replaces --audit-log)
  // --signerd: the pipeline client (the key, PIN, policy and audit log are the server's).
  std::string signerd;
  std::string cacert;
  std::string client_cert;
  std::string client_key;
  PushFlags push;  // --push, --registry-config, --registry-ca (sign_push.h)
};

Result<std::map<std::string, std::string>> ParseAnnotations(const std::vector<std::string>& kvs) {
  std::map<std::string, std::string> out;
  for (const auto& kv : kvs) {
    auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) return InvalidArgument("--annotation must be KEY=VALUE");
    if (!out.emplace(kv.substr(0, eq), kv.substr(eq + 1)).second) {
      return InvalidArgument("--annotation " + kv.substr(0, eq) + " given twice");
    }
  }
  return out;
}

// OpenAuditLog opens --audit-log, or the default path when the flag is empty, and says on
// stderr what it cut when the log ended in a torn entry.
Result<std::unique_ptr<signer::AuditLog>> OpenAuditLog(const std::string& flag, std::string* path) {
  *path = flag;
  if (path->empty()) {
    SIGNET_ASSIGN_OR_RETURN(*path, DefaultAuditLogPath());
  }
  SIGNET_ASSIGN_OR_RETURN(std::unique_ptr<signer::AuditLog> log, signer::AuditLog::Open(*path));
  if (const std::string& torn = log->torn_tail(); !torn.empty()) {
    // The cut bytes are the start of an entry: digests and identifiers, never a secret.
    std::string shown;
    for (char c : torn.substr(0, 120)) shown += (c >= 0x20 && c < 0x7f) ? c : '?';
    std::fprintf(stderr,
                 "signet: audit log %s: cut a torn final entry (%zu bytes, written by a run that was killed and "
                 "never acknowledged, so nothing was released for it): %s%s\n",
                 path->c_str(), torn.size(), shown.c_str(), torn.size() > 120 ? "..." : "");
  }
  return log;
}

// PrintRefusedReference prints the refusal of a reference without a digest (a tag), which the
// service has logged, in the shape `signet sign` has always printed it.
int PrintRefusedReference(const signer::RequestedImage& image) {
  const Error& refusal = *image.refusal;
  JsonValue d;
  d.Set("allowed", JsonValue::Bool(false))
      .Set("subject", JsonValue::String(image.as_given))
      .Set("findings", JsonValue::MakeArray({JsonValue::MakeObject(
                           {{"code", JsonValue::String(refusal.finding())},
                            {"message", JsonValue::String(refusal.message())},
                            {"input", JsonValue::String("--image")}})}));
  std::printf("%s\n", WriteJson(d, 2).c_str());
  return kExitDenied;
}

// CheckSignMode refuses flags of the other mode: local signing needs --key and --policy and
// takes no TLS flags; with --signerd the key, PIN, policy and audit log belong to the server.
Status CheckSignMode(const SignFlags& f) {
  if (f.signerd.empty()) {
    if (!f.cacert.empty() || !f.client_cert.empty() || !f.client_key.empty()) {
      return InvalidArgument("--cacert, --client-cert and --client-key are only for --signerd");
    }
    if (f.key.empty()) return InvalidArgument("--key is required (or --signerd URL)");
    if (f.policy.empty()) return InvalidArgument("--policy is required (or --signerd URL)");
    if (!f.state_dir.empty() && !f.audit_log.empty()) {
      return InvalidArgument("--state-dir and --audit-log are exclusive: --state-dir logs into DIR/log/, the "
                             "transparency log; --audit-log into a hash-chained file");
    }
    return OkStatus();
  }
  std::vector<std::string> local;
  if (!f.key.empty()) local.push_back("--key");
  if (!f.backend.module.empty()) local.push_back("--module");
  if (!f.backend.pin_env.empty()) local.push_back("--pin-env");
  if (!f.policy.empty()) local.push_back("--policy");
  if (!f.audit_log.empty()) local.push_back("--audit-log");
  if (!f.state_dir.empty()) local.push_back("--state-dir");
  if (!local.empty()) {
    std::string names;
    for (const auto& n : local) names += (names.empty() ? "" : ", ") + n;
    return InvalidArgument(names + " cannot be used with --signerd: signerd holds the key and PIN and applies its "
                                   "own policy and audit log");
  }
  if (f.cacert.empty()) return InvalidArgument("--signerd needs --cacert (the CA that signed signerd's certificate)");
  if (f.client_cert.empty() != f.client_key.empty()) {
    return InvalidArgument("--client-cert and --client-key go together");
  }
  return OkStatus();
}

// RunRemoteSign is `signet sign --signerd`: the same input checks as local signing, one POST
// /v1/sign, and the same printing, files and exit codes.
int RunRemoteSign(const SignFlags& f) {
  auto image = signer::ParseRequestedImage(f.image);
  if (!image.ok()) return ReportError(image.error());
  auto annotations = ParseAnnotations(f.annotations);
  if (!annotations.ok()) return ReportError(annotations.error());
  if (auto st = signer::CheckOutputDir(f.out); !st.ok()) return ReportError(st.error());
  auto provenance = ReadEvidenceFiles(f.provenance);
  if (!provenance.ok()) return ReportError(provenance.error());
  auto attestations = ReadEvidenceFiles(f.attestations);
  if (!attestations.ok()) return ReportError(attestations.error());
  auto url = service::ParseHttpsUrl(f.signerd);
  if (!url.ok()) return ReportError(std::move(url).error().Prefix("--signerd"));

  service::ClientOptions options;
  options.ca_file = f.cacert;
  options.client_certificate = f.client_cert;
  options.client_key = f.client_key;
  options.user_agent = std::string("signet/") + kSignetVersion;
  auto client = service::HttpsClient::Create(std::move(*url), std::move(options));
  if (!client.ok()) return ReportError(client.error());
  const std::string body = BuildSignerdRequest(f.image, *provenance, *attestations, *annotations);
  auto response = (*client)->PostJson(kSignerdSignPath, body);
  if (!response.ok()) return ReportError(std::move(response).error().Prefix("signerd"));
  (*client)->Close();

  const std::string digest = image->ref ? image->ref->digest() : std::string();
  SignerdReply reply =
      InterpretSignerdResponse(response->status, response->body, response->Header("retry-after"), digest);
  if (!reply.decision) {
    std::fprintf(stderr, "signet: %s\n", reply.message.c_str());
    if (!reply.retry_after.empty()) std::fprintf(stderr, "signet: retry after %s s\n", reply.retry_after.c_str());
    return reply.exit_code;
  }
  std::printf("%s\n", WriteJson(*reply.decision, 2).c_str());
  if (reply.exit_code != kExitOk) return reply.exit_code;
  std::vector<std::string> written;
  if (auto st = WriteSignerdOutputs(f.out, reply, &written); !st.ok()) {
    return ReportError(std::move(st).error().Prefix("signed by signerd (audit entry " +
                                                    std::to_string(*reply.audit_seq) + ") but not written"));
  }
  for (const auto& w : written) std::fprintf(stderr, "signet: wrote %s\n", w.c_str());
  std::fprintf(stderr, "signet: audit entry %llu (%s) in signerd's audit log\n",
               static_cast<unsigned long long>(*reply.audit_seq), reply.audit_hash.c_str());
  return kExitOk;
}

int RunSign(Backends& backends, const SignFlags& f) {
  if (auto st = CheckSignMode(f); !st.ok()) return ReportError(st.error());
  if (!f.signerd.empty()) return RunRemoteSign(f);
  // Everything that can be checked before a decision is checked first, so bad input costs no
  // audit entry and leaves nothing behind. Signing happens now: there is no --at.
  auto image = signer::ParseRequestedImage(f.image);
  if (!image.ok()) return ReportError(image.error());
  auto annotations = ParseAnnotations(f.annotations);
  if (!annotations.ok()) return ReportError(annotations.error());
  if (auto st = signer::CheckOutputDir(f.out); !st.ok()) return ReportError(st.error());
  auto provenance = ReadEvidenceFiles(f.provenance);
  if (!provenance.ok()) return ReportError(provenance.error());
  auto attestations = ReadEvidenceFiles(f.attestations);
  if (!attestations.ok()) return ReportError(attestations.error());
  auto gate = LoadGate(f.policy);
  if (!gate.ok()) return ReportError(gate.error());

  signer::SigningServiceOptions options;
  options.verifier_id = std::string("https://signet.dev/appliance@") + kSignetVersion + "+" + kSignetGitCommit;
  // With --state-dir and a TSA there (log init --tsa-key), every bundle's signature is stamped
  // (RFC 3161); a stamp that fails fails the signing, logged as failed, nothing released.
  std::unique_ptr<tsa::TimestampAuthority> authority;
  if (!f.state_dir.empty()) {
    auto appliance = translog::ReadApplianceConfig(f.state_dir);
    if (!appliance.ok()) return ReportError(std::move(appliance).error().Prefix("--state-dir"));
    if (appliance->tsa_key_uri.empty()) {
      std::fprintf(stderr, "signet: %s has no TSA (signet log init --tsa-key): the bundles carry no timestamp\n",
                   f.state_dir.c_str());
    } else {
      auto opened = OpenStateDirTsa(backends, f.state_dir, "", f.backend);
      if (!opened.ok()) return ReportError(std::move(opened).error().Prefix("--state-dir TSA"));
      authority = std::move(*opened);
      options.timestamp = [tsa = authority.get()](ByteView signature) { return tsa->StampData(signature); };
    }
  }
  const signer::SigningService service(*gate, std::move(options));
  signer::ServiceSignRequest request;
  request.image = std::move(*image);
  request.provenance = std::move(*provenance);
  request.attestations = std::move(*attestations);
  request.annotations = std::move(*annotations);
  request.out_dir = f.out;
  request.policy_uri = f.policy;
  // Annotations listed by the policy, the VSA wiring, CheckSignRequest (exit 2, nothing logged).
  auto prepared = service.Prepare(std::move(request));
  if (!prepared.ok()) return ReportError(prepared.error());

  auto key = OpenSigningKey(backends, f.key, f.backend);
  if (!key.ok()) return ReportError(key.error());
  // The log: the state directory's transparency log, or the hash-chained audit file.
  std::string log_path;
  OpenedStateLog state_log;
  std::unique_ptr<signer::AuditLog> audit_log;
  signer::AuditAppender* log = nullptr;
  if (!f.state_dir.empty()) {
    auto opened = OpenStateLog(backends, f.state_dir, f.backend);
    if (!opened.ok()) return ReportError(opened.error());
    state_log = std::move(*opened);
    log = state_log.log.get();
    log_path = f.state_dir + "/log";
  } else {
    auto opened = OpenAuditLog(f.audit_log, &log_path);
    if (!opened.ok()) return ReportError(opened.error());
    audit_log = std::move(*opened);
    log = audit_log.get();
  }

  SystemClock clock;
  auto outcome = service.Sign(*prepared, *key->key, *log, clock);
  if (!outcome.ok()) return ReportError(outcome.error());
  if (prepared->image().refusal) return PrintRefusedReference(prepared->image());
  std::printf("%s\n", WriteJson(outcome->decision.ToJson(), 2).c_str());
  if (!outcome->decision.allowed) return kExitDenied;
  for (const auto& w : outcome->written) std::fprintf(stderr, "signet: wrote %s\n", w.c_str());
  std::fprintf(stderr, "signet: audit entry %llu in %s\n", static_cast<unsigned long long>(outcome->audit_entry.seq),
               log_path.c_str());
  for (const auto& rs : outcome->signatures) {
    if (!rs.logged) continue;
    std::fprintf(stderr, "signet: %s: %s entry %llu, covered by the checkpoint of size %llu\n", rs.output.c_str(),
                 rs.logged->kind.c_str(), static_cast<unsigned long long>(rs.logged->index),
                 static_cast<unsigned long long>(rs.logged->tree_size));
  }
  return kExitOk;
}

struct VerifyImageFlags {
  std::string key;
  std::string keyring;
  std::string revocations;
  std::string trusted_root;
  std::string image;
  std::string dir;
  bool json = false;
};

// KeyringChoice is the keyring key version whose signatures verified, and its trusted times.
struct KeyringChoice {
  PublicKey key;
  std::vector<Timestamp> times;
};

// PickKeyringKey tries every release key of the keyring (keyring order) and keeps the first under
// which every signature format found verifies; its trusted times come from image.sigstore.json
// verified against --trusted-root (log entries, RFC 3161 timestamps) when one is given. No key
// verifying is the refusal of the first key tried (or KEYRING_KEY_UNKNOWN with no release key).
Result<KeyringChoice> PickKeyringKey(const VerifyImageFlags& f, const policy::ImageRef& image,
                                     const custody::Keyring& keyring, std::vector<policy::ImageCheck>& checks) {
  std::vector<PublicKey> keys = custody::KeyringPublicKeys(keyring, "release");
  if (keys.empty()) return VerificationFailed(findings::kKeyringKeyUnknown, "the keyring has no release key");
  std::optional<std::vector<policy::ImageCheck>> first;
  for (const PublicKey& key : keys) {
    SIGNET_ASSIGN_OR_RETURN(std::vector<policy::ImageCheck> got, policy::VerifyImageSignatures(image, key, f.dir));
    bool all = true;
    for (const auto& c : got) all = all && c.ok;
    if (!all) {
      if (!first) first = std::move(got);
      continue;
    }
    checks = std::move(got);
    KeyringChoice choice{key, {}};
    const std::string bundle_path = f.dir + "/image.sigstore.json";
    if (!f.trusted_root.empty() && ::access(bundle_path.c_str(), F_OK) == 0) {
      SIGNET_ASSIGN_OR_RETURN(std::string root_json, ReadFile(f.trusted_root, attestation::kMaxTrustedRootBytes));
      SIGNET_ASSIGN_OR_RETURN(attestation::TrustedRoot root, attestation::TrustedRoot::Parse(root_json));
      SIGNET_ASSIGN_OR_RETURN(std::string bundle_json, ReadFile(bundle_path, attestation::kMaxBundleBytes));
      SIGNET_ASSIGN_OR_RETURN(attestation::Bundle bundle, attestation::ParseBundle(bundle_json));
      SIGNET_ASSIGN_OR_RETURN(attestation::Artifact artifact, attestation::Artifact::FromDigestString(image.digest()));
      attestation::VerificationPolicy vp;
      vp.key = key;
      SystemClock clock;
      SIGNET_ASSIGN_OR_RETURN(attestation::VerifiedBundle verified,
                              attestation::VerifyBundle(bundle, root, vp, artifact, clock));
      for (const auto& t : verified.times()) choice.times.push_back(t.time);
    }
    return choice;
  }
  checks = std::move(*first);
  return VerificationFailed(findings::kSignatureInvalid, "no release key of the keyring verifies the signatures");
}

int RunVerifyImage(const VerifyImageFlags& f) {
  if (f.key.empty() == f.keyring.empty()) return ReportError(InvalidArgument("give exactly one of --key and --keyring"));
  if (f.keyring.empty() && (!f.revocations.empty() || !f.trusted_root.empty())) {
    return ReportError(InvalidArgument("--revocations and --trusted-root need --keyring"));
  }
  auto image = policy::ParseImageRef(f.image);
  if (!image.ok()) return ReportError(image.error());
  std::vector<policy::ImageCheck> checks;
  std::string keyring_verdict;
  if (!f.keyring.empty()) {
    SystemClock clock;
    const Timestamp now = clock.Now();
    auto keyring = LoadVerifiedKeyring(f.keyring, f.revocations, now);
    if (!keyring.ok()) return ReportError(keyring.error());
    auto choice = PickKeyringKey(f, *image, *keyring, checks);
    if (!choice.ok() && checks.empty()) return ReportError(choice.error());
    if (choice.ok()) {
      Status s = CheckKeyringTimes(*keyring, choice->key, "release", choice->times, now);
      if (!s.ok()) return ReportError(s.error());
      keyring_verdict = "keyring key " + custody::KeyId(choice->key) +
                        (choice->times.empty() ? " (active, no trusted time)" : " (trusted time inside its window)");
    }
  } else {
    auto pem = ReadFile(f.key, 1 << 20);
    if (!pem.ok()) return ReportError(pem.error());
    auto key = PublicKey::FromPem(*pem);
    if (!key.ok()) return ReportError(key.error());
    auto got = policy::VerifyImageSignatures(*image, *key, f.dir);
    if (!got.ok()) return ReportError(got.error());
    checks = std::move(*got);
  }
  bool ok = true;
  JsonValue arr = JsonValue::MakeArray();
  for (const auto& c : checks) {
    ok = ok && c.ok;
    JsonValue o;
    o.Set("format", JsonValue::String(c.format)).Set("file", JsonValue::String(c.file)).Set("ok", JsonValue::Bool(c.ok));
    if (!c.ok) o.Set("finding", JsonValue::String(c.finding)).Set("message", JsonValue::String(c.message));
    arr.Push(std::move(o));
    if (!f.json) {
      std::printf("%s %s (%s)%s%s\n", c.ok ? "OK  " : "FAIL", c.format.c_str(), c.file.c_str(),
                  c.ok ? "" : ": ", c.ok ? "" : (c.finding + " " + c.message).c_str());
    }
  }
  if (!keyring_verdict.empty() && !f.json) std::printf("OK   %s\n", keyring_verdict.c_str());
  if (f.json) {
    JsonValue out;
    out.Set("verified", JsonValue::Bool(ok)).Set("image", JsonValue::String(image->ToString())).Set("checks", std::move(arr));
    if (!keyring_verdict.empty()) out.Set("keyring", JsonValue::String(keyring_verdict));
    std::printf("%s\n", WriteJson(out, 2).c_str());
  }
  return ok ? kExitOk : kExitDenied;
}

}  // namespace

void RegisterSignCommands(Cli& cli, Backends& backends) {
  auto f = std::make_shared<SignFlags>();
  auto* sign = cli.app.add_subcommand(
      "sign",
      "Sign an image digest if, and only if, the provenance gate allows it.\n"
      "Runs the gate (as `signet gate`) now; on deny prints the decision, signs nothing, creates no\n"
      "--out and appends only the deny record to the audit log (exit 1). On allow it signs with the\n"
      "key (HSM/TPM via PKCS#11), appends the allow record (fsynced) and only then puts into --out,\n"
      "as one set (staged beside it, renamed into place once):\n"
      "  simplesigning.json  cosign simple-signing payload (byte-exact)\n"
      "  simplesigning.sig   base64 DER signature over it (cosign legacy .sig layer)\n"
      "  image.sigstore.json Sigstore bundle v0.3, DSSE + in-toto v1, cosign/sign/v1 (cosign v3 form)\n"
      "  vsa.sigstore.json   signed SLSA verification summary v1\n"
      "  decision.json       the gate decision\n"
      "A device signature that does not verify is logged as `failed` and nothing is released (exit 3).\n"
      "Exit 0 signed, 1 denied, 2 unusable input (nothing logged), 3 device or internal error.\n"
      "With --signerd URL it is the pipeline client: the evidence goes to signerd (POST /v1/sign over\n"
      "mTLS), which holds the key, the policy and the audit log; the decision is printed and the same\n"
      "files are written to --out, with the same exit codes (a caller or image signerd refuses, 401/403:\n"
      "1 with signerd's code; 400: 2; 429, 503, other errors and network failures: 3, printing\n"
      "Retry-After when given). --key, --module, --pin-env, --policy, --audit-log and --state-dir are refused\n"
      "with it. With --state-dir DIR (see `signet log init`) the records and each signature's Rekor v2 entry\n"
      "go into DIR/log/, and a signature is released only once its entry is covered by a signed checkpoint.\n"
      "With --push (either mode), after signing it uploads to the image's registry: the simple-signing\n"
      "payload as cosign's `.sig` layer (tag sha256-<hex>.sig, annotation dev.cosignproject.cosign/\n"
      "signature, appended to an existing .sig manifest), and image.sigstore.json and vsa.sigstore.json\n"
      "as OCI 1.1 referrers (artifactType application/vnd.dev.sigstore.bundle.v0.3+json; the sha256-<hex>\n"
      "referrers tag is updated when the registry has no referrers API). A failed push exits 3; the\n"
      "image is signed and --out is written all the same.");
  sign->add_option("--key", f->key, "pkcs11: URI of the signing key (local signing)");
  AddKeyBackendFlags(sign, f->backend);
  sign->add_option("--policy", f->policy, "Gate policy (YAML) (local signing)");
  sign->add_option("--image", f->image, "REGISTRY/REPO@sha256:HEX (a tag without digest is refused)")->required();
  sign->add_option("--provenance", f->provenance, "Provenance file (bundle, DSSE, .intoto.jsonl, ...); repeatable")
      ->required();
  sign->add_option("--attestation", f->attestations, "Companion attestation (SBOM, scan); repeatable");
  sign->add_option("--annotation", f->annotations, "KEY=VALUE for the simple-signing payload's optional section; KEY must be listed in the policy's "
                  "`annotations:` (else exit 2)");
  sign->add_option("--out", f->out,
                   "Output directory: created on allow; an existing one must be empty or hold only a previous "
                   "output set, which is replaced as a whole")
      ->required();
  sign->add_option("--audit-log", f->audit_log,
                   "Audit log file (default: $SIGNET_STATE_DIR/audit.log, /var/lib/signet/audit.log for root, "
                   "else ~/.local/state/signet/audit.log)");
  sign->add_option("--state-dir", f->state_dir,
                   "Appliance state directory made by `signet log init`: log every record and each released "
                   "signature (Rekor v2 entry) into DIR/log/, the transparency log, and put each bundle's entry "
                   "(inclusion proof, checkpoint) into it; replaces --audit-log (the two are exclusive)");
  sign->add_option("--signerd", f->signerd, "https://HOST:PORT of signerd: sign there instead of locally");
  sign->add_option("--cacert", f->cacert, "PEM CA bundle signerd's certificate must chain to (with --signerd)");
  sign->add_option("--client-cert", f->client_cert, "PEM client certificate chain for mTLS (with --signerd)");
  sign->add_option("--client-key", f->client_key, "PEM private key of --client-cert (with --signerd)");
  sign->add_flag("--push", f->push.push, "After signing, upload the signature, bundle and VSA to the image's registry");
  sign->add_option("--registry-config", f->push.registry_config,
                   "With --push: a docker config.json with the registry's credentials (auths entries; helpers are not run)");
  sign->add_option("--registry-ca", f->push.registry_ca,
                   "With --push: a PEM CA bundle trusted for the registry in addition to the system store");
  sign->callback([&cli, &backends, f] {
    cli.action = [&backends, f] { return SignThenPush(f->push, f->image, f->out, [&] { return RunSign(backends, *f); }); };
  });

  auto v = std::make_shared<VerifyImageFlags>();
  auto* vi = cli.app.add_subcommand(
      "verify-image",
      "Check the signatures `signet sign` wrote for an image with a public key: the cosign\n"
      "simple-signing pair and/or the Sigstore bundle found in --signature DIR.\n"
      "With --keyring K instead of --key: K must verify (quorum, version chain), some release key of it\n"
      "must verify every format found, and the key version must be valid at the signature's trusted\n"
      "time (image.sigstore.json's log/TSA times, verified with --trusted-root) or, without one, be\n"
      "active now (findings KEY_OUTSIDE_VALIDITY, KEY_REVOKED, KEYRING_QUORUM_NOT_MET,\n"
      "KEYRING_CHAIN_BROKEN, REVOCATION_LIST_STALE with --revocations).\n"
      "Exit 0 every format found verifies, 1 one does not, 2 unusable input.");
  vi->add_option("--key", v->key, "PEM public key");
  vi->add_option("--keyring", v->keyring, "keyring.json (signet.keyring/v1) in place of --key");
  vi->add_option("--revocations", v->revocations, "revocations.json signed by the keyring's custodians (with --keyring)");
  vi->add_option("--trusted-root", v->trusted_root,
                 "trusted_root.json verifying image.sigstore.json's log entries and timestamps: the trusted "
                 "signing time (with --keyring)");
  vi->add_option("--image", v->image, "REGISTRY/REPO@sha256:HEX")->required();
  vi->add_option("--signature", v->dir, "Directory with simplesigning.json/.sig and/or image.sigstore.json")->required();
  vi->add_flag("--json", v->json, "Print the result as JSON");
  vi->callback([&cli, v] { cli.action = [v] { return RunVerifyImage(*v); }; });
}

}  // namespace signet::ops
