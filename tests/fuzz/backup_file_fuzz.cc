// Fuzzes the backup file parser (ops/src/backup_file.h, `signet backup restore`).
//
// Invariants: a file that parses re-serializes to a file that parses to the same values; the
// values obey the documented forms (hex lengths, a known mechanism, a non-empty label).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "backup_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = signet::ops::ParseBackupFile(text);
  if (!parsed.ok()) return 0;
  if (!signet::ops::IsLowerHex(parsed->ceremony, 32) || !signet::ops::IsLowerHex(parsed->key_id, 64)) std::abort();
  if (parsed->wrapped.label.empty() || parsed->wrapped.ciphertext.empty() || parsed->wrapped.id.empty()) std::abort();
  if (parsed->wrapped.mechanism != "CKM_AES_KEY_WRAP_KWP" && parsed->wrapped.mechanism != "CKM_AES_KEY_WRAP_PAD") std::abort();
  auto again = signet::ops::ParseBackupFile(signet::ops::SerializeBackupFile(*parsed));
  if (!again.ok() || again->wrapped.ciphertext != parsed->wrapped.ciphertext || again->wrapped.label != parsed->wrapped.label ||
      again->wrapped.id != parsed->wrapped.id || again->key_id != parsed->key_id || again->ceremony != parsed->ceremony) {
    std::abort();
  }
  return 0;
}
