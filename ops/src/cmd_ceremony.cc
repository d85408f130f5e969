// `signet ceremony approve` and `signet ceremony verify` (issue 17 point 2). `ceremony init` is
// registered from cmd_ceremony_init.cc into the same group (CommandGroup).
#include <cstdio>
#include <memory>
#include <string>
#include <sys/stat.h>

#include "keyring_wiring.h"
#include "signet/core/file.h"
#include "signet/core/findings.h"
#include "signet/custody/ceremony_config.h"
#include "signet/custody/keyring.h"
#include "signet/custody/revocation.h"
#include "signet/custody/transcript.h"
#include "signet/ops/commands.h"
#include "signet/ops/exit_codes.h"

namespace signet::ops {
namespace {

struct ApproveFlags {
  std::string transcript;
  std::string key;
  std::string custodian;
  KeyBackendFlags backend;
};

struct VerifyFlags {
  std::string transcript;
  std::string config;
};

std::string DirOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

bool Exists(const std::string& path) {
  struct stat st{};
  return ::lstat(path.c_str(), &st) == 0;
}

// Approve: keyring.json and revocations.json beside the transcript are signed first, the
// transcript last, each file replaced atomically; a failure leaves the transcript without the
// approval, and re-running replaces this custodian's earlier signatures.
Status Approve(Backends& backends, const ApproveFlags& f) {
  SIGNET_ASSIGN_OR_RETURN(custody::Transcript transcript, custody::Transcript::Open(f.transcript));
  SIGNET_ASSIGN_OR_RETURN(std::unique_ptr<custody::ApprovalSigner> signer, OpenApprovalSigner(backends, f.key, f.backend));
  const std::string dir = DirOf(f.transcript);
  std::string name = f.custodian;
  const std::string keyring_path = dir + "/keyring.json";
  const std::string revocations_path = dir + "/revocations.json";
  std::optional<custody::Keyring> keyring;
  if (Exists(keyring_path)) {
    SIGNET_ASSIGN_OR_RETURN(std::string text, ReadFile(keyring_path, custody::kMaxKeyringBytes));
    auto parsed = custody::ParseKeyring(text);
    if (!parsed.ok()) return std::move(parsed).error().Prefix(keyring_path);
    keyring = std::move(*parsed);
    for (const custody::Keyring* k : {static_cast<const custody::Keyring*>(&*keyring), keyring->previous.get()}) {
      if (k == nullptr || !name.empty()) continue;
      for (const custody::KeyringCustodian& c : k->custodians) {
        if (c.key_id == signer->key_id()) name = c.name;
      }
    }
  }
  if (name.empty()) {
    return InvalidArgument("the key is no custodian of " + keyring_path + "; name the custodian with --custodian");
  }
  if (keyring.has_value()) {
    SIGNET_RETURN_IF_ERROR(custody::SignKeyring(*keyring, *signer));
    SIGNET_ASSIGN_OR_RETURN(std::string out, custody::SerializeKeyring(*keyring));
    SIGNET_RETURN_IF_ERROR(WriteFileAtomic(keyring_path, out));
    std::printf("signed %s (version %lld)\n", keyring_path.c_str(), static_cast<long long>(keyring->version));
  }
  if (Exists(revocations_path)) {
    if (!keyring.has_value()) return InvalidArgument(revocations_path + " needs " + keyring_path + " beside it");
    SIGNET_ASSIGN_OR_RETURN(std::string text, ReadFile(revocations_path, custody::kMaxRevocationsBytes));
    auto list = custody::ParseRevocationList(text);
    if (!list.ok()) return std::move(list).error().Prefix(revocations_path);
    SIGNET_RETURN_IF_ERROR(custody::SignRevocationList(*list, *keyring, *signer));
    SIGNET_ASSIGN_OR_RETURN(std::string out, custody::SerializeRevocationList(*list));
    SIGNET_RETURN_IF_ERROR(WriteFileAtomic(revocations_path, out));
    std::printf("signed %s\n", revocations_path.c_str());
  }
  SystemClock clock;
  SIGNET_ASSIGN_OR_RETURN(custody::TranscriptEntry e, transcript.Approve(*signer, name, clock.Now()));
  std::printf("approved %s line %lld as %s (key %s)\n", f.transcript.c_str(), static_cast<long long>(e.seq),
              name.c_str(), signer->key_id().c_str());
  return OkStatus();
}

int Verify(const VerifyFlags& f) {
  auto config = custody::LoadCeremonyConfig(f.config);
  if (!config.ok()) return ReportError(config.error());
  auto transcript = custody::Transcript::Open(f.transcript);
  if (!transcript.ok()) return ReportError(transcript.error());
  auto q = transcript->CheckQuorum(config->custodians, config->threshold);
  if (!q.ok()) return ReportError(q.error());
  auto join = [](const std::vector<std::string>& v) {
    std::string s;
    for (const std::string& n : v) s += (s.empty() ? "" : ", ") + n;
    return s.empty() ? std::string("none") : s;
  };
  std::printf("approved by: %s\n", join(q->approved).c_str());
  if (q->met()) {
    std::printf("ceremony verify: OK (%zu of threshold %d)\n", q->approved.size(), q->threshold);
    return kExitOk;
  }
  return ReportError(VerificationFailed(
      findings::kKeyringQuorumNotMet,
      "the final head has " + std::to_string(q->approved.size()) + " of the " + std::to_string(q->threshold) +
          " approvals it needs; missing: " + join(q->missing)));
}

}  // namespace

void RegisterCeremonyCommands(Cli& cli, Backends& backends) {
  CLI::App* group = CommandGroup(cli, "ceremony", "Key ceremonies: init, approve, verify");
  group->require_subcommand(1);
  auto a = std::make_shared<ApproveFlags>();
  auto* approve = group->add_subcommand(
      "approve",
      "Approve the latest ceremony step as a custodian: sign the transcript head (the hash of the\n"
      "latest non-approval line) and append the approval; DIR/keyring.json and DIR/revocations.json\n"
      "beside the transcript are signed too (each replaced atomically, before the transcript).\n"
      "Exit 0 approved, 2 bad input or a key that is no custodian, 3 device error.");
  approve->add_option("--transcript", a->transcript, "DIR/transcript.jsonl")->required();
  approve->add_option("--key", a->key, "Custodian key: PEM private key file (P-256/P-384) or pkcs11: URI")->required();
  approve->add_option("--custodian", a->custodian,
                      "Custodian name (default: the keyring's custodian with this key)");
  AddKeyBackendFlags(approve, a->backend);
  approve->callback([&cli, &backends, a] {
    cli.action = [&backends, a] {
      Status s = Approve(backends, *a);
      return s.ok() ? kExitOk : ReportError(s.error());
    };
  });
  auto v = std::make_shared<VerifyFlags>();
  auto* verify = group->add_subcommand(
      "verify",
      "Check that at least `threshold` distinct custodians of ceremony.yaml approved the final head\n"
      "of the transcript. Exit 0 yes; 1 no (naming who is missing: KEYRING_QUORUM_NOT_MET) or a broken\n"
      "chain (TRANSCRIPT_CHAIN_BROKEN, naming the line); 2 unusable input.");
  verify->add_option("--transcript", v->transcript, "DIR/transcript.jsonl")->required();
  verify->add_option("--config", v->config, "ceremony.yaml")->required();
  verify->callback([&cli, v] { cli.action = [v] { return Verify(*v); }; });
}

}  // namespace signet::ops
