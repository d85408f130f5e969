// Evidence from the image's registry (see registry_evidence.h).
#include "signet/verifierd/registry_evidence.h"

#include "signet/core/findings.h"
#include "signet/registry/auth.h"
#include "signet/registry/evidence.h"
#include "signet/registry/registry.h"

namespace signet::verifierd {
namespace {

class RegistryEvidence final : public RemoteEvidence {
 public:
  explicit RegistryEvidence(registry::RegistryOptions options) : options_(std::move(options)) {}

  Result<std::vector<EvidenceFile>> Fetch(const std::string& image) const override {
    SIGNET_ASSIGN_OR_RETURN(registry::ImageLocation where, registry::SplitImageReference(image));
    // One client per call: a client caches tokens and is not shared between request threads.
    SIGNET_ASSIGN_OR_RETURN(std::unique_ptr<registry::Registry> reg, registry::Registry::Open(where.host, options_));
    SIGNET_ASSIGN_OR_RETURN(registry::FetchedEvidence fetched,
                            registry::FetchEvidence(*reg, where.repository, where.digest));
    std::vector<EvidenceFile> files;
    files.reserve(fetched.items.size());
    for (registry::EvidenceItem& item : fetched.items) {
      files.push_back(ClassifyEvidence("registry/" + item.name, std::move(item.bytes)));
    }
    PairSimpleSignatures(files);
    return files;
  }

 private:
  registry::RegistryOptions options_;
};

}  // namespace

Result<std::shared_ptr<const RemoteEvidence>> MakeRegistryEvidence(const RegistrySourceConfig& config) {
  registry::RegistryOptions options;
  options.registry_config = config.config;
  options.registry_ca = config.ca;
  options.use_system_store = true;
  if (!config.config.empty()) {
    Result<registry::DockerConfig> parsed = registry::DockerConfig::Load(config.config);
    if (!parsed.ok()) return std::move(parsed).error().Prefix("config: registry.config (" + config.config + ")");
  }
  // Opening a client reads the CA file (a PEM certificate is required); it does not connect.
  Result<std::unique_ptr<registry::Registry>> probe = registry::Registry::Open("localhost", options);
  if (!probe.ok()) return std::move(probe).error().Prefix("config: registry.ca (" + config.ca + ")");
  return std::shared_ptr<const RemoteEvidence>(std::make_shared<RegistryEvidence>(std::move(options)));
}

std::string RegistryFailureCode(const Error& error) {
  if (error.finding() == findings::kRegistryDigestMismatch) return error.finding();
  return findings::kRegistryEvidenceUnavailable;
}

}  // namespace signet::verifierd
