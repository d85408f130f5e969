// Tpm: what ops/ and the daemons know about a TPM 2.0 (PCRs, quotes, EK, attestation key).
//
// No TSS type crosses this interface. TPM structures travel as their TPM 2.0 Part 2 marshaled
// bytes (TPM2B_PUBLIC, TPM2B_PRIVATE, TPMS_ATTEST, TPMT_SIGNATURE, ...), which is also the form
// the pure verifier in attestation/ parses. The TPM side never verifies anything: checks such as
// "the recreated EK equals the certificate's key" or "the activated secret is the one we sealed"
// are made by the caller with attestation/ functions.
#ifndef SIGNET_FIRMWARE_IFACE_TPM_H_
#define SIGNET_FIRMWARE_IFACE_TPM_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "signet/core/bytes.h"
#include "signet/core/public_key.h"
#include "signet/core/result.h"

namespace signet::fw {

// kAttestationKeyAlgorithms are the attestation key profiles a Tpm creates, in the one
// vocabulary of core/public_key.h: "ecdsa-p256" (ECC NIST P-256, ECDSA with SHA-256, the
// default) and "rsa-2048" (RSA-2048, RSASSA-PKCS1-v1_5 with SHA-256). A Tpm refuses any other
// SignatureAlgorithm (kInvalidArgument).
inline constexpr SignatureAlgorithm kAttestationKeyAlgorithms[] = {SignatureAlgorithm::kEcdsaP256Sha256,
                                                                   SignatureAlgorithm::kRsa2048Pkcs1Sha256};

// IsAttestationKeyAlgorithm is true iff `alg` is one of kAttestationKeyAlgorithms.
bool IsAttestationKeyAlgorithm(SignatureAlgorithm alg);
// ParseAttestationKeyAlgorithm parses a CLI/JSON AK type over kAttestationKeyAlgorithms; anything
// else is kInvalidArgument "unsupported attestation key type "X" (use ecdsa-p256 or rsa-2048)".
Result<SignatureAlgorithm> ParseAttestationKeyAlgorithm(std::string_view name);

// EkType selects which endorsement key certificate to read.
enum class EkType {
  kRsa2048,  // TCG EK Credential Profile template L-1, certificate NV index 0x01c00002
  kEccP384,  // high-range ECC P-384 EK as swtpm provisions it, certificate NV index 0x01c00016
};

// AkBlob is an attestation key created under the EK. `private_area` is the TPM2B_PRIVATE the TPM
// returned: it is encrypted and integrity-protected with the EK's seed, so it only loads on the
// TPM that created it, under that EK. It is not a secret in the sense of key material.
struct AkBlob {
  SignatureAlgorithm algorithm = SignatureAlgorithm::kEcdsaP256Sha256;
  Bytes public_area;   // TPM2B_PUBLIC, marshaled
  Bytes private_area;  // TPM2B_PRIVATE, marshaled
  Bytes name;          // TPM2B_NAME contents: nameAlg || H(TPMT_PUBLIC)
};

// Credential is the MakeCredential output ActivateCredential consumes (TPM 2.0 Part 1 §24).
struct Credential {
  Bytes credential_blob;   // TPM2B_ID_OBJECT, marshaled (size-prefixed)
  Bytes encrypted_secret;  // TPM2B_ENCRYPTED_SECRET, marshaled (size-prefixed)
};

// QuoteResult is what TPM2_Quote returned.
struct QuoteResult {
  Bytes attest;     // TPM2B_ATTEST, marshaled (size-prefixed TPMS_ATTEST)
  Bytes signature;  // TPMT_SIGNATURE, marshaled
};

// TlsKeyBlob is a TLS server key created by Tpm::CreateTlsKey: ECC NIST P-256, signing only
// (no decrypt, not restricted, scheme left to the caller so TLS can pick the hash), with
// fixedTPM|fixedParent|sensitiveDataOrigin|userWithAuth and an empty auth value, under the
// owner hierarchy's storage primary, recreated from the ECC P-256 template tpm2-openssl uses
// for a TSS2 PRIVATE KEY file whose parent is TPM_RH_OWNER (see tpm/ARCHITECTURE.md). fixedTPM|fixedParent make it non-duplicable: `private_area` is sealed to the
// parent's seed and loads only on the TPM that created it, under that parent.
struct TlsKeyBlob {
  Bytes public_area;   // TPM2B_PUBLIC, marshaled
  Bytes private_area;  // TPM2B_PRIVATE, marshaled
};

// kTlsKeyParentHandle is the parent a TlsKeyBlob names in its TSS2 PRIVATE KEY file:
// TPM_RH_OWNER, meaning "the owner hierarchy's primary from the provider's standard template".
inline constexpr uint32_t kTlsKeyParentHandle = 0x40000001;

// TpmInfo identifies the TPM (TPM 2.0 Part 2 §6.13, TPM_PT_MANUFACTURER / FIRMWARE_VERSION_n).
struct TpmInfo {
  std::string manufacturer;   // four ASCII characters, trailing NULs/spaces removed ("IBM")
  uint64_t firmware_version = 0;  // FIRMWARE_VERSION_1 << 32 | FIRMWARE_VERSION_2
};

// Tpm is one open connection to a TPM. Implementations hold the device for their lifetime
// (swtpm serves one client at a time), so callers keep a Tpm only as long as they need it.
// Every transient object an operation creates is flushed before the operation returns.
// Errors: kUnavailable when the device cannot be reached or is busy, kInvalidArgument for
// bad parameters, kNotFound for an absent NV index, kInternal for any other TPM response code
// (domain "tss2", native code = TSS2_RC).
class Tpm {
 public:
  virtual ~Tpm() = default;

  // Info reads the manufacturer and firmware version.
  virtual Result<TpmInfo> Info() = 0;

  // ReadPcr returns the SHA-256 bank value of PCR `pcr` (0..23).
  virtual Result<Bytes> ReadPcr(uint32_t pcr) = 0;
  // ExtendPcr extends the SHA-256 bank of PCR `pcr` with a 32-byte `digest`.
  virtual Status ExtendPcr(uint32_t pcr, ByteView digest) = 0;
  // ResetPcr resets PCR `pcr`. Only the locality-0 resettable debug PCRs 16 and 23 are accepted
  // (kInvalidArgument otherwise); production measurements never use them.
  virtual Status ResetPcr(uint32_t pcr) = 0;

  // ReadEkCertificate reads the EK certificate (DER) from its TCG NV index; kNotFound if absent.
  virtual Result<Bytes> ReadEkCertificate(EkType type) = 0;
  // CreateEkPublic recreates the RSA-2048 EK from the TCG default template (L-1) and returns its
  // TPM2B_PUBLIC. The object is flushed before returning.
  virtual Result<Bytes> CreateEkPublic() = 0;

  // CreateAk creates a restricted signing key of profile `alg` (one of kAttestationKeyAlgorithms,
  // else kInvalidArgument) under the RSA EK (endorsement hierarchy, so the quote's clockInfo
  // carries the real resetCount/restartCount).
  virtual Result<AkBlob> CreateAk(SignatureAlgorithm alg) = 0;
  // ActivateCredential loads `ak` under the EK and runs TPM2_ActivateCredential; returns the
  // recovered secret. Fails (kInternal with the TSS2_RC) when the credential was not made for
  // this AK's Name and this EK.
  virtual Result<Bytes> ActivateCredential(const AkBlob& ak, const Credential& credential) = 0;
  // Quote loads `ak` and quotes the SHA-256 bank of `pcrs` with `qualifying_data` (<= 64 bytes,
  // else kInvalidArgument), using the AK's own signing scheme.
  virtual Result<QuoteResult> Quote(const AkBlob& ak, ByteView qualifying_data,
                                    const std::vector<uint32_t>& pcrs) = 0;

  // CreateTlsKey recreates the owner storage primary (deterministic: same seed, same template,
  // same key), creates a TlsKeyBlob under it and flushes both. kInternal with the TSS2_RC when
  // the TPM refuses (e.g. a set owner auth: TPM_RC_BAD_AUTH).
  virtual Result<TlsKeyBlob> CreateTlsKey() = 0;
  // SignWithTlsKey loads `key` under the recreated owner storage primary and signs the 32-byte
  // SHA-256 `digest` with ECDSA (TPM2_Sign, no ticket: the key is not restricted). Returns the
  // marshaled TPMT_SIGNATURE. kInvalidArgument for a malformed blob or a digest that is not 32
  // bytes; kInternal when the blob does not load on this TPM.
  virtual Result<Bytes> SignWithTlsKey(const TlsKeyBlob& key, ByteView digest) = 0;
};

}  // namespace signet::fw

#endif  // SIGNET_FIRMWARE_IFACE_TPM_H_
