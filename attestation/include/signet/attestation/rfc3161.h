// RFC 3161 timestamp verification through OpenSSL's TS API.
//
// Trust decision: a timestamp's genTime is believed only when the token's signer certificate
// chains (at genTime) to a pinned TSA chain from the trusted root, carries the critical
// timeStamping EKU, and genTime lies inside both the signer certificate's validity and the
// trusted root's window for that TSA. Certificates embedded in the token never add trust.
#ifndef SIGNET_ATTESTATION_RFC3161_H_
#define SIGNET_ATTESTATION_RFC3161_H_

#include <optional>
#include <vector>

#include <openssl/x509.h>

#include "signet/core/bytes.h"
#include "signet/core/result.h"
#include "signet/core/time.h"

namespace signet::attestation {

// TsaTrust is one pinned timestamp authority: its certificate chain, leaf (the TSA signing
// certificate) first and root last, and the trusted root's validity window for it (inclusive;
// an absent bound is open). The certificates are not owned and must outlive the call.
struct TsaTrust {
  std::vector<X509*> chain;
  std::optional<Timestamp> valid_from, valid_to;
};

// kMaxTimestampBytes bounds the DER size VerifyRfc3161 accepts.
inline constexpr size_t kMaxTimestampBytes = 64 * 1024;

// VerifyRfc3161 verifies a DER TimeStampResp (status granted/grantedWithMods) or a bare
// TimeStampToken (CMS ContentInfo) over `signed_data` against any of `tsas` and returns genTime.
// Steps:
//   1. Parse strictly (DER, no trailing bytes, size bound); a response must be granted.
//   2. Check the message imprint: algorithm sha256/384/512 only, digest == hash(signed_data).
//   3. For each TsaTrust: check genTime against its window (inclusive); build a store from
//      its chain (root as the only trust anchor, the rest untrusted candidates together with
//      certificates embedded in the token); verify the CMS signature, the ESS signer binding
//      and the signer's chain with the timeStamping EKU (critical, sole purpose); then
//      require genTime inside the validity of every certificate of that chain (inclusive,
//      full precision; OpenSSL's own check treats notAfter as exclusive, so it is off).
//   4. Accept with the first TsaTrust that passes every check.
// Fails VerificationFailed("TIMESTAMP_INVALID", ...).
Result<Timestamp> VerifyRfc3161(ByteView timestamp_der, ByteView signed_data,
                                const std::vector<TsaTrust>& tsas);

}  // namespace signet::attestation

#endif  // SIGNET_ATTESTATION_RFC3161_H_
