// Registry credentials and authentication challenges. Pure: no network.
//
// Credentials come from a docker `config.json` (`--registry-config FILE`), the file `docker
// login`, `skopeo login` and `crane auth login` write. Signet reads the inline `auths` entries
// only: it never runs a credential helper (`credsStore`, `credHelpers`), because an appliance must
// not execute whatever program a config file names; a host whose credentials live only in a
// helper is a clear error, not an anonymous attempt.
//
// A registry asks for credentials with a 401 and a WWW-Authenticate challenge (RFC 7235):
// `Basic realm="..."`, or `Bearer realm="https://auth/token",service="...",scope="..."` for the
// distribution token flow. Secrets are held in SecretBytes and never appear in an error.
#ifndef SIGNET_REGISTRY_AUTH_H_
#define SIGNET_REGISTRY_AUTH_H_

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "signet/core/result.h"
#include "signet/core/secret.h"

namespace signet::registry {

// Credentials for one registry host.
struct Credentials {
  std::string username;
  SecretBytes password;        // or empty when identity_token is set
  SecretBytes identity_token;  // an OAuth2 refresh token (`identitytoken`), used with the token flow
};

// DockerConfig is the parsed `auths` section of a docker config.json.
class DockerConfig {
 public:
  // Load reads and parses `path` (at most 1 MiB, strict JSON, a regular file).
  static Result<DockerConfig> Load(const std::string& path);
  // Parse parses the JSON text. Each `auths` entry holds `auth` (base64 of "user:password") or
  // `username` + `password`, and optionally `identitytoken`; anything else in an entry is ignored.
  // A malformed entry is kInvalidArgument naming its host (never the value).
  static Result<DockerConfig> Parse(std::string_view json);

  // For returns the credentials for `host` ("127.0.0.1:5000", "registry.example"), matching the
  // entry keys as docker does: "host", "https://host", "http://host", with an optional trailing
  // path ("https://index.docker.io/v1/"). No entry: nullopt, or kFailedPrecondition when a
  // credential helper is configured for the host (see above).
  Result<std::optional<Credentials>> For(std::string_view host) const;

 private:
  struct Entry {
    std::string username;
    SecretBytes password;
    SecretBytes identity_token;
  };
  std::map<std::string, Entry, std::less<>> auths_;   // normalised host -> entry
  std::map<std::string, bool, std::less<>> helpers_;  // hosts named in credHelpers
  bool default_store_ = false;                        // credsStore set
};

// NormaliseRegistryHost strips a scheme and any path from a config.json key:
// "https://host:5000/v1/" -> "host:5000".
std::string NormaliseRegistryHost(std::string_view key);

// Challenge is one parsed WWW-Authenticate challenge.
struct Challenge {
  std::string scheme;  // lower-cased: "basic" or "bearer"
  std::map<std::string, std::string> params;  // lower-cased names: realm, service, scope, error
};

// ParseChallenge parses the first challenge of a WWW-Authenticate value (auth-scheme followed by
// comma-separated name=value or name="quoted value" parameters). kInvalidArgument when malformed
// or when the value is over 4 KiB.
Result<Challenge> ParseChallenge(std::string_view header);

}  // namespace signet::registry

#endif  // SIGNET_REGISTRY_AUTH_H_
