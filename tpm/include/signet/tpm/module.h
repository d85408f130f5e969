// signet::tpm — module marker header. See tpm/ARCHITECTURE.md for the module's trust model.
#ifndef SIGNET_TPM_MODULE_H_
#define SIGNET_TPM_MODULE_H_

namespace signet::tpm {
// kModuleName names this layer in diagnostics.
inline constexpr const char kModuleName[] = "tpm";
}  // namespace signet::tpm

#endif
