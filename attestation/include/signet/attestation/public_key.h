// Verification keys with an explicit algorithm allow-list (STYLE.md §5).
//
// A PublicKey is parsed from a SubjectPublicKeyInfo and bound to exactly one signature scheme
// decided by the key itself, never by the signed data: ECDSA P-256/SHA-256, ECDSA P-384/SHA-384,
// Ed25519, or RSA-PSS/SHA-256 (2048 bits and more). Anything else is refused at parse time.
#ifndef SIGNET_ATTESTATION_PUBLIC_KEY_H_
#define SIGNET_ATTESTATION_PUBLIC_KEY_H_

#include <memory>
#include <string_view>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "signet/core/bytes.h"
#include "signet/core/hash.h"
#include "signet/core/result.h"

namespace signet::attestation {

// SignatureScheme is the one scheme a PublicKey verifies.
enum class SignatureScheme { kEcdsaP256Sha256, kEcdsaP384Sha384, kEd25519, kRsaPssSha256 };

// SignatureSchemeName returns a stable name ("ecdsa-p256-sha256", ...).
std::string_view SignatureSchemeName(SignatureScheme scheme);

// PublicKey is an immutable, cheaply copyable verification key.
class PublicKey {
 public:
  // FromSpkiDer parses a DER SubjectPublicKeyInfo. Fails kInvalidArgument with finding
  // MALFORMED_INPUT for bad DER and UNSUPPORTED for a key outside the allow-list.
  static Result<PublicKey> FromSpkiDer(ByteView spki_der);
  // FromPem parses one PEM "PUBLIC KEY" block; failures as FromSpkiDer.
  static Result<PublicKey> FromPem(std::string_view pem);
  // FromEvp takes a reference to `key` (not consumed); failures as FromSpkiDer.
  static Result<PublicKey> FromEvp(EVP_PKEY* key);
  // FromCertificate takes the subject public key of `cert` (not owned); failures as FromSpkiDer.
  static Result<PublicKey> FromCertificate(X509* cert);

  SignatureScheme scheme() const { return scheme_; }
  // get returns the OpenSSL key, owned by this object (and its copies).
  EVP_PKEY* get() const { return key_.get(); }
  // spki_der returns the DER SubjectPublicKeyInfo as encoded (what a transparency log entry
  // records). One key has several SPKI encodings, so never count keys by it: use canonical_id.
  const Bytes& spki_der() const { return spki_der_; }
  // canonical_id identifies the key by its public value alone, whatever its encoding: the
  // scheme name, then the uncompressed EC point (0x04 || X || Y, fixed width), the raw 32-byte
  // Ed25519 key, or the RSA modulus and public exponent (each 4-byte length-prefixed, minimal
  // big-endian). Two PublicKeys are the same key iff their canonical_ids are equal; thresholds
  // and duplicate checks compare this.
  const Bytes& canonical_id() const { return canonical_id_; }

  // Verify checks `signature` over `message` with this key's scheme (ECDSA signatures are DER).
  // Fails VerificationFailed("SIGNATURE_INVALID", ...).
  Status Verify(ByteView message, ByteView signature) const;
  // VerifyDigest checks a signature over a message known only by its digest (`alg` must be the
  // scheme's hash). Ed25519 cannot verify a pre-hashed message: that fails kInvalidArgument
  // with finding UNSUPPORTED. A bad signature fails VerificationFailed("SIGNATURE_INVALID", ...).
  Status VerifyDigest(HashAlgorithm alg, ByteView digest, ByteView signature) const;
  // HashForScheme returns the hash the scheme signs with (SHA-256 for Ed25519's prehash callers,
  // which VerifyDigest refuses anyway).
  HashAlgorithm hash() const;

 private:
  PublicKey(std::shared_ptr<EVP_PKEY> key, SignatureScheme scheme, Bytes spki, Bytes canonical)
      : key_(std::move(key)), scheme_(scheme), spki_der_(std::move(spki)), canonical_id_(std::move(canonical)) {}
  std::shared_ptr<EVP_PKEY> key_;
  SignatureScheme scheme_;
  Bytes spki_der_;
  Bytes canonical_id_;
};

}  // namespace signet::attestation

#endif  // SIGNET_ATTESTATION_PUBLIC_KEY_H_
