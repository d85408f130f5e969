#include "signet/firmware_iface/tpm.h"

namespace signet::fw {

std::string_view AkAlgorithmName(AkAlgorithm alg) {
  switch (alg) {
    case AkAlgorithm::kEcdsaP256: return "ecdsa-p256";
    case AkAlgorithm::kRsa2048: return "rsa-2048";
  }
  return "unknown";
}

Result<AkAlgorithm> ParseAkAlgorithm(std::string_view name) {
  for (auto alg : {AkAlgorithm::kEcdsaP256, AkAlgorithm::kRsa2048}) {
    if (AkAlgorithmName(alg) == name) return alg;
  }
  return InvalidArgument("unsupported attestation key type \"" + std::string(name) +
                         "\" (use ecdsa-p256 or rsa-2048)");
}

}  // namespace signet::fw
