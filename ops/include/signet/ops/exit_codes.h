// The one place Signet's exit codes are defined. Scripts may rely on them.
//
//   0  ok / allowed / verified
//   1  denied / verification failed / refused
//   2  usage or input error (bad flags, unreadable or malformed input, no such key)
//   3  internal or hardware error (device unavailable, unexpected failure)
#ifndef SIGNET_OPS_EXIT_CODES_H_
#define SIGNET_OPS_EXIT_CODES_H_

#include "signet/core/result.h"

namespace signet::ops {

inline constexpr int kExitOk = 0;
inline constexpr int kExitDenied = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitInternal = 3;

// ExitCodeFor maps an Error to the exit code the CLI returns for it.
int ExitCodeFor(const Error& error);

}  // namespace signet::ops

#endif  // SIGNET_OPS_EXIT_CODES_H_
