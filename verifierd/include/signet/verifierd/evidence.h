// Evidence for verifierd: sorting files into what `signet gate` reads (provenance, companion
// attestations) and what only verifierd reads (Signet's own release signatures and VSAs), and
// the evidence store that indexes directories by subject digest.
//
// Trust: NOTHING here is verified. Classification and indexing read the unverified payloads
// (predicateType, subject digests) only to decide where a file goes; the gate and the release
// checks verify every byte later, under the operator's policy. A file put into the wrong role
// can only fail verification, never pass it.
#ifndef SIGNET_VERIFIERD_EVIDENCE_H_
#define SIGNET_VERIFIERD_EVIDENCE_H_

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "signet/core/result.h"
#include "signet/policy/inputs.h"

namespace signet::verifierd {

// EvidenceRole says where one file goes.
enum class EvidenceRole {
  kProvenance,     // the gate's --provenance
  kAttestation,    // the gate's --attestation
  kSignature,      // a cosign v3 bundle (image.sigstore.json, predicate cosign/sign/v1)
  kSimpleSigning,  // a cosign simple-signing payload (simplesigning.json; its .sig is paired)
  kVsa,            // a SLSA verification summary bundle (vsa.sigstore.json)
};

// EvidenceFile is one classified file.
struct EvidenceFile {
  std::string name;
  std::string bytes;
  EvidenceRole role = EvidenceRole::kProvenance;
  std::string signature;  // kSimpleSigning: the paired .sig file's content ("" when absent)
  std::string sha256;     // hex SHA-256 of `bytes` (computed once, for cache keys)
  // Unverified facts read for indexing and chain attribution only:
  std::set<std::string> subject_digests;  // lowercase hex sha256 of the statements' subjects
  std::set<std::string> predicate_types;
};

// PeekedStatement is an unverified look into one signed object.
struct PeekedStatement {
  std::string predicate_type;
  std::vector<std::string> sha256_subjects;
};

// PeekStatements returns the (UNVERIFIED) statements found in `bytes` by policy::ReadEvidence.
// Never fails; unreadable objects are skipped.
std::vector<PeekedStatement> PeekStatements(const std::string& name, const std::string& bytes);

// ClassifyEvidence detects a file's role from its content: a simple-signing payload, else by the
// predicate types of its statements (cosign/sign/v1 -> kSignature, a VSA -> kVsa, any SLSA
// provenance -> kProvenance, other types -> kAttestation; unreadable -> kProvenance, so the gate
// reports it as MALFORMED_INPUT exactly as `signet gate --provenance` would). Never fails.
EvidenceFile ClassifyEvidence(std::string name, std::string bytes);

// PairSimpleSignatures attaches each "<stem>.sig" file (any role; it is base64, not JSON) to the
// kSimpleSigning file "<stem>.json" or "<stem>", and drops the paired .sig files. Never fails.
void PairSimpleSignatures(std::vector<EvidenceFile>& files);

// EvidenceStoreStats reports what a scan found.
struct EvidenceStoreStats {
  size_t files = 0;     // regular files read and indexed
  size_t skipped = 0;   // symlinks, special files, oversize or unreadable files
};

// EvidenceStore indexes the files of `evidence.directories` by subject digest. Immutable once
// built: a reload builds a new one.
class EvidenceStore {
 public:
  // Build scans `directories` recursively: only regular files (a symbolic link is never
  // followed, in or out of the tree), at most policy::kMaxEvidenceBytes each, read with core's
  // OpenInputFile/ReadFile. Unreadable files are skipped and counted. Fails kInvalidArgument when
  // a directory itself cannot be opened (a config error: the old store stays on reload).
  static Result<std::shared_ptr<const EvidenceStore>> Build(const std::vector<std::string>& directories);

  // Lookup returns the files whose statements name `digest_hex` (64 lowercase hex), in a stable
  // order (by name). Empty when none.
  std::vector<std::shared_ptr<const EvidenceFile>> Lookup(const std::string& digest_hex) const;

  const EvidenceStoreStats& stats() const { return stats_; }

 private:
  std::map<std::string, std::vector<std::shared_ptr<const EvidenceFile>>> by_digest_;
  EvidenceStoreStats stats_;
};

}  // namespace signet::verifierd

#endif  // SIGNET_VERIFIERD_EVIDENCE_H_
