// `signet gate` and `signet policy check`: the provenance gate of issue 5 on the command line.
//
//   signet gate --policy FILE --subject sha256:HEX --provenance FILE [--provenance FILE]...
//               [--attestation FILE]... [--at RFC3339]
//     prints the JSON decision on stdout; exit 0 allowed, 1 denied, 2 unusable input (including
//     a policy that fails `signet policy check`, or an empty --subject).
//   signet policy check FILE
//     lints a policy; prints one line per problem (or JSON with --json); exit 0 when there is no
//     error (warnings allowed), 1 when there is one, 2 when the policy does not load.
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "signet/attestation/trusted_root.h"
#include "signet/core/file.h"
#include "signet/core/findings.h"
#include "signet/core/yaml.h"
#include "signet/core/json.h"
#include "signet/core/time.h"
#include "signet/ops/commands.h"
#include "signet/ops/exit_codes.h"
#include "signet/policy/gate.h"
#include "signet/policy/inputs.h"
#include "signet/policy/policy.h"
#include "keyring_wiring.h"
#include "signet/custody/policy_approval.h"
#include "wiring.h"

namespace signet::ops {
namespace {

struct GateFlags {
  std::string policy;
  std::string subject;
  std::vector<std::string> provenance;
  std::vector<std::string> attestations;
  std::string at;
};

int RunGate(const GateFlags& f) {
  // The same loader as `signet sign`: a policy that fails its lint is refused (exit 2) by both.
  auto gate = LoadGate(f.policy);
  if (!gate.ok()) return ReportError(gate.error());
  policy::GateRequest req;
  req.subject = f.subject;
  if (f.at.empty()) {
    req.at = SystemClock().Now();
  } else {
    auto at = policy::ParseBoundedTime(f.at);
    if (!at.ok()) return ReportError(InvalidArgument("--at must be an RFC 3339 time"));
    req.at = *at;
  }
  auto prov = ReadEvidenceFiles(f.provenance);
  if (!prov.ok()) return ReportError(prov.error());
  auto atts = ReadEvidenceFiles(f.attestations);
  if (!atts.ok()) return ReportError(atts.error());
  req.provenance = std::move(*prov);
  req.attestations = std::move(*atts);
  policy::Decision d = gate->Evaluate(req);
  std::printf("%s\n", WriteJson(d.ToJson(), 2).c_str());
  if (d.allowed) return kExitOk;
  return d.unusable_input ? kExitUsage : kExitDenied;
}

int RunPolicyCheck(const std::string& path, bool json) {
  auto lp = policy::LoadPolicy(path);
  if (!lp.ok()) return ReportError(lp.error());
  // The pinned root must load too: a gate with an unreadable root refuses every keyless build.
  if (auto root = LoadPolicyTrustedRoot(*lp); !root.ok()) return ReportError(root.error());
  auto lint = policy::LintPolicy(lp->policy);
  bool error = false;
  JsonValue list = JsonValue::MakeArray();
  for (const auto& f : lint) {
    const bool is_error = f.level == policy::LintFinding::Level::kError;
    error = error || is_error;
    if (json) {
      JsonValue o = JsonValue::MakeObject();
      o.Set("level", JsonValue::String(is_error ? "error" : "warning"));
      o.Set("code", JsonValue::String(f.code));
      o.Set("where", JsonValue::String(f.where));
      o.Set("message", JsonValue::String(f.message));
      list.Push(std::move(o));
    } else {
      std::printf("%s %s %s: %s\n", is_error ? "error" : "warning", f.code.c_str(), f.where.c_str(),
                  f.message.c_str());
    }
  }
  if (json) {
    JsonValue out = JsonValue::MakeObject();
    out.Set("ok", JsonValue::Bool(!error));
    out.Set("policy_digest", JsonValue::String(lp->digest));
    out.Set("findings", std::move(list));
    std::printf("%s\n", WriteJson(out, 2).c_str());
  } else if (!error) {
    std::printf("ok %s (%zu warning%s)\n", lp->digest.c_str(), lint.size(), lint.size() == 1 ? "" : "s");
  }
  return error ? kExitDenied : kExitOk;
}


struct PolicyApproveFlags {
  std::string policy;
  std::string key;
  std::string custodian;
  std::string approvals;
  KeyBackendFlags backend;
};

struct PolicyVerifyFlags {
  std::string policy;
  std::string keyring;
  std::string approvals;
};

// ApprovePolicyFile signs the policy's exact bytes into its approvals file (replaced atomically).
Status ApprovePolicyFile(Backends& backends, const PolicyApproveFlags& f) {
  SIGNET_ASSIGN_OR_RETURN(std::string bytes, ReadFile(f.policy, kMaxYamlBytes));
  SIGNET_ASSIGN_OR_RETURN(std::unique_ptr<custody::ApprovalSigner> signer, OpenApprovalSigner(backends, f.key, f.backend));
  const std::string path = f.approvals.empty() ? custody::PolicyApprovalsPath(f.policy) : f.approvals;
  custody::PolicyApprovals approvals;
  if (::access(path.c_str(), F_OK) == 0) {
    SIGNET_ASSIGN_OR_RETURN(std::string text, ReadFile(path, custody::kMaxPolicyApprovalsBytes));
    auto parsed = custody::ParsePolicyApprovals(text);
    if (!parsed.ok()) return std::move(parsed).error().Prefix(path);
    approvals = std::move(*parsed);
  }
  const std::string name = f.custodian.empty() ? signer->key_id().substr(0, 16) : f.custodian;
  SIGNET_RETURN_IF_ERROR(custody::ApprovePolicy(approvals, bytes, name, *signer));
  SIGNET_RETURN_IF_ERROR(WriteFileAtomic(path, custody::SerializePolicyApprovals(approvals)));
  std::printf("approved %s (%s) as %s: %zu signature(s) in %s\n", f.policy.c_str(), approvals.policy_digest.c_str(),
              name.c_str(), approvals.signatures.size(), path.c_str());
  return OkStatus();
}

Status VerifyPolicyFile(const PolicyVerifyFlags& f) {
  SIGNET_ASSIGN_OR_RETURN(std::string bytes, ReadFile(f.policy, kMaxYamlBytes));
  const std::string digest = custody::PolicyDigest(bytes);
  const std::string path = f.approvals.empty() ? custody::PolicyApprovalsPath(f.policy) : f.approvals;
  SIGNET_RETURN_IF_ERROR(custody::VerifyPolicyApprovalFiles(digest, path, f.keyring));
  std::printf("policy verify: OK, %s approved by a quorum of %s\n", digest.c_str(), f.keyring.c_str());
  return OkStatus();
}

}  // namespace

void RegisterPolicyApprovalCommands(Cli& cli, Backends& backends) {
  CLI::App* policy = CommandGroup(cli, "policy", "Gate policy tools");
  auto a = std::make_shared<PolicyApproveFlags>();
  auto* approve = policy->add_subcommand(
      "approve",
      "Approve a policy file as a custodian: sign its exact bytes (sha256) into P.approvals.json\n"
      "(or --approvals FILE). Approvals of other bytes in that file are dropped.\n"
      "Exit 0 signed, 2 bad input, 3 device error.");
  approve->add_option("--policy", a->policy, "Policy YAML file")->required();
  approve->add_option("--key", a->key, "Custodian key: PEM private key file (P-256/P-384) or pkcs11: URI")->required();
  approve->add_option("--custodian", a->custodian, "Custodian name recorded with the signature (default: key id prefix)");
  approve->add_option("--approvals", a->approvals, "Approvals file (default: POLICY.approvals.json)");
  AddKeyBackendFlags(approve, a->backend);
  approve->callback([&cli, &backends, a] {
    cli.action = [&backends, a] {
      Status s = ApprovePolicyFile(backends, *a);
      return s.ok() ? kExitOk : ReportError(s.error());
    };
  });
  auto v = std::make_shared<PolicyVerifyFlags>();
  auto* verify = policy->add_subcommand(
      "verify",
      "Check that a quorum (the keyring's threshold) of the keyring's custodians approved the policy's\n"
      "exact bytes. Exit 0 yes; 1 no (POLICY_NOT_APPROVED, naming who is missing) or a keyring that\n"
      "does not verify; 2 unusable input.");
  verify->add_option("--policy", v->policy, "Policy YAML file")->required();
  verify->add_option("--keyring", v->keyring, "keyring.json whose custodians approve policies")->required();
  verify->add_option("--approvals", v->approvals, "Approvals file (default: POLICY.approvals.json)");
  verify->callback([&cli, v] {
    cli.action = [v] {
      Status s = VerifyPolicyFile(*v);
      return s.ok() ? kExitOk : ReportError(s.error());
    };
  });
}

void RegisterGateCommands(Cli& cli) {
  auto flags = std::make_shared<GateFlags>();
  auto* gate = cli.app.add_subcommand(
      "gate", "Decide from verified provenance whether a digest may be signed (prints a JSON decision)");
  gate->add_option("--policy", flags->policy, "Policy YAML file")->required();
  gate->add_option("--subject", flags->subject, "Digest to decide: sha256:<hex>")->required();
  gate->add_option("--provenance", flags->provenance,
                   "Provenance: Sigstore bundle, DSSE envelope, .intoto.jsonl, GCB provenance, or a "
                   "cosign attestation manifest plus its layer blob (repeatable)")
      ->required();
  gate->add_option("--attestation", flags->attestations,
                   "Companion attestation (SBOM, vulnerability scan), same forms (repeatable)");
  gate->add_option("--at", flags->at, "Evaluation time, RFC 3339 (default: now)");
  gate->callback([&cli, flags] { cli.action = [flags] { return RunGate(*flags); }; });

  auto* policy = CommandGroup(cli, "policy", "Gate policy tools");
  policy->require_subcommand(1);
  auto check_path = std::make_shared<std::string>();
  auto check_json = std::make_shared<bool>(false);
  auto* check = policy->add_subcommand("check", "Lint a gate policy");
  check->add_option("FILE", *check_path, "Policy YAML file")->required();
  check->add_flag("--json", *check_json, "Print the findings as JSON");
  check->callback([&cli, check_path, check_json] {
    cli.action = [check_path, check_json] { return RunPolicyCheck(*check_path, *check_json); };
  });
}

}  // namespace signet::ops
