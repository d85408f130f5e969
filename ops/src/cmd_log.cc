// `signet log ...`: the audit log's hash chain (verify FILE) and the tile-based transparency log
// (init, verify DIR/log, witness, migrate; translog/).
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <future>
#include <memory>
#include <string>

#include "signet/attestation/checkpoint.h"
#include "signet/core/encoding.h"
#include "signet/core/time.h"
#include "signet/core/file.h"
#include "signet/core/json.h"
#include "signet/ops/commands.h"
#include "signet/ops/exit_codes.h"
#include "signet/signer/audit_log.h"
#include "signet/translog/appliance_config.h"
#include "signet/translog/log.h"
#include "signet/translog/verify.h"
#include "signet/tsa/authority.h"
#include "state_dir.h"
#include "wiring.h"

namespace signet::ops {
namespace {

bool IsDirectory(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

int AuditLogVerify(const std::string& path, bool json) {
  auto rep = signer::VerifyAuditLog(path);
  if (!rep.ok()) return ReportError(rep.error());
  if (json) {
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
    std::printf("audit log BROKEN (%s) at line %lld: %s (%llu entries before it verified)\n", rep->kind.c_str(),
                static_cast<long long>(rep->first_bad_line), rep->problem.c_str(),
                static_cast<unsigned long long>(rep->entries));
  }
  return rep->ok ? kExitOk : kExitDenied;
}

int TransparencyLogVerify(const std::string& log_dir, const std::string& from, const std::string& vkey_file, bool json) {
  auto vkey = LoadLogVerifierKey(log_dir, vkey_file);
  if (!vkey.ok()) return ReportError(vkey.error());
  std::optional<std::string> old_note;
  if (!from.empty()) {
    auto text = ReadFile(from, attestation::kMaxCheckpointBytes);
    if (!text.ok()) return ReportError(std::move(text).error().Prefix("reading " + from));
    old_note = std::move(*text);
  }
  auto rep = translog::VerifyLogDir(log_dir, *vkey, old_note);
  if (!rep.ok()) {
    if (json) {
      JsonValue out;
      out.Set("ok", JsonValue::Bool(false))
          .Set("finding", JsonValue::String(rep.error().finding()))
          .Set("problem", JsonValue::String(rep.error().message()));
      std::printf("%s\n", WriteJson(out, 2).c_str());
      return ExitCodeFor(rep.error());
    }
    return ReportError(rep.error());
  }
  if (json) {
    JsonValue out;
    out.Set("ok", JsonValue::Bool(true))
        .Set("origin", JsonValue::String(rep->checkpoint.origin))
        .Set("tree_size", JsonValue::Uint(rep->checkpoint.tree_size))
        .Set("root_hash", JsonValue::String(Base64Encode(rep->checkpoint.root_hash)))
        .Set("tiles_checked", JsonValue::Uint(rep->tiles_checked));
    if (rep->consistent_from) out.Set("consistent_from", JsonValue::Uint(*rep->consistent_from));
    std::printf("%s\n", WriteJson(out, 2).c_str());
  } else {
    std::printf("transparency log OK: %s, %llu entries, root %s, %llu tiles checked",
                rep->checkpoint.origin.c_str(), static_cast<unsigned long long>(rep->checkpoint.tree_size),
                Base64Encode(rep->checkpoint.root_hash).c_str(), static_cast<unsigned long long>(rep->tiles_checked));
    if (rep->consistent_from) {
      std::printf(", consistent with the checkpoint of size %llu", static_cast<unsigned long long>(*rep->consistent_from));
    }
    std::printf("\n");
  }
  return kExitOk;
}

struct LogFlags {
  std::string state_dir;
  std::string origin;
  std::string log_key;
  std::string tsa_key;
  std::string tsa_ca_key;
  KeyBackendFlags backend;
  std::string path;
  std::string from;
  std::string vkey;
  std::string witness_state;
  std::string witness_name = "signet-witness";
  std::string audit_log;
  size_t batch = 1024;
  bool json = false;
};

Result<OpenedLog> OpenLogSigner(Backends& backends, const LogFlags& f) {
  return ops::OpenLogSigner(backends, f.state_dir, f.log_key, f.backend);
}

int LogInit(Backends& backends, const LogFlags& f) {
  if (::mkdir(f.state_dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return ReportError(InvalidArgument("cannot create the state directory " + f.state_dir));
  }
  if (!IsDirectory(f.state_dir)) return ReportError(InvalidArgument(f.state_dir + " is not a directory"));
  auto key = OpenSigningKey(backends, f.log_key, f.backend);
  if (!key.ok()) return ReportError(key.error());
  auto signer = translog::NoteSigner::Create(f.origin, *key->key);
  if (!signer.ok()) return ReportError(signer.error());
  // Never touch an existing state directory's configuration: refuse before writing anything.
  const std::string chain_rel = std::string(tsa::kTsaDirName) + "/" + tsa::kChainFileName;
  for (const std::string& name : {std::string(translog::kStateFileName), std::string(translog::kApplianceConfigFile), chain_rel}) {
    if (::access((f.state_dir + "/" + name).c_str(), F_OK) == 0) {
      return ReportError(AlreadyExists(f.state_dir + "/" + name + " exists: the state directory is already initialised"));
    }
  }
  translog::ApplianceConfig config{f.origin, f.log_key, signer->verifier_key()};
  if (!f.tsa_key.empty()) {
    // The TSA: its CA key certifies its leaf key, both in the device (DIR/tsa/chain.pem).
    auto tsa_key = OpenSigningKey(backends, f.tsa_key, f.backend);
    if (!tsa_key.ok()) return ReportError(std::move(tsa_key).error().Prefix("the TSA key"));
    auto tsa_ca_key = OpenSigningKey(backends, f.tsa_ca_key, f.backend);
    if (!tsa_ca_key.ok()) return ReportError(std::move(tsa_ca_key).error().Prefix("the TSA CA key"));
    tsa::ChainOptions chain;
    chain.name = f.origin;
    SystemClock clock;
    if (Status st = tsa::CreateTsaChain(f.state_dir, *tsa_key->key, *tsa_ca_key->key, clock, chain); !st.ok()) {
      return ReportError(st.error());
    }
    config.tsa_key_uri = f.tsa_key;
    config.tsa_ca_key_uri = f.tsa_ca_key;
  }
  if (Status st = translog::WriteApplianceConfig(f.state_dir, config); !st.ok()) return ReportError(st.error());
  if (Status st = translog::TransparencyLog::Create(f.state_dir, *signer); !st.ok()) return ReportError(st.error());
  if (f.json) {
    JsonValue out;
    out.Set("state_dir", JsonValue::String(f.state_dir))
        .Set("origin", JsonValue::String(f.origin))
        .Set("verifier_key", JsonValue::String(signer->verifier_key()));
    if (!f.tsa_key.empty()) out.Set("tsa_chain", JsonValue::String(tsa::ChainPath(f.state_dir)));
    std::printf("%s\n", WriteJson(out, 2).c_str());
  } else {
    std::printf("log initialised in %s/log (origin %s)\nverifier key: %s\n", f.state_dir.c_str(), f.origin.c_str(),
                signer->verifier_key().c_str());
    if (!f.tsa_key.empty()) std::printf("TSA chain: %s\n", tsa::ChainPath(f.state_dir).c_str());
  }
  return kExitOk;
}

int LogWitness(const LogFlags& f) {
  if (f.path.find("://") != std::string::npos) {
    return ReportError(Unimplemented("the witness reads a local log directory; fetching a log over HTTP is not "
                                     "implemented yet"));
  }
  if (!IsDirectory(f.path)) return ReportError(InvalidArgument(f.path + " is not a log directory"));
  if (::mkdir(f.witness_state.c_str(), 0700) != 0 && errno != EEXIST) {
    return ReportError(InvalidArgument("cannot create the witness state directory " + f.witness_state));
  }
  auto vkey = LoadLogVerifierKey(f.path, f.vkey);
  if (!vkey.ok()) return ReportError(vkey.error());
  auto res = translog::RunWitness(f.witness_state, f.path, *vkey, f.witness_name,
                                  static_cast<uint64_t>(std::time(nullptr)));
  if (!res.ok()) {
    std::fprintf(stderr, "signet: witness refuses the log: %s\n", res.error().ToString().c_str());
    return ExitCodeFor(res.error());
  }
  if (f.json) {
    JsonValue out;
    out.Set("tree_size", JsonValue::Uint(res->size))
        .Set("witness_verifier_key", JsonValue::String(res->witness_verifier_key))
        .Set("cosigned_checkpoint", JsonValue::String(res->cosigned));
    if (res->previous_size) out.Set("previous_size", JsonValue::Uint(*res->previous_size));
    std::printf("%s\n", WriteJson(out, 2).c_str());
  } else {
    std::fputs(res->cosigned.c_str(), stdout);
  }
  return kExitOk;
}

int LogMigrate(Backends& backends, const LogFlags& f) {
  auto rep = signer::VerifyAuditLog(f.audit_log);
  if (!rep.ok()) return ReportError(rep.error());
  if (!rep->ok) {
    std::fprintf(stderr, "signet: the audit log is broken (%s) at line %lld; fix it before migrating\n",
                 rep->kind.c_str(), static_cast<long long>(rep->first_bad_line));
    return kExitDenied;
  }
  auto text = ReadFile(f.audit_log);
  if (!text.ok()) return ReportError(text.error());
  auto opened = OpenLogSigner(backends, f);
  if (!opened.ok()) return ReportError(opened.error());
  translog::LogOptions options;
  options.max_batch = f.batch == 0 ? 1 : f.batch;
  auto log = translog::TransparencyLog::Open(f.state_dir, *opened->signer, options);
  if (!log.ok()) return ReportError(log.error());
  if ((*log)->size() != 0) {
    return ReportError(FailedPrecondition("the log already holds " + std::to_string((*log)->size()) +
                                          " entries; migrate only into a fresh log"));
  }
  // Each stored line (canonical JSON, as the hash chain hashed it) is one entry, in order.
  std::vector<std::future<Result<translog::Integrated>>> waits;
  size_t start = 0;
  while (start < text->size()) {
    size_t nl = text->find('\n', start);
    auto promise = std::make_shared<std::promise<Result<translog::Integrated>>>();
    waits.push_back(promise->get_future());
    (*log)->AppendAsync(text->substr(start, nl - start),
                        [promise](Result<translog::Integrated> r) { promise->set_value(std::move(r)); });
    start = nl + 1;
  }
  for (auto& w : waits) {
    auto r = w.get();
    if (!r.ok()) return ReportError(std::move(r).error().Prefix("migrating"));
  }
  std::printf("migrated %zu audit entries into %s/log; checkpoint size %llu\n", waits.size(), f.state_dir.c_str(),
              static_cast<unsigned long long>((*log)->size()));
  return kExitOk;
}

}  // namespace

void RegisterLogCommands(Cli& cli, Backends& backends) {
  auto flags = std::make_shared<LogFlags>();
  auto* log = cli.app.add_subcommand("log", "Audit log and transparency log tools");
  log->require_subcommand(1);

  auto* init = log->add_subcommand(
      "init",
      "Create a transparency log in a state directory: DIR/log/ (C2SP tlog-tiles, an empty tree and its\n"
      "first checkpoint signed by the Ed25519 log key) and DIR/appliance.yaml naming the key and its\n"
      "note verifier key. With --tsa-key and --tsa-ca-key (both ECDSA P-256, two different keys) it also\n"
      "certifies the timestamp authority: DIR/tsa/chain.pem holds the TSA certificate (EKU timeStamping,\n"
      "critical, only) then the self-signed TSA CA certificate, both signed in the device, and\n"
      "appliance.yaml names both keys (never a PIN).\n"
      "Exit 0: created; 2: bad flags, a key of the wrong type, or a log already there; 3: device error.");
  init->add_option("--state-dir", flags->state_dir, "The state directory (created 0700 if missing)")->required();
  init->add_option("--origin", flags->origin, "The log's origin: a bare host name")->required();
  init->add_option("--log-key", flags->log_key, "pkcs11: URI of the Ed25519 log key")->required();
  auto* tsa_key = init->add_option("--tsa-key", flags->tsa_key, "pkcs11: URI of the TSA key (ECDSA P-256)");
  auto* tsa_ca_key = init->add_option("--tsa-ca-key", flags->tsa_ca_key, "pkcs11: URI of the TSA CA key (ECDSA P-256)");
  tsa_key->needs(tsa_ca_key);
  tsa_ca_key->needs(tsa_key);
  AddKeyBackendFlags(init, flags->backend);
  init->add_flag("--json", flags->json, "Print the result as JSON");
  init->callback([&cli, &backends, flags] { cli.action = [&backends, flags] { return LogInit(backends, *flags); }; });

  auto* verify = log->add_subcommand(
      "verify",
      "PATH is a directory: verify a transparency log (DIR/log). The checkpoint must verify with the\n"
      "log key (--vkey FILE holding the note verifier key, else DIR/appliance.yaml), the tree\n"
      "recomputed from every entry bundle must give its root, and every hash tile must equal the\n"
      "recomputed one. --from OLD_CHECKPOINT also proves the log consistent with that checkpoint.\n"
      "PATH is a file: check every link of a hash-chained audit log (each entry's own hash, its\n"
      "sequence number and its link to the previous entry), reporting whether it is torn, malformed\n"
      "or broken in its chain. Streams the file: memory use does not grow with the log.\n"
      "Exit 0: intact; 1: tampered, rolled back, inconsistent or broken; 2: unreadable input.");
  verify->add_option("PATH", flags->path, "The log directory (DIR/log) or the audit log file")->required();
  verify->add_option("--from", flags->from, "An older checkpoint of the same log: prove consistency with it");
  verify->add_option("--vkey", flags->vkey, "File holding the log's note verifier key (transparency log only)");
  verify->add_flag("--json", flags->json, "Print the report as JSON");
  verify->callback([&cli, flags] {
    cli.action = [flags] {
      if (IsDirectory(flags->path)) return TransparencyLogVerify(flags->path, flags->from, flags->vkey, flags->json);
      if (!flags->from.empty() || !flags->vkey.empty()) {
        return ReportError(InvalidArgument("--from and --vkey apply to a transparency log directory only"));
      }
      return AuditLogVerify(flags->path, flags->json);
    };
  });

  auto* witness = log->add_subcommand(
      "witness",
      "Run the local witness once: verify the log (as `log verify`), check it is consistent with the\n"
      "checkpoint the witness saw last (WDIR/checkpoint), then cosign the new checkpoint (C2SP\n"
      "tlog-cosignature/v1) with the witness's own Ed25519 key (WDIR/witness.key, created with\n"
      "WDIR/witness.vkey on first use) and store and print it. --log takes a local directory; URLs are\n"
      "not implemented yet.\n"
      "Exit 0: cosigned; 1: refused (inconsistent with what it saw, shrunk, tampered); 2: bad input.");
  witness->add_option("--state", flags->witness_state, "The witness's state directory")->required();
  witness->add_option("--log", flags->path, "The log directory (DIR/log)")->required();
  witness->add_option("--vkey", flags->vkey, "File holding the log's note verifier key (default: DIR/appliance.yaml)");
  witness->add_option("--name", flags->witness_name, "The witness key's name, used when the key is created");
  witness->add_flag("--json", flags->json, "Print the result as JSON");
  witness->callback([&cli, flags] { cli.action = [flags] { return LogWitness(*flags); }; });

  auto* migrate = log->add_subcommand(
      "migrate",
      "Copy a hash-chained audit log into a fresh transparency log, entry by entry: each stored line\n"
      "(the record's canonical JSON) becomes one log entry, in order. The audit log must verify first.\n"
      "Exit 0: migrated; 1: the audit log is broken; 2: bad input or a non-empty log; 3: device error.");
  migrate->add_option("--audit-log", flags->audit_log, "The hash-chained audit log file")->required();
  migrate->add_option("--state-dir", flags->state_dir, "The state directory made by `signet log init`")->required();
  migrate->add_option("--log-key", flags->log_key, "pkcs11: URI of the log key (default: appliance.yaml's)");
  migrate->add_option("--batch", flags->batch, "Entries per checkpoint (default 1024)");
  AddKeyBackendFlags(migrate, flags->backend);
  migrate->callback([&cli, &backends, flags] {
    cli.action = [&backends, flags] { return LogMigrate(backends, *flags); };
  });
}

}  // namespace signet::ops
