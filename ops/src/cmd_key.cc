// `signet key generate|list|export|check|rotate|revoke`: release keys in a PKCS#11 token, and
// their versions in a ceremony's keyring (issue 17: rotate and revoke write a new keyring version
// that is valid once a quorum of custodians approves it).
//
// The token is opened through the Backends main() built (backends.h): the module comes from the
// URI's module-path, else --module, else $SIGNET_PKCS11_MODULE; the user PIN from the URI's
// pin-source file, else the environment variable named by --pin-env, else the URI's pin-value
// (tests only: it puts the PIN into argv, so it draws a warning). There is no --pin flag on
// purpose.
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "signet/core/encoding.h"
#include "signet/core/file.h"
#include "signet/core/hash.h"
#include "signet/core/json.h"
#include "signet/core/ossl.h"
#include "signet/core/time.h"
#include "signet/custody/keyring.h"
#include "signet/custody/revocation.h"
#include "signet/custody/transcript.h"
#include "signet/firmware_iface/signing_key.h"
#include "signet/hsm/uri.h"
#include "signet/ops/backends.h"
#include "signet/ops/commands.h"
#include "signet/ops/exit_codes.h"
#include "custody_wiring.h"
#include "wiring.h"

namespace signet::ops {
namespace {

struct KeyFlags {
  std::string uri;
  KeyBackendFlags backend;
  std::string label;
  std::string type = "ecdsa-p256";
  std::string format = "pem";
  std::string out;
  bool json = false;
  bool allow_weak = false;
  bool backup = false;
  // rotate / revoke (issue 17)
  std::string keyring;
  std::string transcript;
  std::string purpose = "release";
  std::string overlap = "720h";
  std::string reason;
  std::string effective;
  std::string next_update = "720h";
  std::string revocations;
};

Result<std::unique_ptr<fw::KeyStore>> OpenStore(Backends& backends, const KeyFlags& f) {
  return OpenKeyStoreFromUri(backends, f.uri, f.backend);
}

std::string YesNo(bool b) { return b ? "yes" : "no"; }

std::string KeyIdOf(const Bytes& spki) {
  if (spki.empty()) return "";
  return HexEncode(Sha256(spki));
}

int RunGenerate(Backends& backends, const KeyFlags& f) {
  Result<SignatureAlgorithm> alg = fw::ParseSigningKeyAlgorithm(f.type);
  if (!alg.ok()) return ReportError(alg.error());
  auto store = OpenStore(backends, f);
  if (!store.ok()) return ReportError(store.error());
  fw::GenerateOptions options;
  options.label = f.label;
  options.algorithm = *alg;
  options.backup = f.backup;
  auto key = (*store)->GenerateKey(options);
  if (!key.ok()) return ReportError(key.error());
  // The URI that selects the new key alone.
  std::string uri;
  if (auto keys = (*store)->ListKeys(); keys.ok()) {
    for (const auto& k : *keys) {
      if (k.attributes.id == (*key)->attributes().id && k.attributes.label == f.label) uri = k.uri;
    }
  }
  if (f.json) {
    JsonValue out = JsonValue::MakeObject({
        {"uri", JsonValue::String(uri)},
        {"type", JsonValue::String(std::string(SignatureAlgorithmName((*key)->algorithm())))},
        {"key_id", JsonValue::String((*key)->key_id())},
        {"attributes", KeyAttributesJson((*key)->attributes())},
    });
    std::printf("%s\n", WriteJson(out, 2).c_str());
  } else {
    std::printf("generated %s key \"%s\"\n  uri:    %s\n  key id: %s (SHA-256 of the SPKI)\n  self-test: ok\n",
                std::string(SignatureAlgorithmName((*key)->algorithm())).c_str(), f.label.c_str(), uri.c_str(),
                (*key)->key_id().c_str());
  }
  return kExitOk;
}

int RunList(Backends& backends, const KeyFlags& f) {
  auto store = OpenStore(backends, f);
  if (!store.ok()) return ReportError(store.error());
  auto keys = (*store)->ListKeys();
  if (!keys.ok()) return ReportError(keys.error());
  if (f.json) {
    JsonValue arr = JsonValue::MakeArray();
    for (const auto& k : *keys) {
      arr.Push(JsonValue::MakeObject({
          {"uri", JsonValue::String(k.uri)},
          {"type", JsonValue::String(std::string(SignatureAlgorithmName(k.algorithm)))},
          {"key_id", JsonValue::String(KeyIdOf(k.public_key_spki))},
          {"attributes", KeyAttributesJson(k.attributes)},
      }));
    }
    std::printf("%s\n", WriteJson(JsonValue::MakeObject({{"keys", std::move(arr)}}), 2).c_str());
    return kExitOk;
  }
  if (keys->empty()) std::printf("no keys on this token\n");
  for (const auto& k : *keys) {
    std::printf("%s\n  type: %s  key id: %s\n  sensitive: %s  extractable: %s  never-extractable: %s  "
                "backup-capable: %s\n",
                k.uri.c_str(), std::string(SignatureAlgorithmName(k.algorithm)).c_str(),
                k.public_key_spki.empty() ? "(no public key object)" : KeyIdOf(k.public_key_spki).c_str(),
                YesNo(k.attributes.sensitive).c_str(), YesNo(k.attributes.extractable).c_str(),
                YesNo(k.attributes.never_extractable).c_str(), YesNo(fw::IsBackupCapable(k.attributes)).c_str());
  }
  return kExitOk;
}

int RunExport(Backends& backends, const KeyFlags& f) {
  if (f.format != "pem" && f.format != "der") {
    return ReportError(InvalidArgument("--format must be pem or der"));
  }
  auto store = OpenStore(backends, f);
  if (!store.ok()) return ReportError(store.error());
  fw::OpenOptions open;
  open.allow_weak = f.allow_weak;
  auto key = (*store)->FindKey(f.uri, open);
  if (!key.ok()) return ReportError(key.error());
  std::string data;
  if (f.format == "der") {
    data = ToString((*key)->public_key_spki());
  } else {
    auto pkey = ossl::ParsePublicKeyDer((*key)->public_key_spki());
    if (!pkey.ok()) return ReportError(pkey.error());
    auto pem = ossl::PublicKeyToPem(pkey->get());
    if (!pem.ok()) return ReportError(pem.error());
    data = *pem;
  }
  if (!f.out.empty() && f.out != "-") {
    // Like every other output: temp file + rename, only over a regular file, never through a
    // symbolic link (a link, device, FIFO or directory at --out is exit 2).
    if (Status s = WriteFileAtomic(f.out, data, 0644); !s.ok()) return ReportError(s.error());
    return kExitOk;
  }
  if (std::fwrite(data.data(), 1, data.size(), stdout) != data.size() || std::fflush(stdout) != 0) {
    return ReportError(Internal("writing the public key to standard output failed"));
  }
  return kExitOk;
}

int RunCheck(Backends& backends, const KeyFlags& f) {
  auto store = OpenStore(backends, f);
  if (!store.ok()) return ReportError(store.error());
  // Open with allow_weak so that the report can show *why* a key is weak; the verdict below
  // still fails for it.
  fw::OpenOptions open;
  open.allow_weak = true;
  auto key = (*store)->FindKey(f.uri, open);
  if (!key.ok()) return ReportError(key.error());
  const fw::KeyAttributes& a = (*key)->attributes();
  int rc = kExitOk;
  // The URI as given may carry pin-value: never print a PIN back.
  std::printf("key %s\n  type: %s\n  key id: %s\n", hsm::RedactPkcs11Uri(f.uri).c_str(),
              std::string(SignatureAlgorithmName((*key)->algorithm())).c_str(), (*key)->key_id().c_str());
  auto check = [&](const char* what, bool good, const std::string& detail) {
    std::printf("  [%s] %s%s\n", good ? "ok" : "FAIL", what, detail.c_str());
    if (!good) rc = kExitDenied;
  };
  check("CKA_SENSITIVE=true", a.sensitive, "");
  if (fw::IsBackupCapable(a)) {
    // Backup-capable (issue 17): extractable, but only wrapped under a CKA_TRUSTED key. Not weak.
    // A restored key was unwrapped, so it is never "always sensitive" either.
    std::printf("  [ok] backup-capable: CKA_EXTRACTABLE=true only with CKA_WRAP_WITH_TRUSTED=true\n");
  } else {
    check("CKA_EXTRACTABLE=false", !a.extractable, a.extractable ? " (and no CKA_WRAP_WITH_TRUSTED)" : "");
    check("CKA_NEVER_EXTRACTABLE=true", a.never_extractable, "");
    check("CKA_ALWAYS_SENSITIVE=true", a.always_sensitive, "");
  }
  check("CKA_PRIVATE=true", a.is_private, "");
  check("CKA_SIGN=true", a.can_sign, "");
  check("sign only (no CKA_DECRYPT, CKA_UNWRAP, CKA_DERIVE)", !a.can_decrypt && !a.can_unwrap && !a.can_derive, "");
  auto algs = (*store)->SupportedAlgorithms();
  if (!algs.ok()) return ReportError(algs.error());
  bool mech = false;
  std::string offered;
  for (auto alg : *algs) {
    if (alg == (*key)->algorithm()) mech = true;
    offered += std::string(offered.empty() ? "" : ", ") + std::string(SignatureAlgorithmName(alg));
  }
  check("token offers the signing mechanism", mech, " (token offers: " + offered + ")");
  Status self_test = fw::SelfTest(**key);
  check("self-test: sign on the token, verify with OpenSSL", self_test.ok(),
        self_test.ok() ? "" : " (" + self_test.error().ToString() + ")");
  std::printf("%s\n", rc == kExitOk ? "key check passed" : "key check FAILED");
  return rc;
}


// LoadApprovedKeyring reads the keyring and requires it to verify (its quorum and chain): a new
// version is only ever built on an approved one.
Result<custody::Keyring> LoadApprovedKeyring(const std::string& path) {
  SIGNET_ASSIGN_OR_RETURN(std::string text, ReadFile(path, custody::kMaxKeyringBytes));
  SIGNET_ASSIGN_OR_RETURN(custody::Keyring keyring, custody::ParseKeyring(text));
  Status verified = custody::VerifyKeyring(keyring);
  if (!verified.ok()) {
    return std::move(verified).error().Prefix("the keyring \"" + path + "\" is not approved by its quorum; approve it "
                                              "(signet ceremony approve) before changing it");
  }
  return keyring;
}

// NextVersion starts version N+1 of `current`: same ceremony, custodians and threshold, the
// complete signed current version as `previous`, no signatures yet.
custody::Keyring NextVersion(const custody::Keyring& current) {
  custody::Keyring next = current;
  next.version = current.version + 1;
  next.previous = std::make_shared<const custody::Keyring>(current);
  next.signatures.clear();
  return next;
}

// WrappingKeyCheckFromTranscript returns the check value of the ceremony's split wrapping key.
Result<std::string> WrappingKeyCheckFromTranscript(const custody::Transcript& transcript) {
  for (auto it = transcript.entries().rbegin(); it != transcript.entries().rend(); ++it) {
    if (it->step != "split") continue;
    return it->details.GetString("wrapping_key_check");
  }
  return FailedPrecondition("the transcript records no split wrapping key, so nothing can be backed up");
}

std::string SecondsText(Timestamp t) { return FormatRfc3339(std::chrono::floor<std::chrono::seconds>(t)); }

int RunRotate(Backends& backends, const KeyFlags& f) {
  // 1. Local inputs: the approved keyring, the transcript, the new key's type and the overlap.
  Result<SignatureAlgorithm> alg = fw::ParseSigningKeyAlgorithm(f.type);
  if (!alg.ok()) return ReportError(alg.error());
  auto overlap = ParseDuration(f.overlap);
  if (!overlap.ok()) return ReportError(std::move(overlap).error().Prefix("--overlap"));
  auto keyring = LoadApprovedKeyring(f.keyring);
  if (!keyring.ok()) return ReportError(keyring.error());
  auto transcript = custody::Transcript::Open(f.transcript);
  if (!transcript.ok()) return ReportError(transcript.error());
  if (custody::FindKeyringKey(*keyring, f.label) != nullptr) {
    return ReportError(AlreadyExists("the keyring already has a key labelled \"" + f.label + "\""));
  }
  std::string check;
  if (f.backup) {
    auto c = WrappingKeyCheckFromTranscript(*transcript);
    if (!c.ok()) return ReportError(c.error());
    check = *c;
  }
  const Timestamp now = SystemClock().Now();
  custody::Keyring next = NextVersion(*keyring);
  // 2. Close the windows of the purpose's open keys after the overlap; retire keys whose window
  // has passed.
  const std::string closes = SecondsText(now + *overlap);
  JsonValue closed = JsonValue::MakeArray();
  for (auto& k : next.keys) {
    if (k.status == "active" && k.purpose == f.purpose && k.not_after.empty()) {
      k.not_after = closes;
      closed.Push(JsonValue::String(k.label));
    }
    if (k.status == "active" && !k.not_after.empty()) {
      auto end = ParseRfc3339(k.not_after);
      if (end.ok() && *end <= now) k.status = "retired";
    }
  }
  // 3. The new key on the token (and its backup under the ceremony's wrapping key).
  auto store = OpenStore(backends, f);
  if (!store.ok()) return ReportError(store.error());
  auto key = (*store)->GenerateKey({f.label, *alg, f.backup});
  if (!key.ok()) return ReportError(key.error());
  auto fail = [&](Error e) {
    (void)(*store)->DestroyKey(**key);
    return ReportError(std::move(e).Prefix("rotation failed; the new key was removed again"));
  };
  auto entry = NewKeyringKey(**key, f.purpose, f.uri, f.backup, now);
  if (!entry.ok()) return fail(entry.error());
  JsonValue details = GeneratedKeyDetails(**key, *entry);
  if (f.backup) {
    auto backup = WriteBackup(**store, **key, keyring->ceremony, check, Dirname(f.keyring) + "/backup");
    if (!backup.ok()) return fail(backup.error());
    details.Set("backup_file", std::move(backup).value());
  }
  next.keys.push_back(std::move(entry).value());
  auto text = custody::SerializeKeyring(next);
  if (!text.ok()) return fail(text.error());
  const size_t closed_count = closed.array().size();
  details.Set("overlap", JsonValue::String(f.overlap));
  details.Set("closes", std::move(closed));
  details.Set("old_not_after", JsonValue::String(closes));
  details.Set("keyring_version", JsonValue::Int(next.version));
  details.Set("keyring_sha256", JsonValue::String(Sha256Hex(*text)));
  // 4. The transcript step, then the new keyring version (valid once a quorum approves it).
  auto appended = transcript->Append("rotate", std::move(details), now);
  if (!appended.ok()) return fail(appended.error());
  if (Status s = WriteFileAtomic(f.keyring, *text, 0644); !s.ok()) return ReportError(s.error());
  std::printf("rotated %s: new key \"%s\" (key id %s); the old key%s window closes at %s\n"
              "keyring version %lld written; it is valid once a quorum runs `signet ceremony approve --transcript %s`\n",
              f.purpose.c_str(), f.label.c_str(), (*key)->key_id().c_str(), closed_count == 1 ? "'s" : "s'",
              closes.c_str(), static_cast<long long>(next.version), f.transcript.c_str());
  return kExitOk;
}

int RunRevoke(const KeyFlags& f) {
  if (f.reason != "compromise" && f.reason != "superseded") {
    return ReportError(InvalidArgument("--reason must be compromise or superseded"));
  }
  auto effective = ParseRfc3339(f.effective);
  if (!effective.ok()) return ReportError(std::move(effective).error().Prefix("--effective"));
  auto next_update = ParseDuration(f.next_update);
  if (!next_update.ok()) return ReportError(std::move(next_update).error().Prefix("--next-update"));
  if (next_update->count() <= 0) return ReportError(InvalidArgument("--next-update must be positive"));
  auto keyring = LoadApprovedKeyring(f.keyring);
  if (!keyring.ok()) return ReportError(keyring.error());
  auto transcript = custody::Transcript::Open(f.transcript);
  if (!transcript.ok()) return ReportError(transcript.error());
  const std::string revocations_path = f.revocations.empty() ? Dirname(f.keyring) + "/revocations.json" : f.revocations;

  custody::Keyring next = NextVersion(*keyring);
  custody::KeyringKey* key = nullptr;
  for (auto& k : next.keys) {
    if (k.label == f.label) key = &k;
  }
  if (key == nullptr) return ReportError(NotFound("the keyring has no key labelled \"" + f.label + "\""));
  if (key->status == "revoked") return ReportError(AlreadyExists("key \"" + f.label + "\" is already revoked"));
  const std::string revoked_at = FormatRfc3339(*effective);
  key->status = "revoked";
  key->revoked_at = revoked_at;
  key->reason = f.reason;

  // The revocation list: the existing one (if any) plus this key, issued now, unsigned.
  custody::RevocationList list;
  if (auto existing = ReadFile(revocations_path, custody::kMaxRevocationsBytes); existing.ok()) {
    auto parsed = custody::ParseRevocationList(*existing);
    if (!parsed.ok()) return ReportError(std::move(parsed).error().Prefix(revocations_path));
    list = std::move(parsed).value();
  } else if (existing.error().code() != ErrorCode::kNotFound) {
    return ReportError(existing.error());
  }
  const Timestamp now = SystemClock().Now();
  list.ceremony = keyring->ceremony;
  list.issued = SecondsText(now);
  list.next_update = SecondsText(now + *next_update);
  list.signatures.clear();
  list.revoked.push_back({key->label, key->key_id, revoked_at, f.reason});
  auto list_text = custody::SerializeRevocationList(list);
  if (!list_text.ok()) return ReportError(list_text.error());
  auto keyring_text = custody::SerializeKeyring(next);
  if (!keyring_text.ok()) return ReportError(keyring_text.error());

  auto appended = transcript->Append(
      "revoke",
      JsonValue::MakeObject({{"label", JsonValue::String(key->label)},
                             {"key_id", JsonValue::String(key->key_id)},
                             {"reason", JsonValue::String(f.reason)},
                             {"revoked_at", JsonValue::String(revoked_at)},
                             {"keyring_version", JsonValue::Int(next.version)},
                             {"keyring_sha256", JsonValue::String(Sha256Hex(*keyring_text))},
                             {"revocations_issued", JsonValue::String(list.issued)},
                             {"revocations_next_update", JsonValue::String(list.next_update)},
                             {"revocations_sha256", JsonValue::String(Sha256Hex(*list_text))}}),
      now);
  if (!appended.ok()) return ReportError(appended.error());
  if (Status s = WriteFileAtomic(f.keyring, *keyring_text, 0644); !s.ok()) return ReportError(s.error());
  if (Status s = WriteFileAtomic(revocations_path, *list_text, 0644); !s.ok()) return ReportError(s.error());
  std::printf("revoked \"%s\" (key id %s) from %s (%s)\nkeyring version %lld and %s (next update %s) written; both are "
              "valid once a quorum runs `signet ceremony approve --transcript %s`\n",
              key->label.c_str(), key->key_id.c_str(), revoked_at.c_str(), f.reason.c_str(),
              static_cast<long long>(next.version), revocations_path.c_str(), list.next_update.c_str(),
              f.transcript.c_str());
  return kExitOk;
}

}  // namespace

void RegisterKeyCommands(Cli& cli, Backends& backends) {
  auto* key = cli.app.add_subcommand("key", "Release keys in a PKCS#11 token (SoftHSM2, tpm2-pkcs11, HSMs)");
  key->require_subcommand(1);
  auto flags = std::make_shared<KeyFlags>();

  auto* gen = key->add_subcommand("generate", "Generate a non-extractable, sign-only key and self-test it");
  gen->add_option("--token", flags->uri, "pkcs11: URI of the token")->required();
  gen->add_option("--label", flags->label, "Label (CKA_LABEL) of the new key")->required();
  gen->add_option("--type", flags->type, "ecdsa-p256 (default), ecdsa-p384, ed25519 or rsa-3072");
  gen->add_flag("--json", flags->json, "Print the result as JSON");
  gen->add_flag("--backup", flags->backup,
                "Make the key backup-capable: extractable only wrapped under a CKA_TRUSTED key (CKA_WRAP_WITH_TRUSTED)");
  AddKeyBackendFlags(gen, flags->backend);
  gen->callback([&cli, &backends, flags] { cli.action = [&backends, flags] { return RunGenerate(backends, *flags); }; });

  auto* list = key->add_subcommand("list", "List the private keys on a token");
  list->add_option("--token", flags->uri, "pkcs11: URI of the token")->required();
  list->add_flag("--json", flags->json, "Print the keys as JSON");
  AddKeyBackendFlags(list, flags->backend);
  list->callback([&cli, &backends, flags] { cli.action = [&backends, flags] { return RunList(backends, *flags); }; });

  auto* exp = key->add_subcommand("export", "Write a key's public key (SubjectPublicKeyInfo)");
  exp->add_option("--key", flags->uri, "pkcs11: URI of the key")->required();
  exp->add_option("--format", flags->format, "pem (default) or der");
  exp->add_option("--out", flags->out,
                  "Output file (default: standard output); replaces only a regular file, never follows a link");
  exp->add_flag("--allow-weak", flags->allow_weak, "Accept a key that is extractable or not sensitive");
  AddKeyBackendFlags(exp, flags->backend);
  exp->callback([&cli, &backends, flags] { cli.action = [&backends, flags] { return RunExport(backends, *flags); }; });

  auto* chk = key->add_subcommand("check", "Check a key's attributes, mechanism support, and sign/verify");
  chk->add_option("--key", flags->uri, "pkcs11: URI of the key")->required();
  AddKeyBackendFlags(chk, flags->backend);
  chk->callback([&cli, &backends, flags] { cli.action = [&backends, flags] { return RunCheck(backends, *flags); }; });

  auto* rot = key->add_subcommand("rotate", "Make a new key version and close the old one's window after an overlap");
  rot->add_option("--keyring", flags->keyring, "The approved keyring.json (a new version replaces it)")->required();
  rot->add_option("--transcript", flags->transcript, "The ceremony transcript to append to")->required();
  rot->add_option("--token", flags->uri, "pkcs11: URI of the token for the new key")->required();
  rot->add_option("--label", flags->label, "Label of the new key")->required();
  rot->add_option("--type", flags->type, "ecdsa-p256 (default), ecdsa-p384, ed25519 or rsa-3072");
  rot->add_option("--purpose", flags->purpose, "The purpose rotated: release (default), log, tsa, ...");
  rot->add_option("--overlap", flags->overlap, "How long the old key stays valid, e.g. 720h (default)");
  rot->add_flag("--backup", flags->backup, "Make the new key backup-capable and back it up under the ceremony's wrapping key");
  AddKeyBackendFlags(rot, flags->backend);
  rot->callback([&cli, &backends, flags] { cli.action = [&backends, flags] { return RunRotate(backends, *flags); }; });

  auto* rev = key->add_subcommand("revoke", "Revoke a key version: a new keyring version and a revocation list");
  rev->add_option("--keyring", flags->keyring, "The approved keyring.json (a new version replaces it)")->required();
  rev->add_option("--transcript", flags->transcript, "The ceremony transcript to append to")->required();
  rev->add_option("--label", flags->label, "Label of the key to revoke")->required();
  rev->add_option("--reason", flags->reason, "compromise or superseded")->required();
  rev->add_option("--effective", flags->effective, "RFC 3339 time from which signatures are refused")->required();
  rev->add_option("--next-update", flags->next_update,
                  "How long the revocation list stays fresh (default 720h); verifiers refuse it afterwards");
  rev->add_option("--revocations", flags->revocations, "The revocation list (default: revocations.json beside the keyring)");
  rev->callback([&cli, flags] { cli.action = [flags] { return RunRevoke(*flags); }; });
}

}  // namespace signet::ops
