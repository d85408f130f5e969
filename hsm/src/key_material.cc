#include "signet/hsm/key_material.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <algorithm>

#include "signet/core/encoding.h"
#include "signet/core/ossl.h"

namespace signet::hsm {
namespace {


const Bytes kP256Oid = {0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07};  // 1.2.840.10045.3.1.7
const Bytes kP384Oid = {0x06, 0x05, 0x2B, 0x81, 0x04, 0x00, 0x22};                    // 1.3.132.0.34
const Bytes kEd25519Oid = {0x06, 0x03, 0x2B, 0x65, 0x70};                              // 1.3.101.112 (RFC 8410)
const std::string_view kEd25519Printable = "edwards25519";

bool Equal(ByteView a, const Bytes& b) { return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin()); }

}  // namespace

size_t CoordinateSize(SignatureAlgorithm alg) {
  switch (alg) {
    case SignatureAlgorithm::kEcdsaP256Sha256: return 32;
    case SignatureAlgorithm::kEcdsaP384Sha384: return 48;
    case SignatureAlgorithm::kEd25519: return 32;
    case SignatureAlgorithm::kRsa3072PssSha256: return 0;
    case SignatureAlgorithm::kRsa2048Pkcs1Sha256:
    case SignatureAlgorithm::kRsaPssSha256: break;
  }
  return 0;
}

size_t PointSize(SignatureAlgorithm alg) {
  switch (alg) {
    case SignatureAlgorithm::kEcdsaP256Sha256: return 65;
    case SignatureAlgorithm::kEcdsaP384Sha384: return 97;
    case SignatureAlgorithm::kEd25519: return 32;
    case SignatureAlgorithm::kRsa3072PssSha256: return 0;
    case SignatureAlgorithm::kRsa2048Pkcs1Sha256:
    case SignatureAlgorithm::kRsaPssSha256: break;
  }
  return 0;
}

Result<Bytes> EcdsaRawToDer(ByteView raw, size_t coordinate_size) {
  // X.690 DER of SEQUENCE { INTEGER r, INTEGER s } (RFC 3279 §2.2.3), written directly: this runs
  // once per signature on the hot path. Curves up to P-384 keep every length below 128, so the
  // short length form is always the right (minimal) one.
  if (coordinate_size == 0 || coordinate_size > 48 || raw.size() != 2 * coordinate_size) {
    return InvalidArgument("ECDSA signature from the token has " + std::to_string(raw.size()) + " bytes, expected " +
                           std::to_string(2 * coordinate_size));
  }
  auto integer = [](ByteView v, Bytes& out) -> bool {
    size_t i = 0;
    while (i < v.size() && v[i] == 0) ++i;
    if (i == v.size()) return false;  // zero is not a valid r or s
    const bool pad = (v[i] & 0x80) != 0;  // keep the INTEGER positive
    out.push_back(0x02);
    out.push_back(static_cast<uint8_t>(v.size() - i + (pad ? 1 : 0)));
    if (pad) out.push_back(0x00);
    out.insert(out.end(), v.begin() + static_cast<std::ptrdiff_t>(i), v.end());
    return true;
  };
  Bytes body;
  body.reserve(2 * coordinate_size + 6);
  if (!integer(raw.first(coordinate_size), body) || !integer(raw.subspan(coordinate_size), body)) {
    return InvalidArgument("ECDSA signature from the token has a zero r or s");
  }
  Bytes out;
  out.reserve(body.size() + 2);
  out.push_back(0x30);
  out.push_back(static_cast<uint8_t>(body.size()));
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

Result<Bytes> EcdsaDerToRaw(ByteView der, size_t coordinate_size) {
  if (coordinate_size == 0) return InvalidArgument("ECDSA: coordinate size is zero");
  const unsigned char* p = der.data();
  ossl::UniquePtr<ECDSA_SIG> sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig) {
    ossl::DrainErrors();
    return InvalidArgument("ECDSA signature is not a DER ECDSA-Sig-Value");
  }
  if (p != der.data() + der.size()) return InvalidArgument("ECDSA signature has trailing bytes");
  // Strict DER: re-encoding must give back the same bytes (rejects non-minimal lengths/integers).
  unsigned char* again = nullptr;
  const int len = i2d_ECDSA_SIG(sig.get(), &again);
  const bool same = len > 0 && static_cast<size_t>(len) == der.size() && std::equal(der.begin(), der.end(), again);
  OPENSSL_free(again);
  if (!same) return InvalidArgument("ECDSA signature is not minimally DER-encoded");
  const BIGNUM* r = ECDSA_SIG_get0_r(sig.get());
  const BIGNUM* s = ECDSA_SIG_get0_s(sig.get());
  if (BN_is_negative(r) || BN_is_negative(s) || BN_is_zero(r) || BN_is_zero(s)) {
    return InvalidArgument("ECDSA signature has a non-positive r or s");
  }
  Bytes out(2 * coordinate_size);
  if (BN_bn2binpad(r, out.data(), static_cast<int>(coordinate_size)) < 0 ||
      BN_bn2binpad(s, out.data() + coordinate_size, static_cast<int>(coordinate_size)) < 0) {
    ossl::DrainErrors();
    return InvalidArgument("ECDSA signature r or s is larger than the curve");
  }
  return out;
}

Result<Bytes> EcParamsFor(SignatureAlgorithm alg) {
  switch (alg) {
    case SignatureAlgorithm::kEcdsaP256Sha256: return kP256Oid;
    case SignatureAlgorithm::kEcdsaP384Sha384: return kP384Oid;
    case SignatureAlgorithm::kEd25519: return kEd25519Oid;
    case SignatureAlgorithm::kRsa3072PssSha256: break;
    case SignatureAlgorithm::kRsa2048Pkcs1Sha256:
    case SignatureAlgorithm::kRsaPssSha256: break;
  }
  return InvalidArgument(std::string(SignatureAlgorithmName(alg)) + " keys have no EC parameters");
}

Result<SignatureAlgorithm> AlgorithmFromEcParams(ByteView params) {
  if (Equal(params, kP256Oid)) return SignatureAlgorithm::kEcdsaP256Sha256;
  if (Equal(params, kP384Oid)) return SignatureAlgorithm::kEcdsaP384Sha384;
  if (Equal(params, kEd25519Oid)) return SignatureAlgorithm::kEd25519;
  // PKCS#11 3.0 §2.3.10 also allows curveName as a PrintableString.
  if (params.size() == 2 + kEd25519Printable.size() && params[0] == 0x13 && params[1] == kEd25519Printable.size() &&
      AsString(params.subspan(2)) == kEd25519Printable) {
    return SignatureAlgorithm::kEd25519;
  }
  return Unimplemented("unsupported EC parameters " + HexEncode(params.subspan(0, std::min<size_t>(params.size(), 32))) +
                       " (supported: P-256, P-384, Ed25519)");
}

Result<Bytes> EcPointFromAttribute(ByteView attribute, size_t point_size) {
  if (point_size == 0 || point_size > 127) return InvalidArgument("EC point: bad expected size");
  if (attribute.size() == point_size + 2 && attribute[0] == 0x04 && attribute[1] == point_size) {
    return Bytes(attribute.begin() + 2, attribute.end());  // DER OCTET STRING (short form length)
  }
  if (attribute.size() == point_size) return Bytes(attribute.begin(), attribute.end());  // raw point
  return InvalidArgument("CKA_EC_POINT has " + std::to_string(attribute.size()) +
                         " bytes; expected a " + std::to_string(point_size) + "-byte point, raw or as a DER OCTET STRING");
}

Result<Bytes> SpkiFromEcPoint(SignatureAlgorithm alg, ByteView point) {
  ossl::UniquePtr<EVP_PKEY> key;
  if (alg == SignatureAlgorithm::kEd25519) {
    if (point.size() != 32) return InvalidArgument("Ed25519 public key must be 32 bytes");
    key.reset(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, point.data(), point.size()));
    if (!key) return ossl::OpenSslError(ErrorCode::kInvalidArgument, "Ed25519 public key");
  } else {
    const char* group = alg == SignatureAlgorithm::kEcdsaP256Sha256 ? "P-256" : alg == SignatureAlgorithm::kEcdsaP384Sha384 ? "P-384" : nullptr;
    if (group == nullptr) return InvalidArgument("not an EC algorithm");
    if (point.size() != PointSize(alg) || point[0] != 0x04) {
      return InvalidArgument("EC public point must be uncompressed (04||X||Y) of " + std::to_string(PointSize(alg)) + " bytes");
    }
    ossl::UniquePtr<OSSL_PARAM_BLD> bld(OSSL_PARAM_BLD_new());
    if (!bld || OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, 0) != 1 ||
        OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) != 1) {
      return ossl::OpenSslError(ErrorCode::kInternal, "building EC key parameters");
    }
    ossl::UniquePtr<OSSL_PARAM> params(OSSL_PARAM_BLD_to_param(bld.get()));
    ossl::UniquePtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
    EVP_PKEY* raw = nullptr;
    if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
        EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
      return ossl::OpenSslError(ErrorCode::kInvalidArgument, "EC public point is not on the curve");
    }
    key.reset(raw);
    // fromdata does not always validate the point; check it explicitly.
    ossl::UniquePtr<EVP_PKEY_CTX> check(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
    if (!check || EVP_PKEY_public_check(check.get()) != 1) {
      return ossl::OpenSslError(ErrorCode::kInvalidArgument, "EC public point is not on the curve");
    }
  }
  return ossl::PublicKeyToDer(key.get());
}

Result<Bytes> SpkiFromRsa(ByteView modulus, ByteView exponent) {
  if (modulus.empty() || exponent.empty()) return InvalidArgument("RSA public key: empty modulus or exponent");
  ossl::UniquePtr<BIGNUM> n(BN_bin2bn(modulus.data(), static_cast<int>(modulus.size()), nullptr));
  ossl::UniquePtr<BIGNUM> e(BN_bin2bn(exponent.data(), static_cast<int>(exponent.size()), nullptr));
  if (!n || !e) return ossl::OpenSslError(ErrorCode::kInternal, "RSA public key");
  if (!BN_is_odd(e.get()) || BN_cmp(e.get(), BN_value_one()) <= 0 || BN_get_word(e.get()) == 1) {
    return InvalidArgument("RSA public exponent must be odd and at least 3");
  }
  if (BN_num_bits(e.get()) < 2) return InvalidArgument("RSA public exponent must be odd and at least 3");
  ossl::UniquePtr<OSSL_PARAM_BLD> bld(OSSL_PARAM_BLD_new());
  if (!bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) != 1) {
    return ossl::OpenSslError(ErrorCode::kInternal, "building RSA key parameters");
  }
  ossl::UniquePtr<OSSL_PARAM> params(OSSL_PARAM_BLD_to_param(bld.get()));
  ossl::UniquePtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return ossl::OpenSslError(ErrorCode::kInvalidArgument, "RSA public key");
  }
  ossl::UniquePtr<EVP_PKEY> key(raw);
  return ossl::PublicKeyToDer(key.get());
}

}  // namespace signet::hsm

namespace signet::hsm {

Result<PublicKeyFields> PublicKeyFieldsFromSpki(SignatureAlgorithm alg, ByteView spki) {
  SIGNET_ASSIGN_OR_RETURN(PublicKey key, PublicKey::FromSpkiDer(spki, alg));
  // canonical_id is "<type>\0" then the uncompressed EC point, the raw Ed25519 key, or the RSA
  // modulus and exponent, each with a 4-byte big-endian length (core/public_key.h).
  const Bytes& id = key.canonical_id();
  const auto nul = std::find(id.begin(), id.end(), uint8_t{0});
  if (nul == id.end()) return Internal("public key without a canonical id");
  ByteView value(&*nul + 1, static_cast<size_t>(id.end() - nul - 1));
  PublicKeyFields out;
  if (alg == SignatureAlgorithm::kRsa3072PssSha256) {
    auto take = [&value](Bytes* field) {
      if (value.size() < 4) return false;
      const size_t n = (size_t{value[0]} << 24) | (size_t{value[1]} << 16) | (size_t{value[2]} << 8) | value[3];
      if (value.size() - 4 < n) return false;
      field->assign(value.begin() + 4, value.begin() + 4 + static_cast<std::ptrdiff_t>(n));
      value = value.subspan(4 + n);
      return true;
    };
    if (!take(&out.modulus) || !take(&out.exponent) || !value.empty()) return Internal("malformed RSA canonical id");
    return out;
  }
  if (value.size() != PointSize(alg)) return Internal("unexpected public point size");
  SIGNET_ASSIGN_OR_RETURN(out.ec_params, EcParamsFor(alg));
  // PKCS#11 Current Mechanisms §2.3.3: CKA_EC_POINT is a DER OCTET STRING; every size here is < 128.
  out.ec_point.push_back(0x04);
  out.ec_point.push_back(static_cast<uint8_t>(value.size()));
  out.ec_point.insert(out.ec_point.end(), value.begin(), value.end());
  return out;
}

}  // namespace signet::hsm
