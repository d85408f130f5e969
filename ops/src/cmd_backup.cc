// `signet backup restore` (issue 17 point 5): reconstruct the ceremony's wrapping key from a
// quorum of custodian shares into a (new) token, unwrap the backed-up keys with their labels and
// ids, check each against the quorum-approved keyring, and destroy the wrapping key again unless
// --keep-wrapping-key.
//
// Every input is checked before the token is touched: the keyring must verify (quorum), each
// share must open (AES-GCM authenticates its header and bytes; a flipped byte is exit 1), the
// shares must be at least their threshold (fewer is exit 2: an input error, nothing is created),
// and the combined key must match the check value the shares and backup files carry (exit 1).
#include <dirent.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <openssl/crypto.h>

#include "backup_file.h"
#include "custody_wiring.h"
#include "signet/core/encoding.h"
#include "signet/core/file.h"
#include "signet/core/ossl.h"
#include "signet/custody/approval.h"
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

struct RestoreFlags {
  std::string token;
  std::string so_pin_file;
  std::string backup;
  std::vector<std::string> shares;
  std::vector<std::string> custodian_keys;
  std::string keyring;
  std::string transcript;
  bool keep_wrapping_key = false;
  KeyBackendFlags backend;
};

// ListBackupFiles returns the *.json files of `dir`, sorted.
Result<std::vector<std::string>> ListBackupFiles(const std::string& dir) {
  std::unique_ptr<DIR, int (*)(DIR*)> d(opendir(dir.c_str()), closedir);
  if (!d) return NotFound("cannot read the backup directory \"" + dir + "\"");
  std::vector<std::string> out;
  while (struct dirent* e = readdir(d.get())) {
    const std::string name = e->d_name;
    if (name.size() > 5 && name[0] != '.' && name.compare(name.size() - 5, 5, ".json") == 0) out.push_back(dir + "/" + name);
  }
  std::sort(out.begin(), out.end());
  if (out.empty()) return NotFound("no backup files (*.json) in \"" + dir + "\"");
  return out;
}

// OpenShareFile opens one share with one custodian's PEM private key (kept in SecretBytes).
Result<custody::OpenedShare> OpenShareFile(const std::string& share_path, const std::string& key_path) {
  SIGNET_ASSIGN_OR_RETURN(std::string share_text, ReadFile(share_path, custody::kMaxShareFileBytes));
  Result<std::string> pem_text = ReadFile(key_path, 64 * 1024);
  if (!pem_text.ok()) return std::move(pem_text).error().Prefix("--custodian-key");
  SecretBytes pem(AsBytes(*pem_text));
  OPENSSL_cleanse(pem_text->data(), pem_text->size());
  SIGNET_ASSIGN_OR_RETURN(auto private_key, custody::ParseCustodianPrivateKey(pem));
  Result<custody::OpenedShare> opened = custody::OpenShare(share_text, private_key.get());
  if (!opened.ok()) return std::move(opened).error().Prefix("share \"" + share_path + "\"");
  return opened;
}

struct RestorePlan {
  custody::Keyring keyring;
  SecretBytes wrapping;
  std::vector<BackupFile> backups;
  std::vector<Bytes> spkis;  // parallel to backups: the keyring's public key for each
  std::vector<std::string> holders;
};

Result<RestorePlan> PlanRestore(const RestoreFlags& f) {
  RestorePlan plan;
  // 1. The keyring, approved by its quorum: the public keys restored keys must match.
  SIGNET_ASSIGN_OR_RETURN(std::string keyring_text, ReadFile(f.keyring, custody::kMaxKeyringBytes));
  SIGNET_ASSIGN_OR_RETURN(plan.keyring, custody::ParseKeyring(keyring_text));
  SIGNET_RETURN_IF_ERROR(custody::VerifyKeyring(plan.keyring));

  // 2. The shares: each authenticated by its envelope, all of this ceremony, distinct, enough.
  if (f.shares.size() != f.custodian_keys.size()) {
    return InvalidArgument("give one --custodian-key per --share, in the same order (" + std::to_string(f.shares.size()) +
                           " shares, " + std::to_string(f.custodian_keys.size()) + " keys)");
  }
  std::vector<custody::Share> shares;
  std::set<int> indices;
  int threshold = 0;
  std::string check;
  for (size_t i = 0; i < f.shares.size(); ++i) {
    SIGNET_ASSIGN_OR_RETURN(custody::OpenedShare opened, OpenShareFile(f.shares[i], f.custodian_keys[i]));
    const custody::ShareHeader& h = opened.header;
    if (h.ceremony_id != plan.keyring.ceremony) {
      return InvalidArgument("share \"" + f.shares[i] + "\" belongs to ceremony " + h.ceremony_id + ", the keyring to " +
                             plan.keyring.ceremony);
    }
    if (threshold != 0 && (h.threshold != threshold || h.wrapping_key_check != check)) {
      return InvalidArgument("share \"" + f.shares[i] + "\" was split differently from the others (threshold or key check)");
    }
    threshold = h.threshold;
    check = h.wrapping_key_check;
    if (!indices.insert(h.index).second) return InvalidArgument("two shares have index " + std::to_string(h.index));
    plan.holders.push_back(h.custodian);
    shares.push_back(std::move(opened.share));
  }
  if (static_cast<int>(shares.size()) < std::max(threshold, 2)) {
    return InvalidArgument("not enough shares: " + std::to_string(std::max(threshold, 2)) + " are needed, " +
                           std::to_string(shares.size()) + " given; nothing was restored");
  }
  SIGNET_ASSIGN_OR_RETURN(plan.wrapping, custody::Combine(shares));
  SIGNET_ASSIGN_OR_RETURN(std::string combined_check, WrappingKeyCheck(plan.wrapping));
  if (CRYPTO_memcmp(combined_check.data(), check.data(), std::min(check.size(), combined_check.size())) != 0 ||
      combined_check.size() != check.size()) {
    return Error(ErrorCode::kVerificationFailed, "the shares do not reconstruct the ceremony's wrapping key");
  }

  // 3. The backups: of this ceremony and wrapping key, each a key the keyring lists (revoked keys
  // are not restored).
  SIGNET_ASSIGN_OR_RETURN(std::vector<std::string> files, ListBackupFiles(f.backup));
  for (const std::string& path : files) {
    SIGNET_ASSIGN_OR_RETURN(std::string text, ReadFile(path, kMaxBackupFileBytes));
    Result<BackupFile> file = ParseBackupFile(text);
    if (!file.ok()) return std::move(file).error().Prefix(path);
    if (file->ceremony != plan.keyring.ceremony || file->wrapping_key_check != check) {
      return InvalidArgument("backup \"" + path + "\" belongs to another ceremony or wrapping key");
    }
    const custody::KeyringKey* entry = custody::FindKeyringKey(plan.keyring, file->wrapped.label);
    if (entry == nullptr || entry->key_id != file->key_id) {
      return Error(ErrorCode::kVerificationFailed, "backup \"" + path + "\" is of a key the keyring does not list (label \"" +
                                                       file->wrapped.label + "\", key id " + file->key_id + ")");
    }
    if (entry->status == "revoked") continue;
    SIGNET_ASSIGN_OR_RETURN(PublicKey pub, PublicKey::FromPem(entry->public_key));
    plan.spkis.push_back(pub.spki_der());
    plan.backups.push_back(std::move(file).value());
  }
  if (plan.backups.empty()) return InvalidArgument("no backup in \"" + f.backup + "\" is of a key that is not revoked");
  return plan;
}

int RunRestore(Backends& backends, RestoreFlags f) {
  std::string base = f.backup;
  while (base.size() > 1 && base.back() == '/') base.pop_back();
  const std::string dir = Dirname(base);
  if (f.keyring.empty()) f.keyring = dir + "/keyring.json";
  if (f.transcript.empty()) f.transcript = dir + "/transcript.jsonl";

  Result<RestorePlan> plan = PlanRestore(f);
  if (!plan.ok()) return ReportError(plan.error());
  auto so_pin = ReadSoPin(f.so_pin_file);
  if (!so_pin.ok()) return ReportError(std::move(so_pin).error().Prefix("--so-pin-file"));
  auto transcript = custody::Transcript::Open(f.transcript);
  if (!transcript.ok()) return ReportError(transcript.error());

  auto store = OpenKeyStoreFromUri(backends, f.token, f.backend);
  if (!store.ok()) return ReportError(store.error());
  const std::string wrapping_label = WrappingKeyLabel(plan->keyring.ceremony);
  if (Status s = (*store)->ImportWrappingKey(wrapping_label, plan->wrapping, *so_pin); !s.ok()) return ReportError(s.error());
  std::vector<std::unique_ptr<fw::SigningKey>> restored;
  auto undo = [&](Error e) {
    for (const auto& key : restored) (void)(*store)->DestroyKey(*key);
    (void)(*store)->DestroyWrappingKey(wrapping_label);
    return ReportError(std::move(e).Prefix("restore failed; nothing was kept on the token"));
  };
  JsonValue keys = JsonValue::MakeArray();
  for (size_t i = 0; i < plan->backups.size(); ++i) {
    auto key = (*store)->UnwrapKey(wrapping_label, plan->backups[i].wrapped, plan->spkis[i]);
    if (!key.ok()) return undo(std::move(key).error());
    keys.Push(JsonValue::MakeObject({{"label", JsonValue::String((*key)->attributes().label)},
                                     {"key_id", JsonValue::String((*key)->key_id())},
                                     {"attributes", KeyAttributesJson((*key)->attributes())}}));
    restored.push_back(std::move(key).value());
  }
  if (!f.keep_wrapping_key) {
    if (Status s = (*store)->DestroyWrappingKey(wrapping_label); !s.ok()) return undo(s.error());
  }
  JsonValue holders = JsonValue::MakeArray();
  for (const auto& h : plan->holders) holders.Push(JsonValue::String(h));
  auto appended = transcript->Append(
      "restore",
      JsonValue::MakeObject({{"token", JsonValue::String(hsm::RedactPkcs11Uri(f.token))},
                             {"shares_from", std::move(holders)},
                             {"keys", std::move(keys)},
                             {"wrapping_key_kept", JsonValue::Bool(f.keep_wrapping_key)}}),
      SystemClock().Now());
  if (!appended.ok()) return undo(appended.error());
  for (const auto& key : restored) {
    std::printf("restored %s (key id %s) and checked it against the keyring\n", key->attributes().label.c_str(),
                key->key_id().c_str());
  }
  std::printf("wrapping key %s\n", f.keep_wrapping_key ? "kept on the token (CKA_TRUSTED)" : "destroyed again");
  return kExitOk;
}

}  // namespace

void RegisterBackupCommands(Cli& cli, Backends& backends) {
  auto* group = CommandGroup(cli, "backup", "Backups of ceremony keys under the split wrapping key");
  group->require_subcommand(1);
  auto flags = std::make_shared<RestoreFlags>();
  auto* restore = group->add_subcommand("restore", "Restore backed-up keys into a token from a quorum of shares");
  restore->add_option("--token", flags->token, "pkcs11: URI of the token to restore into")->required();
  restore->add_option("--so-pin-file", flags->so_pin_file, "The token's SO PIN (to mark the wrapping key CKA_TRUSTED)")->required();
  restore->add_option("--backup", flags->backup, "The ceremony's backup directory (DIR/backup)")->required();
  restore->add_option("--share", flags->shares, "A custodian's share file (repeat; at least the threshold)")->required();
  restore->add_option("--custodian-key", flags->custodian_keys,
                      "The PEM private key of the custodian of the --share at the same position (repeat)")->required();
  restore->add_option("--keyring", flags->keyring, "The approved keyring (default: keyring.json beside the backup directory)");
  restore->add_option("--transcript", flags->transcript,
                      "The ceremony transcript to append to (default: transcript.jsonl beside the backup directory)");
  restore->add_flag("--keep-wrapping-key", flags->keep_wrapping_key, "Keep the reconstructed wrapping key on the token");
  AddKeyBackendFlags(restore, flags->backend);
  restore->callback([&cli, &backends, flags] { cli.action = [&backends, flags] { return RunRestore(backends, *flags); }; });
}

}  // namespace signet::ops
