#include "wiring.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sys/stat.h>
#include <unistd.h>

#include "signet/attestation/trusted_root.h"
#include "signet/core/file.h"
#include "signet/hsm/uri.h"
#include "signet/policy/policy.h"
#include "signet/translog/appliance_config.h"

namespace signet::ops {

void AddKeyBackendFlags(CLI::App* cmd, KeyBackendFlags& flags) {
  cmd->add_option("--module", flags.module,
                  "PKCS#11 module path, when the URI has no module-path (default: $SIGNET_PKCS11_MODULE)");
  cmd->add_option("--pin-env", flags.pin_env,
                  "Name of an environment variable holding the user PIN, when the URI has no pin-source");
}

Result<std::unique_ptr<fw::KeyStore>> OpenKeyStoreFromUri(Backends& backends, const std::string& uri,
                                                          const KeyBackendFlags& flags) {
  SIGNET_ASSIGN_OR_RETURN(hsm::Pkcs11Uri parsed, hsm::ParsePkcs11Uri(uri));
  if (parsed.pin_value) {
    std::fprintf(stderr,
                 "signet: warning: the URI carries pin-value, which exposes the PIN in argv and shell history; "
                 "it is meant for tests. Use pin-source=<file> or --pin-env instead.\n");
  }
  return backends.OpenKeyStore(KeyStoreConfig{uri, flags.module, flags.pin_env});
}

Result<OpenedKey> OpenSigningKey(Backends& backends, const std::string& uri, const KeyBackendFlags& flags) {
  OpenedKey out;
  SIGNET_ASSIGN_OR_RETURN(out.store, OpenKeyStoreFromUri(backends, uri, flags));
  SIGNET_ASSIGN_OR_RETURN(out.key, out.store->FindKey(uri, fw::OpenOptions{}));
  return out;
}

Result<std::optional<attestation::TrustedRoot>> LoadPolicyTrustedRoot(const policy::LoadedPolicy& policy) {
  if (policy.trusted_root_path.empty()) return std::optional<attestation::TrustedRoot>();
  auto text = ReadFile(policy.trusted_root_path, attestation::kMaxTrustedRootBytes);
  if (!text.ok()) return std::move(text).error().Prefix("reading the trusted root");
  auto parsed = attestation::TrustedRoot::Parse(*text);
  if (!parsed.ok()) {
    return InvalidArgument("trusted root " + policy.trusted_root_path + ": " + parsed.error().message())
        .WithFinding(parsed.error().finding());
  }
  return std::optional<attestation::TrustedRoot>(std::move(*parsed));
}

Result<policy::Gate> LoadGate(const std::string& path) {
  auto loaded = policy::LoadPolicy(path);
  if (!loaded.ok()) return std::move(loaded).error().Prefix("policy " + path);
  for (const auto& f : policy::LintPolicy(loaded->policy)) {
    if (f.level == policy::LintFinding::Level::kError) {
      return InvalidArgument("policy " + path + " fails its lint: " + f.code + " at " + f.where + ": " + f.message +
                             " (run `signet policy check`)");
    }
  }
  SIGNET_ASSIGN_OR_RETURN(std::optional<attestation::TrustedRoot> root, LoadPolicyTrustedRoot(*loaded));
  return policy::Gate::Create(std::move(*loaded), std::move(root));
}

Result<std::vector<policy::EvidenceInput>> ReadEvidenceFiles(const std::vector<std::string>& paths) {
  std::vector<policy::EvidenceInput> out;
  for (const auto& p : paths) {
    auto bytes = ReadFile(p, policy::kMaxEvidenceBytes);
    if (!bytes.ok()) return std::move(bytes).error().Prefix("reading " + p);
    out.push_back({p, std::move(*bytes)});
  }
  return out;
}

Result<std::string> DefaultAuditLogPath() {
  std::string dir;
  if (const char* s = std::getenv("SIGNET_STATE_DIR"); s != nullptr && *s != '\0') {
    dir = s;
  } else if (::geteuid() == 0) {
    dir = "/var/lib/signet";
  } else if (const char* x = std::getenv("XDG_STATE_HOME"); x != nullptr && *x != '\0') {
    dir = std::string(x) + "/signet";
  } else if (const char* h = std::getenv("HOME"); h != nullptr && *h != '\0') {
    dir = std::string(h) + "/.local/state/signet";
  } else {
    return FailedPrecondition("no state directory: set SIGNET_STATE_DIR or pass --audit-log");
  }
  // mkdir -p, 0700 for the leaf. Something other than a directory in the way is unusable local
  // input (exit 2), not an internal error.
  for (size_t pos = 1; pos <= dir.size(); ++pos) {
    if (pos == dir.size() || dir[pos] == '/') {
      std::string part = dir.substr(0, pos);
      if (::mkdir(part.c_str(), 0700) != 0 && errno != EEXIST) {
        if (errno == ENOTDIR) return InvalidArgument("state directory " + dir + ": " + part + " is not a directory");
        return PermissionDenied("cannot create state directory " + part + ": " + std::strerror(errno));
      }
    }
  }
  // EEXIST also covers a file (or a FIFO, or a device) standing where the directory should be:
  // unusable local configuration, exit 2, not an internal error when the log is opened later.
  struct stat st{};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return InvalidArgument("state directory " + dir + " is not a directory (check SIGNET_STATE_DIR)");
  }
  return dir + "/audit.log";
}

Result<OpenedLog> OpenLogSigner(Backends& backends, const std::string& state_dir, const std::string& log_key,
                                const KeyBackendFlags& flags) {
  SIGNET_ASSIGN_OR_RETURN(translog::ApplianceConfig config, translog::ReadApplianceConfig(state_dir));
  OpenedLog out;
  SIGNET_ASSIGN_OR_RETURN(out.key, OpenSigningKey(backends, log_key.empty() ? config.log_key_uri : log_key, flags));
  SIGNET_ASSIGN_OR_RETURN(translog::NoteSigner signer, translog::NoteSigner::Create(config.origin, *out.key.key));
  if (signer.verifier_key() != config.log_verifier_key) {
    return InvalidArgument("the log key is not the one appliance.yaml records");
  }
  out.signer = std::make_unique<translog::NoteSigner>(std::move(signer));
  return out;
}

}  // namespace signet::ops
