#include "signet/attestation/public_key.h"

#include <memory>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/rsa.h>

#include "signet/attestation/findings.h"
#include "signet/core/ossl.h"

namespace signet::attestation {
namespace {

const EVP_MD* MdFor(HashAlgorithm alg) {
  switch (alg) {
    case HashAlgorithm::kSha256: return EVP_sha256();
    case HashAlgorithm::kSha384: return EVP_sha384();
    case HashAlgorithm::kSha512: return EVP_sha512();
  }
  return EVP_sha256();
}

Error Malformed(std::string msg) {
  return InvalidArgument(std::move(msg)).WithFinding(findings::kMalformedInput);
}
Error Unsupported(std::string msg) {
  return InvalidArgument(std::move(msg)).WithFinding(findings::kUnsupported);
}
Error BadSignature() {
  ossl::DrainErrors();
  return VerificationFailed(findings::kSignatureInvalid, "signature does not verify");
}

Result<SignatureScheme> SchemeOf(EVP_PKEY* key) {
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_EC: {
      char curve[64] = {0};
      size_t len = 0;
      if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, curve, sizeof(curve),
                                         &len) != 1) {
        ossl::DrainErrors();
        return Unsupported("EC key without a named curve");
      }
      std::string_view name(curve, len);
      if (name == "prime256v1" || name == "P-256") return SignatureScheme::kEcdsaP256Sha256;
      if (name == "secp384r1" || name == "P-384") return SignatureScheme::kEcdsaP384Sha384;
      return Unsupported("EC curve not allowed");
    }
    case EVP_PKEY_ED25519:
      return SignatureScheme::kEd25519;
    case EVP_PKEY_RSA:
      if (EVP_PKEY_get_bits(key) < 2048) return Unsupported("RSA key shorter than 2048 bits");
      return SignatureScheme::kRsaPssSha256;
    default:
      return Unsupported("key type not allowed");
  }
}

// AppendBn appends a 4-byte big-endian length and the minimal big-endian value of `bn`.
void AppendBn(Bytes& out, const BIGNUM* bn) {
  const size_t n = static_cast<size_t>(BN_num_bytes(bn));
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(n >> shift));
  const size_t at = out.size();
  out.resize(at + n);
  BN_bn2bin(bn, out.data() + at);
}

struct BnFree {
  void operator()(BIGNUM* b) const { BN_free(b); }
};
using BnPtr = std::unique_ptr<BIGNUM, BnFree>;

Result<BnPtr> GetBn(EVP_PKEY* key, const char* name) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &bn) != 1 || bn == nullptr) {
    BN_free(bn);
    ossl::DrainErrors();
    return Malformed("public key value cannot be read");
  }
  return BnPtr(bn);
}

// CanonicalId computes PublicKey::canonical_id (see the header) from the decoded key, so the
// point format, the curve-parameter encoding and any other SPKI choice do not change it.
Result<Bytes> CanonicalId(EVP_PKEY* key, SignatureScheme scheme) {
  std::string_view name = SignatureSchemeName(scheme);
  Bytes out(name.begin(), name.end());
  out.push_back(0);
  switch (scheme) {
    case SignatureScheme::kEcdsaP256Sha256:
    case SignatureScheme::kEcdsaP384Sha384: {
      const int width = scheme == SignatureScheme::kEcdsaP256Sha256 ? 32 : 48;
      SIGNET_ASSIGN_OR_RETURN(BnPtr x, GetBn(key, OSSL_PKEY_PARAM_EC_PUB_X));
      SIGNET_ASSIGN_OR_RETURN(BnPtr y, GetBn(key, OSSL_PKEY_PARAM_EC_PUB_Y));
      out.push_back(0x04);
      const size_t at = out.size();
      out.resize(at + 2 * static_cast<size_t>(width));
      if (BN_bn2binpad(x.get(), out.data() + at, width) != width ||
          BN_bn2binpad(y.get(), out.data() + at + width, width) != width) {
        ossl::DrainErrors();
        return Malformed("EC point does not fit its curve");
      }
      return out;
    }
    case SignatureScheme::kEd25519: {
      size_t len = 0;
      if (EVP_PKEY_get_raw_public_key(key, nullptr, &len) != 1 || len != 32) {
        ossl::DrainErrors();
        return Malformed("Ed25519 key cannot be read");
      }
      const size_t at = out.size();
      out.resize(at + len);
      if (EVP_PKEY_get_raw_public_key(key, out.data() + at, &len) != 1 || len != 32) {
        ossl::DrainErrors();
        return Malformed("Ed25519 key cannot be read");
      }
      return out;
    }
    case SignatureScheme::kRsaPssSha256: {
      SIGNET_ASSIGN_OR_RETURN(BnPtr n, GetBn(key, OSSL_PKEY_PARAM_RSA_N));
      SIGNET_ASSIGN_OR_RETURN(BnPtr e, GetBn(key, OSSL_PKEY_PARAM_RSA_E));
      AppendBn(out, n.get());
      AppendBn(out, e.get());
      return out;
    }
  }
  return Unsupported("key type not allowed");
}

}  // namespace

std::string_view SignatureSchemeName(SignatureScheme scheme) {
  switch (scheme) {
    case SignatureScheme::kEcdsaP256Sha256: return "ecdsa-p256-sha256";
    case SignatureScheme::kEcdsaP384Sha384: return "ecdsa-p384-sha384";
    case SignatureScheme::kEd25519: return "ed25519";
    case SignatureScheme::kRsaPssSha256: return "rsa-pss-sha256";
  }
  return "unknown";
}

Result<PublicKey> PublicKey::FromEvp(EVP_PKEY* key) {
  if (key == nullptr) return InvalidArgument("null key");
  SIGNET_ASSIGN_OR_RETURN(SignatureScheme scheme, SchemeOf(key));
  auto der = ossl::PublicKeyToDer(key);
  if (!der.ok()) return Malformed("public key cannot be encoded");
  SIGNET_ASSIGN_OR_RETURN(Bytes canonical, CanonicalId(key, scheme));
  if (EVP_PKEY_up_ref(key) != 1) return ossl::OpenSslError(ErrorCode::kInternal, "EVP_PKEY_up_ref");
  return PublicKey(std::shared_ptr<EVP_PKEY>(key, EVP_PKEY_free), scheme, std::move(der).value(),
                   std::move(canonical));
}

Result<PublicKey> PublicKey::FromCertificate(X509* cert) {
  if (cert == nullptr) return InvalidArgument("null certificate");
  EVP_PKEY* key = X509_get0_pubkey(cert);
  if (key == nullptr) return Malformed("certificate key cannot be decoded");
  SIGNET_ASSIGN_OR_RETURN(SignatureScheme scheme, SchemeOf(key));
  // The certificate keeps its SPKI encoded: re-encoding it through the X509_PUBKEY structure
  // avoids OpenSSL 3's (slow) encoder path that i2d_PUBKEY takes.
  unsigned char* der = nullptr;
  int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der);
  if (len <= 0) {
    ossl::DrainErrors();
    return Malformed("certificate key cannot be encoded");
  }
  Bytes spki(der, der + len);
  OPENSSL_free(der);
  SIGNET_ASSIGN_OR_RETURN(Bytes canonical, CanonicalId(key, scheme));
  if (EVP_PKEY_up_ref(key) != 1) return ossl::OpenSslError(ErrorCode::kInternal, "EVP_PKEY_up_ref");
  return PublicKey(std::shared_ptr<EVP_PKEY>(key, EVP_PKEY_free), scheme, std::move(spki),
                   std::move(canonical));
}

Result<PublicKey> PublicKey::FromSpkiDer(ByteView spki_der) {
  auto key = ossl::ParsePublicKeyDer(spki_der);
  if (!key.ok()) return Malformed("public key is not a DER SubjectPublicKeyInfo");
  return FromEvp(key->get());
}

Result<PublicKey> PublicKey::FromPem(std::string_view pem) {
  auto key = ossl::ParsePublicKeyPem(pem);
  if (!key.ok()) return Malformed("public key is not a PEM PUBLIC KEY");
  return FromEvp(key->get());
}

HashAlgorithm PublicKey::hash() const {
  return scheme_ == SignatureScheme::kEcdsaP384Sha384 ? HashAlgorithm::kSha384
                                                      : HashAlgorithm::kSha256;
}

Status PublicKey::Verify(ByteView message, ByteView signature) const {
  if (signature.empty()) return BadSignature();
  ossl::UniquePtr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
  if (!ctx) return ossl::OpenSslError(ErrorCode::kInternal, "EVP_MD_CTX_new");
  EVP_PKEY_CTX* pctx = nullptr;
  const EVP_MD* md = scheme_ == SignatureScheme::kEd25519 ? nullptr : MdFor(hash());
  if (EVP_DigestVerifyInit(ctx.get(), &pctx, md, nullptr, key_.get()) != 1) return BadSignature();
  if (scheme_ == SignatureScheme::kRsaPssSha256) {
    if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
        EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_AUTO) != 1 ||
        EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) != 1) {
      return BadSignature();
    }
  }
  if (EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), message.data(),
                       message.size()) != 1) {
    return BadSignature();
  }
  return OkStatus();
}

Status PublicKey::VerifyDigest(HashAlgorithm alg, ByteView digest, ByteView signature) const {
  if (scheme_ == SignatureScheme::kEd25519) {
    return Unsupported("Ed25519 signatures cannot be verified from a digest");
  }
  if (alg != hash()) return Unsupported("digest algorithm does not match the key's scheme");
  if (digest.size() != HashSize(alg)) return Malformed("digest has the wrong length");
  if (signature.empty()) return BadSignature();
  ossl::UniquePtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new(key_.get(), nullptr));
  if (!ctx) return ossl::OpenSslError(ErrorCode::kInternal, "EVP_PKEY_CTX_new");
  if (EVP_PKEY_verify_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_signature_md(ctx.get(), MdFor(alg)) != 1) {
    return BadSignature();
  }
  if (scheme_ == SignatureScheme::kRsaPssSha256) {
    if (EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PSS_PADDING) != 1 ||
        EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx.get(), RSA_PSS_SALTLEN_AUTO) != 1 ||
        EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), EVP_sha256()) != 1) {
      return BadSignature();
    }
  }
  if (EVP_PKEY_verify(ctx.get(), signature.data(), signature.size(), digest.data(),
                      digest.size()) != 1) {
    return BadSignature();
  }
  return OkStatus();
}

}  // namespace signet::attestation
