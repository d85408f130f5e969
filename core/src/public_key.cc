// See public_key.h for the allow-list. Every OpenSSL result is compared with == 1 (STYLE.md §2)
// and the error queue is drained on every failure path.
#include "signet/core/public_key.h"

#include <memory>
#include <string>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/rsa.h>

#include "signet/core/findings.h"
#include "signet/core/ossl.h"

namespace signet {
namespace {

using findings::kMalformedInput;
using findings::kSignatureInvalid;
using findings::kUnsupported;

constexpr int kMinRsaPssBits = 2048;
constexpr int kMaxRsaPssBits = 8192;  // bounds the cost of one verification
constexpr int kRsaPssSaltBytes = 32;  // rsa-3072: salt length = hash length

const EVP_MD* MdFor(HashAlgorithm alg) {
  switch (alg) {
    case HashAlgorithm::kSha256: return EVP_sha256();
    case HashAlgorithm::kSha384: return EVP_sha384();
    case HashAlgorithm::kSha512: return EVP_sha512();
  }
  return EVP_sha256();
}

Error Malformed(std::string msg) {
  ossl::DrainErrors();
  return InvalidArgument(std::move(msg)).WithFinding(kMalformedInput);
}
Error Unsupported(std::string msg) {
  ossl::DrainErrors();
  return InvalidArgument(std::move(msg)).WithFinding(kUnsupported);
}
Error BadSignature() {
  ossl::DrainErrors();
  return VerificationFailed(kSignatureInvalid, "signature does not verify");
}

// KeyType is what the key itself is, independent of the algorithm it is bound to.
enum class KeyType { kEcP256, kEcP384, kEd25519, kRsa };

Result<KeyType> KeyTypeOf(EVP_PKEY* key) {
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_EC: {
      char curve[64] = {0};
      size_t len = 0;
      if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, curve, sizeof(curve), &len) != 1) {
        return Unsupported("EC key without a named curve");
      }
      const std::string_view name(curve, len);
      if (name == "prime256v1" || name == "P-256") return KeyType::kEcP256;
      if (name == "secp384r1" || name == "P-384") return KeyType::kEcP384;
      return Unsupported("EC curve " + std::string(name) + " is not allowed (P-256 or P-384)");
    }
    case EVP_PKEY_ED25519:
      return KeyType::kEd25519;
    case EVP_PKEY_RSA:
      return KeyType::kRsa;
    default:
      return Unsupported("key type not allowed (EC P-256/P-384, Ed25519 or RSA)");
  }
}

std::string_view KeyTypeName(KeyType t) {
  switch (t) {
    case KeyType::kEcP256: return "ec-p256";
    case KeyType::kEcP384: return "ec-p384";
    case KeyType::kEd25519: return "ed25519";
    case KeyType::kRsa: return "rsa";
  }
  return "unknown";
}

// CheckFits confirms that `key` (of type `type`) belongs to the profile `alg`.
Status CheckFits(SignatureAlgorithm alg, KeyType type, EVP_PKEY* key) {
  const std::string want(SignatureAlgorithmName(alg));
  auto is = [&](KeyType t, std::string_view expected) -> Status {
    if (type == t) return OkStatus();
    return Unsupported("public key is " + std::string(KeyTypeName(type)) + ", " + want + " needs " +
                       std::string(expected));
  };
  auto rsa_bits = [&](int min, int max) -> Status {
    SIGNET_RETURN_IF_ERROR(is(KeyType::kRsa, "an RSA key"));
    const int bits = EVP_PKEY_get_bits(key);
    if (bits < min || bits > max) {
      return Unsupported("RSA public key has " + std::to_string(bits) + " bits, " + want + " needs " +
                         (min == max ? std::to_string(min) : std::to_string(min) + ".." + std::to_string(max)));
    }
    return OkStatus();
  };
  switch (alg) {
    case SignatureAlgorithm::kEcdsaP256Sha256: return is(KeyType::kEcP256, "an EC P-256 key");
    case SignatureAlgorithm::kEcdsaP384Sha384: return is(KeyType::kEcP384, "an EC P-384 key");
    case SignatureAlgorithm::kEd25519: return is(KeyType::kEd25519, "an Ed25519 key");
    case SignatureAlgorithm::kRsa2048Pkcs1Sha256: return rsa_bits(2048, 2048);
    case SignatureAlgorithm::kRsa3072PssSha256: return rsa_bits(3072, 3072);
    case SignatureAlgorithm::kRsaPssSha256: return rsa_bits(kMinRsaPssBits, kMaxRsaPssBits);
  }
  return Unsupported("unknown signature algorithm");
}

SignatureAlgorithm InferredAlgorithm(KeyType type) {
  switch (type) {
    case KeyType::kEcP256: return SignatureAlgorithm::kEcdsaP256Sha256;
    case KeyType::kEcP384: return SignatureAlgorithm::kEcdsaP384Sha384;
    case KeyType::kEd25519: return SignatureAlgorithm::kEd25519;
    case KeyType::kRsa: return SignatureAlgorithm::kRsaPssSha256;
  }
  return SignatureAlgorithm::kRsaPssSha256;
}

// AppendBn appends a 4-byte big-endian length and the minimal big-endian value of `bn`.
void AppendBn(Bytes& out, const BIGNUM* bn) {
  const size_t n = static_cast<size_t>(BN_num_bytes(bn));
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(n >> shift));
  const size_t at = out.size();
  out.resize(at + n);
  BN_bn2bin(bn, out.data() + at);
}

Result<ossl::UniquePtr<BIGNUM>> GetBn(EVP_PKEY* key, const char* name) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &bn) != 1 || bn == nullptr) {
    BN_free(bn);
    return Malformed("public key value cannot be read");
  }
  return ossl::UniquePtr<BIGNUM>(bn);
}

// CanonicalId computes PublicKey::canonical_id (see the header) from the decoded key, so the
// point format, the curve-parameter encoding and any other SPKI choice do not change it.
Result<Bytes> CanonicalId(EVP_PKEY* key, KeyType type) {
  const std::string_view name = KeyTypeName(type);
  Bytes out(name.begin(), name.end());
  out.push_back(0);
  switch (type) {
    case KeyType::kEcP256:
    case KeyType::kEcP384: {
      const int width = type == KeyType::kEcP256 ? 32 : 48;
      SIGNET_ASSIGN_OR_RETURN(ossl::UniquePtr<BIGNUM> x, GetBn(key, OSSL_PKEY_PARAM_EC_PUB_X));
      SIGNET_ASSIGN_OR_RETURN(ossl::UniquePtr<BIGNUM> y, GetBn(key, OSSL_PKEY_PARAM_EC_PUB_Y));
      out.push_back(0x04);
      const size_t at = out.size();
      out.resize(at + 2 * static_cast<size_t>(width));
      if (BN_bn2binpad(x.get(), out.data() + at, width) != width ||
          BN_bn2binpad(y.get(), out.data() + at + width, width) != width) {
        return Malformed("EC point does not fit its curve");
      }
      return out;
    }
    case KeyType::kEd25519: {
      size_t len = 0;
      if (EVP_PKEY_get_raw_public_key(key, nullptr, &len) != 1 || len != 32) {
        return Malformed("Ed25519 key cannot be read");
      }
      const size_t at = out.size();
      out.resize(at + len);
      if (EVP_PKEY_get_raw_public_key(key, out.data() + at, &len) != 1 || len != 32) {
        return Malformed("Ed25519 key cannot be read");
      }
      return out;
    }
    case KeyType::kRsa: {
      SIGNET_ASSIGN_OR_RETURN(ossl::UniquePtr<BIGNUM> n, GetBn(key, OSSL_PKEY_PARAM_RSA_N));
      SIGNET_ASSIGN_OR_RETURN(ossl::UniquePtr<BIGNUM> e, GetBn(key, OSSL_PKEY_PARAM_RSA_E));
      AppendBn(out, n.get());
      AppendBn(out, e.get());
      return out;
    }
  }
  return Unsupported("key type not allowed");
}

// ConfigureRsa sets the padding (and for PSS the MGF1 hash and salt length) of `alg` on `pctx`.
bool ConfigureRsa(SignatureAlgorithm alg, EVP_PKEY_CTX* pctx) {
  switch (alg) {
    case SignatureAlgorithm::kRsa2048Pkcs1Sha256:
      return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1;
    case SignatureAlgorithm::kRsa3072PssSha256:
    case SignatureAlgorithm::kRsaPssSha256:
      return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
             EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) == 1 &&
             EVP_PKEY_CTX_set_rsa_pss_saltlen(
                 pctx, alg == SignatureAlgorithm::kRsa3072PssSha256 ? kRsaPssSaltBytes : RSA_PSS_SALTLEN_AUTO) == 1;
    default:
      return true;
  }
}

}  // namespace

std::string_view SignatureAlgorithmName(SignatureAlgorithm alg) {
  switch (alg) {
    case SignatureAlgorithm::kEcdsaP256Sha256: return "ecdsa-p256";
    case SignatureAlgorithm::kEcdsaP384Sha384: return "ecdsa-p384";
    case SignatureAlgorithm::kEd25519: return "ed25519";
    case SignatureAlgorithm::kRsa2048Pkcs1Sha256: return "rsa-2048";
    case SignatureAlgorithm::kRsa3072PssSha256: return "rsa-3072";
    case SignatureAlgorithm::kRsaPssSha256: return "rsa-pss-sha256";
  }
  return "unknown";
}

Result<SignatureAlgorithm> ParseSignatureAlgorithm(std::string_view name,
                                                   std::span<const SignatureAlgorithm> allowed,
                                                   std::string_view what) {
  for (SignatureAlgorithm alg : allowed) {
    if (SignatureAlgorithmName(alg) == name) return alg;
  }
  std::string list;
  for (size_t i = 0; i < allowed.size(); ++i) {
    if (i > 0) list += i + 1 == allowed.size() ? " or " : ", ";
    list += SignatureAlgorithmName(allowed[i]);
  }
  return InvalidArgument("unsupported " + std::string(what) + " \"" + std::string(name) + "\" (use " + list + ")");
}

Result<SignatureAlgorithm> ParseSignatureAlgorithm(std::string_view name) {
  return ParseSignatureAlgorithm(name, kAllSignatureAlgorithms, "signature algorithm");
}

HashAlgorithm SignatureAlgorithmHash(SignatureAlgorithm alg) {
  return alg == SignatureAlgorithm::kEcdsaP384Sha384 ? HashAlgorithm::kSha384 : HashAlgorithm::kSha256;
}

Result<PublicKey> PublicKey::Make(EVP_PKEY* key, SignatureAlgorithm alg, Bytes spki) {
  SIGNET_ASSIGN_OR_RETURN(KeyType type, KeyTypeOf(key));
  SIGNET_RETURN_IF_ERROR(CheckFits(alg, type, key));
  if (spki.empty()) {
    auto der = ossl::PublicKeyToDer(key);
    if (!der.ok()) return Malformed("public key cannot be encoded");
    spki = std::move(der).value();
  }
  SIGNET_ASSIGN_OR_RETURN(Bytes canonical, CanonicalId(key, type));
  if (EVP_PKEY_up_ref(key) != 1) return ossl::OpenSslError(ErrorCode::kInternal, "EVP_PKEY_up_ref");
  return PublicKey(std::shared_ptr<EVP_PKEY>(key, EVP_PKEY_free), alg, std::move(spki), std::move(canonical));
}

Result<PublicKey> PublicKey::FromEvp(EVP_PKEY* key) {
  if (key == nullptr) return InvalidArgument("null key");
  SIGNET_ASSIGN_OR_RETURN(KeyType type, KeyTypeOf(key));
  return Make(key, InferredAlgorithm(type), Bytes());
}

Result<PublicKey> PublicKey::FromEvp(EVP_PKEY* key, SignatureAlgorithm alg) {
  if (key == nullptr) return InvalidArgument("null key");
  return Make(key, alg, Bytes());
}

Result<PublicKey> PublicKey::FromCertificate(X509* cert) {
  if (cert == nullptr) return InvalidArgument("null certificate");
  EVP_PKEY* key = X509_get0_pubkey(cert);
  if (key == nullptr) return Malformed("certificate key cannot be decoded");
  SIGNET_ASSIGN_OR_RETURN(KeyType type, KeyTypeOf(key));
  // The certificate keeps its SPKI encoded: re-encoding it through the X509_PUBKEY structure
  // avoids OpenSSL 3's (slow) encoder path that i2d_PUBKEY takes.
  unsigned char* der = nullptr;
  const int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der);
  if (len <= 0) return Malformed("certificate key cannot be encoded");
  Bytes spki(der, der + len);
  OPENSSL_free(der);
  return Make(key, InferredAlgorithm(type), std::move(spki));
}

Result<PublicKey> PublicKey::FromSpkiDer(ByteView spki_der) {
  auto key = ossl::ParsePublicKeyDer(spki_der);
  if (!key.ok()) return Malformed("public key is not a DER SubjectPublicKeyInfo");
  return FromEvp(key->get());
}

Result<PublicKey> PublicKey::FromSpkiDer(ByteView spki_der, SignatureAlgorithm alg) {
  auto key = ossl::ParsePublicKeyDer(spki_der);
  if (!key.ok()) return Malformed("public key is not a DER SubjectPublicKeyInfo");
  return FromEvp(key->get(), alg);
}

Result<PublicKey> PublicKey::FromPem(std::string_view pem) {
  auto key = ossl::ParsePublicKeyPem(pem);
  if (!key.ok()) return Malformed("public key is not a PEM PUBLIC KEY");
  return FromEvp(key->get());
}

Status PublicKey::Verify(ByteView message, ByteView signature) const {
  // 1. An empty signature never verifies.
  if (signature.empty()) return BadSignature();
  // 2. Set up the algorithm's digest (none for pure Ed25519) and RSA padding.
  ossl::UniquePtr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
  if (!ctx) return ossl::OpenSslError(ErrorCode::kInternal, "EVP_MD_CTX_new");
  EVP_PKEY_CTX* pctx = nullptr;
  const EVP_MD* md = algorithm_ == SignatureAlgorithm::kEd25519 ? nullptr : MdFor(hash());
  if (EVP_DigestVerifyInit(ctx.get(), &pctx, md, nullptr, key_.get()) != 1) return BadSignature();
  if (!ConfigureRsa(algorithm_, pctx)) return BadSignature();
  // 3. Verify over the exact message bytes; anything but 1 is a refusal.
  if (EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), message.data(), message.size()) != 1) {
    return BadSignature();
  }
  return OkStatus();
}

Status PublicKey::VerifyDigest(HashAlgorithm alg, ByteView digest, ByteView signature) const {
  // 1. Only a hash-then-sign algorithm, with its own hash and digest length.
  if (algorithm_ == SignatureAlgorithm::kEd25519) {
    return Unsupported("Ed25519 signatures cannot be verified from a digest");
  }
  if (alg != hash()) return Unsupported("digest algorithm does not match the key's algorithm");
  if (digest.size() != HashSize(alg)) return Malformed("digest has the wrong length");
  if (signature.empty()) return BadSignature();
  // 2. Set up the digest and RSA padding.
  ossl::UniquePtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new(key_.get(), nullptr));
  if (!ctx) return ossl::OpenSslError(ErrorCode::kInternal, "EVP_PKEY_CTX_new");
  if (EVP_PKEY_verify_init(ctx.get()) != 1 || EVP_PKEY_CTX_set_signature_md(ctx.get(), MdFor(alg)) != 1 ||
      !ConfigureRsa(algorithm_, ctx.get())) {
    return BadSignature();
  }
  // 3. Verify.
  if (EVP_PKEY_verify(ctx.get(), signature.data(), signature.size(), digest.data(), digest.size()) != 1) {
    return BadSignature();
  }
  return OkStatus();
}

}  // namespace signet
