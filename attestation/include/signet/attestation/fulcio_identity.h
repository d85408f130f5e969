// The typed identity record of a Fulcio certificate (Fulcio OID registry
// 1.3.6.1.4.1.57264.1.*, docs/oid-info.md in sigstore/fulcio).
//
// Trust decision: this parser trusts nothing by itself. It reads the identity out of a leaf
// certificate that the caller has already verified (chain to a pinned Fulcio CA at signing time,
// SCT); only then is the record meaningful. Policy compares fields exactly, never by prefix.
#ifndef SIGNET_ATTESTATION_FULCIO_IDENTITY_H_
#define SIGNET_ATTESTATION_FULCIO_IDENTITY_H_

#include <string>

#include <openssl/x509.h>

#include "signet/core/json.h"
#include "signet/core/result.h"

namespace signet::attestation {

// FulcioIdentity is the identity a Fulcio certificate binds. Every string field is empty when
// the extension is absent.
struct FulcioIdentity {
  enum class SanType { kUri, kEmail };
  // The single subjectAltName (URI or rfc822Name), exactly as encoded.
  SanType san_type = SanType::kUri;
  std::string san;
  // OIDC issuer: 1.3.6.1.4.1.57264.1.8 (DER UTF8String) when present, else the deprecated
  // 1.3.6.1.4.1.57264.1.1 (raw string). `issuer_v2` records which one was used.
  std::string issuer;
  bool issuer_v2 = false;

  // Deprecated GitHub workflow extensions, raw strings (.2 - .6).
  std::string github_workflow_trigger;     // .2
  std::string github_workflow_sha;         // .3
  std::string github_workflow_name;        // .4
  std::string github_workflow_repository;  // .5
  std::string github_workflow_ref;         // .6

  // Extensions .9 - .22, each a DER UTF8String.
  std::string build_signer_uri;                        // .9
  std::string build_signer_digest;                     // .10
  std::string runner_environment;                      // .11
  std::string source_repository_uri;                   // .12
  std::string source_repository_digest;                // .13
  std::string source_repository_ref;                   // .14
  std::string source_repository_identifier;            // .15
  std::string source_repository_owner_uri;             // .16
  std::string source_repository_owner_identifier;      // .17
  std::string build_config_uri;                        // .18
  std::string build_config_digest;                     // .19
  std::string build_trigger;                           // .20
  std::string run_invocation_uri;                      // .21
  std::string source_repository_visibility_at_signing; // .22
};

// ParseFulcioIdentity reads the identity record of `leaf` (not owned).
// Steps:
//   1. subjectAltName: exactly one GeneralName, a URI or an rfc822Name, valid UTF-8, non-empty.
//   2. Issuer: .8 as a DER UTF8String (no trailing bytes), else .1 as raw bytes; one is required.
//   3. Every other 57264.1.N extension (N in 2..22): present at most once; .2-.6 raw UTF-8,
//      .9-.22 DER UTF8String. Unknown 57264 OIDs are ignored.
// Fails VerificationFailed("MALFORMED_INPUT", ...) on a missing or ambiguous SAN or issuer, a
// duplicated or badly encoded extension, or invalid UTF-8.
Result<FulcioIdentity> ParseFulcioIdentity(X509* leaf);

// ToJson renders the record as an object: "san", "sanType" ("uri"|"email"), "issuer", and one
// camelCase member per non-empty extension field (names as in Fulcio's oid-info.md, e.g.
// "buildSignerURI", "sourceRepositoryDigest"). Used by `verify-bundle --json` and the gate.
JsonValue ToJson(const FulcioIdentity& id);

}  // namespace signet::attestation

#endif  // SIGNET_ATTESTATION_FULCIO_IDENTITY_H_
