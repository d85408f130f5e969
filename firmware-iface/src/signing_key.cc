#include "signet/firmware_iface/signing_key.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include "signet/core/ossl.h"

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

namespace signet::fw {
namespace {

// CheckKeyFits confirms that a parsed public key belongs to the profile `alg`.
Status CheckKeyFits(KeyAlgorithm alg, EVP_PKEY* key) {
  switch (alg) {
    case KeyAlgorithm::kEcdsaP256:
    case KeyAlgorithm::kEcdsaP384: {
      char group[64] = {0};
      size_t len = 0;
      if (EVP_PKEY_get_base_id(key) != EVP_PKEY_EC ||
          EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &len) != 1) {
        ossl::DrainErrors();
        return InvalidArgument("public key is not an EC key");
      }
      const std::string want = alg == KeyAlgorithm::kEcdsaP256 ? "prime256v1" : "secp384r1";
      if (group != want) return InvalidArgument("EC public key is on " + std::string(group) + ", expected " + want);
      return OkStatus();
    }
    case KeyAlgorithm::kEd25519:
      if (EVP_PKEY_get_base_id(key) != EVP_PKEY_ED25519) return InvalidArgument("public key is not an Ed25519 key");
      return OkStatus();
    case KeyAlgorithm::kRsa3072Pss:
      if (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA) return InvalidArgument("public key is not an RSA key");
      if (EVP_PKEY_get_bits(key) != 3072) {
        return InvalidArgument("RSA public key has " + std::to_string(EVP_PKEY_get_bits(key)) + " bits, expected 3072");
      }
      return OkStatus();
  }
  return InvalidArgument("unknown key algorithm");
}

}  // namespace

Status VerifySignature(KeyAlgorithm alg, ByteView public_key_spki, ByteView message, ByteView signature) {
  // 1. Parse the SPKI (all bytes consumed) and check it fits the profile.
  SIGNET_ASSIGN_OR_RETURN(ossl::UniquePtr<EVP_PKEY> key, ossl::ParsePublicKeyDer(public_key_spki));
  SIGNET_RETURN_IF_ERROR(CheckKeyFits(alg, key.get()));
  // 2. Set up the verification with the profile's digest and padding.
  ossl::UniquePtr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
  if (!ctx) return ossl::OpenSslError(ErrorCode::kInternal, "EVP_MD_CTX_new");
  const char* md = nullptr;
  if (alg == KeyAlgorithm::kEcdsaP256 || alg == KeyAlgorithm::kRsa3072Pss) md = "SHA256";
  if (alg == KeyAlgorithm::kEcdsaP384) md = "SHA384";
  EVP_PKEY_CTX* pctx = nullptr;
  if (EVP_DigestVerifyInit_ex(ctx.get(), &pctx, md, nullptr, nullptr, key.get(), nullptr) != 1) {
    return ossl::OpenSslError(ErrorCode::kInternal, "EVP_DigestVerifyInit_ex");
  }
  if (alg == KeyAlgorithm::kRsa3072Pss) {
    if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
        EVP_PKEY_CTX_set_rsa_mgf1_md_name(pctx, "SHA256", nullptr) != 1 ||
        EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32) != 1) {
      return ossl::OpenSslError(ErrorCode::kInternal, "configuring RSA-PSS");
    }
  }
  // 3. Verify over the exact message bytes; anything but 1 is a refusal.
  const int rc = EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), message.data(), message.size());
  ossl::DrainErrors();
  if (rc != 1) return VerificationFailed("SIGNATURE_INVALID", "signature does not verify");
  return OkStatus();
}

Status SelfTest(SigningKey& key) {
  Bytes message(64);
  if (RAND_bytes(message.data(), static_cast<int>(message.size())) != 1) {
    return ossl::OpenSslError(ErrorCode::kInternal, "RAND_bytes");
  }
  SIGNET_ASSIGN_OR_RETURN(Bytes signature, key.Sign(message));
  Status verified = VerifySignature(key.algorithm(), key.public_key_spki(), message, signature);
  if (!verified.ok()) return std::move(verified).error().Prefix("self-test of key " + key.key_id());
  return OkStatus();
}

}  // namespace signet::fw
