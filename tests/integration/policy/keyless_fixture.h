// A private Sigstore deployment made in the test, for keyless evidence whose certificate says
// exactly what a test needs: a Fulcio CA, a CT log and a Rekor log of our own, pinned by a
// trusted root written into the test's directory. Certificates come from the synthetic PKI
// helpers (tests/unit/attestation/primitives/synthetic_pki.h); each leaf carries an RFC 6962
// SCT from the test CT log and each bundle a v0.1 dsse/0.0.1 entry with a signed entry
// timestamp, so the gate runs the full keyless verification (chain at signing time, SCT, SET,
// log body, PAE signature, identity) on them.
#ifndef SIGNET_TESTS_INTEGRATION_SIGNER_KEYLESS_FIXTURE_H_
#define SIGNET_TESTS_INTEGRATION_SIGNER_KEYLESS_FIXTURE_H_

#include <map>
#include <optional>
#include <string>

#include "gate_test_util.h"
#include "signet/core/ossl.h"

namespace signet::policy::testutil {

// kFulcioIssuer is the issuer every KeylessCert names unless it says otherwise.
inline constexpr char kFulcioIssuer[] = "https://token.actions.githubusercontent.com";

// KeylessCert describes one Fulcio leaf.
struct KeylessCert {
  std::string san;                     // URI SAN, "<workflow>@<ref>"
  std::string issuer = kFulcioIssuer;  // extension .8
  // Other Fulcio extensions 1.3.6.1.4.1.57264.1.N (N >= 9), each a DER UTF8String value.
  std::map<int, std::string> extensions;
  bool no_expiry = false;  // notAfter 99991231235959Z instead of signing time + 10 minutes
};

// KeylessPki is the deployment (it also has an RFC 3161 TSA); construct it once per test.
class KeylessPki {
 public:
  explicit KeylessPki(const TempDir& dir);
  // root_path is the trusted root JSON pinning the CA, the CT log and the Rekor log.
  const std::string& root_path() const { return root_path_; }
  // Bundle issues a leaf for `cert`, signs PAE(in-toto, statement) with it, logs it at Unix
  // time `time` and returns the v0.1 Sigstore bundle JSON.
  std::string Bundle(const std::string& statement, const KeylessCert& cert, int64_t time);
  // KeyedBundle signs PAE(in-toto, statement) with `signer`, logs it at `log_time` and, when
  // `tsa_time` is set, adds an RFC 3161 token over the signature from the test TSA at that time.
  std::string KeyedBundle(const std::string& statement, const TestKey& signer, int64_t log_time,
                          std::optional<int64_t> tsa_time = std::nullopt);

 private:
  // Logged builds the v0.1 bundle JSON around a signature: dsse/0.0.1 entry with SET, and the
  // verification material `material_json` ("x509CertificateChain" / "publicKey" member).
  std::string Logged(const std::string& statement, const Bytes& sig, const std::string& verifier_pem,
                     const std::string& material_json, int64_t time, std::optional<int64_t> tsa_time);

  ossl::UniquePtr<EVP_PKEY> ca_key_, ct_key_, rekor_key_, tsa_root_key_, tsa_key_;
  ossl::UniquePtr<X509> ca_, tsa_root_, tsa_;
  Bytes ct_log_id_, rekor_log_id_;
  std::string root_path_;
};

}  // namespace signet::policy::testutil

#endif  // SIGNET_TESTS_INTEGRATION_SIGNER_KEYLESS_FIXTURE_H_
