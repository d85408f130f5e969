// Placeholder: this command group is registered once its issue lands.
#include "signet/ops/commands.h"

namespace signet::ops {

void RegisterGateCommands(Cli& /*cli*/) {}

}  // namespace signet::ops
