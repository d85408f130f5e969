// Fuzzes the signed-note checkpoint verifier (attestation/checkpoint.h).
//
// Input forms:
//   - a sigstore bundle JSON (the conformance seeds): every checkpoint envelope in it is run;
//   - 0x01 || text: `text` is signed here with a fixed Ed25519 key and P-256 key, so the body
//     parser is exercised behind a valid signature;
//   - anything else: the whole input is a note verified against the fixed keys.
// Invariants: no crash, no leak; a verified checkpoint has a non-empty origin and a 32-byte root.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "signet/attestation/checkpoint.h"
#include "signet/core/encoding.h"
#include "signet/core/hash.h"
#include "signet/core/json.h"
#include "signet/core/ossl.h"

namespace {

using signet::attestation::NoteKey;

struct Keys {
  signet::ossl::UniquePtr<EVP_PKEY> ed25519;
  signet::ossl::UniquePtr<EVP_PKEY> p256;
  signet::Bytes ed_id, p256_id;
  std::vector<NoteKey> notes;
};

Keys& FixedKeys() {
  static Keys* keys = [] {
    auto* k = new Keys;
    const uint8_t seed[32] = {0x5e, 0x11, 0x9e, 0x70};
    k->ed25519.reset(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed, sizeof seed));
    k->p256.reset(EVP_EC_gen("P-256"));
    if (!k->ed25519 || !k->p256) std::abort();
    k->ed_id = signet::Sha256(std::string_view("fuzz ed25519 log"));
    k->p256_id = signet::Sha256(std::string_view("fuzz p256 log"));
    k->notes = {NoteKey{k->ed_id, k->ed25519.get()}, NoteKey{k->p256_id, k->p256.get()}};
    return k;
  }();
  return *keys;
}

std::string SigLine(EVP_PKEY* key, const signet::Bytes& id, std::string_view text) {
  signet::ossl::UniquePtr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
  const EVP_MD* md = EVP_PKEY_get_base_id(key) == EVP_PKEY_ED25519 ? nullptr : EVP_sha256();
  size_t len = 0;
  auto data = signet::AsBytes(text);
  if (EVP_DigestSignInit(ctx.get(), nullptr, md, nullptr, key) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, data.data(), data.size()) != 1) {
    std::abort();
  }
  signet::Bytes blob(id.begin(), id.begin() + 4);
  blob.resize(4 + len);
  if (EVP_DigestSign(ctx.get(), blob.data() + 4, &len, data.data(), data.size()) != 1) std::abort();
  blob.resize(4 + len);
  return "\xE2\x80\x94 fuzz " + signet::Base64Encode(blob) + "\n";
}

void Run(std::string_view note) {
  auto cp = signet::attestation::VerifyCheckpoint(note, FixedKeys().notes);
  if (cp.ok() && (cp->origin.empty() || cp->root_hash.size() != 32)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  if (!in.empty() && in[0] == '{') {
    auto bundle = signet::ParseJson(in);
    if (!bundle.ok()) return 0;
    const auto* vm = bundle->Find("verificationMaterial");
    const auto* entries = vm != nullptr ? vm->Find("tlogEntries") : nullptr;
    if (entries == nullptr || !entries->is_array()) return 0;
    for (const auto& e : entries->array()) {
      const auto* ip = e.Find("inclusionProof");
      const auto* cp = ip != nullptr ? ip->Find("checkpoint") : nullptr;
      const auto* env = cp != nullptr ? cp->Find("envelope") : nullptr;
      if (env != nullptr && env->is_string()) Run(env->string_value());
    }
    return 0;
  }
  if (!in.empty() && in[0] == 0x01) {
    std::string_view text = in.substr(1);
    Keys& k = FixedKeys();
    std::string note(text);
    note += "\n" + SigLine(k.ed25519.get(), k.ed_id, text) + SigLine(k.p256.get(), k.p256_id, text);
    Run(note);
    return 0;
  }
  Run(in);
  return 0;
}
