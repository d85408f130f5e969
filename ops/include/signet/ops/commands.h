// Registration of `signet` subcommands. Each command group lives in its own ops/src/cmd_*.cc
// and adds itself to the CLI11 app here. main() builds the hardware backends (backends.h) and
// hands them to the command groups that need a device; no command constructs one.
#ifndef SIGNET_OPS_COMMANDS_H_
#define SIGNET_OPS_COMMANDS_H_

#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "signet/core/result.h"
#include "signet/ops/backends.h"

namespace signet::ops {

// CommandResult is what a subcommand returns: the exit code to use.
using CommandFn = std::function<int()>;

// Cli holds the app and the action the parsed subcommand selected.
struct Cli {
  CLI::App app{"signet — hardened signing and verification appliance"};
  CommandFn action;  // set by the subcommand's callback
  bool json = false;
  // Everything after the first "--" on the command line, verbatim: Run() hands CLI11 only what
  // comes before it (CLI11 would parse "--serve", "--help", ... after "--"). A command that takes
  // a trailing command line sets `accepts_trailing`; for any other, trailing arguments are a
  // usage error.
  std::vector<std::string> trailing;
  bool has_trailing = false;
  bool accepts_trailing = false;
};

// ReportError prints `error` to stderr as "signet: <message>" and returns its exit code.
int ReportError(const Error& error);

// CommandGroup returns the subcommand `name` of the app, adding it with `description` when no
// command group registered it yet: two cmd_*.cc files may add subcommands to one group (the
// "ceremony" group's init lives apart from its approve/verify). Registration order then does not
// matter.
CLI::App* CommandGroup(Cli& cli, const std::string& name, const std::string& description);

// Register* add command groups. Each is defined in its own ops/src/cmd_*.cc. `backends` must
// outlive Run(): the commands open devices through it when they run.
void RegisterVersionCommand(Cli& cli);                      // cli.cc
void RegisterKeyCommands(Cli& cli, Backends& backends);     // cmd_key.cc: key generate|list|export|check|rotate|revoke
void RegisterVerifyBundleCommand(Cli& cli);                 // cmd_verify_bundle.cc: verify-bundle
void RegisterAttestCommands(Cli& cli, Backends& backends);  // cmd_attest.cc: attest enroll|quote|verify|reference, launch
void RegisterGateCommands(Cli& cli);                        // cmd_gate.cc: gate, policy check
void RegisterLogCommands(Cli& cli, Backends& backends);     // cmd_log.cc: log init|verify|witness|migrate
void RegisterSignCommands(Cli& cli, Backends& backends);    // cmd_sign.cc: sign, verify-image
void RegisterFetchCommand(Cli& cli);                        // cmd_fetch.cc: fetch-evidence
void RegisterTrustCommands(Cli& cli);                       // cmd_trust.cc: trust export
void RegisterTsaCommands(Cli& cli, Backends& backends);     // cmd_tsa.cc: tsa stamp
void RegisterAuditCommand(Cli& cli, Backends& backends);    // cmd_audit.cc: audit
void RegisterCeremonyCommands(Cli& cli, Backends& backends);  // cmd_ceremony.cc: ceremony approve|verify
void RegisterPolicyApprovalCommands(Cli& cli, Backends& backends);  // cmd_gate.cc: policy approve|verify
void RegisterCeremonyInitCommand(Cli& cli, Backends& backends);  // cmd_ceremony_init.cc: ceremony init
void RegisterBackupCommands(Cli& cli, Backends& backends);       // cmd_backup.cc: backup restore

// Run parses argv and runs the selected command; returns the process exit code.
int Run(Cli& cli, int argc, char** argv);

}  // namespace signet::ops

#endif  // SIGNET_OPS_COMMANDS_H_
