#include "device_sign.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "signet/core/public_key.h"

namespace signet::tsa::internal {
namespace {

Result<PublicKey> DeviceP256Key(fw::SigningKey& key) {
  if (key.algorithm() != SignatureAlgorithm::kEcdsaP256Sha256) {
    return InvalidArgument("the TSA keys must be ECDSA P-256 keys");
  }
  return PublicKey::FromSpkiDer(key.public_key_spki(), SignatureAlgorithm::kEcdsaP256Sha256);
}

// SignVerified signs `message` in the device and checks the signature on the host: a device
// that returns a wrong signature never gets it into a certificate or a token.
Result<Bytes> SignVerified(fw::SigningKey& key, ByteView message) {
  SIGNET_ASSIGN_OR_RETURN(PublicKey pub, DeviceP256Key(key));
  SIGNET_ASSIGN_OR_RETURN(Bytes sig, key.Sign(message));
  if (Status st = pub.Verify(message, sig); !st.ok()) {
    return Internal("the device returned a signature that does not verify with its public key");
  }
  return sig;
}

}  // namespace

Result<ossl::UniquePtr<EVP_PKEY>> PlaceholderKey(ByteView spki) {
  SIGNET_ASSIGN_OR_RETURN(ossl::UniquePtr<EVP_PKEY> pub, ossl::ParsePublicKeyDer(spki));
  char group[32] = {};
  size_t group_len = 0;
  if (EVP_PKEY_is_a(pub.get(), "EC") != 1 ||
      EVP_PKEY_get_utf8_string_param(pub.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &group_len) != 1 ||
      std::string_view(group, group_len) != "prime256v1") {
    ERR_clear_error();
    return InvalidArgument("the TSA keys must be ECDSA P-256 keys");
  }
  unsigned char point[65];
  size_t point_len = 0;
  if (EVP_PKEY_get_octet_string_param(pub.get(), OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point, &point_len) != 1) {
    return ossl::OpenSslError(ErrorCode::kInternal, "reading the TSA key's public point");
  }
  ossl::UniquePtr<BIGNUM> priv(BN_new());
  ossl::UniquePtr<OSSL_PARAM_BLD> bld(OSSL_PARAM_BLD_new());
  // 255 random bits: below the P-256 group order, never zero in practice (top bit forced).
  if (!priv || !bld || BN_rand(priv.get(), 255, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY) != 1 ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point, point_len) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, priv.get()) != 1) {
    return ossl::OpenSslError(ErrorCode::kInternal, "building the placeholder key");
  }
  ossl::UniquePtr<OSSL_PARAM> params(OSSL_PARAM_BLD_to_param(bld.get()));
  ossl::UniquePtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_KEYPAIR, params.get()) != 1) {
    return ossl::OpenSslError(ErrorCode::kInternal, "building the placeholder key");
  }
  return ossl::UniquePtr<EVP_PKEY>(raw);
}

Bytes DerTlv(uint8_t tag, ByteView content) {
  Bytes out{tag};
  size_t n = content.size();
  if (n < 0x80) {
    out.push_back(static_cast<uint8_t>(n));
  } else {
    Bytes len;
    for (size_t v = n; v != 0; v >>= 8) len.insert(len.begin(), static_cast<uint8_t>(v & 0xff));
    out.push_back(static_cast<uint8_t>(0x80 | len.size()));
    out.insert(out.end(), len.begin(), len.end());
  }
  out.insert(out.end(), content.begin(), content.end());
  return out;
}

Result<ossl::UniquePtr<X509>> SignCertificateInDevice(X509* cert, fw::SigningKey& key) {
  SIGNET_ASSIGN_OR_RETURN(ossl::UniquePtr<EVP_PKEY> placeholder, PlaceholderKey(key.public_key_spki()));
  if (X509_sign(cert, placeholder.get(), EVP_sha256()) <= 0) {
    return ossl::OpenSslError(ErrorCode::kInternal, "encoding the certificate");
  }
  unsigned char* tbs_raw = nullptr;
  int tbs_len = i2d_re_X509_tbs(cert, &tbs_raw);
  if (tbs_len <= 0) return ossl::OpenSslError(ErrorCode::kInternal, "encoding the certificate");
  Bytes tbs(tbs_raw, tbs_raw + tbs_len);
  OPENSSL_free(tbs_raw);
  const ASN1_BIT_STRING* unused_sig = nullptr;
  const X509_ALGOR* alg = nullptr;
  X509_get0_signature(&unused_sig, &alg, cert);
  unsigned char* alg_raw = nullptr;
  int alg_len = i2d_X509_ALGOR(alg, &alg_raw);
  if (alg_len <= 0) return ossl::OpenSslError(ErrorCode::kInternal, "encoding the certificate");
  Bytes alg_der(alg_raw, alg_raw + alg_len);
  OPENSSL_free(alg_raw);

  SIGNET_ASSIGN_OR_RETURN(Bytes sig, SignVerified(key, tbs));
  Bytes bits{0x00};  // no unused bits
  bits.insert(bits.end(), sig.begin(), sig.end());
  Bytes body = tbs;
  body.insert(body.end(), alg_der.begin(), alg_der.end());
  Bytes sig_tlv = DerTlv(0x03, bits);
  body.insert(body.end(), sig_tlv.begin(), sig_tlv.end());
  return ossl::ParseCertificateDer(DerTlv(0x30, body));
}

Status SignSignerInfoInDevice(PKCS7_SIGNER_INFO* si, fw::SigningKey& key) {
  if (si == nullptr || si->auth_attr == nullptr || si->enc_digest == nullptr) {
    return Internal("the token has no signed attributes to sign");
  }
  unsigned char* attrs_raw = nullptr;
  int attrs_len = ASN1_item_i2d(reinterpret_cast<ASN1_VALUE*>(si->auth_attr), &attrs_raw,
                                ASN1_ITEM_rptr(PKCS7_ATTR_SIGN));
  if (attrs_len <= 0) return ossl::OpenSslError(ErrorCode::kInternal, "encoding the signed attributes");
  Bytes attrs(attrs_raw, attrs_raw + attrs_len);
  OPENSSL_free(attrs_raw);
  SIGNET_ASSIGN_OR_RETURN(Bytes sig, SignVerified(key, attrs));
  if (ASN1_STRING_set(si->enc_digest, sig.data(), static_cast<int>(sig.size())) != 1) {
    return ossl::OpenSslError(ErrorCode::kInternal, "setting the token's signature");
  }
  return OkStatus();
}

}  // namespace signet::tsa::internal
