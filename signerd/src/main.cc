// signerd: the hardened signing service pipelines call (issue 15). The caller authenticates
// with a client certificate and sends evidence only; the key, its PIN, the policy, the time and
// the audit log are this process's. A thin shell: service/ runs the server (mTLS, limits,
// /healthz, /readyz, /metrics, SIGHUP, SIGTERM, hardening of the process); this file opens the
// audit log and the key once (the one backend factory) and registers POST /v1/sign.
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "signet/ops/backends.h"
#include "signet/service/daemon.h"
#include "signet/service/rate_limiter.h"
#include "signet/signer/audit_log.h"
#include "signet/signer/state_log.h"
#include "signet/translog/appliance_config.h"
#include "signet/translog/log.h"
#include "signet/signerd/config.h"
#include "signet/signerd/key_holder.h"
#include "signet/signerd/sign.h"
#include "signet/signerd/timestamp.h"

namespace {

using signet::Result;
using signet::Status;
using signet::signerd::SignerdState;
namespace service = signet::service;
namespace sd = signet::signerd;

constexpr char kVersion[] = "0.1.0";

// Runtime is what outlives reloads: the audit log, the key and the per-caller buckets.
struct Runtime {
  std::unique_ptr<signet::ops::Backends> backends;
  // The log key of a state directory's transparency log, open as long as the log that uses it.
  std::unique_ptr<signet::fw::KeyStore> log_key_store;
  std::unique_ptr<signet::fw::SigningKey> log_key;
  std::unique_ptr<signet::signer::AuditAppender> log;
  std::unique_ptr<sd::KeyHolder> keys;
  std::unique_ptr<service::RateLimiter> limiter;
  signet::SystemClock clock;
  sd::SignRuntime view;
  std::unique_ptr<sd::TimestampRuntime> timestamps;  // null: state_dir has no TSA
};

Result<std::shared_ptr<const SignerdState>> Load(const service::ConfigFile& file) {
  const char* creds = std::getenv("CREDENTIALS_DIRECTORY");
  Result<sd::SignerdConfig> config =
      sd::ParseSignerdConfig(*file.root, file.dir, file.server, creds == nullptr ? "" : creds);
  if (!config.ok()) return std::move(config).error();
  SIGNET_RETURN_IF_ERROR(sd::CheckNotWritableByOthers(file.path, "config file"));
  SIGNET_RETURN_IF_ERROR(sd::CheckNotWritableByOthers(config->pin_path, "PIN file"));
  std::error_code ec;
  if (!std::filesystem::is_directory(config->state_dir, ec)) {
    return signet::InvalidArgument("state_dir " + config->state_dir + " is not an existing directory");
  }
  return SignerdState::Load(std::move(*config), std::string("https://signet.dev/signerd@") + kVersion);
}

// OpenKey opens a new key store (new sessions, a login with the PIN file) and looks the key up.
Result<std::shared_ptr<signet::fw::SigningKey>> OpenKey(signet::ops::Backends& backends, const std::string& uri,
                                                       const std::string& pin_path) {
  struct Held {
    std::unique_ptr<signet::fw::KeyStore> store;
    std::unique_ptr<signet::fw::SigningKey> key;
  };
  signet::ops::KeyStoreConfig kc;
  kc.uri = sd::WithPinSource(uri, pin_path);
  auto held = std::make_shared<Held>();
  SIGNET_ASSIGN_OR_RETURN(held->store, backends.OpenKeyStore(kc));
  SIGNET_ASSIGN_OR_RETURN(held->key, held->store->FindKey(uri, signet::fw::OpenOptions{}));
  signet::fw::SigningKey* key = held->key.get();
  return std::shared_ptr<signet::fw::SigningKey>(std::move(held), key);
}

// OpenLog opens state_dir's transparency log when `signet log init` made one there (its log-state
// file; the log key is appliance.yaml's, with the PIN file unless its URI names a pin-source):
// records and each released signature become entries, and the bundles carry them. Otherwise the
// hash-chained state_dir/audit.log, as before.
Status OpenLog(Runtime& rt, const signet::signerd::SignerdConfig& config, service::DaemonContext& context) {
  std::error_code ec;
  if (std::filesystem::exists(std::filesystem::path(config.state_dir) / signet::translog::kStateFileName, ec)) {
    SIGNET_ASSIGN_OR_RETURN(signet::translog::ApplianceConfig ac, signet::translog::ReadApplianceConfig(config.state_dir));
    signet::ops::KeyStoreConfig kc;
    kc.uri = ac.log_key_uri.find("pin-source=") == std::string::npos ? sd::WithPinSource(ac.log_key_uri, config.pin_path)
                                                                      : ac.log_key_uri;
    SIGNET_ASSIGN_OR_RETURN(rt.log_key_store, rt.backends->OpenKeyStore(kc));
    SIGNET_ASSIGN_OR_RETURN(rt.log_key, rt.log_key_store->FindKey(ac.log_key_uri, signet::fw::OpenOptions{}));
    SIGNET_ASSIGN_OR_RETURN(signet::translog::NoteSigner signer,
                            signet::translog::NoteSigner::Create(ac.origin, *rt.log_key));
    if (signer.verifier_key() != ac.log_verifier_key) {
      return signet::InvalidArgument("the log key is not the one appliance.yaml records");
    }
    SIGNET_ASSIGN_OR_RETURN(rt.log, signet::signer::StateLog::Open(config.state_dir, std::move(signer)));
    context.logger.Info("logging into the transparency log", {service::LogField("state_dir", config.state_dir)});
    return signet::OkStatus();
  }
  const std::string log_path = (std::filesystem::path(config.state_dir) / "audit.log").string();
  Result<std::unique_ptr<signet::signer::AuditLog>> log = signet::signer::AuditLog::Open(log_path);
  if (!log.ok()) return std::move(log).error().Prefix("audit log " + log_path);
  if ((*log)->torn_bytes_repaired() > 0) {
    context.logger.Warn("cut a torn final audit entry (never acknowledged, nothing was released for it)",
                        {service::LogField("bytes", static_cast<uint64_t>((*log)->torn_bytes_repaired()))});
  }
  rt.log = std::move(*log);
  return signet::OkStatus();
}

// TimestampRoute registers POST /v1/timestamp when state_dir/appliance.yaml names a TSA.
Status TimestampRoute(const std::shared_ptr<Runtime>& rt, service::Router& router,
                      service::StateSnapshot<SignerdState> state, service::DaemonContext& context) {
  const sd::SignerdConfig& config = state.Get()->config();
  sd::KeyOpener open_key = [backends = rt->backends.get(), pin = config.pin_path](const std::string& uri) {
    return OpenKey(*backends, uri, pin);
  };
  Result<std::unique_ptr<sd::TimestampRuntime>> ts = sd::OpenTimestampRuntime(config.state_dir, open_key, context.metrics);
  if (!ts.ok()) return std::move(ts).error().Prefix("timestamp authority");
  rt->timestamps = std::move(*ts);
  if (!rt->timestamps) {
    context.logger.Info("no TSA in state_dir/appliance.yaml; POST /v1/timestamp is off", {});
    return signet::OkStatus();
  }
  context.logger.Info("timestamp authority open", {});
  return router.Add({"POST", "/v1/timestamp", sd::kTimestampQueryType,
                     [rt, state](const service::Request& request) -> Result<service::Response> {
                       std::shared_ptr<const SignerdState> st = state.Get();
                       return sd::HandleTimestamp(*st, *rt->timestamps,
                                                  sd::ClientIdentity{request.client_subject, request.client_sans}, request);
                     }});
}

Status Routes(const std::shared_ptr<Runtime>& rt, service::Router& router, service::StateSnapshot<SignerdState> state,
              service::DaemonContext& context) {
  // The key, the PIN file, state_dir and the rate limit are taken once, at start (a reload that
  // changes them takes effect after a restart); callers and the policy follow every reload.
  const std::shared_ptr<const SignerdState> initial = state.Get();
  const sd::SignerdConfig& config = initial->config();
  rt->backends = signet::ops::BuildBackends(signet::ops::BackendConfigFromEnvironment());
  SIGNET_RETURN_IF_ERROR(OpenLog(*rt, config, context));
  rt->keys = std::make_unique<sd::KeyHolder>(
      [backends = rt->backends.get(), uri = config.key_uri, pin = config.pin_path] {
        return OpenKey(*backends, uri, pin);
      });
  rt->limiter = std::make_unique<service::RateLimiter>(config.requests_per_minute_per_caller);
  Result<service::CounterFamily*> total = context.metrics.AddCounter(
      "signerd_sign_total", "POST /v1/sign answers by verdict (allow, deny, failed, unavailable, rate_limited, refused, error).",
      {"verdict"});
  if (!total.ok()) return std::move(total).error();
  rt->view = sd::SignRuntime{rt->log.get(), rt->keys.get(), rt->limiter.get(), &rt->clock, *total};

  Result<std::shared_ptr<signet::fw::SigningKey>> first = rt->keys->Get();
  if (!first.ok() && first.error().code() == signet::ErrorCode::kPermissionDenied) {
    return std::move(first).error();  // a refused PIN is never retried: do not start
  }
  if (first.ok()) {
    context.logger.Info("signing key open", {service::LogField("key_id", (*first)->key_id())});
  } else {
    context.logger.Warn("signing key unavailable; /readyz is not ready until it opens",
                        {service::LogField("error", first.error().message())});
  }
  SIGNET_RETURN_IF_ERROR(router.Add({"POST", "/v1/sign", std::string(service::kJsonContentType),
                     [rt, state](const service::Request& request) -> Result<service::Response> {
                       std::shared_ptr<const SignerdState> st = state.Get();
                       return sd::HandleSign(*st, rt->view, sd::ClientIdentity{request.client_subject, request.client_sans}, request);
                     }}));
  return TimestampRoute(rt, router, state, context);
}

}  // namespace

int main(int argc, char** argv) {
  auto rt = std::make_shared<Runtime>();
  service::DaemonSpec<SignerdState> spec;
  spec.name = "signerd";
  spec.version = kVersion;
  spec.summary = "Signet signing service: mTLS callers send evidence, the operator's key, policy and log decide";
  spec.config_keys_help = sd::kConfigKeysHelp;
  spec.load_state = Load;
  spec.build_routes = [rt](service::Router& router, service::StateSnapshot<SignerdState> state,
                           service::DaemonContext& context) { return Routes(rt, router, state, context); };
  spec.ready = [rt](const SignerdState&) -> Status {
    if (!rt->keys) return signet::FailedPrecondition("starting");
    Result<std::shared_ptr<signet::fw::SigningKey>> key = rt->keys->Get();
    if (!key.ok()) return std::move(key).error();
    return signet::OkStatus();
  };
  spec.worker_threads = 8;  // signings wait on the audit log's group-committed fsync
  return service::RunDaemon(spec, argc, argv);
}
