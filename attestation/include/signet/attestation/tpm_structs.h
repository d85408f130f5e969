// Pure parsers for the TPM 2.0 structures in Signet's attestation evidence, and the
// verifier-side MakeCredential. No TSS library and no TPM: these read bytes with a
// bounds-checked big-endian cursor, and each structure level ends with a must-be-empty check.
//
// Only what Signet's verifier accepts is parsed; anything else (other object types, schemes,
// curves, hash algorithms) is refused as malformed or unsupported rather than skipped.
#ifndef SIGNET_ATTESTATION_TPM_STRUCTS_H_
#define SIGNET_ATTESTATION_TPM_STRUCTS_H_

#include <cstdint>
#include <vector>

#include "signet/core/bytes.h"
#include "signet/core/ossl.h"
#include "signet/core/result.h"

namespace signet::attestation {

// TPM 2.0 Part 2 constants Signet uses.
inline constexpr uint16_t kTpmAlgRsa = 0x0001;
inline constexpr uint16_t kTpmAlgSha256 = 0x000B;
inline constexpr uint16_t kTpmAlgSha384 = 0x000C;
inline constexpr uint16_t kTpmAlgNull = 0x0010;
inline constexpr uint16_t kTpmAlgRsassa = 0x0014;
inline constexpr uint16_t kTpmAlgRsapss = 0x0016;
inline constexpr uint16_t kTpmAlgEcdsa = 0x0018;
inline constexpr uint16_t kTpmAlgEcc = 0x0023;
inline constexpr uint16_t kTpmAlgAes = 0x0006;
inline constexpr uint16_t kTpmAlgCfb = 0x0043;
inline constexpr uint16_t kTpmEccNistP256 = 0x0003;
inline constexpr uint16_t kTpmEccNistP384 = 0x0004;
inline constexpr uint32_t kTpmGeneratedValue = 0xff544347;  // TPM_GENERATED_VALUE
inline constexpr uint16_t kTpmStAttestQuote = 0x8018;       // TPM_ST_ATTEST_QUOTE

// TPMA_OBJECT bits (Part 2 §8.3).
inline constexpr uint32_t kAttrFixedTpm = 1u << 1;
inline constexpr uint32_t kAttrStClear = 1u << 2;
inline constexpr uint32_t kAttrFixedParent = 1u << 4;
inline constexpr uint32_t kAttrSensitiveDataOrigin = 1u << 5;
inline constexpr uint32_t kAttrUserWithAuth = 1u << 6;
inline constexpr uint32_t kAttrAdminWithPolicy = 1u << 7;
inline constexpr uint32_t kAttrRestricted = 1u << 16;
inline constexpr uint32_t kAttrDecrypt = 1u << 17;
inline constexpr uint32_t kAttrSign = 1u << 18;

// TpmPublic is a parsed TPMT_PUBLIC of type RSA or ECC (Part 2 §12.2.4).
struct TpmPublic {
  uint16_t type = 0;        // kTpmAlgRsa or kTpmAlgEcc
  uint16_t name_alg = 0;    // kTpmAlgSha256 or kTpmAlgSha384
  uint32_t attributes = 0;  // TPMA_OBJECT
  Bytes auth_policy;
  uint16_t symmetric = kTpmAlgNull;  // TPMT_SYM_DEF_OBJECT.algorithm
  uint16_t symmetric_bits = 0;
  uint16_t symmetric_mode = 0;
  uint16_t scheme = kTpmAlgNull;  // TPMT_RSA_SCHEME / TPMT_ECC_SCHEME
  uint16_t scheme_hash = 0;
  uint16_t rsa_bits = 0;
  uint32_t rsa_exponent = 0;  // 0 means 65537
  uint16_t curve = 0;
  Bytes rsa_modulus;
  Bytes ecc_x, ecc_y;
  Bytes tpmt_bytes;  // the exact TPMT_PUBLIC bytes (what the Name hashes)
};

// ParseTpm2bPublic parses a marshaled TPM2B_PUBLIC. Fails with kInvalidArgument when a length
// or selector is out of range, a type/scheme/curve is outside the supported set, or bytes are
// left over at any level.
Result<TpmPublic> ParseTpm2bPublic(ByteView tpm2b_public);

// ComputeName returns the object Name: nameAlg (UINT16) || H_nameAlg(TPMT_PUBLIC)
// (Part 1 §16). Fails for a name algorithm other than SHA-256/384.
Result<Bytes> ComputeName(const TpmPublic& pub);

// TpmPublicToKey converts the public key to an OpenSSL key: RSA (exponent 0 = 65537) or ECC on
// P-256/P-384 (the point must be on the curve). Fails with kInvalidArgument otherwise.
Result<ossl::UniquePtr<EVP_PKEY>> TpmPublicToKey(const TpmPublic& pub);

// PcrSelection is one TPMS_PCR_SELECTION: a bank and its selected PCR indices, ascending.
struct PcrSelection {
  uint16_t hash = 0;
  std::vector<uint32_t> pcrs;
  bool operator==(const PcrSelection&) const = default;
};

// TpmsAttestQuote is a parsed TPMS_ATTEST of type TPM_ST_ATTEST_QUOTE (Part 2 §10.12.12).
struct TpmsAttestQuote {
  uint32_t magic = 0;
  uint16_t type = 0;
  Bytes qualified_signer;
  Bytes extra_data;
  uint64_t clock = 0;
  uint32_t reset_count = 0;
  uint32_t restart_count = 0;
  bool safe = false;
  uint64_t firmware_version = 0;
  std::vector<PcrSelection> pcr_select;
  Bytes pcr_digest;
};

// ParseTpm2bAttestBody returns the TPMS_ATTEST bytes inside a marshaled TPM2B_ATTEST (the bytes
// the AK signs), failing with kInvalidArgument unless the size prefix covers exactly the rest.
Result<Bytes> ParseTpm2bAttestBody(ByteView tpm2b_attest);

// ParseTpmsAttestQuote parses TPMS_ATTEST bytes. It refuses a wrong magic or a type other than
// quote (each with its own message), any other malformation, and trailing bytes.
Result<TpmsAttestQuote> ParseTpmsAttestQuote(ByteView tpms_attest);

// TpmSignature is a parsed TPMT_SIGNATURE (Part 2 §11.3.4) for RSASSA, RSAPSS or ECDSA.
struct TpmSignature {
  uint16_t sig_alg = 0;
  uint16_t hash_alg = 0;
  Bytes rsa_signature;      // RSASSA/RSAPSS
  Bytes ecdsa_r, ecdsa_s;   // ECDSA
};

// ParseTpmtSignature parses a marshaled TPMT_SIGNATURE; other algorithms and trailing bytes
// fail with kInvalidArgument.
Result<TpmSignature> ParseTpmtSignature(ByteView tpmt_signature);

// SignatureToDer renders the signature as OpenSSL/openssl-CLI expects it: the raw RSA
// signature, or a DER ECDSA-Sig-Value for ECDSA. Fails for an out-of-range r or s.
Result<Bytes> SignatureToDer(const TpmSignature& sig);

// MakeCredentialOutput is what TPM2_ActivateCredential consumes (marshaled, size-prefixed).
struct MakeCredentialOutput {
  Bytes credential_blob;   // TPM2B_ID_OBJECT
  Bytes encrypted_secret;  // TPM2B_ENCRYPTED_SECRET
};

// MakeCredential is the verifier side of TPM 2.0 credential activation (Part 1 §24, Part 3
// TPM2_MakeCredential), in OpenSSL with no TPM. `ek` must be an RSA-2048 storage key with
// SHA-256 name algorithm and AES-128-CFB symmetric (the TCG L-1 template); `object_name` is the
// AK's Name; `credential` (<= 32 bytes) is the secret the TPM will release only if it holds the
// EK's private key and the object with that Name. `seed` must be 32 random bytes (injected for
// known-answer tests). Fails with kInvalidArgument for any other EK shape.
Result<MakeCredentialOutput> MakeCredential(const TpmPublic& ek, ByteView object_name,
                                            ByteView credential, ByteView seed);

// KdfASha256 is the TPM key derivation function KDFa (Part 1 §11.4.10.2, SP 800-108 counter
// mode with HMAC-SHA-256): `bits` of output for `label` (a NUL is appended), contextU and
// contextV. It cannot fail except on allocation failure, which aborts (as core's Hash does).
Bytes KdfASha256(ByteView key, std::string_view label, ByteView context_u, ByteView context_v,
                 size_t bits);

}  // namespace signet::attestation

#endif  // SIGNET_ATTESTATION_TPM_STRUCTS_H_
