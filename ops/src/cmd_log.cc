// `signet log verify FILE`: check the audit log's hash chain.
#include <cstdio>
#include <string>

#include "signet/core/json.h"
#include "signet/ops/commands.h"
#include "signet/ops/exit_codes.h"
#include "signet/signer/audit_log.h"

namespace signet::ops {

void RegisterLogCommands(Cli& cli) {
  auto* log = cli.app.add_subcommand("log", "Audit log tools");
  log->require_subcommand(1);
  auto* verify = log->add_subcommand(
      "verify",
      "Check every link of an audit log: each entry's own hash, its sequence number and its\n"
      "link to the previous entry. Reports the first broken link and whether the log is torn\n"
      "(an unfinished final entry), malformed (a line that is not a valid entry) or broken in its\n"
      "chain. Streams the file: memory use does not grow with the log.\n"
      "Exit 0: intact; 1: broken (the line and the problem are printed); 2: unreadable file or not a\n"
      "regular file.");
  auto path = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  verify->add_option("FILE", *path, "The audit log file")->required();
  verify->add_flag("--json", *json, "Print the report as JSON");
  verify->callback([&cli, path, json] {
    cli.action = [path, json] {
      auto rep = signer::VerifyAuditLog(*path);
      if (!rep.ok()) return ReportError(rep.error());
      if (*json) {
        JsonValue out;
        out.Set("ok", JsonValue::Bool(rep->ok))
            .Set("entries", JsonValue::Uint(rep->entries))
            .Set("head", JsonValue::String(rep->head));
        if (!rep->ok) {
          out.Set("first_bad_line", JsonValue::Int(rep->first_bad_line))
              .Set("kind", JsonValue::String(rep->kind))
              .Set("problem", JsonValue::String(rep->problem));
        }
        std::printf("%s\n", WriteJson(out, 2).c_str());
      } else if (rep->ok) {
        std::printf("audit log OK: %llu entries, head %s\n", static_cast<unsigned long long>(rep->entries),
                    rep->head.c_str());
      } else {
        std::printf("audit log BROKEN (%s) at line %lld: %s (%llu entries before it verified)\n",
                    rep->kind.c_str(), static_cast<long long>(rep->first_bad_line), rep->problem.c_str(),
                    static_cast<unsigned long long>(rep->entries));
      }
      return rep->ok ? kExitOk : kExitDenied;
    };
  });
}

}  // namespace signet::ops
