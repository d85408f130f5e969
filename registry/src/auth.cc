// Registry credentials and challenges (see auth.h).
#include "signet/registry/auth.h"

#include <openssl/crypto.h>

#include "signet/core/encoding.h"
#include "signet/core/file.h"
#include "signet/core/json.h"

namespace signet::registry {
namespace {

constexpr size_t kMaxConfigBytes = 1024 * 1024;
constexpr size_t kMaxChallengeBytes = 4096;

// Printable renders a host name for an error message (it is not a secret, but it is untrusted).
std::string Printable(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 128)) out.push_back(c >= 0x21 && c < 0x7f ? c : '?');
  return out;
}

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string LowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = Lower(c);
  return out;
}

bool IsTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

}  // namespace

std::string NormaliseRegistryHost(std::string_view key) {
  if (size_t scheme = key.find("://"); scheme != std::string_view::npos) key = key.substr(scheme + 3);
  key = key.substr(0, key.find('/'));
  return LowerAscii(key);
}

Result<DockerConfig> DockerConfig::Load(const std::string& path) {
  Result<std::string> text = ReadFile(path, kMaxConfigBytes);
  if (!text.ok()) return InvalidArgument("registry config: " + text.error().message());
  Result<DockerConfig> config = Parse(*text);
  OPENSSL_cleanse(text->data(), text->size());
  if (!config.ok()) return InvalidArgument("registry config " + path + ": " + config.error().message());
  return config;
}

Result<DockerConfig> DockerConfig::Parse(std::string_view json) {
  JsonLimits limits;
  limits.max_bytes = kMaxConfigBytes;
  limits.max_depth = 8;
  Result<JsonValue> doc = ParseJson(json, limits);
  // The parser's message never quotes content, but keep ours fixed anyway: the file holds secrets.
  if (!doc.ok() || !doc->is_object()) return InvalidArgument("not a JSON object");
  DockerConfig config;
  if (const JsonValue* store = doc->Find("credsStore"); store != nullptr && store->is_string() &&
                                                        !store->string_value().empty()) {
    config.default_store_ = true;
  }
  if (const JsonValue* helpers = doc->Find("credHelpers"); helpers != nullptr && helpers->is_object()) {
    for (const auto& [host, helper] : helpers->object()) config.helpers_[NormaliseRegistryHost(host)] = true;
  }
  const JsonValue* auths = doc->Find("auths");
  if (auths == nullptr || auths->is_null()) return config;
  if (!auths->is_object()) return InvalidArgument("auths must be an object");
  for (const auto& [key, value] : auths->object()) {
    std::string host = NormaliseRegistryHost(key);
    if (host.empty()) return InvalidArgument("auths has an entry without a host");
    if (!value.is_object()) return InvalidArgument("auths entry for " + Printable(host) + " is not an object");
    Entry entry;
    auto string_member = [&](std::string_view name) -> Result<std::string> {
      const JsonValue* member = value.Find(name);
      if (member == nullptr || member->is_null()) return std::string();
      if (!member->is_string()) {
        return InvalidArgument("auths entry for " + Printable(host) + ": " + std::string(name) + " is not a string");
      }
      return member->string_value();
    };
    SIGNET_ASSIGN_OR_RETURN(std::string auth, string_member("auth"));
    SIGNET_ASSIGN_OR_RETURN(std::string username, string_member("username"));
    SIGNET_ASSIGN_OR_RETURN(std::string password, string_member("password"));
    SIGNET_ASSIGN_OR_RETURN(std::string token, string_member("identitytoken"));
    if (!auth.empty()) {
      Result<Bytes> decoded = Base64Decode(auth);
      OPENSSL_cleanse(auth.data(), auth.size());
      if (!decoded.ok()) return InvalidArgument("auths entry for " + Printable(host) + ": auth is not base64");
      std::string_view pair(reinterpret_cast<const char*>(decoded->data()), decoded->size());
      size_t colon = pair.find(':');
      if (colon == std::string_view::npos || colon == 0) {
        OPENSSL_cleanse(decoded->data(), decoded->size());
        return InvalidArgument("auths entry for " + Printable(host) + ": auth is not user:password");
      }
      entry.username = std::string(pair.substr(0, colon));
      entry.password = SecretBytes::FromString(pair.substr(colon + 1));
      OPENSSL_cleanse(decoded->data(), decoded->size());
    } else if (!username.empty()) {
      entry.username = username;
      entry.password = SecretBytes::FromString(password);
    }
    OPENSSL_cleanse(password.data(), password.size());
    if (!token.empty()) entry.identity_token = SecretBytes::FromString(token);
    OPENSSL_cleanse(token.data(), token.size());
    if (entry.username.empty() && entry.identity_token.empty()) {
      return InvalidArgument("auths entry for " + Printable(host) + " holds no credentials");
    }
    config.auths_[host] = std::move(entry);
  }
  return config;
}

Result<std::optional<Credentials>> DockerConfig::For(std::string_view host) const {
  std::string wanted = NormaliseRegistryHost(host);
  auto it = auths_.find(wanted);
  if (it == auths_.end()) {
    if (helpers_.count(wanted) != 0 || default_store_) {
      return FailedPrecondition("the credentials for " + Printable(wanted) +
                                " are in a credential helper, which signet does not run; add an auths "
                                "entry to the registry config");
    }
    return std::optional<Credentials>();
  }
  Credentials out;
  out.username = it->second.username;
  out.password = SecretBytes(it->second.password.Reveal());
  out.identity_token = SecretBytes(it->second.identity_token.Reveal());
  return std::optional<Credentials>(std::move(out));
}

Result<Challenge> ParseChallenge(std::string_view header) {
  if (header.size() > kMaxChallengeBytes) return InvalidArgument("WWW-Authenticate is too long");
  size_t i = 0;
  auto skip_space = [&] {
    while (i < header.size() && (header[i] == ' ' || header[i] == '\t')) ++i;
  };
  skip_space();
  size_t start = i;
  while (i < header.size() && IsTokenChar(header[i])) ++i;
  if (i == start) return InvalidArgument("WWW-Authenticate has no scheme");
  Challenge out;
  out.scheme = LowerAscii(header.substr(start, i - start));
  skip_space();
  while (i < header.size()) {
    size_t name_start = i;
    while (i < header.size() && IsTokenChar(header[i])) ++i;
    if (i == name_start) return InvalidArgument("WWW-Authenticate has a malformed parameter");
    std::string name = LowerAscii(header.substr(name_start, i - name_start));
    skip_space();
    if (i >= header.size() || header[i] != '=') {
      // A second challenge ("Basic realm=x, Bearer ...") or token68: stop at the first challenge.
      if (out.params.empty()) return InvalidArgument("WWW-Authenticate has a malformed parameter");
      break;
    }
    ++i;
    skip_space();
    std::string value;
    if (i < header.size() && header[i] == '"') {
      ++i;
      bool closed = false;
      while (i < header.size()) {
        char c = header[i++];
        if (c == '\\') {
          if (i >= header.size()) break;
          value.push_back(header[i++]);
        } else if (c == '"') {
          closed = true;
          break;
        } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          return InvalidArgument("WWW-Authenticate holds a control character");
        } else {
          value.push_back(c);
        }
      }
      if (!closed) return InvalidArgument("WWW-Authenticate has an unterminated quoted value");
    } else {
      size_t value_start = i;
      while (i < header.size() && IsTokenChar(header[i])) ++i;
      value = std::string(header.substr(value_start, i - value_start));
    }
    if (out.params.count(name) != 0) return InvalidArgument("WWW-Authenticate repeats a parameter");
    out.params[name] = std::move(value);
    skip_space();
    if (i < header.size()) {
      if (header[i] != ',') return InvalidArgument("WWW-Authenticate has a malformed parameter list");
      ++i;
      skip_space();
    }
  }
  return out;
}

}  // namespace signet::registry
