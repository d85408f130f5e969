// signet: the CLI. Concrete hardware backends are built here (BuildBackends) and nowhere else.
#include <sys/prctl.h>
#include <sys/resource.h>

#include <memory>

#include "signet/ops/backends.h"
#include "signet/ops/commands.h"

int main(int argc, char** argv) {
  // Key material and PINs pass through this process: no core dumps.
  struct rlimit no_core{0, 0};
  setrlimit(RLIMIT_CORE, &no_core);
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);

  // The one call of the backend factory in this binary; devices are opened only when a command
  // asks for one.
  std::unique_ptr<signet::ops::Backends> backends =
      signet::ops::BuildBackends(signet::ops::BackendConfigFromEnvironment());

  signet::ops::Cli cli;
  signet::ops::RegisterVersionCommand(cli);
  signet::ops::RegisterKeyCommands(cli, *backends);
  signet::ops::RegisterCeremonyInitCommand(cli, *backends);
  signet::ops::RegisterBackupCommands(cli, *backends);
  signet::ops::RegisterVerifyBundleCommand(cli);
  signet::ops::RegisterAttestCommands(cli, *backends);
  signet::ops::RegisterGateCommands(cli);
  signet::ops::RegisterLogCommands(cli, *backends);
  signet::ops::RegisterSignCommands(cli, *backends);
  signet::ops::RegisterFetchCommand(cli);
  signet::ops::RegisterTrustCommands(cli);
  signet::ops::RegisterTsaCommands(cli, *backends);
  signet::ops::RegisterAuditCommand(cli, *backends);
  signet::ops::RegisterCeremonyCommands(cli, *backends);
  signet::ops::RegisterPolicyApprovalCommands(cli, *backends);
  return signet::ops::Run(cli, argc, argv);
}
