// Fuzzes the readers of the appliance log's signing records: ParseAuditEntry (one stored audit
// entry) and ReadSignings (entries split on "\n--\n": allow records with the Rekor v2 signature
// entries that follow them), signer/audit_log.h and signer/state_log.h.
//
// Invariants: no crash, no leak; a parsed audit entry renders back (EntryToJson, canonical) to
// exactly its input and its hash matches; every signing ReadSignings returns is an "allow" record
// at an index inside the input, and each of its signatures sits after it.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "signet/core/json.h"
#include "signet/signer/audit_log.h"
#include "signet/signer/state_log.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto entry = signet::signer::ParseAuditEntry(text);
  if (entry.ok()) {
    auto back = signet::WriteCanonicalJson(signet::signer::EntryToJson(*entry));
    if (!back.ok() || *back != text || signet::signer::ComputeEntryHash(*entry) != entry->hash) std::abort();
  }
  std::vector<std::string> entries;
  size_t start = 0;
  while (true) {
    size_t sep = text.find("\n--\n", start);
    entries.emplace_back(text.substr(start, sep == std::string_view::npos ? std::string_view::npos : sep - start));
    if (sep == std::string_view::npos) break;
    start = sep + 4;
  }
  auto signings = signet::signer::ReadSignings(entries);
  if (signings.ok()) {
    for (const auto& s : *signings) {
      if (s.index >= entries.size() || s.entry.record.decision != signet::signer::kAuditDecisionAllow) std::abort();
      for (const auto& g : s.signatures) {
        if (g.index <= s.index || g.index >= entries.size()) std::abort();
      }
    }
  }
  return 0;
}
