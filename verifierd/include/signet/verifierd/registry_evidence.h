// Evidence read from an image's registry (issue 18): when a /v1/verify request or an admission
// review carries no inline evidence and the config has a `registry` section, verifierd reads
// cosign's `.sig`/`.att`/`.sbom` tags and the OCI 1.1 referrers of the digest
// (registry::FetchEvidence) and classifies them like files of the evidence store.
//
// Trust: the registry is trusted for nothing but availability. Everything it serves is
// digest-checked by registry/ and then verified by the gate and the release checks under the
// policy, like any other evidence. A registry failure fails closed: the verdict is a denial with a
// finding naming it (REGISTRY_DIGEST_MISMATCH, REGISTRY_EVIDENCE_UNAVAILABLE), never an allow
// from whatever else was at hand.
#ifndef SIGNET_VERIFIERD_REGISTRY_EVIDENCE_H_
#define SIGNET_VERIFIERD_REGISTRY_EVIDENCE_H_

#include <memory>
#include <string>
#include <vector>

#include "signet/core/result.h"
#include "signet/verifierd/config.h"
#include "signet/verifierd/evidence.h"

namespace signet::verifierd {

// RemoteEvidence reads the evidence about one digest-pinned image reference. Thread-safe.
class RemoteEvidence {
 public:
  virtual ~RemoteEvidence() = default;
  // Fetch returns the classified files (simple-signing signatures paired). Errors are the
  // registry's (registry.h), with findings where it gives one.
  virtual Result<std::vector<EvidenceFile>> Fetch(const std::string& image) const = 0;
};

// MakeRegistryEvidence checks the `registry` section's files (the docker config parses, the CA
// file holds a certificate) and returns the registry-backed RemoteEvidence. kInvalidArgument /
// kNotFound naming the key (a config error: --check-config reports it, a reload keeps the old
// state).
Result<std::shared_ptr<const RemoteEvidence>> MakeRegistryEvidence(const RegistrySourceConfig& config);

// RegistryFailureCode is the finding a denial carries for a registry error: its own finding
// (REGISTRY_DIGEST_MISMATCH) when it has one, else REGISTRY_EVIDENCE_UNAVAILABLE.
std::string RegistryFailureCode(const Error& error);

}  // namespace signet::verifierd

#endif  // SIGNET_VERIFIERD_REGISTRY_EVIDENCE_H_
