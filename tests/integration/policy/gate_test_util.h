// Shared helpers for the gate integration tests: writing policies, running the gate, and making
// signed DSSE evidence with key material generated in the test (OpenSSL).
#ifndef SIGNET_TESTS_INTEGRATION_SIGNER_GATE_TEST_UTIL_H_
#define SIGNET_TESTS_INTEGRATION_SIGNER_GATE_TEST_UTIL_H_

#include <set>
#include <string>
#include <vector>

#include <openssl/evp.h>

#include "signet/core/bytes.h"
#include "signet/core/ossl.h"
#include "signet/policy/gate.h"

namespace signet::policy::testutil {

// Vec returns the path of a shared vector, e.g. Vec("accept/gcb/x.json").
std::string Vec(const std::string& rel);
// ReadText reads a file or fails the test.
std::string ReadText(const std::string& path);
// FileDigest returns "sha256:<hex>" of a file.
std::string FileDigest(const std::string& path);

// TempDir is a temporary directory removed on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  // Write writes `content` to `name` inside the directory and returns the full path.
  std::string Write(const std::string& name, const std::string& content) const;

 private:
  std::string path_;
};

// Evaluate loads the policy file `policy_path` (and its trusted root) and decides.
Decision Evaluate(const std::string& policy_path, const std::string& subject,
                  const std::vector<std::string>& provenance,
                  const std::vector<std::string>& attestations, const std::string& at);

// Codes returns the set of finding codes of a decision.
std::set<std::string> Codes(const Decision& d);
// Describe renders a decision's findings for failure messages.
std::string Describe(const Decision& d);

// TestKey is a signing key generated for one test.
struct TestKey {
  ossl::UniquePtr<EVP_PKEY> key;
  std::string pub_path;  // PEM SubjectPublicKeyInfo written into the test's directory
};
// MakeKey generates "ec" (P-256) or "ed25519" and writes its public key as `name`.pub.
TestKey MakeKey(const TempDir& dir, const std::string& name, const std::string& type = "ec");
// Sign signs `message` (ECDSA P-256/SHA-256 DER, or Ed25519).
Bytes Sign(const TestKey& key, ByteView message);

// DsseSig is one envelope signature.
struct DsseSig {
  std::string keyid;
  Bytes sig;
};
// Envelope renders a DSSE envelope JSON.
std::string Envelope(const std::string& payload_type, const std::string& payload,
                     const std::vector<DsseSig>& sigs);
// SignedEnvelope signs PAE(payload_type, payload) with each key.
std::string SignedEnvelope(const std::string& payload, const std::vector<const TestKey*>& keys,
                           const std::string& payload_type = "application/vnd.in-toto+json");
// Statement renders an in-toto v1 statement about `digest_hex`.
std::string Statement(const std::string& digest_hex, const std::string& predicate_type,
                      const std::string& predicate_json);
// ProvenanceV1 renders a SLSA v1 predicate.
std::string ProvenanceV1(const std::string& builder_id, const std::string& build_type,
                         const std::string& repo, const std::string& ref,
                         const std::string& finished_on = "2026-11-25T09:00:00Z");

}  // namespace signet::policy::testutil

#endif  // SIGNET_TESTS_INTEGRATION_SIGNER_GATE_TEST_UTIL_H_
