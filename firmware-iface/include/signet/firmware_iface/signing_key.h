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
#include "signet/core/secret.h"

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
  // wrap_with_trusted is CKA_WRAP_WITH_TRUSTED: the key leaves the device only wrapped under a
  // key the security officer marked trusted. Together with sensitive and extractable it makes a
  // backup-capable key (IsBackupCapable).
  bool wrap_with_trusted = false;
};

// IsBackupCapable is true for a key that may leave its device, but only wrapped under a trusted
// wrapping key: sensitive, extractable and wrap_with_trusted. Such a key is not weak; an
// extractable key without wrap_with_trusted is.
bool IsBackupCapable(const KeyAttributes& a);

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
  // backup makes the key backup-capable (IsBackupCapable: CKA_EXTRACTABLE only together with
  // CKA_WRAP_WITH_TRUSTED); otherwise it is never extractable.
  bool backup = false;
};

// WrappedKey is a private key encrypted under a wrapping key on its device (KeyStore::WrapKey),
// with what it takes to put it back: its label, id, profile and the wrapping mechanism.
struct WrappedKey {
  std::string label;
  Bytes id;
  SignatureAlgorithm algorithm = SignatureAlgorithm::kEcdsaP256Sha256;
  // mechanism is "CKM_AES_KEY_WRAP_KWP" (RFC 5649) or "CKM_AES_KEY_WRAP_PAD" (the same RFC 5649
  // wrapping under its pre-3.0 name, where a token lacks KWP).
  std::string mechanism;
  Bytes ciphertext;
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

  // The backup operations below default to kUnimplemented: a device without them (a TPM) cannot
  // back keys up, and its keys are rotated instead.

  // ImportWrappingKey creates the AES-256 key `label` from `value` (32 bytes) on the device:
  // trusted (marked so by the security officer, whose PIN is `so_pin`), wrap and unwrap only,
  // sensitive, never extractable, private. kAlreadyExists if an object has that label; on any
  // failure nothing is left behind. `value` is read, never copied outside locked memory.
  virtual Status ImportWrappingKey(std::string_view label, const SecretBytes& value, const SecretBytes& so_pin) {
    (void)label, (void)value, (void)so_pin;
    return Unimplemented("this key store cannot hold a wrapping key");
  }
  // DestroyWrappingKey removes the wrapping key `label`. kNotFound if there is none.
  virtual Status DestroyWrappingKey(std::string_view label) {
    (void)label;
    return Unimplemented("this key store cannot hold a wrapping key");
  }
  // WrapKey encrypts the backup-capable private key `key` under the wrapping key `wrapping_label`.
  // kFailedPrecondition if the key is not backup-capable or the wrapping key is not trusted.
  virtual Result<WrappedKey> WrapKey(std::string_view wrapping_label, const SigningKey& key) {
    (void)wrapping_label, (void)key;
    return Unimplemented("this key store cannot back keys up");
  }
  // UnwrapKey puts `wrapped` back on the device under its label and id (backup-capable, sensitive,
  // sign-only), recreates its public key object from `public_key_spki`, and self-tests the pair
  // against that public key. If the unwrapped key does not sign for `public_key_spki`, or any
  // step fails, both objects are destroyed again and the error says so (kVerificationFailed for a
  // key that does not match). kAlreadyExists if the label is taken.
  virtual Result<std::unique_ptr<SigningKey>> UnwrapKey(std::string_view wrapping_label, const WrappedKey& wrapped,
                                                        ByteView public_key_spki) {
    (void)wrapping_label, (void)wrapped, (void)public_key_spki;
    return Unimplemented("this key store cannot restore keys");
  }
  // DestroyKey removes `key`'s private and public objects (a ceremony that fails half-way leaves
  // no key behind). kNotFound if the private key is gone.
  virtual Status DestroyKey(const SigningKey& key) {
    (void)key;
    return Unimplemented("this key store cannot destroy keys");
  }
};

// SelfTest signs a fresh random message with `key` and verifies the signature on the host with
// PublicKey::FromSpkiDer(key.public_key_spki(), key.algorithm()) (so the key must also fit its
// profile: curve, RSA size). Returns the signing or verification error.
Status SelfTest(SigningKey& key);

}  // namespace signet::fw

#endif  // SIGNET_FIRMWARE_IFACE_SIGNING_KEY_H_
