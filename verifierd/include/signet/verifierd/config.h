// verifierd's own config keys (the server's `listen`, `tls` and `limits` belong to service/).
//
//   policies: {default: policy.yaml}                     # name -> gate policy file
//   evidence: {directories: [evidence/]}                 # scanned, indexed by subject digest
//   admission: {default_mode: enforce, namespaces: {sandbox: audit}, deadline: 8s}
//   evaluation_time: 2026-11-24T12:00:00Z                # optional; never taken from a request
//   cache: {max_entries: 10000, ttl: 5m}                 # optional; max_entries 0 disables
//   attestation: {tcti: "swtpm:host=127.0.0.1,port=2321", ak: ak.json,   # optional (issue 14):
//                 event_log: /run/signet/boot-log.json, pcr: 23,        # absent, the
//                 batch_window: 50ms, max_batch: 4096,                  # /v1/attestation routes
//                 min_quote_interval: 0ms}                              # are not served (404)
//   registry: {config: config.json, ca: registry-ca.pem}  # optional: with no inline evidence,
//                                                         # evidence is also read from the image's
//                                                         # registry (both keys optional)
//
// Unknown keys are errors (naming the key path and line, never a value); relative paths resolve
// against the config file's directory.
#ifndef SIGNET_VERIFIERD_CONFIG_H_
#define SIGNET_VERIFIERD_CONFIG_H_

#include <chrono>
#include <cstdint>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "signet/core/result.h"
#include "signet/core/time.h"
#include "signet/core/yaml.h"

namespace signet::verifierd {

// AdmissionMode is what a namespace's refusals do: deny (enforce) or warn (audit).
enum class AdmissionMode { kEnforce, kAudit };

// AdmissionConfig is the `admission` section.
struct AdmissionConfig {
  AdmissionMode default_mode = AdmissionMode::kEnforce;
  std::map<std::string, AdmissionMode> namespaces;
  // deadline: the whole review must be decided within it, else it is denied ("timed out").
  std::chrono::milliseconds deadline{8000};

  AdmissionMode ModeFor(std::string_view ns) const;
};

// CacheConfig is the optional `cache` section.
struct CacheConfig {
  size_t max_entries = 10000;               // 0: no verdict is cached (benchmarks, audits)
  std::chrono::milliseconds ttl{300000};    // upper bound of every entry's life
};

// AttestationConfig is the optional `attestation` section: the TPM (tcti), the AK file of
// `signet attest enroll` (ak), the launch event log of `signet launch` (event_log), the quoted
// PCR, the batching window and cap, and min_quote_interval, a throttle standing in for a slow
// discrete TPM in tests and benchmarks (0: none).
struct AttestationConfig {
  std::string tcti;       // required
  std::string ak;         // required, resolved
  std::string event_log;  // required, resolved
  uint32_t pcr = 23;
  std::chrono::milliseconds batch_window{50};
  size_t max_batch = 4096;  // 1..65536
  std::chrono::milliseconds min_quote_interval{0};
};

// RegistrySourceConfig is the optional `registry` section: where /v1/verify and /v1/admission
// read evidence when a request carries none (registry/evidence.h). `config` is a docker
// config.json (credentials; "" anonymous), `ca` a PEM bundle trusted in addition to the system
// store ("" system store only). Both resolved.
struct RegistrySourceConfig {
  std::string config;
  std::string ca;
};

// VerifierdConfig is every key verifierd reads besides the server section.
struct VerifierdConfig {
  std::map<std::string, std::string> policies;  // name -> resolved policy path
  std::vector<std::string> evidence_directories;  // resolved
  AdmissionConfig admission;
  std::optional<Timestamp> evaluation_time;
  CacheConfig cache;
  std::optional<AttestationConfig> attestation;
  std::optional<RegistrySourceConfig> registry;
  // policy_keyring: a keyring.json (resolved) whose custodians must approve every policy
  // (`signet policy verify`): a policy without a quorum of approvals (POLICY.approvals.json) is
  // refused at start and on reload (the previous configuration keeps serving). Empty: off.
  std::string policy_keyring;
};

// IsServerSectionKey reports whether `key` belongs to service/'s section (listen, tls, limits).
bool IsServerSectionKey(std::string_view key);

// ParseVerifierdConfig reads verifierd's keys from the document root `root` (a mapping); the
// server keys are skipped, every other unknown key is refused. `policies` must name at least one
// policy; `admission` uses the policy "default" and then requires it. Paths are joined to
// `config_dir` when relative. Fails kInvalidArgument naming the key path and line. No I/O.
Result<VerifierdConfig> ParseVerifierdConfig(const YamlNode& root, const std::string& config_dir);

// ParseMillis reads a duration "250ms", "8s", "5m" or "1h" (a decimal integer and a unit; at most
// one day). Fails kInvalidArgument without quoting the text.
Result<std::chrono::milliseconds> ParseMillis(std::string_view text);

}  // namespace signet::verifierd

#endif  // SIGNET_VERIFIERD_CONFIG_H_
