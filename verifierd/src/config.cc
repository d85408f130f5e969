#include "signet/verifierd/config.h"

#include <filesystem>
#include <set>
#include <tuple>
#include <utility>

#include "signet/policy/policy.h"

namespace signet::verifierd {

namespace {

Error Bad(const std::string& where, int line, const std::string& why) {
  return InvalidArgument("config: " + where + " (line " + std::to_string(line) + "): " + why);
}

Status CheckKeys(const YamlNode& n, const std::string& where, const std::set<std::string>& allowed) {
  if (n.kind != YamlNode::Kind::kMap) return Bad(where, n.line, "must be a mapping");
  for (const auto& m : n.members) {
    if (allowed.count(m.key) == 0) return Bad(where + "." + m.key, m.value.line, "unknown key");
  }
  return OkStatus();
}

Result<std::string> Scalar(const YamlNode& n, const std::string& where) {
  if (n.kind != YamlNode::Kind::kScalar) return Bad(where, n.line, "must be a string");
  return n.scalar;
}

std::string Resolve(const std::string& dir, const std::string& p) {
  std::filesystem::path fp(p);
  return fp.is_absolute() ? fp.string() : (std::filesystem::path(dir) / fp).string();
}

Result<AdmissionMode> ParseMode(const YamlNode& n, const std::string& where) {
  SIGNET_ASSIGN_OR_RETURN(std::string s, Scalar(n, where));
  if (s == "enforce") return AdmissionMode::kEnforce;
  if (s == "audit") return AdmissionMode::kAudit;
  return Bad(where, n.line, "must be enforce or audit");
}

Result<size_t> ParseCount(const YamlNode& n, const std::string& where) {
  SIGNET_ASSIGN_OR_RETURN(std::string s, Scalar(n, where));
  if (s.empty() || s.size() > 9 || n.quoted ||
      s.find_first_not_of("0123456789") != std::string::npos) {
    return Bad(where, n.line, "must be an integer from 0 to 999999999");
  }
  return static_cast<size_t>(std::stoul(s));
}

// ParseAttestationSection reads `attestation` (issue 14).
Result<AttestationConfig> ParseAttestationSection(const YamlNode& at, const std::string& config_dir) {
  SIGNET_RETURN_IF_ERROR(CheckKeys(
      at, "attestation", {"tcti", "ak", "event_log", "pcr", "batch_window", "max_batch", "min_quote_interval"}));
  AttestationConfig a;
  for (auto [key, out, is_path] : {std::tuple{"tcti", &a.tcti, false}, std::tuple{"ak", &a.ak, true},
                                   std::tuple{"event_log", &a.event_log, true}}) {
    const YamlNode* n = at.Find(key);
    if (n == nullptr) return Bad(std::string("attestation.") + key, at.line, "missing");
    SIGNET_ASSIGN_OR_RETURN(std::string v, Scalar(*n, std::string("attestation.") + key));
    if (v.empty()) return Bad(std::string("attestation.") + key, n->line, "empty");
    *out = is_path ? Resolve(config_dir, v) : v;
  }
  if (const YamlNode* n = at.Find("pcr")) {
    SIGNET_ASSIGN_OR_RETURN(size_t pcr, ParseCount(*n, "attestation.pcr"));
    if (pcr > 23) return Bad("attestation.pcr", n->line, "must be a PCR index 0..23");
    a.pcr = static_cast<uint32_t>(pcr);
  }
  if (const YamlNode* n = at.Find("max_batch")) {
    SIGNET_ASSIGN_OR_RETURN(a.max_batch, ParseCount(*n, "attestation.max_batch"));
    if (a.max_batch == 0 || a.max_batch > 65536) return Bad("attestation.max_batch", n->line, "must be 1..65536");
  }
  for (auto [key, out] : {std::pair{"batch_window", &a.batch_window}, std::pair{"min_quote_interval", &a.min_quote_interval}}) {
    const YamlNode* n = at.Find(key);
    if (n == nullptr) continue;
    SIGNET_ASSIGN_OR_RETURN(std::string s, Scalar(*n, std::string("attestation.") + key));
    auto d = ParseMillis(s);
    if (!d.ok() || *d > std::chrono::seconds(10)) {
      return Bad(std::string("attestation.") + key, n->line, "must be a duration like 50ms (at most 10s)");
    }
    *out = *d;
  }
  return a;
}

}  // namespace

AdmissionMode AdmissionConfig::ModeFor(std::string_view ns) const {
  auto it = namespaces.find(std::string(ns));
  return it == namespaces.end() ? default_mode : it->second;
}

bool IsServerSectionKey(std::string_view key) { return key == "listen" || key == "tls" || key == "limits"; }

Result<std::chrono::milliseconds> ParseMillis(std::string_view text) {
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0 || digits > 9) return InvalidArgument("not a duration like 250ms, 8s, 5m or 1h");
  const long long n = std::stoll(std::string(text.substr(0, digits)));
  const std::string_view unit = text.substr(digits);
  long long ms = 0;
  if (unit == "ms") {
    ms = n;
  } else if (unit == "s") {
    ms = n * 1000;
  } else if (unit == "m") {
    ms = n * 60000;
  } else if (unit == "h") {
    ms = n * 3600000;
  } else {
    return InvalidArgument("not a duration like 250ms, 8s, 5m or 1h");
  }
  if (ms > 86400000LL) return InvalidArgument("duration longer than one day");
  return std::chrono::milliseconds(ms);
}

Result<VerifierdConfig> ParseVerifierdConfig(const YamlNode& root, const std::string& config_dir) {
  if (root.kind != YamlNode::Kind::kMap) return Bad("(top)", root.line, "must be a mapping");
  VerifierdConfig c;
  static const std::set<std::string> kTop = {"policies", "evidence", "admission", "evaluation_time", "cache",
                                               "attestation", "registry", "policy_keyring"};
  for (const auto& m : root.members) {
    if (!IsServerSectionKey(m.key) && kTop.count(m.key) == 0) return Bad(m.key, m.value.line, "unknown key");
  }
  const YamlNode* pol = root.Find("policies");
  if (pol == nullptr) return Bad("policies", root.line, "missing");
  if (pol->kind != YamlNode::Kind::kMap || pol->members.empty()) {
    return Bad("policies", pol->line, "must map at least one name to a policy file");
  }
  for (const auto& m : pol->members) {
    if (m.key.empty() || m.key.size() > 64 ||
        m.key.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-_.") != std::string::npos) {
      return Bad("policies", m.value.line, "a policy name is 1-64 of [a-z0-9._-]");
    }
    SIGNET_ASSIGN_OR_RETURN(std::string path, Scalar(m.value, "policies." + m.key));
    if (path.empty()) return Bad("policies." + m.key, m.value.line, "empty path");
    c.policies[m.key] = Resolve(config_dir, path);
  }
  if (const YamlNode* pk = root.Find("policy_keyring")) {
    SIGNET_ASSIGN_OR_RETURN(std::string path, Scalar(*pk, "policy_keyring"));
    if (path.empty()) return Bad("policy_keyring", pk->line, "empty path");
    c.policy_keyring = Resolve(config_dir, path);
  }
  if (const YamlNode* ev = root.Find("evidence")) {
    SIGNET_RETURN_IF_ERROR(CheckKeys(*ev, "evidence", {"directories"}));
    if (const YamlNode* dirs = ev->Find("directories")) {
      if (dirs->kind != YamlNode::Kind::kSequence) return Bad("evidence.directories", dirs->line, "must be a list");
      for (size_t i = 0; i < dirs->items.size(); ++i) {
        SIGNET_ASSIGN_OR_RETURN(std::string d, Scalar(dirs->items[i], "evidence.directories[" + std::to_string(i) + "]"));
        if (d.empty()) return Bad("evidence.directories", dirs->items[i].line, "empty path");
        c.evidence_directories.push_back(Resolve(config_dir, d));
      }
    }
  }
  if (const YamlNode* ad = root.Find("admission")) {
    SIGNET_RETURN_IF_ERROR(CheckKeys(*ad, "admission", {"default_mode", "namespaces", "deadline"}));
    if (const YamlNode* dm = ad->Find("default_mode")) {
      SIGNET_ASSIGN_OR_RETURN(c.admission.default_mode, ParseMode(*dm, "admission.default_mode"));
    }
    if (const YamlNode* ns = ad->Find("namespaces")) {
      if (ns->kind != YamlNode::Kind::kMap) return Bad("admission.namespaces", ns->line, "must be a mapping");
      for (const auto& m : ns->members) {
        SIGNET_ASSIGN_OR_RETURN(AdmissionMode mode, ParseMode(m.value, "admission.namespaces." + m.key));
        c.admission.namespaces[m.key] = mode;
      }
    }
    if (const YamlNode* dl = ad->Find("deadline")) {
      SIGNET_ASSIGN_OR_RETURN(std::string s, Scalar(*dl, "admission.deadline"));
      auto d = ParseMillis(s);
      if (!d.ok() || d->count() == 0) return Bad("admission.deadline", dl->line, "must be a duration like 8s (not 0)");
      c.admission.deadline = *d;
    }
    if (c.policies.count("default") == 0) {
      return Bad("admission", ad->line, "admission reviews use the policy \"default\", which policies does not name");
    }
  }
  if (const YamlNode* et = root.Find("evaluation_time")) {
    SIGNET_ASSIGN_OR_RETURN(std::string s, Scalar(*et, "evaluation_time"));
    auto t = policy::ParseBoundedTime(s);
    if (!t.ok()) return Bad("evaluation_time", et->line, "not an RFC 3339 time in the years 1970-2200");
    c.evaluation_time = *t;
  }
  if (const YamlNode* ca = root.Find("cache")) {
    SIGNET_RETURN_IF_ERROR(CheckKeys(*ca, "cache", {"max_entries", "ttl"}));
    if (const YamlNode* me = ca->Find("max_entries")) {
      SIGNET_ASSIGN_OR_RETURN(c.cache.max_entries, ParseCount(*me, "cache.max_entries"));
    }
    if (const YamlNode* tt = ca->Find("ttl")) {
      SIGNET_ASSIGN_OR_RETURN(std::string s, Scalar(*tt, "cache.ttl"));
      auto d = ParseMillis(s);
      if (!d.ok()) return Bad("cache.ttl", tt->line, "must be a duration like 5m");
      c.cache.ttl = *d;
    }
  }
  if (const YamlNode* at = root.Find("attestation")) {
    SIGNET_ASSIGN_OR_RETURN(c.attestation, ParseAttestationSection(*at, config_dir));
  }
  if (const YamlNode* rg = root.Find("registry")) {
    SIGNET_RETURN_IF_ERROR(CheckKeys(*rg, "registry", {"config", "ca"}));
    RegistrySourceConfig r;
    for (const char* key : {"config", "ca"}) {
      const YamlNode* n = rg->Find(key);
      if (n == nullptr) continue;
      SIGNET_ASSIGN_OR_RETURN(std::string v, Scalar(*n, std::string("registry.") + key));
      if (v.empty()) return Bad(std::string("registry.") + key, n->line, "empty path");
      (std::string_view(key) == "config" ? r.config : r.ca) = Resolve(config_dir, v);
    }
    c.registry = std::move(r);
  }
  return c;
}

}  // namespace signet::verifierd
