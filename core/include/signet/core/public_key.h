// One public-key type and one signature-algorithm enum for the whole appliance (issue 13 Part 1,
// STYLE.md §5, §10 "identify keys by their canonical value").
//
// SignatureAlgorithm names every signature profile Signet signs or verifies: the keys the HSM and
// TPM hold (fw::SigningKey, fw::Tpm attestation keys) and the keys operators pin (builders,
// transparency logs, TSAs, release signers) speak this one vocabulary. A PublicKey is a parsed
// SubjectPublicKeyInfo bound to exactly one SignatureAlgorithm, checked against the explicit
// allow-list below when it is made; nothing in signed data can change the algorithm afterwards.
//
// The allow-list (anything else is refused at parse time, kInvalidArgument, finding UNSUPPORTED):
//   ecdsa-p256      ECDSA on NIST P-256 with SHA-256, DER signatures
//   ecdsa-p384      ECDSA on NIST P-384 with SHA-384, DER signatures
//   ed25519         pure Ed25519 (RFC 8032) over the message
//   rsa-2048        RSASSA-PKCS1-v1_5 with SHA-256, modulus exactly 2048 bits (TPM attestation keys)
//   rsa-3072        RSASSA-PSS, SHA-256, MGF1-SHA-256, salt 32, modulus exactly 3072 bits
//                   (appliance signing keys)
//   rsa-pss-sha256  RSASSA-PSS, SHA-256, MGF1-SHA-256, any salt length, modulus 2048..8192 bits
//                   (operator-pinned keys whose signer chose the salt)
// No SHA-1 and no other curve, ever. OpenSSL only.
#ifndef SIGNET_CORE_PUBLIC_KEY_H_
#define SIGNET_CORE_PUBLIC_KEY_H_

#include <memory>
#include <span>
#include <string_view>
#include <utility>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "signet/core/bytes.h"
#include "signet/core/hash.h"
#include "signet/core/result.h"

namespace signet {

// SignatureAlgorithm is one signature profile: key type, curve or size, hash and padding.
enum class SignatureAlgorithm {
  kEcdsaP256Sha256,     // "ecdsa-p256"
  kEcdsaP384Sha384,     // "ecdsa-p384"
  kEd25519,             // "ed25519"
  kRsa2048Pkcs1Sha256,  // "rsa-2048"
  kRsa3072PssSha256,    // "rsa-3072"
  kRsaPssSha256,        // "rsa-pss-sha256"
};

// kAllSignatureAlgorithms lists every SignatureAlgorithm, in declaration order.
inline constexpr SignatureAlgorithm kAllSignatureAlgorithms[] = {
    SignatureAlgorithm::kEcdsaP256Sha256,    SignatureAlgorithm::kEcdsaP384Sha384,
    SignatureAlgorithm::kEd25519,            SignatureAlgorithm::kRsa2048Pkcs1Sha256,
    SignatureAlgorithm::kRsa3072PssSha256,   SignatureAlgorithm::kRsaPssSha256,
};

// SignatureAlgorithmName returns the stable external spelling ("ecdsa-p256", ...; see the table
// above). These strings are an interface (CLI flag values, key and AK files, JSON): never change one.
std::string_view SignatureAlgorithmName(SignatureAlgorithm alg);

// ParseSignatureAlgorithm is the inverse of SignatureAlgorithmName over `allowed`: a name outside
// `allowed` (or unknown) is kInvalidArgument "unsupported <what> "<name>" (use a, b or c)".
Result<SignatureAlgorithm> ParseSignatureAlgorithm(std::string_view name,
                                                   std::span<const SignatureAlgorithm> allowed,
                                                   std::string_view what);
// ParseSignatureAlgorithm with every algorithm allowed; `what` is "signature algorithm".
Result<SignatureAlgorithm> ParseSignatureAlgorithm(std::string_view name);

// SignatureAlgorithmHash returns the hash the algorithm signs with (SHA-256 for Ed25519, which
// hashes internally and cannot verify a digest).
HashAlgorithm SignatureAlgorithmHash(SignatureAlgorithm alg);

// PublicKey is an immutable, cheaply copyable verification key bound to one SignatureAlgorithm.
class PublicKey {
 public:
  // FromSpkiDer parses a DER SubjectPublicKeyInfo (all bytes) and infers the algorithm from the
  // key alone: P-256 -> ecdsa-p256, P-384 -> ecdsa-p384, Ed25519 -> ed25519, RSA of 2048..8192
  // bits -> rsa-pss-sha256. Fails kInvalidArgument with finding MALFORMED_INPUT for bad DER and
  // UNSUPPORTED for a key outside the allow-list.
  static Result<PublicKey> FromSpkiDer(ByteView spki_der);
  // FromSpkiDer(spki, alg) binds the key to `alg` and checks that it fits (type, curve, exact or
  // bounded modulus size); a key that does not fit is kInvalidArgument with finding UNSUPPORTED
  // and a message naming what differs. Bad DER as above.
  static Result<PublicKey> FromSpkiDer(ByteView spki_der, SignatureAlgorithm alg);
  // FromPem parses one PEM "PUBLIC KEY" block; the algorithm is inferred as in FromSpkiDer.
  static Result<PublicKey> FromPem(std::string_view pem);
  // FromEvp takes a reference to `key` (not consumed); the algorithm is inferred as in FromSpkiDer.
  static Result<PublicKey> FromEvp(EVP_PKEY* key);
  // FromEvp(key, alg) takes a reference to `key` and binds it to `alg` as FromSpkiDer(spki, alg).
  static Result<PublicKey> FromEvp(EVP_PKEY* key, SignatureAlgorithm alg);
  // FromCertificate takes the subject public key of `cert` (not owned); inferred as FromSpkiDer.
  static Result<PublicKey> FromCertificate(X509* cert);

  // algorithm is the one algorithm this key verifies.
  SignatureAlgorithm algorithm() const { return algorithm_; }
  // get returns the OpenSSL key, owned by this object (and its copies).
  EVP_PKEY* get() const { return key_.get(); }
  // spki_der returns the DER SubjectPublicKeyInfo as encoded (what a transparency log entry
  // records). One key has several SPKI encodings, so never count keys by it: use canonical_id.
  const Bytes& spki_der() const { return spki_der_; }
  // canonical_id identifies the key by its public value alone, whatever its encoding and
  // whatever algorithm it is bound to: the key type ("ec-p256", "ec-p384", "ed25519", "rsa"), a
  // NUL, then the uncompressed EC point (0x04 || X || Y, fixed width), the raw 32-byte Ed25519
  // key, or the RSA modulus and public exponent (each 4-byte length-prefixed, minimal
  // big-endian). Two PublicKeys are the same key iff their canonical_ids are equal; thresholds
  // and duplicate checks compare this.
  const Bytes& canonical_id() const { return canonical_id_; }
  // hash returns SignatureAlgorithmHash(algorithm()).
  HashAlgorithm hash() const { return SignatureAlgorithmHash(algorithm_); }

  // Verify checks `signature` over the exact bytes of `message` with this key's algorithm
  // (ECDSA signatures are DER). Fails VerificationFailed("SIGNATURE_INVALID", ...) with one fixed
  // message; kInternal only when OpenSSL cannot allocate.
  Status Verify(ByteView message, ByteView signature) const;
  // VerifyDigest checks a signature over a message known only by its digest (`alg` must be the
  // algorithm's hash and `digest` its length, else kInvalidArgument). Ed25519 cannot verify a
  // pre-hashed message: kInvalidArgument with finding UNSUPPORTED. A bad signature fails
  // VerificationFailed("SIGNATURE_INVALID", ...).
  Status VerifyDigest(HashAlgorithm alg, ByteView digest, ByteView signature) const;

 private:
  PublicKey(std::shared_ptr<EVP_PKEY> key, SignatureAlgorithm alg, Bytes spki, Bytes canonical)
      : key_(std::move(key)), algorithm_(alg), spki_der_(std::move(spki)), canonical_id_(std::move(canonical)) {}
  static Result<PublicKey> Make(EVP_PKEY* key, SignatureAlgorithm alg, Bytes spki);
  std::shared_ptr<EVP_PKEY> key_;
  SignatureAlgorithm algorithm_;
  Bytes spki_der_;
  Bytes canonical_id_;
};

}  // namespace signet

#endif  // SIGNET_CORE_PUBLIC_KEY_H_
