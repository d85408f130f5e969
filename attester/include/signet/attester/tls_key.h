// The daemons' TLS key inside the TPM (issue 14 part 1): `signet attest tls-key` creates a
// non-duplicable ECDSA P-256 key under the TPM's owner storage primary, writes it as a
// "TSS2 PRIVATE KEY" PEM file (the format Debian's tpm2-openssl provider loads, and that
// `tls.key: tpm2:PATH` names), and writes a PKCS#10 CSR for it signed inside the TPM.
// See attester/ARCHITECTURE.md and tpm/ARCHITECTURE.md.
#ifndef SIGNET_ATTESTER_TLS_KEY_H_
#define SIGNET_ATTESTER_TLS_KEY_H_

#include <string>
#include <string_view>
#include <vector>

#include "signet/attester/attester.h"
#include "signet/core/bytes.h"
#include "signet/core/result.h"
#include "signet/firmware_iface/tpm.h"

namespace signet::attester {

// TlsKeyOpts are the inputs of MakeTlsKey.
struct TlsKeyOpts {
  std::string out;                     // key file (TSS2 PRIVATE KEY PEM, mode 0600)
  std::string csr;                     // CSR file (PEM CERTIFICATE REQUEST, mode 0644)
  std::string subject = "/CN=signet";  // "/K=V/K=V" (CN, O, OU, C, ST, L; no escapes)
  std::vector<std::string> sans;       // "DNS:name" or "IP:address" (v4 or v6 literal)
};

// TlsKeyResult says what MakeTlsKey made.
struct TlsKeyResult {
  Bytes spki_der;        // the key's SubjectPublicKeyInfo (what the CSR and the cert carry)
  Bytes spki_sha256;     // SHA-256 of spki_der: the channel binding of a cert for this key
};

// EncodeTss2PrivateKeyPem renders `key` as the TSS2 PRIVATE KEY file of the OpenSSL TPM2
// engine/provider key format (OID 2.23.133.10.1.3 loadableKey, emptyAuth TRUE, parent
// fw::kTlsKeyParentHandle, the marshaled TPM2B_PUBLIC and TPM2B_PRIVATE as OCTET STRINGs).
// kInvalidArgument when either area is empty or larger than a TPM2B can be.
Result<std::string> EncodeTss2PrivateKeyPem(const fw::TlsKeyBlob& key);

// ParseSubject parses "/K=V/K=V" into DER of an X.509 Name (for tests and the CSR).
// kInvalidArgument for an empty value, a missing '=', a backslash, or a key OpenSSL does not know.
Result<Bytes> ParseSubject(std::string_view subject);

// MakeTlsKey:
//   1. checks the subject and SANs (kInvalidArgument) before touching the TPM;
//   2. creates the key in the TPM (fw::Tpm::CreateTlsKey), and requires the returned public
//      area to be ECC P-256, sign-only, fixedTPM|fixedParent|sensitiveDataOrigin (kInternal);
//   3. builds the CSR (subject, SANs in an extensionRequest), hashes its
//      CertificationRequestInfo with SHA-256 and has the TPM sign it (ecdsa-with-SHA256);
//   4. checks the CSR's signature with the public key in software (kInternal otherwise);
//   5. releases the TPM, then writes the key file (0600) and the CSR (0644) atomically.
Result<TlsKeyResult> MakeTlsKey(const TlsKeyOpts& opts, const TpmOpener& open_tpm);

}  // namespace signet::attester

#endif  // SIGNET_ATTESTER_TLS_KEY_H_
