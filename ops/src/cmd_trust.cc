// `signet trust export --state-dir DIR --out trusted_root.json`: the Sigstore trusted root a
// stock verifier needs to accept the appliance's bundles offline (issue 16 part 4): the log
// (tlogs[]) from DIR/appliance.yaml and, when DIR/tsa/chain.pem exists, the TSA
// (timestampAuthorities[], leaf first). No key or PIN is needed: only public material is read.
#include <sys/stat.h>

#include <cstdio>
#include <ctime>
#include <memory>
#include <optional>
#include <string>

#include <openssl/asn1.h>
#include <openssl/x509.h>

#include "signet/attestation/checkpoint.h"
#include "signet/core/file.h"
#include "signet/core/json.h"
#include "signet/core/ossl.h"
#include "signet/core/time.h"
#include "signet/ops/commands.h"
#include "signet/ops/exit_codes.h"
#include "signet/signer/rekor_v2.h"
#include "signet/translog/appliance_config.h"

namespace signet::ops {
namespace {

// kTsaChainFile is where `signet log init --tsa-key` puts the TSA chain, leaf first.
constexpr char kTsaChainFile[] = "tsa/chain.pem";

struct TrustFlags {
  std::string state_dir;
  std::string out;
};

Result<Timestamp> CertTime(const ASN1_TIME* t) {
  struct tm tm {};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return InvalidArgument("a TSA certificate has an unreadable validity");
  return FromUnixSeconds(static_cast<int64_t>(timegm(&tm)));
}

// ReadTsa reads DIR/tsa/chain.pem when it exists (nullopt when it does not).
Result<std::optional<signer::TrustedRootTsa>> ReadTsa(const std::string& state_dir, const std::string& origin) {
  const std::string path = state_dir + "/" + kTsaChainFile;
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return std::optional<signer::TrustedRootTsa>();
  SIGNET_ASSIGN_OR_RETURN(std::string pem, ReadFile(path, 1 << 20));
  auto certs = ossl::ParseCertificatesPem(pem);
  if (!certs.ok()) return std::move(certs).error().Prefix(path);
  signer::TrustedRootTsa tsa;
  tsa.uri = "https://" + origin + "/v1/timestamp";
  for (const auto& c : *certs) {
    SIGNET_ASSIGN_OR_RETURN(Bytes der, ossl::CertificateToDer(c.get()));
    tsa.chain_der.push_back(std::move(der));
  }
  X509* leaf = certs->front().get();
  SIGNET_ASSIGN_OR_RETURN(tsa.valid_from, CertTime(X509_get0_notBefore(leaf)));
  SIGNET_ASSIGN_OR_RETURN(Timestamp to, CertTime(X509_get0_notAfter(leaf)));
  tsa.valid_to = to;
  char cn[256] = {0};
  if (X509_NAME_get_text_by_NID(X509_get_subject_name(leaf), NID_commonName, cn, static_cast<int>(sizeof cn)) > 0) tsa.common_name = cn;
  return std::optional<signer::TrustedRootTsa>(std::move(tsa));
}

int TrustExport(const TrustFlags& f) {
  auto config = translog::ReadApplianceConfig(f.state_dir);
  if (!config.ok()) return ReportError(std::move(config).error().Prefix("--state-dir " + f.state_dir));
  auto vkey = attestation::ParseNoteVerifierKey(config->log_verifier_key);
  if (!vkey.ok()) return ReportError(std::move(vkey).error().Prefix("appliance.yaml's log verifier key"));
  if (vkey->name != config->origin) {
    return ReportError(InvalidArgument("appliance.yaml's log verifier key does not name its origin"));
  }
  // The log key is in use since `signet log init` wrote appliance.yaml.
  struct stat st {};
  const std::string config_path = f.state_dir + "/" + translog::kApplianceConfigFile;
  if (::stat(config_path.c_str(), &st) != 0) return ReportError(Internal("cannot stat " + config_path));
  signer::TrustedRootLog log{config->origin, vkey->public_key, FromUnixSeconds(static_cast<int64_t>(st.st_mtime))};
  auto tsa = ReadTsa(f.state_dir, config->origin);
  if (!tsa.ok()) return ReportError(tsa.error());
  auto root = signer::TrustedRootJson(log, *tsa);
  if (!root.ok()) return ReportError(root.error());
  if (Status w = WriteFileAtomic(f.out, WriteJson(*root, 2) + "\n"); !w.ok()) return ReportError(w.error());
  const std::string tsa_note =
      *tsa ? ", TSA chain of " + std::to_string((*tsa)->chain_der.size()) + " certificates" : std::string(", no TSA");
  std::fprintf(stderr, "signet: wrote %s (log %s%s)\n", f.out.c_str(), config->origin.c_str(), tsa_note.c_str());
  return kExitOk;
}

}  // namespace

void RegisterTrustCommands(Cli& cli) {
  auto f = std::make_shared<TrustFlags>();
  auto* trust = cli.app.add_subcommand("trust", "Trust material of this appliance");
  trust->require_subcommand(1);
  auto* exp = trust->add_subcommand(
      "export",
      "Write the Sigstore trusted root (application/vnd.dev.sigstore.trustedroot+json;version=0.1) that\n"
      "lets a stock verifier (@sigstore/verify, cosign, sigstore-go) accept this appliance's bundles offline:\n"
      "tlogs[]: the log of --state-dir (baseUrl https://<origin>, its Ed25519 key, logId.keyId = the Rekor v2\n"
      "log ID whose first 4 bytes are the checkpoint signature's key ID, validFor.start = when `signet log init`\n"
      "ran); timestampAuthorities[]: DIR/tsa/chain.pem, leaf first, when it exists. Written atomically.\n"
      "Exit 0 written, 2 bad input (no appliance.yaml, unreadable chain), 3 I/O error.");
  exp->add_option("--state-dir", f->state_dir, "The state directory made by `signet log init`")->required();
  exp->add_option("--out", f->out, "Where to write trusted_root.json")->required();
  exp->callback([&cli, f] { cli.action = [f] { return TrustExport(*f); }; });
}

}  // namespace signet::ops
