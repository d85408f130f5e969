// Fuzzes the two parsers of the TLS-key-in-the-TPM work (issue 14 part 1): the daemons' `tls`
// section (tls.key: tpm2:FILE | tpm2:handle:0x81... | tpm2:object:FILE, tls.tcti) through
// ParseServerSection, and `signet attest tls-key --subject`. Invariants: a parsed TPM key is
// never empty, a handle is exactly "handle:0x81" + 6 hex digits, a tcti only appears with a
// TPM key and holds none of the characters an OpenSSL config or a shell would interpret.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "signet/attester/tls_key.h"
#include "signet/core/yaml.h"
#include "signet/service/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0 || size > 64 * 1024) return 0;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] & 1) {
    (void)signet::attester::ParseSubject(text);
    return 0;
  }
  auto root = signet::ParseYaml(text);
  if (!root.ok()) return 0;
  auto config = signet::service::ParseServerSection(*root, "/etc/signet");
  if (!config.ok()) return 0;
  const auto& tls = config->tls;
  if (tls.key.empty() || tls.certificate.empty()) std::abort();
  if (!tls.tcti.empty() && !tls.key_in_tpm) std::abort();
  if (tls.tcti.find_first_of("\"'$#\\ \n\r\t") != std::string::npos) std::abort();
  if (tls.key_in_tpm && tls.key.rfind("handle:", 0) == 0) {
    if (tls.key.size() != 17 || (tls.key.compare(7, 4, "0x81") != 0 && tls.key.compare(7, 4, "0X81") != 0)) std::abort();
  }
  return 0;
}
