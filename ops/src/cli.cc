#include <cstdio>
#include <string_view>
#include <iostream>

#include "signet/hsm/uri.h"
#include "signet/ops/commands.h"
#include "signet/ops/exit_codes.h"
#include "version.h"

namespace signet::ops {

int ExitCodeFor(const Error& error) {
  switch (error.code()) {
    case ErrorCode::kOk: return kExitOk;
    case ErrorCode::kVerificationFailed: return kExitDenied;
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kNotFound:
    case ErrorCode::kAlreadyExists:
    case ErrorCode::kPermissionDenied:
    case ErrorCode::kFailedPrecondition:
    case ErrorCode::kUnimplemented: return kExitUsage;
    case ErrorCode::kResourceExhausted:
    case ErrorCode::kUnavailable:
    case ErrorCode::kInternal:
    case ErrorCode::kDataLoss: return kExitInternal;
  }
  return kExitInternal;
}

int ReportError(const Error& error) {
  // Defence in depth: a PIN given as pin-value never reaches stderr, whichever layer quoted the URI.
  std::fprintf(stderr, "signet: %s\n", hsm::RedactPkcs11Uri(error.ToString()).c_str());
  return ExitCodeFor(error);
}

std::string VersionString() {
  return std::string("signet ") + kSignetVersion + " (commit " + kSignetGitCommit + ")";
}

CLI::App* CommandGroup(Cli& cli, const std::string& name, const std::string& description) {
  for (CLI::App* sub : cli.app.get_subcommands([](CLI::App*) { return true; })) {
    if (sub->get_name() == name) return sub;
  }
  return cli.app.add_subcommand(name, description);
}

void RegisterVersionCommand(Cli& cli) {
  cli.app.set_version_flag("--version", VersionString(), "Print the version and git commit, then exit");
  auto* cmd = cli.app.add_subcommand("version", "Print the version and git commit");
  cmd->callback([&cli] {
    cli.action = [] {
      std::printf("%s\n", VersionString().c_str());
      return kExitOk;
    };
  });
}

int Run(Cli& cli, int argc, char** argv) {
  cli.app.require_subcommand(0, 1);
  cli.app.footer(
      "Exit codes: 0 ok/allowed/verified, 1 denied/verification failed, 2 usage or input error,\n"
      "3 internal or hardware error.");
  // The first "--" ends Signet's own arguments; the rest is kept verbatim (see Cli::trailing).
  int own = argc;
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--") {
      own = i;
      cli.has_trailing = true;
      cli.trailing.assign(argv + i + 1, argv + argc);
      break;
    }
  }
  try {
    cli.app.parse(own, argv);
  } catch (const CLI::CallForHelp& e) {
    return cli.app.exit(e);  // prints help, 0
  } catch (const CLI::CallForAllHelp& e) {
    return cli.app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return cli.app.exit(e);
  } catch (const CLI::ParseError& e) {
    cli.app.exit(e);  // prints the message and usage hint
    return kExitUsage;
  }
  if (!cli.action) {
    std::cout << cli.app.help();
    return kExitUsage;
  }
  if (cli.has_trailing && !cli.accepts_trailing) {
    std::fprintf(stderr, "signet: this command takes no arguments after \"--\"\n");
    return kExitUsage;
  }
  try {
    return cli.action();
  } catch (const std::exception& e) {
    // Commands return Results; an exception here is a bug in a third-party adapter.
    std::fprintf(stderr, "signet: internal error: %s\n", e.what());
    return kExitInternal;
  }
}

}  // namespace signet::ops
