// `signet ceremony init --config ceremony.yaml --out DIR` (issue 17 point 1): the keys, the
// SO-trusted wrapping key, the backups, the custodians' shares, the unsigned keyring and the
// hash-chained transcript. `ceremony approve|verify` (cmd_ceremony.cc) take it from there.
//
// All or nothing: everything is written into a private staging directory next to DIR and renamed
// onto DIR at the end; on any failure the staging directory is removed and every key and the
// wrapping key made on the token are destroyed again. The wrapping key's plaintext lives only in
// SecretBytes (locked, cleansed) between RAND_priv_bytes and the split.
#include <openssl/rand.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "custody_wiring.h"
#include "signet/core/encoding.h"
#include "signet/core/file.h"
#include "signet/core/ossl.h"
#include "signet/custody/ceremony_config.h"
#include "signet/custody/keyring.h"
#include "signet/custody/shamir.h"
#include "signet/custody/share_envelope.h"
#include "signet/custody/transcript.h"
#include "signet/hsm/uri.h"
#include "signet/ops/commands.h"
#include "signet/ops/exit_codes.h"
#include "wiring.h"

namespace signet::ops {
namespace {

struct InitFlags {
  std::string config;
  std::string out;
  KeyBackendFlags backend;
};

// CheckOutDir: DIR must not exist, or be an empty directory (not a link).
Status CheckOutDir(const std::string& out) {
  struct stat st {};
  if (lstat(out.c_str(), &st) != 0) {
    if (errno == ENOENT) return OkStatus();
    return InvalidArgument("--out \"" + out + "\" cannot be inspected");
  }
  if (!S_ISDIR(st.st_mode)) return InvalidArgument("--out \"" + out + "\" exists and is not a directory");
  std::error_code ec;
  if (!std::filesystem::is_empty(out, ec) || ec) {
    return InvalidArgument("--out \"" + out + "\" is not empty; a ceremony writes into a new or empty directory");
  }
  return OkStatus();
}

// Ceremony holds what init made on the token, so that a failure removes it again.
class Ceremony {
 public:
  Ceremony(fw::KeyStore& store, std::string staging) : store_(store), staging_(std::move(staging)) {}
  ~Ceremony() {
    if (committed_) return;
    for (const auto& key : keys_) (void)store_.DestroyKey(*key);
    if (!wrapping_label_.empty()) (void)store_.DestroyWrappingKey(wrapping_label_);
    std::error_code ec;
    std::filesystem::remove_all(staging_, ec);
  }
  Ceremony(const Ceremony&) = delete;
  Ceremony& operator=(const Ceremony&) = delete;

  void AddKey(std::unique_ptr<fw::SigningKey> key) { keys_.push_back(std::move(key)); }
  const std::vector<std::unique_ptr<fw::SigningKey>>& keys() const { return keys_; }
  void SetWrappingKey(std::string label) { wrapping_label_ = std::move(label); }
  void Commit() { committed_ = true; }
  const std::string& staging() const { return staging_; }

 private:
  fw::KeyStore& store_;
  std::string staging_;
  std::vector<std::unique_ptr<fw::SigningKey>> keys_;
  std::string wrapping_label_;
  bool committed_ = false;
};

Result<std::string> RunInitSteps(Backends& backends, const InitFlags& f, std::string* ceremony_out) {
  // 1. Local inputs first: nothing touches the token before they are all good.
  SIGNET_ASSIGN_OR_RETURN(custody::CeremonyConfig config, custody::LoadCeremonyConfig(f.config));
  SIGNET_RETURN_IF_ERROR(CheckOutDir(f.out));
  bool any_backup = false;
  std::vector<SignatureAlgorithm> algorithms;
  for (const auto& spec : config.keys) {
    SIGNET_ASSIGN_OR_RETURN(SignatureAlgorithm alg, fw::ParseSigningKeyAlgorithm(spec.type));
    algorithms.push_back(alg);
    if (spec.backup) {
      any_backup = true;
      SIGNET_RETURN_IF_ERROR(CheckFileName("key label", spec.label));
    }
  }
  for (const auto& c : config.custodians) SIGNET_RETURN_IF_ERROR(CheckFileName("custodian name", c.name));
  std::optional<SecretBytes> so_pin;
  if (any_backup) {
    if (config.so_pin_file.empty()) {
      return InvalidArgument("ceremony.yaml: so_pin_file is needed to mark the backup wrapping key CKA_TRUSTED");
    }
    SIGNET_ASSIGN_OR_RETURN(so_pin, ReadSoPin(config.so_pin_file));
  }

  // 2. A private staging directory beside DIR (same file system, so the final rename is atomic).
  std::string templ = f.out;
  while (templ.size() > 1 && templ.back() == '/') templ.pop_back();
  templ += ".partial-XXXXXX";
  std::vector<char> buf(templ.begin(), templ.end());
  buf.push_back('\0');
  if (mkdtemp(buf.data()) == nullptr) return InvalidArgument("cannot create a staging directory beside \"" + f.out + "\"");
  const std::string staging(buf.data());
  for (const char* sub : {"/backup", "/shares"}) {
    if (mkdir((staging + sub).c_str(), 0700) != 0) {
      std::error_code ec;
      std::filesystem::remove_all(staging, ec);
      return Internal("cannot create " + staging + sub);
    }
  }

  auto store_or = OpenKeyStoreFromUri(backends, config.token, f.backend);
  if (!store_or.ok()) {
    std::error_code ec;
    std::filesystem::remove_all(staging, ec);
    return std::move(store_or).error();
  }
  std::unique_ptr<fw::KeyStore> store = std::move(store_or).value();
  Ceremony ceremony(*store, staging);
  SystemClock clock;

  // 3. The ceremony id and the transcript's first line.
  Bytes id_bytes(16);
  if (RAND_bytes(id_bytes.data(), static_cast<int>(id_bytes.size())) != 1) return Internal("RAND_bytes failed");
  const std::string ceremony_id = HexEncode(id_bytes);
  *ceremony_out = ceremony_id;
  SIGNET_ASSIGN_OR_RETURN(custody::Transcript transcript, custody::Transcript::Create(staging + "/transcript.jsonl"));
  JsonValue custodians = JsonValue::MakeArray();
  for (const auto& c : config.custodians) {
    custodians.Push(JsonValue::MakeObject(
        {{"name", JsonValue::String(c.name)}, {"key_id", JsonValue::String(custody::KeyId(c.key))}}));
  }
  JsonValue specs = JsonValue::MakeArray();
  for (const auto& spec : config.keys) {
    specs.Push(JsonValue::MakeObject({{"label", JsonValue::String(spec.label)},
                                      {"type", JsonValue::String(spec.type)},
                                      {"purpose", JsonValue::String(spec.purpose)},
                                      {"backup", JsonValue::Bool(spec.backup)}}));
  }
  SIGNET_RETURN_IF_ERROR(transcript
                             .Append("init",
                                     JsonValue::MakeObject({{"ceremony", JsonValue::String(ceremony_id)},
                                                            {"token", JsonValue::String(hsm::RedactPkcs11Uri(config.token))},
                                                            {"threshold", JsonValue::Int(config.threshold)},
                                                            {"custodians", std::move(custodians)},
                                                            {"keys", std::move(specs)}}),
                                     clock.Now())
                             );

  // 4. The keys, each with its public key and the attributes the token reports.
  custody::Keyring keyring;
  keyring.ceremony = ceremony_id;
  keyring.version = 1;
  keyring.threshold = config.threshold;
  for (const auto& c : config.custodians) {
    custody::KeyringCustodian kc;
    kc.name = c.name;
    SIGNET_ASSIGN_OR_RETURN(kc.public_key, ossl::PublicKeyToPem(c.key.get()));
    kc.key_id = custody::KeyId(c.key);
    keyring.custodians.push_back(std::move(kc));
  }
  const Timestamp now = clock.Now();
  for (size_t i = 0; i < config.keys.size(); ++i) {
    const auto& spec = config.keys[i];
    fw::GenerateOptions options{spec.label, algorithms[i], spec.backup};
    auto key = store->GenerateKey(options);
    if (!key.ok()) return std::move(key).error().Prefix("key \"" + spec.label + "\"");
    SIGNET_ASSIGN_OR_RETURN(custody::KeyringKey entry, NewKeyringKey(**key, spec.purpose, config.token, spec.backup, now));
    SIGNET_RETURN_IF_ERROR(transcript.Append("generate_key", GeneratedKeyDetails(**key, entry), clock.Now()));
    keyring.keys.push_back(std::move(entry));
    ceremony.AddKey(std::move(key).value());
  }

  // 5. The wrapping key (only when some key is backed up): random bytes in locked memory, into
  // the token as a CKA_TRUSTED key, the backups under it, then split M-of-N to the custodians.
  if (any_backup) {
    Bytes raw(32);
    if (RAND_priv_bytes(raw.data(), static_cast<int>(raw.size())) != 1) return Internal("RAND_priv_bytes failed");
    SecretBytes wrapping(raw);
    OPENSSL_cleanse(raw.data(), raw.size());
    SIGNET_ASSIGN_OR_RETURN(std::string check, WrappingKeyCheck(wrapping));
    const std::string wrapping_label = WrappingKeyLabel(ceremony_id);
    SIGNET_RETURN_IF_ERROR(store->ImportWrappingKey(wrapping_label, wrapping, *so_pin));
    ceremony.SetWrappingKey(wrapping_label);
    SIGNET_RETURN_IF_ERROR(
        transcript
            .Append("wrapping_key",
                    JsonValue::MakeObject({{"label", JsonValue::String(wrapping_label)},
                                           {"algorithm", JsonValue::String("aes-256")},
                                           {"wrapping_key_check", JsonValue::String(check)},
                                           {"attributes", JsonValue::MakeObject({{"trusted", JsonValue::Bool(true)},
                                                                                 {"private", JsonValue::Bool(true)},
                                                                                 {"sensitive", JsonValue::Bool(true)},
                                                                                 {"extractable", JsonValue::Bool(false)},
                                                                                 {"wrap", JsonValue::Bool(true)},
                                                                                 {"unwrap", JsonValue::Bool(true)}})}}),
                    clock.Now())
            );
    for (const auto& key : ceremony.keys()) {
      if (!fw::IsBackupCapable(key->attributes())) continue;
      SIGNET_ASSIGN_OR_RETURN(JsonValue details, WriteBackup(*store, *key, ceremony_id, check, staging + "/backup"));
      SIGNET_RETURN_IF_ERROR(transcript.Append("backup", std::move(details), clock.Now()));
    }
    const int count = static_cast<int>(config.custodians.size());
    SIGNET_ASSIGN_OR_RETURN(std::vector<custody::Share> shares, custody::Split(wrapping, config.threshold, count));
    JsonValue share_details = JsonValue::MakeArray();
    for (int i = 0; i < count; ++i) {
      const auto& custodian = config.custodians[static_cast<size_t>(i)];
      custody::ShareHeader header;
      header.ceremony_id = ceremony_id;
      header.custodian = custodian.name;
      header.index = shares[static_cast<size_t>(i)].index;
      header.threshold = config.threshold;
      header.count = count;
      header.wrapping_key_check = check;
      SIGNET_ASSIGN_OR_RETURN(std::string sealed, custody::SealShare(shares[static_cast<size_t>(i)], header, custodian.key));
      const std::string name = "shares/" + custodian.name + ".share";
      SIGNET_RETURN_IF_ERROR(WriteFileAtomic(staging + "/" + name, sealed, 0600));
      share_details.Push(JsonValue::MakeObject({{"custodian", JsonValue::String(custodian.name)},
                                                {"index", JsonValue::Int(header.index)},
                                                {"file", JsonValue::String(name)},
                                                {"sha256", JsonValue::String(Sha256Hex(sealed))}}));
    }
    SIGNET_RETURN_IF_ERROR(transcript
                               .Append("split",
                                       JsonValue::MakeObject({{"threshold", JsonValue::Int(config.threshold)},
                                                              {"count", JsonValue::Int(count)},
                                                              {"wrapping_key_check", JsonValue::String(check)},
                                                              {"shares", std::move(share_details)}}),
                                       clock.Now())
                               );
  }

  // 6. The keyring, version 1, unsigned: `ceremony approve` adds the custodians' signatures.
  SIGNET_ASSIGN_OR_RETURN(std::string keyring_text, custody::SerializeKeyring(keyring));
  SIGNET_RETURN_IF_ERROR(WriteFileAtomic(staging + "/keyring.json", keyring_text, 0644));
  SIGNET_RETURN_IF_ERROR(transcript
                             .Append("keyring",
                                     JsonValue::MakeObject({{"version", JsonValue::Int(1)},
                                                            {"file", JsonValue::String("keyring.json")},
                                                            {"sha256", JsonValue::String(Sha256Hex(keyring_text))}}),
                                     clock.Now())
                             );

  // 7. Publish: DIR (absent or empty) becomes the staging directory.
  struct stat st {};
  if (lstat(f.out.c_str(), &st) == 0 && rmdir(f.out.c_str()) != 0) {
    return InvalidArgument("--out \"" + f.out + "\" is no longer empty");
  }
  if (rename(staging.c_str(), f.out.c_str()) != 0) return Internal("cannot rename the staging directory to \"" + f.out + "\"");
  ceremony.Commit();
  return std::string(hsm::RedactPkcs11Uri(config.token));
}

int RunInit(Backends& backends, const InitFlags& f) {
  std::string ceremony_id;
  Result<std::string> done = RunInitSteps(backends, f, &ceremony_id);
  if (!done.ok()) {
    return ReportError(std::move(done).error().Prefix("ceremony init failed; nothing was kept on the token or in --out"));
  }
  std::printf("ceremony %s written to %s\n  token: %s\n  next: a quorum of custodians runs\n"
              "    signet ceremony approve --transcript %s/transcript.jsonl --key CUSTODIAN_KEY\n",
              ceremony_id.c_str(), f.out.c_str(), done->c_str(), f.out.c_str());
  return kExitOk;
}

}  // namespace

void RegisterCeremonyInitCommand(Cli& cli, Backends& backends) {
  auto* group = CommandGroup(cli, "ceremony", "Key ceremonies: init, approve, verify (M-of-N custodians)");
  group->require_subcommand(1);
  auto flags = std::make_shared<InitFlags>();
  auto* init = group->add_subcommand("init", "Create the keys, the trusted wrapping key, backups, shares, keyring and transcript");
  init->add_option("--config", flags->config, "ceremony.yaml")->required();
  init->add_option("--out", flags->out, "Ceremony directory (must not exist, or be empty)")->required();
  AddKeyBackendFlags(init, flags->backend);
  init->callback([&cli, &backends, flags] { cli.action = [&backends, flags] { return RunInit(backends, *flags); }; });
}

}  // namespace signet::ops
