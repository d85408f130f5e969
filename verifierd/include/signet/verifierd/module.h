// signet::verifierd — module marker header. See verifierd/ARCHITECTURE.md for the module's trust model.
#ifndef SIGNET_VERIFIERD_MODULE_H_
#define SIGNET_VERIFIERD_MODULE_H_

namespace signet::verifierd {
// kModuleName names this layer in diagnostics.
inline constexpr const char kModuleName[] = "verifierd";
}  // namespace signet::verifierd

#endif
