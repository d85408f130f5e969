// signet::attestation — module marker header. See attestation/ARCHITECTURE.md for the module's trust model.
#ifndef SIGNET_ATTESTATION_MODULE_H_
#define SIGNET_ATTESTATION_MODULE_H_

namespace signet::attestation {
// kModuleName names this layer in diagnostics.
inline constexpr const char kModuleName[] = "attestation";
}  // namespace signet::attestation

#endif
