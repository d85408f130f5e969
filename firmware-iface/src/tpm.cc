#include "signet/firmware_iface/tpm.h"

#include <algorithm>

namespace signet::fw {

bool IsAttestationKeyAlgorithm(SignatureAlgorithm alg) {
  return std::find(std::begin(kAttestationKeyAlgorithms), std::end(kAttestationKeyAlgorithms), alg) !=
         std::end(kAttestationKeyAlgorithms);
}

Result<SignatureAlgorithm> ParseAttestationKeyAlgorithm(std::string_view name) {
  return ParseSignatureAlgorithm(name, kAttestationKeyAlgorithms, "attestation key type");
}

}  // namespace signet::fw
