// Parsing of the `listen` / `tls` / `limits` section (see signet/service/config.h).
#include "signet/service/config.h"

#include <arpa/inet.h>

#include <array>
#include <charconv>
#include <limits>
#include <string>

#include "util.h"

namespace signet::service {
namespace {

constexpr std::array<std::string_view, 3> kServerKeys = {"listen", "tls", "limits"};

// ParseDecimal reads a plain decimal integer (digits only, no sign) into a uint64.
bool ParseDecimal(std::string_view digits, uint64_t* out) {
  if (digits.empty() || digits.size() > 19) return false;
  for (char c : digits) {
    if (c < '0' || c > '9') return false;
  }
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), *out);
  return ec == std::errc() && ptr == digits.data() + digits.size();
}

std::string Where(std::string_view path, const YamlNode& node) {
  return std::string(path) + " (line " + std::to_string(node.line) + ")";
}

Result<std::string> Scalar(const YamlNode& node, std::string_view path) {
  if (node.kind != YamlNode::Kind::kScalar) {
    return InvalidArgument(Where(path, node) + ": must be a single value");
  }
  return node.scalar;
}

Result<std::string> ResolvePath(const YamlNode& node, std::string_view path,
                                const std::string& config_dir) {
  SIGNET_ASSIGN_OR_RETURN(std::string value, Scalar(node, path));
  if (value.empty()) return InvalidArgument(Where(path, node) + ": must not be empty");
  if (value.find('\0') != std::string::npos) {
    return InvalidArgument(Where(path, node) + ": must not contain a NUL byte");
  }
  if (value.front() == '/' || config_dir.empty()) return value;
  if (config_dir.back() == '/') return config_dir + value;
  return config_dir + "/" + value;
}

// JoinDir resolves a relative path against the config file's directory.
std::string JoinDir(std::string value, const std::string& config_dir) {
  if (value.front() == '/' || config_dir.empty()) return value;
  if (config_dir.back() == '/') return config_dir + value;
  return config_dir + "/" + value;
}

// ParseTpmKey reads the text after "tpm2:" in tls.key: handle:0xHEX (a persistent handle,
// 0x81000000-0x81ffffff), object:FILE or FILE (both resolved like every TLS path).
Result<std::string> ParseTpmKey(std::string_view rest, std::string_view path, const YamlNode& node,
                                const std::string& config_dir) {
  constexpr std::string_view kHandle = "handle:";
  constexpr std::string_view kObject = "object:";
  if (rest.substr(0, kHandle.size()) == kHandle) {
    std::string_view hex = rest.substr(kHandle.size());
    bool ok = hex.size() == 10 && (hex.substr(0, 4) == "0x81" || hex.substr(0, 4) == "0X81");
    for (size_t i = 2; ok && i < hex.size(); ++i) {
      const char c = hex[i];
      ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }
    if (!ok) {
      return InvalidArgument(Where(path, node) + ": tpm2:handle: needs a persistent handle 0x81xxxxxx");
    }
    return std::string(rest);
  }
  if (rest.substr(0, kObject.size()) == kObject) {
    std::string_view file = rest.substr(kObject.size());
    if (file.empty()) return InvalidArgument(Where(path, node) + ": tpm2:object: needs a file");
    return std::string(kObject) + JoinDir(std::string(file), config_dir);
  }
  if (rest.empty()) return InvalidArgument(Where(path, node) + ": tpm2: needs a key file or handle:");
  return JoinDir(std::string(rest), config_dir);
}

// ValidTcti accepts NAME[:CONFIG] over a conservative character set (it is handed to the
// provider through an OpenSSL config section, where quotes, '$' and backslashes mean something).
bool ValidTcti(std::string_view tcti) {
  if (tcti.empty() || tcti.size() > 1024 || tcti.front() == ':') return false;
  for (char c : tcti) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '/' || c == ':' || c == ',' || c == '=' ||
                    c == '+' || c == '@' || c == '-';
    if (!ok) return false;
  }
  return true;
}

Status ParseTls(const YamlNode& node, const std::string& config_dir, TlsConfig* tls) {
  if (node.kind != YamlNode::Kind::kMap) {
    return InvalidArgument(Where("tls", node) + ": must be a mapping {certificate, key, client_ca}");
  }
  for (const auto& m : node.members) {
    std::string path = "tls." + internal::PrintableKey(m.key);
    if (m.key == "certificate") {
      SIGNET_ASSIGN_OR_RETURN(tls->certificate, ResolvePath(m.value, path, config_dir));
    } else if (m.key == "key") {
      SIGNET_ASSIGN_OR_RETURN(std::string value, Scalar(m.value, path));
      constexpr std::string_view kTpm2 = "tpm2:";
      if (std::string_view(value).substr(0, kTpm2.size()) == kTpm2) {
        if (value.find('\0') != std::string::npos) {
          return InvalidArgument(Where(path, m.value) + ": must not contain a NUL byte");
        }
        tls->key_in_tpm = true;
        SIGNET_ASSIGN_OR_RETURN(tls->key, ParseTpmKey(std::string_view(value).substr(kTpm2.size()),
                                                      path, m.value, config_dir));
      } else {
        SIGNET_ASSIGN_OR_RETURN(tls->key, ResolvePath(m.value, path, config_dir));
      }
    } else if (m.key == "client_ca") {
      SIGNET_ASSIGN_OR_RETURN(tls->client_ca, ResolvePath(m.value, path, config_dir));
    } else if (m.key == "tcti") {
      SIGNET_ASSIGN_OR_RETURN(tls->tcti, Scalar(m.value, path));
      if (!ValidTcti(tls->tcti)) {
        return InvalidArgument(Where(path, m.value) +
                               ": must be NAME[:CONFIG] of letters, digits and . _ / : , = + @ -");
      }
    } else {
      return InvalidArgument("unknown key '" + path + "' (line " + std::to_string(m.value.line) + ")");
    }
  }
  if (tls->certificate.empty()) return InvalidArgument(Where("tls", node) + ": tls.certificate is required");
  if (tls->key.empty()) return InvalidArgument(Where("tls", node) + ": tls.key is required");
  if (!tls->tcti.empty() && !tls->key_in_tpm) {
    return InvalidArgument(Where("tls", node) + ": tls.tcti is only for a TPM key (tls.key: tpm2:...)");
  }
  return OkStatus();
}

Status SizeIn(const YamlNode& node, std::string_view path, size_t lo, size_t hi, size_t* out) {
  SIGNET_ASSIGN_OR_RETURN(std::string text, Scalar(node, path));
  Result<size_t> v = ParseSize(text);
  if (!v.ok()) return InvalidArgument(Where(path, node) + ": " + v.error().message());
  if (*v < lo || *v > hi) {
    return InvalidArgument(Where(path, node) + ": must be between " + std::to_string(lo) + " and " +
                           std::to_string(hi) + " bytes");
  }
  *out = *v;
  return OkStatus();
}

Status DurationIn(const YamlNode& node, std::string_view path, std::chrono::milliseconds* out) {
  SIGNET_ASSIGN_OR_RETURN(std::string text, Scalar(node, path));
  Result<std::chrono::milliseconds> v = ParseDuration(text);
  if (!v.ok()) return InvalidArgument(Where(path, node) + ": " + v.error().message());
  if (v->count() <= 0) return InvalidArgument(Where(path, node) + ": must be longer than 0");
  *out = *v;
  return OkStatus();
}

Status ParseLimits(const YamlNode& node, Limits* limits) {
  if (node.kind != YamlNode::Kind::kMap) {
    return InvalidArgument(Where("limits", node) + ": must be a mapping");
  }
  for (const auto& m : node.members) {
    std::string path = "limits." + internal::PrintableKey(m.key);
    if (m.key == "max_body") {
      SIGNET_RETURN_IF_ERROR(SizeIn(m.value, path, 1, size_t{1} << 30, &limits->max_body));
    } else if (m.key == "max_header") {
      SIGNET_RETURN_IF_ERROR(SizeIn(m.value, path, 1024, size_t{1} << 20, &limits->max_header));
    } else if (m.key == "header_timeout") {
      SIGNET_RETURN_IF_ERROR(DurationIn(m.value, path, &limits->header_timeout));
    } else if (m.key == "idle_timeout") {
      SIGNET_RETURN_IF_ERROR(DurationIn(m.value, path, &limits->idle_timeout));
    } else if (m.key == "body_timeout") {
      SIGNET_RETURN_IF_ERROR(DurationIn(m.value, path, &limits->body_timeout));
    } else if (m.key == "drain_timeout") {
      SIGNET_RETURN_IF_ERROR(DurationIn(m.value, path, &limits->drain_timeout));
    } else if (m.key == "max_connections") {
      SIGNET_ASSIGN_OR_RETURN(std::string text, Scalar(m.value, path));
      uint64_t n = 0;
      if (!ParseDecimal(text, &n) || n < 1 || n > 1000000) {
        return InvalidArgument(Where(path, m.value) + ": must be a whole number from 1 to 1000000");
      }
      limits->max_connections = static_cast<size_t>(n);
    } else if (m.key == "requests_per_minute_per_caller") {
      SIGNET_ASSIGN_OR_RETURN(std::string text, Scalar(m.value, path));
      uint64_t n = 0;
      if (!ParseDecimal(text, &n) || n > 1000000) {
        return InvalidArgument(Where(path, m.value) + ": must be a whole number from 0 (unlimited) to 1000000");
      }
      limits->requests_per_minute_per_caller = static_cast<uint32_t>(n);
    } else {
      return InvalidArgument("unknown key '" + path + "' (line " + std::to_string(m.value.line) + ")");
    }
  }
  return OkStatus();
}

}  // namespace

Result<size_t> ParseSize(std::string_view text) {
  constexpr std::string_view kWant = "not a size (a whole number and B, KiB or MiB, e.g. 4MiB)";
  uint64_t mult = 0;
  std::string_view digits;
  auto ends = [&](std::string_view suffix) {
    return text.size() > suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
  };
  if (ends("KiB")) {
    mult = 1024;
    digits = text.substr(0, text.size() - 3);
  } else if (ends("MiB")) {
    mult = 1024 * 1024;
    digits = text.substr(0, text.size() - 3);
  } else if (ends("B")) {
    mult = 1;
    digits = text.substr(0, text.size() - 1);
  } else {
    return InvalidArgument(std::string(kWant));
  }
  uint64_t n = 0;
  if (!ParseDecimal(digits, &n)) return InvalidArgument(std::string(kWant));
  if (n > std::numeric_limits<uint64_t>::max() / mult || n * mult > std::numeric_limits<size_t>::max()) {
    return InvalidArgument("size too large");
  }
  return static_cast<size_t>(n * mult);
}

Result<std::chrono::milliseconds> ParseDuration(std::string_view text) {
  constexpr std::string_view kWant = "not a duration (a whole number and ms, s or m, e.g. 5s)";
  constexpr uint64_t kMaxMs = 24ull * 3600 * 1000;
  uint64_t mult = 0;
  std::string_view digits;
  auto ends = [&](std::string_view suffix) {
    return text.size() > suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
  };
  if (ends("ms")) {
    mult = 1;
    digits = text.substr(0, text.size() - 2);
  } else if (ends("s")) {
    mult = 1000;
    digits = text.substr(0, text.size() - 1);
  } else if (ends("m")) {
    mult = 60 * 1000;
    digits = text.substr(0, text.size() - 1);
  } else {
    return InvalidArgument(std::string(kWant));
  }
  uint64_t n = 0;
  if (!ParseDecimal(digits, &n)) return InvalidArgument(std::string(kWant));
  if (n > kMaxMs / mult) return InvalidArgument("duration longer than one day");
  return std::chrono::milliseconds(static_cast<int64_t>(n * mult));
}

Result<ListenAddress> ParseListen(std::string_view text) {
  constexpr std::string_view kWant =
      "not an address (HOST:PORT with an IPv4 literal or [IPv6] literal, e.g. 127.0.0.1:8443)";
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return InvalidArgument(std::string(kWant));
  std::string_view host = text.substr(0, colon);
  std::string_view port_text = text.substr(colon + 1);
  ListenAddress out;
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') return InvalidArgument(std::string(kWant));
    out.host = std::string(host.substr(1, host.size() - 2));
    in6_addr a6{};
    if (inet_pton(AF_INET6, out.host.c_str(), &a6) != 1) return InvalidArgument(std::string(kWant));
  } else {
    out.host = std::string(host);
    in_addr a4{};
    if (inet_pton(AF_INET, out.host.c_str(), &a4) != 1) return InvalidArgument(std::string(kWant));
  }
  uint64_t port = 0;
  if (port_text.size() > 5 || !ParseDecimal(port_text, &port) || port > 65535) {
    return InvalidArgument("not a port (0 to 65535)");
  }
  out.port = static_cast<uint16_t>(port);
  return out;
}

bool IsServerKey(std::string_view key) {
  for (auto k : kServerKeys) {
    if (k == key) return true;
  }
  return false;
}

Result<ServerConfig> ParseServerSection(const YamlNode& root, const std::string& config_dir) {
  if (root.kind != YamlNode::Kind::kMap) {
    return InvalidArgument("the config file must be a YAML mapping (listen, tls, ...)");
  }
  ServerConfig config;
  const YamlNode* listen = root.Find("listen");
  if (listen == nullptr) return InvalidArgument("listen: is required (e.g. listen: 127.0.0.1:8443)");
  if (listen->kind == YamlNode::Kind::kSequence) {
    // `listen: [::1]:8443` is a YAML flow sequence; the address needs quotes.
    return InvalidArgument(Where("listen", *listen) + ": quote an IPv6 address, e.g. listen: '[::1]:8443'");
  }
  SIGNET_ASSIGN_OR_RETURN(std::string listen_text, Scalar(*listen, "listen"));
  Result<ListenAddress> addr = ParseListen(listen_text);
  if (!addr.ok()) return InvalidArgument(Where("listen", *listen) + ": " + addr.error().message());
  config.listen = *addr;

  const YamlNode* tls = root.Find("tls");
  if (tls == nullptr) {
    return InvalidArgument("tls: is required (certificate and key; there is no plaintext listener)");
  }
  SIGNET_RETURN_IF_ERROR(ParseTls(*tls, config_dir, &config.tls));

  if (const YamlNode* limits = root.Find("limits"); limits != nullptr) {
    SIGNET_RETURN_IF_ERROR(ParseLimits(*limits, &config.limits));
  }
  return config;
}

}  // namespace signet::service
