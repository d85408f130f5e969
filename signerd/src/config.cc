// signerd's config section, callers and images (see signet/signerd/config.h).
#include "signet/signerd/config.h"

#include <sys/stat.h>

#include <cctype>
#include <cerrno>
#include <filesystem>
#include <set>

#include "signet/policy/glob.h"

namespace signet::signerd {

const char kConfigKeysHelp[] =
    "  listen: HOST:PORT                      IPv4 or [IPv6] literal and port\n"
    "  tls: {certificate, key, client_ca}     server chain and key; client_ca (required): the CA of callers\n"
    "  key: pkcs11:URI                        the signing key (never a PIN in it)\n"
    "  pin_file: PATH                         the user PIN (mode 0600 or stricter), or\n"
    "  pin_credential: NAME                   the PIN from $CREDENTIALS_DIRECTORY/NAME (systemd LoadCredential)\n"
    "  policy: PATH                           the gate policy (as `signet sign --policy`)\n"
    "  policy_keyring: PATH                   optional keyring.json: load the policy only with a quorum of its\n"
    "                                         custodians' approvals (PATH.approvals.json, `signet policy verify`)\n"
    "  state_dir: PATH                        the audit log (state_dir/audit.log), or the transparency log\n"
    "                                         state_dir/log/ when `signet log init` made one there\n"
    "  callers: [{name, subject | san, images: [GLOB...]}]\n"
    "                                         who may ask: exact certificate subject, or a DNS/URI SAN\n"
    "  limits: {max_body, max_header, header_timeout, idle_timeout, body_timeout, drain_timeout,\n"
    "           max_connections, requests_per_minute_per_caller}   (0 = unlimited)\n";

namespace {

Error Bad(const std::string& where, int line, const std::string& why) {
  return InvalidArgument("config: " + where + " (line " + std::to_string(line) + "): " + why);
}

Result<std::string> Scalar(const YamlNode& n, const std::string& where) {
  if (n.kind != YamlNode::Kind::kScalar) return Bad(where, n.line, "must be a string");
  if (n.scalar.empty()) return Bad(where, n.line, "must not be empty");
  if (n.scalar.find('\0') != std::string::npos) return Bad(where, n.line, "must not contain a NUL byte");
  return n.scalar;
}

std::string Resolve(const std::string& dir, const std::string& p) {
  std::filesystem::path fp(p);
  return fp.is_absolute() ? fp.string() : (std::filesystem::path(dir) / fp).string();
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string PercentDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 && HexValue(s[i + 2]) >= 0) {
      out += static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// CheckKeyUri refuses a key that is not a pkcs11: URI or that carries a PIN attribute.
Status CheckKeyUri(const std::string& uri, int line) {
  if (uri.rfind("pkcs11:", 0) != 0) return Bad("key", line, "must be a pkcs11: URI");
  size_t start = 7;
  while (start <= uri.size()) {
    size_t end = uri.find_first_of(";?&", start);
    if (end == std::string::npos) end = uri.size();
    std::string_view attr(uri.data() + start, end - start);
    std::string name = PercentDecode(attr.substr(0, attr.find('=')));
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (name == "pin-value" || name == "pin-source") {
      return Bad("key", line, "must not carry a PIN (" + name + "): use pin_file or pin_credential");
    }
    start = end + 1;
  }
  return OkStatus();
}

bool ValidCallerName(std::string_view n) {
  if (n.empty() || n.size() > 64) return false;
  for (char c : n) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

Result<Caller> ParseCaller(const YamlNode& n, const std::string& where) {
  if (n.kind != YamlNode::Kind::kMap) return Bad(where, n.line, "must be a mapping {name, subject | san, images}");
  Caller c;
  bool has_images = false;
  for (const auto& m : n.members) {
    const std::string path = where + "." + m.key;
    if (m.key == "name") {
      SIGNET_ASSIGN_OR_RETURN(c.name, Scalar(m.value, path));
      if (!ValidCallerName(c.name)) return Bad(path, m.value.line, "must be 1-64 of [A-Za-z0-9._-]");
    } else if (m.key == "subject") {
      SIGNET_ASSIGN_OR_RETURN(c.subject, Scalar(m.value, path));
    } else if (m.key == "san") {
      SIGNET_ASSIGN_OR_RETURN(c.san, Scalar(m.value, path));
    } else if (m.key == "images") {
      if (m.value.kind != YamlNode::Kind::kSequence || m.value.items.empty()) {
        return Bad(path, m.value.line, "must be a non-empty list of image globs");
      }
      for (size_t i = 0; i < m.value.items.size(); ++i) {
        SIGNET_ASSIGN_OR_RETURN(std::string g, Scalar(m.value.items[i], path + "[" + std::to_string(i) + "]"));
        c.images.push_back(std::move(g));
      }
      has_images = true;
    } else {
      return Bad(path, m.value.line, "unknown key");
    }
  }
  if (c.name.empty()) return Bad(where + ".name", n.line, "is required");
  if (c.subject.empty() == c.san.empty()) return Bad(where, n.line, "needs exactly one of subject and san");
  if (!has_images) return Bad(where + ".images", n.line, "is required");
  return c;
}

}  // namespace

Result<SignerdConfig> ParseSignerdConfig(const YamlNode& root, const std::string& config_dir,
                                         const service::ServerConfig& server, std::string_view credentials_dir) {
  if (root.kind != YamlNode::Kind::kMap) return Bad("(top)", root.line, "must be a mapping");
  static const std::set<std::string> kTop = {"key", "pin_file", "pin_credential", "policy", "policy_keyring", "state_dir",
                                               "callers"};
  for (const auto& m : root.members) {
    if (!service::IsServerKey(m.key) && kTop.count(m.key) == 0) return Bad(m.key, m.value.line, "unknown key");
  }
  if (server.tls.client_ca.empty()) {
    return InvalidArgument("config: tls.client_ca is required: signerd serves only callers with a client certificate");
  }
  SignerdConfig c;
  c.requests_per_minute_per_caller = server.limits.requests_per_minute_per_caller;
  const YamlNode* key = root.Find("key");
  if (key == nullptr) return Bad("key", root.line, "is required (a pkcs11: URI)");
  SIGNET_ASSIGN_OR_RETURN(c.key_uri, Scalar(*key, "key"));
  SIGNET_RETURN_IF_ERROR(CheckKeyUri(c.key_uri, key->line));

  const YamlNode* pin_file = root.Find("pin_file");
  const YamlNode* pin_cred = root.Find("pin_credential");
  if ((pin_file == nullptr) == (pin_cred == nullptr)) {
    return Bad("pin_file", root.line, "exactly one of pin_file and pin_credential is required");
  }
  if (pin_file != nullptr) {
    SIGNET_ASSIGN_OR_RETURN(std::string p, Scalar(*pin_file, "pin_file"));
    c.pin_path = Resolve(config_dir, p);
  } else {
    SIGNET_ASSIGN_OR_RETURN(std::string name, Scalar(*pin_cred, "pin_credential"));
    if (name.find('/') != std::string::npos || name == "." || name == "..") {
      return Bad("pin_credential", pin_cred->line, "must be a credential name, not a path");
    }
    if (credentials_dir.empty()) {
      return Bad("pin_credential", pin_cred->line, "$CREDENTIALS_DIRECTORY is not set (systemd LoadCredential=)");
    }
    c.pin_path = (std::filesystem::path(std::string(credentials_dir)) / name).string();
  }

  const YamlNode* pol = root.Find("policy");
  if (pol == nullptr) return Bad("policy", root.line, "is required");
  SIGNET_ASSIGN_OR_RETURN(std::string p, Scalar(*pol, "policy"));
  c.policy = Resolve(config_dir, p);
  if (const YamlNode* pk = root.Find("policy_keyring")) {
    SIGNET_ASSIGN_OR_RETURN(std::string k, Scalar(*pk, "policy_keyring"));
    if (k.empty()) return Bad("policy_keyring", pk->line, "empty path");
    c.policy_keyring = Resolve(config_dir, k);
  }
  const YamlNode* sd = root.Find("state_dir");
  if (sd == nullptr) return Bad("state_dir", root.line, "is required");
  SIGNET_ASSIGN_OR_RETURN(std::string s, Scalar(*sd, "state_dir"));
  c.state_dir = Resolve(config_dir, s);

  const YamlNode* callers = root.Find("callers");
  if (callers == nullptr) return Bad("callers", root.line, "is required (nobody could sign)");
  if (callers->kind != YamlNode::Kind::kSequence || callers->items.empty()) {
    return Bad("callers", callers->line, "must be a non-empty list");
  }
  std::set<std::string> names;
  for (size_t i = 0; i < callers->items.size(); ++i) {
    SIGNET_ASSIGN_OR_RETURN(Caller caller, ParseCaller(callers->items[i], "callers[" + std::to_string(i) + "]"));
    if (!names.insert(caller.name).second) {
      return Bad("callers[" + std::to_string(i) + "].name", callers->items[i].line, "names a caller twice");
    }
    c.callers.push_back(std::move(caller));
  }
  return c;
}

Status CheckNotWritableByOthers(const std::string& path, std::string_view what) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return NotFound(std::string(what) + " " + path + " does not exist");
    return PermissionDenied(std::string(what) + " " + path + " cannot be read");
  }
  if (!S_ISREG(st.st_mode)) return PermissionDenied(std::string(what) + " " + path + " is not a regular file");
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    return PermissionDenied(std::string(what) + " " + path +
                            " can be written by group or others; refusing it (chmod go-w)");
  }
  return OkStatus();
}

std::string WithPinSource(const std::string& key_uri, const std::string& pin_path) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string enc;
  for (unsigned char ch : pin_path) {
    const bool plain = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                       ch == '/' || ch == '.' || ch == '_' || ch == '-' || ch == '~';
    if (plain) {
      enc += static_cast<char>(ch);
    } else {
      enc += '%';
      enc += kHex[ch >> 4];
      enc += kHex[ch & 15];
    }
  }
  return key_uri + (key_uri.find('?') == std::string::npos ? "?" : "&") + "pin-source=" + enc;
}

const Caller* MatchCaller(const std::vector<Caller>& callers, const ClientIdentity& identity) {
  for (const Caller& c : callers) {
    if (!c.subject.empty() && !identity.subject.empty() && c.subject == identity.subject) return &c;
    if (!c.san.empty()) {
      for (const auto& s : identity.sans) {
        if (s == c.san) return &c;
      }
    }
  }
  return nullptr;
}

std::string RepositoryOf(std::string_view image) {
  std::string_view r = image.substr(0, image.find('@'));
  const size_t slash = r.rfind('/');
  const size_t colon = r.rfind(':');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) r = r.substr(0, colon);
  return std::string(r);
}

bool ImageAllowedForCaller(const Caller& caller, std::string_view image) {
  return policy::GlobMatchAny(caller.images, RepositoryOf(image));
}

}  // namespace signet::signerd
