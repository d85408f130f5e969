// signerd's config file beyond the server section (service/config.h owns listen, tls, limits):
//
//   key: "pkcs11:token=release;object=rel?module-path=/usr/lib/softhsm/libsofthsm2.so"
//   pin_file: /etc/signet/pin         # or pin_credential: NAME ($CREDENTIALS_DIRECTORY/NAME)
//   policy: policy.yaml
//   state_dir: /var/lib/signet        # state_dir/audit.log, or state_dir/log/ after `signet log init`
//   callers:
//     - name: pipeline-a
//       subject: "CN=pipeline-a"      # exact RFC 2253 subject of the client certificate, or
//       images: ["registry.example/team/*"]
//     - name: pipeline-b
//       san: "spiffe://example/ci"    # a DNS or URI subjectAltName of the client certificate
//       images: ["registry.example/b/*"]
//
// Refused (kInvalidArgument naming the key and line, never a value): unknown keys at any level,
// no tls.client_ca (mTLS is mandatory), a key URI that is not pkcs11: or carries a PIN
// (pin-value or pin-source: the PIN comes from pin_file / pin_credential only), both or neither
// of pin_file and pin_credential, pin_credential without $CREDENTIALS_DIRECTORY or naming a
// path, no callers, a caller without a name (1-64 of [A-Za-z0-9._-], unique), with both or
// neither of subject and san, or without images.
// Relative paths resolve against the config file's directory.
#ifndef SIGNET_SIGNERD_CONFIG_H_
#define SIGNET_SIGNERD_CONFIG_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "signet/core/result.h"
#include "signet/core/yaml.h"
#include "signet/service/config.h"

namespace signet::signerd {

// Caller is one client allowed to ask for signatures.
struct Caller {
  std::string name;
  std::string subject;              // exact RFC 2253 subject, or ""
  std::string san;                  // exact DNS or URI subjectAltName, or ""
  std::vector<std::string> images;  // policy globs over the repository (`*` stops at '/')
};

// SignerdConfig is the parsed daemon section.
struct SignerdConfig {
  std::string key_uri;    // as configured (no PIN in it)
  std::string pin_path;   // the PIN file: pin_file, or $CREDENTIALS_DIRECTORY/pin_credential
  std::string policy;     // resolved path
  // policy_keyring: a keyring.json (resolved) whose custodians must approve the policy
  // (POLICY.approvals.json, `signet policy verify`); "" = off. An unapproved policy is refused at
  // start and on reload (the previous configuration keeps serving).
  std::string policy_keyring;
  std::string state_dir;  // resolved path
  std::vector<Caller> callers;
  uint32_t requests_per_minute_per_caller = 0;  // copied from the server's limits (0 = unlimited)
};

// kConfigKeysHelp is the text `signerd --help` prints: every key of the config file.
extern const char kConfigKeysHelp[];

// ParseSignerdConfig reads the daemon's keys from `root` (the server section was parsed into
// `server`). `credentials_dir` is $CREDENTIALS_DIRECTORY ("" when unset). Touches no file.
Result<SignerdConfig> ParseSignerdConfig(const YamlNode& root, const std::string& config_dir,
                                         const service::ServerConfig& server, std::string_view credentials_dir);

// CheckNotWritableByOthers refuses (kPermissionDenied, naming `what` and the path) a file that
// is not a regular file or that group or others may write; kNotFound when it is missing.
Status CheckNotWritableByOthers(const std::string& path, std::string_view what);

// WithPinSource returns `key_uri` with a pin-source query attribute naming `pin_path`
// (percent-encoded), the one way the PKCS#11 layer reads a PIN file.
std::string WithPinSource(const std::string& key_uri, const std::string& pin_path);

// ClientIdentity is what the TLS layer verified about a client certificate.
struct ClientIdentity {
  std::string subject;            // RFC 2253
  std::vector<std::string> sans;  // DNS and URI subjectAltNames
};

// MatchCaller returns the first caller whose subject equals identity.subject exactly, or whose
// san equals one of identity.sans exactly; null when none (an empty subject matches nothing).
const Caller* MatchCaller(const std::vector<Caller>& callers, const ClientIdentity& identity);

// RepositoryOf returns the repository part of an image reference: without "@digest" and
// without a ":tag" after the last '/'.
std::string RepositoryOf(std::string_view image);

// ImageAllowedForCaller reports whether the repository of `image` matches one of the caller's
// images globs (policy/glob.h).
bool ImageAllowedForCaller(const Caller& caller, std::string_view image);

}  // namespace signet::signerd

#endif  // SIGNET_SIGNERD_CONFIG_H_
