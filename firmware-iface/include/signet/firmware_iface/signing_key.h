// SigningKey and KeyStore: what signer/ and ops/ know about hardware-held keys.
//
// Nothing above hsm/ and tpm/ sees PKCS#11 or TSS types; they see these interfaces. A key never
// leaves its device: the interface has no way to read private material.
#ifndef SIGNET_FIRMWARE_IFACE_SIGNING_KEY_H_
#define SIGNET_FIRMWARE_IFACE_SIGNING_KEY_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "signet/core/bytes.h"
#include "signet/core/public_key.h"
#include "signet/core/result.h"

namespace signet::fw {

// kSigningKeyAlgorithms are the signing profiles a KeyStore may hold, in the one vocabulary of
// core/public_key.h: "ecdsa-p256" (the default), "ecdsa-p384", "ed25519", "rsa-3072". A backend
// refuses any other SignatureAlgorithm (kInvalidArgument).
inline constexpr SignatureAlgorithm kSigningKeyAlgorithms[] = {
    SignatureAlgorithm::kEcdsaP256Sha256, SignatureAlgorithm::kEcdsaP384Sha384, SignatureAlgorithm::kEd25519,
    SignatureAlgorithm::kRsa3072PssSha256};

// IsSigningKeyAlgorithm is true iff `alg` is one of kSigningKeyAlgorithms.
bool IsSigningKeyAlgorithm(SignatureAlgorithm alg);
// ParseSigningKeyAlgorithm parses a CLI key type over kSigningKeyAlgorithms; anything else is
// kInvalidArgument "unsupported key type "X" (use ecdsa-p256, ecdsa-p384, ed25519 or rsa-3072)".
Result<SignatureAlgorithm> ParseSigningKeyAlgorithm(std::string_view name);

// KeyAttributes are the security-relevant attributes a backend reports for a private key.
struct KeyAttributes {
  std::string label;
  Bytes id;
  bool token = false;             // persistent on the device
  bool is_private = false;        // needs login
  bool sensitive = false;
  bool extractable = true;
  bool always_sensitive = false;
  bool never_extractable = false;
  bool can_sign = false;
  bool can_decrypt = false;
  bool can_unwrap = false;
  bool can_derive = false;
};

// SigningKey is a private key held by a device. Implementations are thread-safe.
class SigningKey {
 public:
  virtual ~SigningKey() = default;
  // algorithm returns the key's signing profile.
  virtual SignatureAlgorithm algorithm() const = 0;
  // public_key_spki returns the public key as DER SubjectPublicKeyInfo.
  virtual const Bytes& public_key_spki() const = 0;
  // key_id returns a stable id: lowercase hex SHA-256 of the SPKI DER.
  virtual std::string key_id() const = 0;
  // attributes returns the device-reported attributes, read when the key was opened.
  virtual const KeyAttributes& attributes() const = 0;
  // Sign signs `message`. ECDSA and RSA-PSS hash on the host and return a DER ECDSA signature
  // or a raw PSS signature; Ed25519 signs the whole message. Returns kUnavailable while the
  // device is gone; the key works again once it is back.
  virtual Result<Bytes> Sign(ByteView message) = 0;
};

// KeyInfo describes one key found by KeyStore::ListKeys.
struct KeyInfo {
  std::string uri;  // selects exactly this key
  SignatureAlgorithm algorithm = SignatureAlgorithm::kEcdsaP256Sha256;
  KeyAttributes attributes;
  Bytes public_key_spki;  // empty if the public object is absent
};

// GenerateOptions controls KeyStore::GenerateKey.
struct GenerateOptions {
  std::string label;
  SignatureAlgorithm algorithm = SignatureAlgorithm::kEcdsaP256Sha256;
};

// OpenOptions controls KeyStore::FindKey.
struct OpenOptions {
  // allow_weak lets a caller use a key that is extractable or not sensitive. Off by default:
  // such a key is refused with an error naming the attribute.
  bool allow_weak = false;
};

// KeyStore finds, generates and lists keys on one device (token).
class KeyStore {
 public:
  virtual ~KeyStore() = default;
  // FindKey opens the single private key matching `selector` (a backend URI). Zero matches is
  // kNotFound; several is kInvalidArgument listing the candidates.
  virtual Result<std::unique_ptr<SigningKey>> FindKey(std::string_view selector, const OpenOptions& options) = 0;
  // GenerateKey creates a non-extractable, sign-only key and self-tests it. On any failure it
  // leaves nothing behind on the device.
  virtual Result<std::unique_ptr<SigningKey>> GenerateKey(const GenerateOptions& options) = 0;
  // ListKeys lists the private keys visible on the token.
  virtual Result<std::vector<KeyInfo>> ListKeys() = 0;
  // SupportedAlgorithms lists the profiles (a subset of kSigningKeyAlgorithms) the device can
  // both generate and sign with (probed from the device, not assumed). The default is kUnimplemented for backends that cannot tell.
  virtual Result<std::vector<SignatureAlgorithm>> SupportedAlgorithms() {
    return Unimplemented("this key store cannot report its supported algorithms");
  }
};

// SelfTest signs a fresh random message with `key` and verifies the signature on the host with
// PublicKey::FromSpkiDer(key.public_key_spki(), key.algorithm()) (so the key must also fit its
// profile: curve, RSA size). Returns the signing or verification error.
Status SelfTest(SigningKey& key);

}  // namespace signet::fw

#endif  // SIGNET_FIRMWARE_IFACE_SIGNING_KEY_H_
