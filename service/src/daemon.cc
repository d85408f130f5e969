// RunDaemon (see signet/service/daemon.h).
#include "signet/service/daemon.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>

#include "signet/core/file.h"
#include "signet/service/server.h"

namespace signet::service::internal {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitUsage = 2;
constexpr int kExitInternal = 3;
constexpr size_t kMaxConfigBytes = 1024 * 1024;

struct Loaded {
  ServerConfig server;
  std::shared_ptr<const void> state;
};

void Usage(const ErasedDaemonSpec& spec, FILE* out) {
  std::fprintf(out,
               "%s - %s\n\n"
               "usage: %s --config FILE          serve (SIGHUP reloads, SIGTERM drains and exits)\n"
               "       %s --check-config FILE    validate FILE; print \"ok\" (exit 0) or the error (exit 2)\n"
               "       %s --help | --version\n",
               spec.name.c_str(), spec.summary.c_str(), spec.name.c_str(), spec.name.c_str(),
               spec.name.c_str());
  if (!spec.config_keys_help.empty()) std::fprintf(out, "\nconfig keys:\n%s", spec.config_keys_help.c_str());
}

Status HardenProcess() {
  // No core dumps and no ptrace by other users' processes: the daemon's memory holds TLS keys.
  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) return Internal("prctl(PR_SET_DUMPABLE) failed");
  struct rlimit none {};
  if (setrlimit(RLIMIT_CORE, &none) != 0) return Internal("setrlimit(RLIMIT_CORE) failed");
  return OkStatus();
}

// LoadConfig reads and validates the whole config: YAML, the server section (including that
// the TLS files load) and the daemon's own state.
Result<Loaded> LoadConfig(const ErasedDaemonSpec& spec, const std::string& path) {
  SIGNET_ASSIGN_OR_RETURN(std::string text, ReadFile(path, kMaxConfigBytes));
  Result<YamlNode> root = ParseYaml(text);
  if (!root.ok()) return std::move(root).error();
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  std::string dir = parent.empty() ? std::string(1, '.') : parent.string();
  SIGNET_ASSIGN_OR_RETURN(ServerConfig server, ParseServerSection(*root, dir));
  SIGNET_RETURN_IF_ERROR(CheckTlsFiles(server.tls));
  ConfigFile file;
  file.path = path;
  file.dir = dir;
  file.root = &*root;
  file.server = server;
  SIGNET_ASSIGN_OR_RETURN(std::shared_ptr<const void> state, spec.load_state(file));
  return Loaded{std::move(server), std::move(state)};
}

bool SameLimits(const Limits& a, const Limits& b) {
  return a.max_body == b.max_body && a.max_header == b.max_header && a.header_timeout == b.header_timeout &&
         a.idle_timeout == b.idle_timeout && a.body_timeout == b.body_timeout &&
         a.drain_timeout == b.drain_timeout && a.max_connections == b.max_connections &&
         a.requests_per_minute_per_caller == b.requests_per_minute_per_caller;
}

int Serve(const ErasedDaemonSpec& spec, const std::string& path) {
  std::unique_ptr<Logger> logger = Logger::Stderr(spec.name);
  Result<Loaded> loaded = LoadConfig(spec, path);
  if (!loaded.ok()) {
    logger->Error("config refused", {LogField("daemon", spec.name), LogField("error", loaded.error().message())});
    return kExitUsage;
  }

  // Signals are read from a signalfd on this thread; every thread started below inherits the
  // blocked mask, so none of them is ever interrupted by a handler.
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGHUP);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  if (pthread_sigmask(SIG_BLOCK, &mask, nullptr) != 0) {
    logger->Error("cannot block signals", {LogField("daemon", spec.name)});
    return kExitInternal;
  }
  signal(SIGPIPE, SIG_IGN);
  UniqueFd sfd(signalfd(-1, &mask, SFD_CLOEXEC));
  if (!sfd.valid()) {
    logger->Error("cannot create a signalfd", {LogField("daemon", spec.name)});
    return kExitInternal;
  }

  MetricsRegistry metrics;
  auto cell = std::make_shared<StateCell>();
  cell->Store(loaded->state);
  Router router;
  DaemonContext context{metrics, *logger};
  if (Status s = spec.build_routes(router, cell, context); !s.ok()) {
    logger->Error("cannot build routes", {LogField("daemon", spec.name), LogField("error", s.error().message())});
    return kExitInternal;
  }

  ServerOptions options;
  options.name = spec.name;
  options.config = loaded->server;
  options.metrics = &metrics;
  options.logger = logger.get();
  options.io_threads = spec.io_threads;
  options.worker_threads = spec.worker_threads;
  options.ready = [cell, ready = spec.ready]() -> Status {
    std::shared_ptr<const void> state = cell->Load();
    if (!state) return FailedPrecondition("no state loaded");
    if (ready) return ready(state.get());
    return OkStatus();
  };
  Result<std::unique_ptr<Server>> server = Server::Start(std::move(options), std::move(router));
  if (!server.ok()) {
    logger->Error("cannot start", {LogField("daemon", spec.name), LogField("error", server.error().message())});
    return server.error().code() == ErrorCode::kInvalidArgument ? kExitUsage : kExitInternal;
  }
  ServerConfig current = loaded->server;
  logger->Info("listening", {LogField("daemon", spec.name), LogField("version", spec.version),
                             LogField("address", current.listen.host),
                             LogField("port", static_cast<int64_t>((*server)->port())),
                             LogField("mtls", !current.tls.client_ca.empty())});

  for (;;) {
    signalfd_siginfo info{};
    ssize_t n = read(sfd.get(), &info, sizeof(info));
    if (n != static_cast<ssize_t>(sizeof(info))) {
      if (n < 0 && errno == EINTR) continue;
      logger->Error("signalfd read failed; stopping", {LogField("daemon", spec.name)});
      (*server)->Stop(current.limits.drain_timeout);
      return kExitInternal;
    }
    if (info.ssi_signo == SIGHUP) {
      Result<Loaded> next = LoadConfig(spec, path);
      if (!next.ok()) {
        logger->Warn("reload refused; still serving the previous configuration",
                     {LogField("daemon", spec.name), LogField("error", next.error().message())});
        continue;
      }
      // TLS files are re-read every time (certificate rotation under the same names).
      if (Status s = (*server)->ReloadTls(next->server.tls); !s.ok()) {
        logger->Warn("reload refused; still serving the previous configuration",
                     {LogField("daemon", spec.name), LogField("error", s.error().message())});
        continue;
      }
      if (!(next->server.listen == current.listen)) {
        logger->Warn("listen changed: the new address takes effect only after a restart",
                     {LogField("daemon", spec.name)});
      }
      if (!SameLimits(next->server.limits, current.limits)) {
        logger->Warn("limits changed: the new limits take effect only after a restart",
                     {LogField("daemon", spec.name)});
      }
      cell->Store(std::move(next->state));
      current.tls = next->server.tls;
      logger->Info("reloaded", {LogField("daemon", spec.name)});
      continue;
    }
    logger->Info("shutting down", {LogField("daemon", spec.name),
                                   LogField("signal", info.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM"),
                                   LogField("in_flight", static_cast<uint64_t>((*server)->ActiveConnections()))});
    size_t cut = (*server)->Stop(current.limits.drain_timeout);
    logger->Info("stopped", {LogField("daemon", spec.name), LogField("cut_off", static_cast<uint64_t>(cut))});
    return kExitOk;
  }
}

}  // namespace

int RunErasedDaemon(const ErasedDaemonSpec& spec, int argc, char** argv) {
  if (Status s = HardenProcess(); !s.ok()) {
    std::fprintf(stderr, "%s: %s\n", spec.name.c_str(), s.error().message().c_str());
    return kExitInternal;
  }
  std::vector<std::string_view> args(argv + (argc > 0 ? 1 : 0), argv + (argc > 0 ? argc : 0));
  if (args.size() == 1 && (args[0] == "--help" || args[0] == "-h")) {
    Usage(spec, stdout);
    return kExitOk;
  }
  if (args.size() == 1 && args[0] == "--version") {
    std::printf("%s %s\n", spec.name.c_str(), spec.version.c_str());
    return kExitOk;
  }
  std::optional<std::string> config, check;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view a = args[i];
    std::optional<std::string>* slot = nullptr;
    std::string_view flag;
    if (a == "--config" || a.rfind("--config=", 0) == 0) {
      slot = &config;
      flag = "--config";
    } else if (a == "--check-config" || a.rfind("--check-config=", 0) == 0) {
      slot = &check;
      flag = "--check-config";
    } else {
      std::fprintf(stderr, "%s: unknown argument (see --help)\n", spec.name.c_str());
      return kExitUsage;
    }
    std::string value;
    if (size_t eq = a.find('='); eq != std::string_view::npos) {
      value = std::string(a.substr(eq + 1));
    } else if (i + 1 < args.size()) {
      value = std::string(args[++i]);
    } else {
      std::fprintf(stderr, "%s: %s needs a FILE\n", spec.name.c_str(), std::string(flag).c_str());
      return kExitUsage;
    }
    if (slot->has_value() || value.empty()) {
      std::fprintf(stderr, "%s: %s given twice or empty\n", spec.name.c_str(), std::string(flag).c_str());
      return kExitUsage;
    }
    *slot = std::move(value);
  }
  if (config.has_value() == check.has_value()) {
    Usage(spec, stderr);
    return kExitUsage;
  }
  if (check) {
    Result<Loaded> loaded = LoadConfig(spec, *check);
    if (!loaded.ok()) {
      std::fprintf(stderr, "%s: %s: %s\n", spec.name.c_str(), check->c_str(),
                   SanitizeUtf8(loaded.error().message()).c_str());
      return kExitUsage;
    }
    std::printf("ok\n");
    return kExitOk;
  }
  return Serve(spec, *config);
}

}  // namespace signet::service::internal
