// Custodian approval keys and the approval message (see approval.h).
#include "signet/custody/approval.h"

#include <openssl/core_names.h>
#include <openssl/pem.h>

#include <algorithm>
#include <string>

#include "json_fields.h"
#include "signet/core/encoding.h"
#include "signet/core/findings.h"
#include "signet/core/hash.h"

namespace signet::custody {
namespace {

constexpr std::string_view kApprovalPrefix = "signet-custody-approval";

bool IsCustodianAlgorithm(SignatureAlgorithm alg) {
  return alg == SignatureAlgorithm::kEcdsaP256Sha256 || alg == SignatureAlgorithm::kEcdsaP384Sha384;
}

class PemApprovalSigner final : public ApprovalSigner {
 public:
  PemApprovalSigner(ossl::UniquePtr<EVP_PKEY> key, PublicKey pub)
      : key_(std::move(key)), public_key_(std::move(pub)), key_id_(KeyId(public_key_)) {}

  std::string key_id() const override { return key_id_; }
  const PublicKey& public_key() const override { return public_key_; }

  Result<Bytes> Sign(ByteView message) override {
    ossl::UniquePtr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
    if (!ctx) return ossl::OpenSslError(ErrorCode::kInternal, "approval: EVP_MD_CTX_new");
    const char* md = public_key_.algorithm() == SignatureAlgorithm::kEcdsaP384Sha384 ? "SHA384" : "SHA256";
    if (EVP_DigestSignInit_ex(ctx.get(), nullptr, md, nullptr, nullptr, key_.get(), nullptr) != 1) {
      return ossl::OpenSslError(ErrorCode::kInternal, "approval: EVP_DigestSignInit_ex");
    }
    size_t len = 0;
    if (EVP_DigestSign(ctx.get(), nullptr, &len, message.data(), message.size()) != 1) {
      return ossl::OpenSslError(ErrorCode::kInternal, "approval: EVP_DigestSign");
    }
    Bytes sig(len);
    if (EVP_DigestSign(ctx.get(), sig.data(), &len, message.data(), message.size()) != 1) {
      return ossl::OpenSslError(ErrorCode::kInternal, "approval: EVP_DigestSign");
    }
    sig.resize(len);
    return sig;
  }

 private:
  ossl::UniquePtr<EVP_PKEY> key_;
  PublicKey public_key_;
  std::string key_id_;
};

}  // namespace

Bytes ApprovalMessage(std::string_view context, ByteView payload) {
  // One allocation and copies by offset (GCC 12's -Wstringop-overflow misreads chained inserts).
  Bytes m(kApprovalPrefix.size() + 1 + context.size() + 1 + payload.size(), 0);
  size_t at = 0;
  std::copy(kApprovalPrefix.begin(), kApprovalPrefix.end(), m.begin());
  at += kApprovalPrefix.size() + 1;
  std::copy(context.begin(), context.end(), m.begin() + static_cast<std::ptrdiff_t>(at));
  at += context.size() + 1;
  std::copy(payload.begin(), payload.end(), m.begin() + static_cast<std::ptrdiff_t>(at));
  return m;
}

std::string KeyId(const PublicKey& key) {
  Result<Bytes> der = ossl::PublicKeyToDer(key.get());
  // PublicKeyToDer only fails on allocation failure; fall back to the key's own encoding.
  return HexEncode(Sha256(der.ok() ? ByteView(*der) : ByteView(key.spki_der())));
}

Result<PublicKey> ParseCustodianPublicKey(std::string_view pem) {
  SIGNET_ASSIGN_OR_RETURN(PublicKey key, PublicKey::FromPem(pem));
  if (!IsCustodianAlgorithm(key.algorithm())) {
    return InvalidArgument("a custodian key must be ECDSA P-256 or P-384, not " +
                           std::string(SignatureAlgorithmName(key.algorithm())))
        .WithFinding(findings::kUnsupported);
  }
  return key;
}

Result<ossl::UniquePtr<EVP_PKEY>> ParseCustodianPrivateKey(const SecretBytes& pem) {
  ByteView text = pem.Reveal();
  if (text.size() > 64 * 1024) return InvalidArgument("custodian private key: file too large");
  ossl::UniquePtr<BIO> bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
  if (!bio) return ossl::OpenSslError(ErrorCode::kInternal, "BIO_new_mem_buf");
  // No passphrase callback: an encrypted key is refused rather than prompting.
  ossl::UniquePtr<EVP_PKEY> key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, const_cast<char*>("")));
  if (!key) {
    ossl::DrainErrors();
    return InvalidArgument("custodian private key: not an unencrypted PEM private key");
  }
  Result<PublicKey> pub = PublicKey::FromEvp(key.get());
  if (!pub.ok() || !IsCustodianAlgorithm(pub->algorithm())) {
    return InvalidArgument("custodian private key: must be EC P-256 or P-384").WithFinding(findings::kUnsupported);
  }
  return key;
}

Result<std::unique_ptr<ApprovalSigner>> NewPemApprovalSigner(const SecretBytes& pem) {
  SIGNET_ASSIGN_OR_RETURN(ossl::UniquePtr<EVP_PKEY> key, ParseCustodianPrivateKey(pem));
  SIGNET_ASSIGN_OR_RETURN(PublicKey pub, PublicKey::FromEvp(key.get()));
  return std::unique_ptr<ApprovalSigner>(std::make_unique<PemApprovalSigner>(std::move(key), std::move(pub)));
}

Result<Bytes> SignApproval(ApprovalSigner& signer, std::string_view context, ByteView payload) {
  return internal::SignAndCheck(signer, ApprovalMessage(context, payload));
}

namespace internal {

Result<Bytes> SignAndCheck(ApprovalSigner& signer, ByteView message) {
  if (!IsCustodianAlgorithm(signer.public_key().algorithm())) {
    return InvalidArgument("approval: the custodian key must be ECDSA P-256 or P-384");
  }
  SIGNET_ASSIGN_OR_RETURN(Bytes sig, signer.Sign(message));
  if (!signer.public_key().Verify(message, sig).ok()) {
    return Internal("approval: the custodian key's signature does not verify with its public key");
  }
  return sig;
}

}  // namespace internal
}  // namespace signet::custody
