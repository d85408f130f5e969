// Test-only PKI: keys, certificates with chosen validity and extensions, and an RFC 3161 TSA
// built on OpenSSL's TS_RESP_CTX, so each window and flag can be placed exactly.
#ifndef SIGNET_TESTS_UNIT_ATTESTATION_PRIMITIVES_SYNTHETIC_PKI_H_
#define SIGNET_TESTS_UNIT_ATTESTATION_PRIMITIVES_SYNTHETIC_PKI_H_

#include <optional>
#include <string>
#include <vector>

#include "signet/core/bytes.h"
#include "signet/core/ossl.h"
#include "signet/core/time.h"

namespace signet::attestation::testpki {

ossl::UniquePtr<EVP_PKEY> NewP256();

// RawExtension is an extension given by dotted OID and its DER value (the OCTET STRING content).
struct RawExtension {
  std::string oid;
  Bytes value;
  bool critical = false;
};

struct CertSpec {
  std::string common_name = "test";
  EVP_PKEY* subject_key = nullptr;
  X509* issuer = nullptr;        // nullptr: self-signed
  EVP_PKEY* issuer_key = nullptr;  // nullptr: subject_key
  Timestamp not_before;
  Timestamp not_after;
  bool no_expiry = false;  // notAfter = 99991231235959Z (RFC 5280 §4.1.2.5)
  bool ca = false;
  // OpenSSL config strings, empty to omit, e.g. "critical,timeStamping".
  std::string extended_key_usage;
  std::string subject_alt_name;  // e.g. "URI:https://x", "email:a@b"
  std::vector<RawExtension> extra;
};

// MakeCert builds and signs a certificate (ECDSA-SHA256); aborts the test on failure.
ossl::UniquePtr<X509> MakeCert(const CertSpec& spec);

// Utf8Der returns the DER encoding of a UTF8String.
Bytes Utf8Der(std::string_view s);

// TsaSpec describes one response of the synthetic TSA.
struct TsaSpec {
  X509* signer = nullptr;
  EVP_PKEY* key = nullptr;
  std::vector<X509*> embedded;  // extra certificates to embed (besides the signer when embed)
  bool embed_signer = true;
  const EVP_MD* imprint_md = nullptr;  // default SHA-256
  Timestamp gen_time;
  // When set, genTime in Unix seconds, for times a Timestamp cannot hold.
  std::optional<int64_t> gen_time_seconds;
};

// MakeTimestampResponse returns a DER TimeStampResp over `data`.
Bytes MakeTimestampResponse(const TsaSpec& spec, ByteView data);

// ResignToken re-wraps the TSTInfo of `response` in a new CMS SignedData (bare ContentInfo,
// with an ESS signingCertificateV2 attribute and the signer embedded) signed by `signer`/`key`,
// which need not be a valid TSA certificate: TS_RESP_CTX refuses such signers, this does not.
Bytes ResignToken(ByteView response, X509* signer, EVP_PKEY* key);

}  // namespace signet::attestation::testpki

#endif  // SIGNET_TESTS_UNIT_ATTESTATION_PRIMITIVES_SYNTHETIC_PKI_H_
