#include "signet/firmware_iface/signing_key.h"

namespace signet::fw {

std::string_view KeyAlgorithmName(KeyAlgorithm alg) {
  switch (alg) {
    case KeyAlgorithm::kEcdsaP256: return "ecdsa-p256";
    case KeyAlgorithm::kEcdsaP384: return "ecdsa-p384";
    case KeyAlgorithm::kEd25519: return "ed25519";
    case KeyAlgorithm::kRsa3072Pss: return "rsa-3072";
  }
  return "unknown";
}

Result<KeyAlgorithm> ParseKeyAlgorithm(std::string_view name) {
  for (auto alg : {KeyAlgorithm::kEcdsaP256, KeyAlgorithm::kEcdsaP384, KeyAlgorithm::kEd25519,
                   KeyAlgorithm::kRsa3072Pss}) {
    if (KeyAlgorithmName(alg) == name) return alg;
  }
  return InvalidArgument("unsupported key type \"" + std::string(name) +
                         "\" (use ecdsa-p256, ecdsa-p384, ed25519 or rsa-3072)");
}

}  // namespace signet::fw
