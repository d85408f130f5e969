// The EK certificate check shared by the evidence verifier (step 1) and the enrollment challenge.
#ifndef SIGNET_ATTESTATION_SRC_TPM_EK_H_
#define SIGNET_ATTESTATION_SRC_TPM_EK_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "signet/core/bytes.h"
#include "signet/core/result.h"

#include "signet/core/ossl.h"

namespace signet::attestation::internal {

// kTcgKpEkCertificate is tcg-kp-EKCertificate (TCG EK Credential Profile §3.2.16).
inline constexpr const char kTcgKpEkCertificate[] = "2.23.133.8.1";

// EkCheck is the outcome of CheckEkCertificate.
struct EkCheck {
  bool chain_trusted = false;  // the certificate parses and chains to a pinned root
  bool eku_present = false;    // it carries an extendedKeyUsage extension
  bool eku_ok = false;         // absent, or present, well-formed and naming tcg-kp-EKCertificate
  Bytes spki_sha256;           // EkSpkiSha256 of the certificate, when it parses (else empty)
};

// CheckEkCertificate parses `ek_certificate` (DER), builds a path to one of `roots_pem` with
// `chain` (DER, untrusted intermediates) at `verification_time` (seconds; 0 = now), and reads its
// extendedKeyUsage. Problems with the certificate are reported in the EkCheck; an Error
// (kInvalidArgument) only means `roots_pem` itself is unusable.
Result<EkCheck> CheckEkCertificate(ByteView ek_certificate, const std::vector<Bytes>& chain,
                                   std::string_view roots_pem, int64_t verification_time);
// The same against a store of trusted roots built once (X509_STORE is safe to share between
// threads for verification).
Result<EkCheck> CheckEkCertificate(ByteView ek_certificate, const std::vector<Bytes>& chain, X509_STORE* roots,
                                   int64_t verification_time);
// NewEkRootStore builds the store of CheckEkCertificate from PEM.
Result<ossl::UniquePtr<X509_STORE>> NewEkRootStore(std::string_view roots_pem);

// EkSpkiSha256 returns SHA-256 of the certificate's DER SubjectPublicKeyInfo.
Result<Bytes> EkSpkiSha256(ByteView ek_certificate);

}  // namespace signet::attestation::internal

#endif  // SIGNET_ATTESTATION_SRC_TPM_EK_H_
