// signet: the CLI. Concrete hardware backends are chosen here and nowhere else.
#include <sys/prctl.h>
#include <sys/resource.h>

#include "signet/ops/commands.h"

int main(int argc, char** argv) {
  // Key material and PINs pass through this process: no core dumps.
  struct rlimit no_core{0, 0};
  setrlimit(RLIMIT_CORE, &no_core);
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);

  signet::ops::Cli cli;
  signet::ops::RegisterVersionCommand(cli);
  signet::ops::RegisterKeyCommands(cli);
  signet::ops::RegisterVerifyBundleCommand(cli);
  signet::ops::RegisterAttestCommands(cli);
  signet::ops::RegisterGateCommands(cli);
  signet::ops::RegisterLogCommands(cli);
  signet::ops::RegisterSignCommands(cli);
  return signet::ops::Run(cli, argc, argv);
}
