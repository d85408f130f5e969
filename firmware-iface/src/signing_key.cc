#include "signet/firmware_iface/signing_key.h"

#include <algorithm>

#include <openssl/rand.h>

#include "signet/core/ossl.h"

namespace signet::fw {

bool IsSigningKeyAlgorithm(SignatureAlgorithm alg) {
  return std::find(std::begin(kSigningKeyAlgorithms), std::end(kSigningKeyAlgorithms), alg) !=
         std::end(kSigningKeyAlgorithms);
}

bool IsBackupCapable(const KeyAttributes& a) { return a.sensitive && a.extractable && a.wrap_with_trusted; }

Result<SignatureAlgorithm> ParseSigningKeyAlgorithm(std::string_view name) {
  return ParseSignatureAlgorithm(name, kSigningKeyAlgorithms, "key type");
}

Status SelfTest(SigningKey& key) {
  Bytes message(64);
  if (RAND_bytes(message.data(), static_cast<int>(message.size())) != 1) {
    return ossl::OpenSslError(ErrorCode::kInternal, "RAND_bytes");
  }
  SIGNET_ASSIGN_OR_RETURN(Bytes signature, key.Sign(message));
  Result<PublicKey> public_key = PublicKey::FromSpkiDer(key.public_key_spki(), key.algorithm());
  if (!public_key.ok()) return std::move(public_key).error().Prefix("self-test of key " + key.key_id());
  Status verified = public_key->Verify(message, signature);
  if (!verified.ok()) return std::move(verified).error().Prefix("self-test of key " + key.key_id());
  return OkStatus();
}

}  // namespace signet::fw
