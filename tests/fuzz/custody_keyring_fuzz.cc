// Fuzzes the keyring parser and verifier (custody/keyring.h).
// Invariants: no crash, no leak; a parsed keyring serializes and parses back to the same body;
// VerifyKeyring and CheckSignatureKey never crash on anything the parser accepted.
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <optional>

#include "signet/core/json.h"
#include "signet/custody/keyring.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto keyring = signet::custody::ParseKeyring(text);
  if (!keyring.ok()) return 0;
  auto out = signet::custody::SerializeKeyring(*keyring);
  if (!out.ok()) std::abort();
  auto again = signet::custody::ParseKeyring(*out);
  if (!again.ok()) std::abort();
  if (!(signet::custody::KeyringBodyToJson(*again) == signet::custody::KeyringBodyToJson(*keyring))) std::abort();
  (void)signet::custody::VerifyKeyring(*keyring, *again).ok();
  for (const auto& k : keyring->keys) {
    (void)signet::custody::CheckSignatureKey(*keyring, k.key_id, k.purpose, std::nullopt, signet::FromUnixSeconds(0));
    (void)signet::custody::CheckSignatureKey(*keyring, k.key_id, k.purpose, signet::FromUnixSeconds(1800000000),
                                             signet::FromUnixSeconds(0));
  }
  return 0;
}
