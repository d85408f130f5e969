// Embedded Signed Certificate Timestamps (RFC 6962 §3.2-§3.3) in Fulcio certificates.
//
// Trust decision: an embedded SCT counts only when its log ID names a pinned CT log, its
// timestamp lies inside that log's validity window, and its signature verifies with the log's
// pinned key over the precertificate entry rebuilt from the leaf (issuer key hash + TBS without
// the SCT list extension). Unknown logs and malformed individual SCTs are skipped, not trusted.
#ifndef SIGNET_ATTESTATION_SCT_H_
#define SIGNET_ATTESTATION_SCT_H_

#include <optional>
#include <vector>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "signet/core/bytes.h"
#include "signet/core/result.h"
#include "signet/core/time.h"

namespace signet::attestation {

// CtLogKey is one pinned CT log: its 32-byte log ID (SHA-256 of the SPKI DER), its key (not
// owned, must outlive the call) and the trusted root's validity window (inclusive; an absent
// bound is open) that the SCT timestamp must fall into.
struct CtLogKey {
  Bytes log_id;
  EVP_PKEY* key = nullptr;
  std::optional<Timestamp> valid_from, valid_to;
};

// ParsedSct is one parsed v1 SignedCertificateTimestamp (RFC 6962 §3.2). Its views point into
// the bytes given to ParseSctList, which must outlive it.
struct ParsedSct {
  ByteView log_id;  // 32 bytes
  uint64_t timestamp_ms = 0;
  ByteView extensions;
  uint8_t hash_alg = 0;
  uint8_t sig_alg = 0;
  ByteView signature;  // non-empty
};

// ParseSctList parses a TLS-encoded SignedCertificateTimestampList (RFC 6962 §3.3): one
// opaque<1..2^16-1> vector of non-empty SerializedSCTs, no trailing bytes. An SCT that is not
// a well-formed v1 SCT is skipped (the RFC lets clients ignore what they cannot parse) and so
// can never verify. Fails VerificationFailed("SCT_INVALID") when the list itself is malformed.
// Step 1 of VerifyEmbeddedScts; public so that tests and fuzzers reach it without a valid chain.
Result<std::vector<ParsedSct>> ParseSctList(ByteView list);

// PrecertTbs returns the DER TBSCertificate of `leaf` (not owned) with its one SCT list
// extension removed: the precert entry's tbs (RFC 6962 §3.2). Fails
// VerificationFailed("SCT_INVALID") when the leaf has no SCT list, more than one, or cannot be
// re-encoded. Step 2 of VerifyEmbeddedScts; public for tests and fuzzers.
Result<Bytes> PrecertTbs(X509* leaf);

// VerifyEmbeddedScts verifies that `leaf` carries at least one embedded SCT from a log in
// `logs` that verifies. `issuer` is the certificate that signed `leaf` (its SPKI hash is part
// of the signed precert entry). Neither certificate is owned.
// Steps:
//   1. Extract the SCT list extension (1.3.6.1.4.1.11129.2.4.2) and parse it strictly
//      (TLS vectors, v1 SCTs only, no trailing bytes).
//   2. Rebuild the precert TBS: the leaf's TBSCertificate without the SCT list extension.
//   3. For each SCT from a pinned log: check its timestamp against the log window, then verify
//      its signature (ECDSA/SHA-256 or RSA PKCS#1 v1.5/SHA-256, or Ed25519) over the
//      RFC 6962 §3.2 digitally-signed struct.
//   4. Accept when at least one SCT verifies.
// Fails VerificationFailed("SCT_INVALID", ...).
Status VerifyEmbeddedScts(X509* leaf, X509* issuer, const std::vector<CtLogKey>& logs);

}  // namespace signet::attestation

#endif  // SIGNET_ATTESTATION_SCT_H_
