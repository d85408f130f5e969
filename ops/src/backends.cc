// The only place concrete hsm:: and tpm:: backends are constructed (see backends.h).
#include "signet/ops/backends.h"

#include <cstdlib>
#include <utility>

#include "signet/hsm/key_store.h"
#include "signet/tpm/esys_tpm.h"

namespace signet::ops {
namespace {

class HardwareBackends final : public Backends {
 public:
  explicit HardwareBackends(BackendConfig config) : config_(std::move(config)) {}

  Result<std::unique_ptr<fw::KeyStore>> OpenKeyStore(const KeyStoreConfig& config) override {
    hsm::KeyStoreOptions options;
    options.module_path = config.module.empty() ? config_.default_pkcs11_module : config.module;
    options.pin_env = config.pin_env;
    options.pool.max_sessions = config_.max_sessions;
    return hsm::OpenKeyStore(config.uri, options);
  }

  Result<std::unique_ptr<fw::Tpm>> OpenTpm(const TpmConfig& config) override {
    if (config_.quiet_tss) (void)setenv("TSS2_LOG", "all+NONE", 0);  // 0: the operator's value wins
    return tpm::OpenTpm(config.tcti);
  }

 private:
  const BackendConfig config_;
};

}  // namespace

BackendConfig BackendConfigFromEnvironment() {
  BackendConfig config;
  if (const char* env = std::getenv("SIGNET_PKCS11_MODULE"); env != nullptr) config.default_pkcs11_module = env;
  return config;
}

std::unique_ptr<Backends> BuildBackends(const BackendConfig& config) {
  return std::make_unique<HardwareBackends>(config);
}

}  // namespace signet::ops
