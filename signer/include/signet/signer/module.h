// signet::signer — module marker header. See signer/ARCHITECTURE.md for the module's trust model.
#ifndef SIGNET_SIGNER_MODULE_H_
#define SIGNET_SIGNER_MODULE_H_

namespace signet::signer {
// kModuleName names this layer in diagnostics.
inline constexpr const char kModuleName[] = "signer";
}  // namespace signet::signer

#endif
