// Test-only readers for the sigstore-conformance cases in ../shared: just enough of the bundle
// and trusted_root.json formats to feed the primitives, without the bundle parser.
#ifndef SIGNET_TESTS_UNIT_ATTESTATION_PRIMITIVES_CASE_DATA_H_
#define SIGNET_TESTS_UNIT_ATTESTATION_PRIMITIVES_CASE_DATA_H_

#include <optional>
#include <string>
#include <vector>

#include "signet/attestation/checkpoint.h"
#include "signet/attestation/rfc3161.h"
#include "signet/attestation/sct.h"
#include "signet/core/bytes.h"
#include "signet/core/json.h"
#include "signet/core/ossl.h"
#include "signet/core/time.h"

namespace signet::attestation::testdata {

// ConformanceDir is ../shared/conformance/bundle-verify.
std::string ConformanceDir();

// TrustedRoot owns the keys and certificates of one trusted_root.json.
struct TrustedRoot {
  struct Log {
    Bytes log_id;
    ossl::UniquePtr<EVP_PKEY> key;
    std::optional<Timestamp> start, end;
  };
  struct CertChain {
    std::vector<ossl::UniquePtr<X509>> certs;
    std::optional<Timestamp> start, end;
  };
  std::vector<Log> tlogs, ctlogs;
  std::vector<CertChain> cas, tsas;

  std::vector<NoteKey> NoteKeys() const;
  std::vector<CtLogKey> CtLogKeys() const;
  std::vector<TsaTrust> TsaTrusts() const;
  // IssuerOf returns the CA certificate that issued `leaf`, or nullptr.
  X509* IssuerOf(X509* leaf) const;
};

// Case is one conformance case directory, partially decoded.
struct Case {
  std::string name;
  JsonValue bundle;
  TrustedRoot root;

  // Certificate returns the leaf certificate DER (certificate or first chain entry).
  Bytes LeafDer() const;
  // Signature returns the message signature or the first DSSE signature, decoded.
  Bytes Signature() const;
  // Timestamps returns the decoded rfc3161Timestamps[].signedTimestamp values.
  std::vector<Bytes> Timestamps() const;
  // Entry returns tlogEntries[0].
  const JsonValue& Entry() const;
  bool HasInclusionProof() const;
  std::string CheckpointEnvelope() const;
  uint64_t ProofIndex() const;
  uint64_t ProofTreeSize() const;
  Bytes ProofRoot() const;
  std::vector<Bytes> ProofHashes() const;
  Bytes LeafHash() const;  // MerkleLeafHash(canonicalizedBody)
};

// LoadTrustedRoot parses a trusted_root.json file; aborts the test on malformed input.
TrustedRoot LoadTrustedRoot(const std::string& path);
// LoadCase loads case `name` with its own trusted root or the public-good one.
Case LoadCase(const std::string& name);

}  // namespace signet::attestation::testdata

#endif  // SIGNET_TESTS_UNIT_ATTESTATION_PRIMITIVES_CASE_DATA_H_
