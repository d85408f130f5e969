// `signet key generate|list|export|check`: release keys in a PKCS#11 token.
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
#include "signet/firmware_iface/signing_key.h"
#include "signet/hsm/uri.h"
#include "signet/ops/backends.h"
#include "signet/ops/commands.h"
#include "signet/ops/exit_codes.h"
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
};

Result<std::unique_ptr<fw::KeyStore>> OpenStore(Backends& backends, const KeyFlags& f) {
  return OpenKeyStoreFromUri(backends, f.uri, f.backend);
}

std::string YesNo(bool b) { return b ? "yes" : "no"; }

JsonValue AttributesJson(const fw::KeyAttributes& a) {
  return JsonValue::MakeObject({
      {"label", JsonValue::String(a.label)},
      {"id", JsonValue::String(HexEncode(a.id))},
      {"token", JsonValue::Bool(a.token)},
      {"private", JsonValue::Bool(a.is_private)},
      {"sensitive", JsonValue::Bool(a.sensitive)},
      {"extractable", JsonValue::Bool(a.extractable)},
      {"always_sensitive", JsonValue::Bool(a.always_sensitive)},
      {"never_extractable", JsonValue::Bool(a.never_extractable)},
      {"sign", JsonValue::Bool(a.can_sign)},
      {"decrypt", JsonValue::Bool(a.can_decrypt)},
      {"unwrap", JsonValue::Bool(a.can_unwrap)},
      {"derive", JsonValue::Bool(a.can_derive)},
      {"wrap_with_trusted", JsonValue::Bool(a.wrap_with_trusted)},
      {"backup_capable", JsonValue::Bool(fw::IsBackupCapable(a))},
  });
}

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
        {"attributes", AttributesJson((*key)->attributes())},
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
          {"attributes", AttributesJson(k.attributes)},
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
}

}  // namespace signet::ops
