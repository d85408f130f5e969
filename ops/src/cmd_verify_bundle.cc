// Placeholder: this command group is registered once its issue lands.
#include "signet/ops/commands.h"

namespace signet::ops {

void RegisterVerifyBundleCommand(Cli& /*cli*/) {}

}  // namespace signet::ops
