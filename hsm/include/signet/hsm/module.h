// signet::hsm — module marker header. See hsm/ARCHITECTURE.md for the module's trust model.
#ifndef SIGNET_HSM_MODULE_H_
#define SIGNET_HSM_MODULE_H_

namespace signet::hsm {
// kModuleName names this layer in diagnostics.
inline constexpr const char kModuleName[] = "hsm";
}  // namespace signet::hsm

#endif
