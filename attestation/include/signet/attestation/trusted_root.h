// Sigstore trusted root (dev.sigstore.trustroot.v1.TrustedRoot, media types
// application/vnd.dev.sigstore.trustedroot+json;version=0.1 and ;version=0.2).
//
// Trust decision: the trusted root is the operator's pin. Everything a bundle says is checked
// against it; nothing in a bundle adds to it. Each authority is trusted only inside its
// validity window, a closed interval [start, end]; a window without a start is refused because
// the suite (and prudence) treat a missing start as a malformed root, not as "since forever".
#ifndef SIGNET_ATTESTATION_TRUSTED_ROOT_H_
#define SIGNET_ATTESTATION_TRUSTED_ROOT_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <openssl/x509.h>

#include "signet/core/public_key.h"
#include "signet/core/bytes.h"
#include "signet/core/ossl.h"
#include "signet/core/result.h"
#include "signet/core/time.h"

namespace signet::attestation {

// TimeRange is a closed validity window; `end` absent means open-ended.
struct TimeRange {
  Timestamp start;
  std::optional<Timestamp> end;
  // Contains reports start <= t <= end (both inclusive).
  bool Contains(Timestamp t) const { return start <= t && (!end || t <= *end); }
};

// TransparencyLog is a pinned Rekor log: its log ID (logId.keyId), key and window.
struct TransparencyLog {
  std::string base_url;
  Bytes log_id;
  PublicKey key;
  TimeRange valid_for;
};

// CtLog is a pinned certificate-transparency log. Its key may be any type the SCT verifier
// supports (ECDSA, RSA PKCS#1, Ed25519), so it is kept as a raw OpenSSL key.
struct CtLog {
  std::string base_url;
  Bytes log_id;
  std::shared_ptr<EVP_PKEY> key;
  TimeRange valid_for;
};

// CertificateAuthority is a pinned Fulcio CA or TSA: its chain, issuing certificate first and
// root last, and its window.
struct CertificateAuthority {
  std::string uri;
  std::vector<std::shared_ptr<X509>> chain;
  TimeRange valid_for;
};

// kMaxTrustedRootBytes bounds the trusted root document.
inline constexpr size_t kMaxTrustedRootBytes = 4 * 1024 * 1024;

// TrustedRoot is a parsed trusted root. Immutable after parsing; cheap to copy.
class TrustedRoot {
 public:
  // Parse reads a trusted root JSON document strictly.
  // Steps:
  //   1. Strict JSON; mediaType is trustedroot v0.1 or v0.2.
  //   2. tlogs / ctlogs: base64 DER SPKI keys, base64 logId, validFor with a start (RFC 3339).
  //   3. certificateAuthorities / timestampAuthorities: non-empty chains of base64 DER
  //      certificates, validFor with a start. Each Fulcio CA chain must link (each certificate
  //      signed by the next, issuers are CAs, the last a self-signed root); those signatures
  //      are verified here, once.
  // Fails kInvalidArgument with finding TRUSTED_ROOT_INVALID, naming the offending section.
  static Result<TrustedRoot> Parse(std::string_view json);

  const std::vector<TransparencyLog>& tlogs() const { return tlogs_; }
  const std::vector<CtLog>& ctlogs() const { return ctlogs_; }
  const std::vector<CertificateAuthority>& certificate_authorities() const { return cas_; }
  const std::vector<CertificateAuthority>& timestamp_authorities() const { return tsas_; }

  // FindTlog returns the log whose log ID equals `log_id`, or nullptr.
  const TransparencyLog* FindTlog(ByteView log_id) const;

 private:
  std::vector<TransparencyLog> tlogs_;
  std::vector<CtLog> ctlogs_;
  std::vector<CertificateAuthority> cas_;
  std::vector<CertificateAuthority> tsas_;
};

}  // namespace signet::attestation

#endif  // SIGNET_ATTESTATION_TRUSTED_ROOT_H_
