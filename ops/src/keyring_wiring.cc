// The CLI's custody wiring (see keyring_wiring.h).
#include "keyring_wiring.h"

#include "signet/core/file.h"
#include "signet/core/secret.h"
#include "signet/custody/revocation.h"

namespace signet::ops {
namespace {

// TokenApprovalSigner is a custodian key on a smartcard or HSM, through fw::SigningKey.
class TokenApprovalSigner final : public custody::ApprovalSigner {
 public:
  TokenApprovalSigner(OpenedKey key, PublicKey pub)
      : key_(std::move(key)), public_key_(std::move(pub)), key_id_(custody::KeyId(public_key_)) {}
  std::string key_id() const override { return key_id_; }
  const PublicKey& public_key() const override { return public_key_; }
  Result<Bytes> Sign(ByteView message) override { return key_.key->Sign(message); }

 private:
  OpenedKey key_;
  PublicKey public_key_;
  std::string key_id_;
};

}  // namespace

Result<std::unique_ptr<custody::ApprovalSigner>> OpenApprovalSigner(Backends& backends, const std::string& key,
                                                                    const KeyBackendFlags& flags) {
  if (key.rfind("pkcs11:", 0) == 0) {
    SIGNET_ASSIGN_OR_RETURN(OpenedKey opened, OpenSigningKey(backends, key, flags));
    SIGNET_ASSIGN_OR_RETURN(PublicKey pub,
                            PublicKey::FromSpkiDer(opened.key->public_key_spki(), opened.key->algorithm()));
    if (pub.algorithm() != SignatureAlgorithm::kEcdsaP256Sha256 && pub.algorithm() != SignatureAlgorithm::kEcdsaP384Sha384) {
      return InvalidArgument("--key: a custodian key must be ECDSA P-256 or P-384");
    }
    return std::unique_ptr<custody::ApprovalSigner>(
        std::make_unique<TokenApprovalSigner>(std::move(opened), std::move(pub)));
  }
  SIGNET_ASSIGN_OR_RETURN(std::string pem, ReadFile(key, 64 * 1024));
  SecretBytes secret = SecretBytes::FromString(pem);
  OPENSSL_cleanse(pem.data(), pem.size());
  auto signer = custody::NewPemApprovalSigner(secret);
  if (!signer.ok()) return std::move(signer).error().Prefix("--key " + key);
  return signer;
}

Result<custody::Keyring> LoadVerifiedKeyring(const std::string& keyring_path, const std::string& revocations_path,
                                             Timestamp now) {
  SIGNET_ASSIGN_OR_RETURN(std::string text, ReadFile(keyring_path, custody::kMaxKeyringBytes));
  auto keyring = custody::ParseKeyring(text);
  if (!keyring.ok()) return std::move(keyring).error().Prefix("--keyring " + keyring_path);
  SIGNET_RETURN_IF_ERROR(custody::VerifyKeyring(*keyring));
  if (!revocations_path.empty()) {
    SIGNET_ASSIGN_OR_RETURN(std::string rtext, ReadFile(revocations_path, custody::kMaxRevocationsBytes));
    auto list = custody::ParseRevocationList(rtext);
    if (!list.ok()) return std::move(list).error().Prefix("--revocations " + revocations_path);
    SIGNET_RETURN_IF_ERROR(custody::VerifyRevocationList(*list, *keyring, now));
    custody::ApplyRevocations(*keyring, *list);
  }
  return keyring;
}

Status CheckKeyringTimes(const custody::Keyring& keyring, const PublicKey& key, std::string_view purpose,
                         const std::vector<Timestamp>& times, Timestamp now) {
  const std::string id = custody::KeyId(key);
  if (times.empty()) return custody::CheckSignatureKey(keyring, id, purpose, std::nullopt, now).ToStatus();
  for (Timestamp t : times) SIGNET_RETURN_IF_ERROR(custody::CheckSignatureKey(keyring, id, purpose, t, now).ToStatus());
  return OkStatus();
}

}  // namespace signet::ops
