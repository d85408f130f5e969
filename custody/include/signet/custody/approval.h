// Custodian approvals: who signs, and what exactly is signed (issue 17 point 2).
//
// A custodian approves a ceremony transcript head, a keyring version, a revocation list or a
// policy file with an ECDSA P-256 or P-384 key. The key is either a PEM file
// (NewPemApprovalSigner, here) or a smartcard/HSM key that ops wraps from fw::SigningKey: this
// module never touches hardware.
//
// Every approval signs ApprovalMessage(context, payload): a fixed domain prefix, the context
// string and the payload, so a signature over one kind of document can never be replayed as an
// approval of another.
#ifndef SIGNET_CUSTODY_APPROVAL_H_
#define SIGNET_CUSTODY_APPROVAL_H_

#include <memory>
#include <string>
#include <string_view>

#include <openssl/evp.h>

#include "signet/core/bytes.h"
#include "signet/core/ossl.h"
#include "signet/core/public_key.h"
#include "signet/core/result.h"
#include "signet/core/secret.h"

namespace signet::custody {

// The contexts of ApprovalMessage, one per kind of approved document.
inline constexpr std::string_view kTranscriptContext = "signet.transcript/v1";
inline constexpr std::string_view kKeyringContext = "signet.keyring/v1";
inline constexpr std::string_view kRevocationsContext = "signet.revocations/v1";
inline constexpr std::string_view kPolicyContext = "signet.policy/v1";

// ApprovalMessage returns "signet-custody-approval\0" || context || "\0" || payload.
Bytes ApprovalMessage(std::string_view context, ByteView payload);

// KeyId returns the key's id: lowercase hex SHA-256 of its SubjectPublicKeyInfo DER as OpenSSL
// encodes it (the same id fw::SigningKey::key_id reports for a token key).
std::string KeyId(const PublicKey& key);

// ParseCustodianPublicKey parses a PEM public key and checks it is ECDSA P-256 or P-384 (the only
// custodian keys: they sign approvals and receive shares by ECDH). kInvalidArgument otherwise.
Result<PublicKey> ParseCustodianPublicKey(std::string_view pem);

// ParseCustodianPrivateKey parses an unencrypted PEM private key (PKCS#8 "PRIVATE KEY" or
// "EC PRIVATE KEY") held in `pem` and checks it is EC P-256 or P-384. The caller keeps the PEM
// in SecretBytes; errors never quote it. kInvalidArgument for anything else.
Result<ossl::UniquePtr<EVP_PKEY>> ParseCustodianPrivateKey(const SecretBytes& pem);

// ApprovalSigner is one custodian's signing key.
class ApprovalSigner {
 public:
  virtual ~ApprovalSigner() = default;
  // key_id is KeyId(public_key()).
  virtual std::string key_id() const = 0;
  // public_key is the custodian's public key.
  virtual const PublicKey& public_key() const = 0;
  // Sign returns a DER ECDSA signature over `message` (hashed with the curve's hash, as
  // PublicKey::Verify checks it). Device errors are returned as the device reports them.
  virtual Result<Bytes> Sign(ByteView message) = 0;
};

// NewPemApprovalSigner makes a signer from a PEM private key (see ParseCustodianPrivateKey). The
// signer owns the parsed key; `pem` may be discarded afterwards.
Result<std::unique_ptr<ApprovalSigner>> NewPemApprovalSigner(const SecretBytes& pem);

// SignApproval signs ApprovalMessage(context, payload) with `signer` and checks the signature
// with the signer's public key before returning it (a device that signs wrongly is kInternal).
Result<Bytes> SignApproval(ApprovalSigner& signer, std::string_view context, ByteView payload);

}  // namespace signet::custody

#endif  // SIGNET_CUSTODY_APPROVAL_H_
