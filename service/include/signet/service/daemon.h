// RunDaemon: the main() every Signet daemon shares. A daemon supplies how to load its state from
// the config file and which routes it serves; RunDaemon does the rest:
//
//   NAME --config FILE        serve until SIGTERM/SIGINT (exit 0 after draining)
//   NAME --check-config FILE  validate the config, TLS files and state; print "ok" (exit 0) or
//                             the error (exit 2)
//   NAME --help | --version   exit 0
//
// Exit codes: 0 ok, 2 usage or bad config, 3 internal error (e.g. the address cannot be bound).
// Before reading anything it makes the process non-dumpable (PR_SET_DUMPABLE 0) and sets
// RLIMIT_CORE to 0. Signals are taken synchronously through a signalfd on the main thread (all
// threads block them), never in a signal handler:
//   SIGHUP   re-read the config file and reload the state atomically; on any error keep the old
//            state and log why. A changed `listen` or `limits` needs a restart (logged); a changed
//            `tls` is reloaded for new connections.
//   SIGTERM/SIGINT  stop accepting, drain in-flight requests (limits.drain_timeout), exit 0.
// Handlers read the current state through a StateSnapshot: one atomic shared_ptr load per
// request, so a reload never changes the state under a running request.
#ifndef SIGNET_SERVICE_DAEMON_H_
#define SIGNET_SERVICE_DAEMON_H_

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "signet/core/result.h"
#include "signet/service/config.h"
#include "signet/service/http.h"
#include "signet/service/log.h"
#include "signet/service/metrics.h"
#include "signet/core/yaml.h"

namespace signet::service {

// ConfigFile is what a daemon's state loader receives: the parsed document and the server
// section already validated. The loader must refuse every top-level key it does not know and
// for which IsServerKey() is false ("unknown key 'x' (line N)"; never the value).
struct ConfigFile {
  std::string path;         // as given on the command line
  std::string dir;          // the directory relative paths in the file resolve against
  const YamlNode* root = nullptr;  // the whole document (a mapping); valid during the call only
  ServerConfig server;      // listen / tls / limits
};

// StateCell holds the current state of a daemon as an atomic shared_ptr. Internal to RunDaemon
// and StateSnapshot; daemons use StateSnapshot<State>.
class StateCell {
 public:
  std::shared_ptr<const void> Load() const { return current_.load(std::memory_order_acquire); }
  void Store(std::shared_ptr<const void> state) {
    current_.store(std::move(state), std::memory_order_release);
  }

 private:
  std::atomic<std::shared_ptr<const void>> current_;
};

// StateSnapshot<State> is a cheap, copyable handle handlers capture: Get() returns the state
// current at the call (never null once the daemon serves). Hold the returned shared_ptr for the
// whole request.
template <typename State>
class StateSnapshot {
 public:
  explicit StateSnapshot(std::shared_ptr<const StateCell> cell) : cell_(std::move(cell)) {}
  std::shared_ptr<const State> Get() const {
    return std::static_pointer_cast<const State>(cell_->Load());
  }

 private:
  std::shared_ptr<const StateCell> cell_;
};

// DaemonContext gives route builders the daemon's metrics registry (to add their own families,
// e.g. verifierd_cache_hits_total) and logger.
struct DaemonContext {
  MetricsRegistry& metrics;
  Logger& logger;
};

// DaemonSpec describes one daemon.
template <typename State>
struct DaemonSpec {
  std::string name;     // "verifierd": usage text, metrics prefix, log "daemon" field
  std::string version;  // printed by --version
  std::string summary;  // one line for --help
  // config_keys_help (optional): the config file's keys, one per line, printed by --help after
  // the usage ("" prints nothing). A daemon lists every key it accepts, the server's included.
  std::string config_keys_help;
  // load_state builds the daemon's state from the config (at start, --check-config and SIGHUP).
  // Errors are reported as bad config (exit 2 / reload refused). Must not log secrets.
  std::function<Result<std::shared_ptr<const State>>(const ConfigFile&)> load_state;
  // build_routes registers the daemon's routes once at start. Handlers capture `state`.
  std::function<Status(Router& router, StateSnapshot<State> state, DaemonContext& context)>
      build_routes;
  // ready (optional) decides GET /readyz from the current state: OK = ready, an Error = 503 with
  // its message (e.g. "no policies loaded"). Null: ready whenever a state is loaded.
  std::function<Status(const State&)> ready;
  // Threads of the server (see ServerOptions): network IO, and handlers.
  size_t io_threads = 1;
  size_t worker_threads = 2;
};

namespace internal {
// The type-erased spec RunDaemon<State> forwards to.
struct ErasedDaemonSpec {
  std::string name, version, summary, config_keys_help;
  std::function<Result<std::shared_ptr<const void>>(const ConfigFile&)> load_state;
  std::function<Status(Router&, std::shared_ptr<const StateCell>, DaemonContext&)> build_routes;
  std::function<Status(const void*)> ready;
  size_t io_threads = 1;
  size_t worker_threads = 2;
};
int RunErasedDaemon(const ErasedDaemonSpec& spec, int argc, char** argv);
}  // namespace internal

// RunDaemon runs `spec` with the command line `argc`/`argv` and returns the exit code for main.
// Usage: int main(int argc, char** argv) { return RunDaemon(MakeSpec(), argc, argv); }
template <typename State>
int RunDaemon(const DaemonSpec<State>& spec, int argc, char** argv) {
  internal::ErasedDaemonSpec erased;
  erased.name = spec.name;
  erased.version = spec.version;
  erased.summary = spec.summary;
  erased.config_keys_help = spec.config_keys_help;
  erased.io_threads = spec.io_threads;
  erased.worker_threads = spec.worker_threads;
  erased.load_state = [load = spec.load_state](
                          const ConfigFile& config) -> Result<std::shared_ptr<const void>> {
    if (!load) return Internal("daemon has no state loader");
    Result<std::shared_ptr<const State>> state = load(config);
    if (!state.ok()) return std::move(state).error();
    if (*state == nullptr) return Internal("state loader returned no state");
    return std::shared_ptr<const void>(std::move(*state));
  };
  erased.build_routes = [build = spec.build_routes](Router& router,
                                                    std::shared_ptr<const StateCell> cell,
                                                    DaemonContext& context) -> Status {
    if (!build) return OkStatus();
    return build(router, StateSnapshot<State>(std::move(cell)), context);
  };
  if (spec.ready) {
    erased.ready = [ready = spec.ready](const void* state) -> Status {
      return ready(*static_cast<const State*>(state));
    };
  }
  return internal::RunErasedDaemon(erased, argc, argv);
}

}  // namespace signet::service

#endif  // SIGNET_SERVICE_DAEMON_H_
