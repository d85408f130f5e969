// Conversions between what a PKCS#11 token stores or returns and what the rest of Signet uses:
// ECDSA signatures (raw r||s <-> DER), EC points, curve parameters and SubjectPublicKeyInfo.
// Pure functions over bytes; no token access.
#ifndef SIGNET_HSM_KEY_MATERIAL_H_
#define SIGNET_HSM_KEY_MATERIAL_H_

#include <cstddef>

#include "signet/core/bytes.h"
#include "signet/core/result.h"
#include "signet/firmware_iface/signing_key.h"

namespace signet::hsm {

// EcdsaRawToDer converts a PKCS#11 ECDSA signature (r||s, each `coordinate_size` bytes, PKCS#11
// Current Mechanisms §2.3.1) to a DER ECDSA-Sig-Value (RFC 3279 §2.2.3). kInvalidArgument if the
// length is not 2*coordinate_size or r or s is zero.
Result<Bytes> EcdsaRawToDer(ByteView raw, size_t coordinate_size);

// EcdsaDerToRaw is the inverse: it parses a DER ECDSA-Sig-Value strictly (no trailing bytes,
// minimal encoding, as re-encoding must reproduce the input) and left-pads r and s to
// `coordinate_size` bytes. kInvalidArgument on malformed input or an r/s that does not fit.
Result<Bytes> EcdsaDerToRaw(ByteView der, size_t coordinate_size);

// CoordinateSize returns the field size in bytes for an ECDSA or EdDSA algorithm (32, 48, 32),
// or 0 for RSA.
size_t CoordinateSize(SignatureAlgorithm alg);

// EcParamsFor returns the DER CKA_EC_PARAMS for an EC or Edwards algorithm: the namedCurve OID
// (prime256v1, secp384r1, id-Ed25519). kInvalidArgument for RSA.
Result<Bytes> EcParamsFor(SignatureAlgorithm alg);

// AlgorithmFromEcParams maps CKA_EC_PARAMS to an algorithm. It accepts the namedCurve OIDs above
// and, for Ed25519, the PrintableString "edwards25519" that PKCS#11 3.0 also allows. Anything
// else (explicit parameters, other curves) is kUnimplemented naming what it got.
Result<SignatureAlgorithm> AlgorithmFromEcParams(ByteView ec_params);

// EcPointFromAttribute returns the public point from CKA_EC_POINT: PKCS#11 says it is a DER
// OCTET STRING, but some tokens return the raw point. The two are told apart by length
// (`point_size` is 65 for P-256, 97 for P-384, 32 for Ed25519). kInvalidArgument otherwise.
Result<Bytes> EcPointFromAttribute(ByteView attribute, size_t point_size);

// PointSize returns the encoded public point size for `alg` (65, 97, 32; 0 for RSA).
size_t PointSize(SignatureAlgorithm alg);

// SpkiFromEcPoint builds the DER SubjectPublicKeyInfo for an EC (uncompressed point) or Ed25519
// (32-byte) public key; the point must be on the curve. kInvalidArgument otherwise.
Result<Bytes> SpkiFromEcPoint(SignatureAlgorithm alg, ByteView point);

// SpkiFromRsa builds the DER SubjectPublicKeyInfo of an RSA key from big-endian modulus and
// public exponent. kInvalidArgument for an empty modulus, an even exponent or exponent < 3.
Result<Bytes> SpkiFromRsa(ByteView modulus, ByteView exponent);

// PublicKeyFields are the attributes of a PKCS#11 public key object that hold the key itself.
struct PublicKeyFields {
  Bytes ec_params;  // CKA_EC_PARAMS (EC and Ed25519)
  Bytes ec_point;   // CKA_EC_POINT as a DER OCTET STRING (EC: uncompressed point; Ed25519: 32 bytes)
  Bytes modulus;    // CKA_MODULUS (RSA)
  Bytes exponent;   // CKA_PUBLIC_EXPONENT (RSA)
};

// PublicKeyFieldsFromSpki is the inverse of SpkiFromEcPoint / SpkiFromRsa: the attributes that
// recreate the public key object of `spki` (DER SubjectPublicKeyInfo), which must fit `alg`
// (PublicKey::FromSpkiDer's check). kInvalidArgument otherwise.
Result<PublicKeyFields> PublicKeyFieldsFromSpki(SignatureAlgorithm alg, ByteView spki);

}  // namespace signet::hsm

#endif  // SIGNET_HSM_KEY_MATERIAL_H_
