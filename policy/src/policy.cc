#include "signet/policy/policy.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <set>

#include "signet/core/encoding.h"
#include "signet/core/file.h"
#include "signet/core/hash.h"
#include "signet/core/json.h"
#include "signet/core/findings.h"
#include "signet/policy/glob.h"
#include "signet/core/yaml.h"

namespace signet::policy {
namespace {


constexpr size_t kMaxPolicyBytes = 1024 * 1024;
constexpr size_t kMaxKeyFileBytes = 64 * 1024;
// A release signer may be a keyring (custody::kMaxKeyringBytes), a revocation list is smaller.
constexpr size_t kMaxReleaseFileBytes = 8 * 1024 * 1024;

// IsJsonObject tells a keyring (JSON) from a key file (PEM or DER) by its first byte.
bool IsJsonObject(std::string_view text) {
  size_t i = text.find_first_not_of(" \t\r\n");
  return i != std::string_view::npos && text[i] == '{';
}

constexpr std::string_view kGithubHostedRunner = "github-hosted";

Error Bad(const std::string& where, const std::string& what) {
  return InvalidArgument("policy: " + where + ": " + what).WithFinding(findings::kMalformedInput);
}

Status CheckKeys(const YamlNode& map, const std::string& where,
                 std::initializer_list<std::string_view> allowed) {
  if (map.kind != YamlNode::Kind::kMap) return Bad(where, "must be a mapping");
  for (const auto& m : map.members) {
    if (std::find(allowed.begin(), allowed.end(), m.key) == allowed.end()) {
      return Bad(where + "." + m.key, "unknown key");
    }
  }
  return OkStatus();
}

Result<std::string> GetString(const YamlNode& n, const std::string& where) {
  if (n.kind != YamlNode::Kind::kScalar) return Bad(where, "must be a string");
  if (n.scalar.empty()) return Bad(where, "must not be empty");
  return n.scalar;
}

Result<std::string> RequiredString(const YamlNode& map, std::string_view key,
                                   const std::string& where) {
  const YamlNode* n = map.Find(key);
  if (n == nullptr) return Bad(where + "." + std::string(key), "missing");
  return GetString(*n, where + "." + std::string(key));
}

Result<std::optional<std::string>> OptionalString(const YamlNode& map, std::string_view key,
                                                  const std::string& where) {
  const YamlNode* n = map.Find(key);
  if (n == nullptr) return std::optional<std::string>();
  SIGNET_ASSIGN_OR_RETURN(std::string s, GetString(*n, where + "." + std::string(key)));
  return std::optional<std::string>(std::move(s));
}

Result<std::vector<std::string>> GetStringList(const YamlNode& n, const std::string& where) {
  if (n.kind != YamlNode::Kind::kSequence) return Bad(where, "must be a list");
  std::vector<std::string> out;
  for (size_t i = 0; i < n.items.size(); ++i) {
    SIGNET_ASSIGN_OR_RETURN(std::string s,
                            GetString(n.items[i], where + "[" + std::to_string(i) + "]"));
    out.push_back(std::move(s));
  }
  return out;
}

Result<std::optional<std::vector<std::string>>> OptionalList(const YamlNode& map,
                                                             std::string_view key,
                                                             const std::string& where) {
  const YamlNode* n = map.Find(key);
  if (n == nullptr) return std::optional<std::vector<std::string>>();
  SIGNET_ASSIGN_OR_RETURN(auto v, GetStringList(*n, where + "." + std::string(key)));
  return std::optional<std::vector<std::string>>(std::move(v));
}

Result<std::optional<std::chrono::seconds>> OptionalDuration(const YamlNode& map,
                                                             std::string_view key,
                                                             const std::string& where) {
  SIGNET_ASSIGN_OR_RETURN(auto s, OptionalString(map, key, where));
  if (!s) return std::optional<std::chrono::seconds>();
  // Short strings keep the parser's arithmetic far from overflow; the cap keeps comparisons
  // with nanosecond timestamps exact.
  if (s->size() > 10) return Bad(where + "." + std::string(key), "duration too long");
  auto d = ParseDuration(*s);
  if (!d.ok()) return Bad(where + "." + std::string(key), "not a duration such as 720h");
  if (d->count() <= 0) return Bad(where + "." + std::string(key), "must be positive");
  if (*d > kMaxPolicyDuration) return Bad(where + "." + std::string(key), "longer than 100 years");
  return std::optional<std::chrono::seconds>(*d);
}

Result<bool> OptionalBool(const YamlNode& map, std::string_view key, const std::string& where) {
  const YamlNode* d = map.Find(key);
  if (d == nullptr) return false;
  if (d->kind != YamlNode::Kind::kScalar || d->quoted ||
      (d->scalar != "true" && d->scalar != "false")) {
    return Bad(where + "." + std::string(key), "must be true or false");
  }
  return d->scalar == "true";
}

bool IsDigestRef(std::string_view s) {
  constexpr std::string_view kPrefix = "sha256:";
  if (s.substr(0, kPrefix.size()) != kPrefix) return false;
  auto hex = s.substr(kPrefix.size());
  return hex.size() == 64 && HexDecode(hex).ok();
}

Result<BuilderPolicy> ParseBuilder(const YamlNode& n, const std::string& where) {
  SIGNET_RETURN_IF_ERROR(CheckKeys(n, where, {"name", "keyless", "keys", "threshold",
                                              "builder_ids", "build_types", "delegator"}));
  BuilderPolicy b;
  SIGNET_ASSIGN_OR_RETURN(b.name, RequiredString(n, "name", where));
  if (const YamlNode* k = n.Find("keyless")) {
    const std::string kw = where + ".keyless";
    SIGNET_RETURN_IF_ERROR(
        CheckKeys(*k, kw, {"issuer", "identity", "refs", "certificate_source_optional", "runner"}));
    KeylessIdentity id;
    SIGNET_ASSIGN_OR_RETURN(id.issuer, RequiredString(*k, "issuer", kw));
    SIGNET_ASSIGN_OR_RETURN(id.identity, RequiredString(*k, "identity", kw));
    SIGNET_ASSIGN_OR_RETURN(id.refs, OptionalList(*k, "refs", kw));
    SIGNET_ASSIGN_OR_RETURN(id.certificate_source_optional,
                            OptionalBool(*k, "certificate_source_optional", kw));
    SIGNET_ASSIGN_OR_RETURN(auto runner, OptionalString(*k, "runner", kw));
    if (runner && *runner != kGithubHostedRunner) {
      return Bad(kw + ".runner", "must be github-hosted");
    }
    id.runner = runner.value_or("");
    b.keyless = std::move(id);
  }
  if (const YamlNode* k = n.Find("keys")) {
    SIGNET_ASSIGN_OR_RETURN(b.keys, GetStringList(*k, where + ".keys"));
    if (b.keys.empty()) return Bad(where + ".keys", "must list at least one key");
  }
  if (b.keyless.has_value() == (n.Find("keys") != nullptr)) {
    return Bad(where, "must have exactly one of `keyless` and `keys`");
  }
  if (const YamlNode* t = n.Find("threshold")) {
    if (b.keyless) return Bad(where + ".threshold", "only for keyed builders");
    if (t->kind != YamlNode::Kind::kScalar || t->quoted || t->scalar.empty() ||
        t->scalar.size() > 4 ||
        !std::all_of(t->scalar.begin(), t->scalar.end(),
                     [](char c) { return c >= '0' && c <= '9'; })) {
      return Bad(where + ".threshold", "must be a positive integer");
    }
    b.threshold = static_cast<size_t>(std::stoul(t->scalar));
  }
  if (!b.keyless && (b.threshold == 0 || b.threshold > b.keys.size())) {
    return Bad(where + ".threshold", "must be between 1 and the number of keys");
  }
  SIGNET_ASSIGN_OR_RETURN(b.builder_ids, OptionalList(n, "builder_ids", where));
  SIGNET_ASSIGN_OR_RETURN(b.build_types, OptionalList(n, "build_types", where));
  SIGNET_ASSIGN_OR_RETURN(b.delegator, OptionalBool(n, "delegator", where));
  if (b.delegator && !b.keyless) return Bad(where + ".delegator", "only for keyless builders");
  if (b.keyless && !b.delegator && b.builder_ids) {
    return Bad(where + ".builder_ids",
               "keyless builders are identified by their certificate; builder_ids is only for "
               "delegator builders");
  }
  return b;
}

Result<PolicyException> ParseException(const YamlNode& n, const std::string& where) {
  SIGNET_RETURN_IF_ERROR(
      CheckKeys(n, where, {"finding", "subject", "match", "owner", "ticket", "expires"}));
  PolicyException e;
  SIGNET_ASSIGN_OR_RETURN(e.finding, RequiredString(n, "finding", where));
  if (e.finding != findings::kVulnSeverity && e.finding != findings::kMutableReference) {
    return Bad(where + ".finding", "only VULN_SEVERITY and MUTABLE_REFERENCE findings can be waived");
  }
  SIGNET_ASSIGN_OR_RETURN(e.subject, RequiredString(n, "subject", where));
  SIGNET_ASSIGN_OR_RETURN(e.match, RequiredString(n, "match", where));
  if (e.finding == findings::kMutableReference) {
    // A tag exception names the exact reference twice (subject and match), so that it reads the
    // same as a vulnerability exception and can never be mistaken for a digest waiver.
    if (e.subject.empty() || e.subject.find('@') != std::string::npos || IsDigestRef(e.subject)) {
      return Bad(where + ".subject", "a MUTABLE_REFERENCE exception names a tag reference without a digest");
    }
    if (e.match != e.subject) return Bad(where + ".match", "must equal subject for MUTABLE_REFERENCE");
  } else if (!IsDigestRef(e.subject)) {
    return Bad(where + ".subject", "must be sha256:<64 lowercase hex>");
  }
  SIGNET_ASSIGN_OR_RETURN(auto owner, OptionalString(n, "owner", where));
  e.owner = owner.value_or("");
  SIGNET_ASSIGN_OR_RETURN(auto ticket, OptionalString(n, "ticket", where));
  e.ticket = ticket.value_or("");
  SIGNET_ASSIGN_OR_RETURN(auto expires, OptionalString(n, "expires", where));
  if (expires) {
    auto t = ParseBoundedTime(*expires);
    if (!t.ok()) return Bad(where + ".expires", "not an RFC 3339 time");
    e.expires = *t;
  }
  return e;
}

}  // namespace

Result<Timestamp> ParseBoundedTime(std::string_view text) {
  if (text.size() < 4 || !std::all_of(text.begin(), text.begin() + 4,
                                      [](char ch) { return ch >= '0' && ch <= '9'; })) {
    return InvalidArgument("not an RFC 3339 time");
  }
  const int year = std::stoi(std::string(text.substr(0, 4)));
  if (year < 1970 || year > 2200) return InvalidArgument("time outside the years 1970-2200");
  return ParseRfc3339(text);
}

Severity ParseSeverity(std::string_view text) {
  std::string s(text);
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (s == "none") return Severity::kNone;
  if (s == "negligible" || s == "low") return Severity::kLow;
  if (s == "medium" || s == "moderate") return Severity::kMedium;
  if (s == "high" || s == "important") return Severity::kHigh;
  return Severity::kCritical;
}

Result<Severity> ParsePolicySeverity(std::string_view text) {
  for (Severity s : {Severity::kNone, Severity::kLow, Severity::kMedium, Severity::kHigh,
                     Severity::kCritical}) {
    if (text == SeverityName(s)) return s;
  }
  return InvalidArgument("severity must be none, low, medium, high or critical");
}

std::string_view SeverityName(Severity s) {
  switch (s) {
    case Severity::kNone: return "none";
    case Severity::kLow: return "low";
    case Severity::kMedium: return "medium";
    case Severity::kHigh: return "high";
    case Severity::kCritical: return "critical";
  }
  return "critical";
}

const BuilderPolicy* Policy::FindBuilder(std::string_view name) const {
  for (const auto& b : builders) {
    if (b.name == name) return &b;
  }
  return nullptr;
}

Result<Policy> ParsePolicy(std::string_view yaml) {
  if (yaml.size() > kMaxPolicyBytes) return Bad("(file)", "larger than 1 MiB");
  // Every string of a policy reaches decisions, audit entries and JSON output: refuse invalid
  // UTF-8 here instead of deep inside a writer.
  if (!ValidateUtf8(yaml)) return Bad("(file)", "not valid UTF-8");
  auto tree = ParseYaml(yaml);
  if (!tree.ok()) return Bad("(file)", tree.error().message());
  const YamlNode& root = *tree;
  SIGNET_RETURN_IF_ERROR(CheckKeys(root, "(top)", {"version", "trusted_root", "builders", "sources",
                                                   "max_age", "require", "exceptions", "verified_levels",
                                                   "images", "annotations", "release_signers",
                                                   "release_revocations", "accept_vsa", "production_namespaces"}));
  Policy p;
  const YamlNode* v = root.Find("version");
  if (v == nullptr) return Bad("version", "missing");
  if (v->kind != YamlNode::Kind::kScalar || v->quoted ||
      v->scalar != std::to_string(kPolicyVersion)) {
    return Bad("version", "unsupported (this build reads version 1)");
  }
  p.version = kPolicyVersion;
  SIGNET_ASSIGN_OR_RETURN(auto tr, OptionalString(root, "trusted_root", "(top)"));
  p.trusted_root = tr.value_or("");

  const YamlNode* builders = root.Find("builders");
  if (builders == nullptr) return Bad("builders", "missing");
  if (builders->kind != YamlNode::Kind::kSequence) return Bad("builders", "must be a list");
  std::set<std::string> names;
  for (size_t i = 0; i < builders->items.size(); ++i) {
    SIGNET_ASSIGN_OR_RETURN(BuilderPolicy b,
                            ParseBuilder(builders->items[i], "builders[" + std::to_string(i) + "]"));
    if (!names.insert(b.name).second) {
      return Bad("builders[" + std::to_string(i) + "].name", "duplicate builder name");
    }
    if (b.keyless && p.trusted_root.empty()) {
      return Bad("trusted_root", "required when a builder is keyless");
    }
    p.builders.push_back(std::move(b));
  }

  const YamlNode* sources = root.Find("sources");
  if (sources == nullptr) return Bad("sources", "missing");
  if (sources->kind != YamlNode::Kind::kSequence) return Bad("sources", "must be a list");
  for (size_t i = 0; i < sources->items.size(); ++i) {
    const std::string where = "sources[" + std::to_string(i) + "]";
    const YamlNode& n = sources->items[i];
    SIGNET_RETURN_IF_ERROR(CheckKeys(n, where, {"repo", "refs", "repository_id", "owner_id"}));
    SourcePolicy s;
    SIGNET_ASSIGN_OR_RETURN(s.repo, RequiredString(n, "repo", where));
    SIGNET_ASSIGN_OR_RETURN(s.refs, OptionalList(n, "refs", where));
    for (auto [key, field] : {std::pair<std::string_view, std::string*>{"repository_id", &s.repository_id},
                              std::pair<std::string_view, std::string*>{"owner_id", &s.owner_id}}) {
      SIGNET_ASSIGN_OR_RETURN(auto id, OptionalString(n, key, where));
      if (!id) continue;
      // GitHub's ids are decimal numbers; anything else is a typo that would pin nothing.
      if (id->size() > 20 || !std::all_of(id->begin(), id->end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return Bad(where + "." + std::string(key), "must be a decimal id");
      }
      *field = *id;
    }
    p.sources.push_back(std::move(s));
  }

  SIGNET_ASSIGN_OR_RETURN(p.max_age, OptionalDuration(root, "max_age", "(top)"));

  if (const YamlNode* vl = root.Find("verified_levels")) {
    SIGNET_ASSIGN_OR_RETURN(p.verified_levels, GetStringList(*vl, "verified_levels"));
    for (size_t i = 0; i < p.verified_levels.size(); ++i) {
      const std::string& l = p.verified_levels[i];
      bool ok = !l.empty() && l.size() <= 64;
      for (char c : l) ok = ok && ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_');
      if (!ok) return Bad("verified_levels[" + std::to_string(i) + "]", "must be like SLSA_BUILD_LEVEL_3");
    }
  }

  if (const YamlNode* im = root.Find("images")) {
    SIGNET_ASSIGN_OR_RETURN(p.images, GetStringList(*im, "images"));
  }
  if (const YamlNode* pn = root.Find("production_namespaces")) {
    SIGNET_ASSIGN_OR_RETURN(p.production_namespaces, GetStringList(*pn, "production_namespaces"));
    std::set<std::string> seen;
    for (size_t i = 0; i < p.production_namespaces.size(); ++i) {
      const std::string& ns = p.production_namespaces[i];
      // A Kubernetes namespace is an RFC 1123 label; anything else would match no pod.
      bool ok = !ns.empty() && ns.size() <= 63 && ns.front() != '-' && ns.back() != '-';
      for (char c : ns) ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-');
      if (!ok) return Bad("production_namespaces[" + std::to_string(i) + "]", "must be a namespace name (RFC 1123 label)");
      if (!seen.insert(ns).second) return Bad("production_namespaces[" + std::to_string(i) + "]", "listed twice");
    }
  }
  if (const YamlNode* an = root.Find("annotations")) {
    SIGNET_ASSIGN_OR_RETURN(p.annotations, GetStringList(*an, "annotations"));
    std::set<std::string> seen;
    for (size_t i = 0; i < p.annotations.size(); ++i) {
      if (!seen.insert(p.annotations[i]).second) {
        return Bad("annotations[" + std::to_string(i) + "]", "listed twice");
      }
    }
  }

  if (const YamlNode* rs = root.Find("release_signers")) {
    SIGNET_ASSIGN_OR_RETURN(p.release_signers, GetStringList(*rs, "release_signers"));
  }
  if (const YamlNode* rr = root.Find("release_revocations")) {
    SIGNET_ASSIGN_OR_RETURN(p.release_revocations, GetStringList(*rr, "release_revocations"));
  }
  SIGNET_ASSIGN_OR_RETURN(p.accept_vsa, OptionalBool(root, "accept_vsa", "(top)"));

  if (const YamlNode* req = root.Find("require")) {
    if (req->kind != YamlNode::Kind::kSequence) return Bad("require", "must be a list");
    for (size_t i = 0; i < req->items.size(); ++i) {
      const std::string where = "require[" + std::to_string(i) + "]";
      const YamlNode& n = req->items[i];
      SIGNET_RETURN_IF_ERROR(
          CheckKeys(n, where, {"predicate_type", "signed_by", "max_severity", "max_age"}));
      Requirement r;
      SIGNET_ASSIGN_OR_RETURN(r.predicate_type, RequiredString(n, "predicate_type", where));
      const YamlNode* sb = n.Find("signed_by");
      if (sb == nullptr) return Bad(where + ".signed_by", "missing");
      SIGNET_ASSIGN_OR_RETURN(r.signed_by, GetStringList(*sb, where + ".signed_by"));
      for (size_t j = 0; j < r.signed_by.size(); ++j) {
        if (p.FindBuilder(r.signed_by[j]) == nullptr) {
          return Bad(where + ".signed_by[" + std::to_string(j) + "]", "names no builder");
        }
      }
      SIGNET_ASSIGN_OR_RETURN(auto sev, OptionalString(n, "max_severity", where));
      if (sev) {
        auto s = ParsePolicySeverity(*sev);
        if (!s.ok()) return Bad(where + ".max_severity", s.error().message());
        r.max_severity = *s;
      }
      SIGNET_ASSIGN_OR_RETURN(r.max_age, OptionalDuration(n, "max_age", where));
      p.require.push_back(std::move(r));
    }
  }

  if (const YamlNode* ex = root.Find("exceptions")) {
    if (ex->kind != YamlNode::Kind::kSequence) return Bad("exceptions", "must be a list");
    for (size_t i = 0; i < ex->items.size(); ++i) {
      SIGNET_ASSIGN_OR_RETURN(PolicyException e,
                              ParseException(ex->items[i], "exceptions[" + std::to_string(i) + "]"));
      p.exceptions.push_back(std::move(e));
    }
  }
  return p;
}

Result<LoadedPolicy> LoadPolicy(const std::string& path) {
  auto bytes = ReadFile(path, kMaxPolicyBytes);
  if (!bytes.ok()) return std::move(bytes).error().Prefix("reading policy");
  LoadedPolicy lp;
  SIGNET_ASSIGN_OR_RETURN(lp.policy, ParsePolicy(*bytes));
  lp.digest = "sha256:" + HexEncode(Sha256(*bytes));
  std::filesystem::path dir = std::filesystem::path(path).parent_path();
  lp.base_dir = dir.empty() ? "." : dir.string();
  auto resolve = [&](const std::string& p) {
    std::filesystem::path fp(p);
    return fp.is_absolute() ? fp.string() : (std::filesystem::path(lp.base_dir) / fp).string();
  };
  if (!lp.policy.trusted_root.empty()) lp.trusted_root_path = resolve(lp.policy.trusted_root);
  // Keys are identified by their public value (canonical_id), never by file or encoding: one
  // key listed twice would count twice towards a threshold, or belong to two builders.
  std::vector<std::pair<Bytes, std::string>> seen;  // canonical_id, "builder/key"
  for (const auto& b : lp.policy.builders) {
    std::vector<PublicKey> keys;
    for (const auto& k : b.keys) {
      auto text = ReadFile(resolve(k), kMaxKeyFileBytes);
      if (!text.ok()) {
        return std::move(text).error().Prefix("policy: builder " + b.name + ": reading key " + k);
      }
      auto key = text->find("-----BEGIN") != std::string::npos
                     ? PublicKey::FromPem(*text)
                     : PublicKey::FromSpkiDer(AsBytes(*text));
      if (!key.ok()) {
        return std::move(key).error().Prefix("policy: builder " + b.name + ": key " + k);
      }
      for (const auto& [id, where] : seen) {
        if (id == key->canonical_id()) {
          return InvalidArgument("policy: builder " + b.name + ": key " + k + " is the same key as " + where +
                                 " (a key may be listed once, in any encoding)")
              .WithFinding(findings::kMalformedInput);
        }
      }
      seen.emplace_back(key->canonical_id(), b.name + "/" + k);
      keys.push_back(*key);
    }
    lp.keys.push_back(std::move(keys));
  }
  std::vector<std::pair<Bytes, std::string>> release_seen;
  for (const auto& k : lp.policy.release_signers) {
    auto text = ReadFile(resolve(k), kMaxReleaseFileBytes);
    if (!text.ok()) return std::move(text).error().Prefix("policy: release_signers: reading key " + k);
    if (IsJsonObject(*text)) {  // a keyring
      lp.release_keyrings.push_back({k, resolve(k), std::move(*text)});
      continue;
    }
    if (text->size() > kMaxKeyFileBytes) {
      return InvalidArgument("policy: release_signers: key " + k + " is larger than a key file can be")
          .WithFinding(findings::kMalformedInput);
    }
    auto key = text->find("-----BEGIN") != std::string::npos ? PublicKey::FromPem(*text)
                                                              : PublicKey::FromSpkiDer(AsBytes(*text));
    if (!key.ok()) return std::move(key).error().Prefix("policy: release_signers: key " + k);
    for (const auto& [id, where] : release_seen) {
      if (id == key->canonical_id()) {
        return InvalidArgument("policy: release_signers: key " + k + " is the same key as " + where +
                               " (a key may be listed once, in any encoding)")
            .WithFinding(findings::kMalformedInput);
      }
    }
    release_seen.emplace_back(key->canonical_id(), k);
    lp.release_keys.push_back(*key);
    lp.release_key_names.push_back(k);
  }
  for (const auto& r : lp.policy.release_revocations) {
    auto text = ReadFile(resolve(r), kMaxReleaseFileBytes);
    if (!text.ok()) return std::move(text).error().Prefix("policy: release_revocations: reading " + r);
    lp.release_revocations.push_back({r, resolve(r), std::move(*text)});
  }
  if (!lp.release_revocations.empty() && lp.release_keyrings.empty()) {
    return InvalidArgument("policy: release_revocations needs a keyring among release_signers")
        .WithFinding(findings::kMalformedInput);
  }
  return lp;
}

namespace {

bool LooksLikeRegex(std::string_view s) {
  return s.find(".*") != std::string_view::npos || s.find(".+") != std::string_view::npos ||
         s.find_first_of("^$\\[](){}|+") != std::string_view::npos;
}

void Add(std::vector<LintFinding>& out, LintFinding::Level level, const char* code,
         std::string where, std::string message) {
  out.push_back(LintFinding{level, code, std::move(where), std::move(message)});
}

void LintList(std::vector<LintFinding>& out, const std::vector<std::string>& list,
              const std::string& where) {
  if (list.empty()) {
    Add(out, LintFinding::Level::kError, "EMPTY_ALLOW_LIST", where,
        "empty list: approves nothing");
  }
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string& p = list[i];
    if (LooksLikeRegex(p) || (!p.empty() && p.front() == '*')) {
      Add(out, LintFinding::Level::kError, "UNANCHORED_PATTERN",
          where + "[" + std::to_string(i) + "]",
          "patterns are anchored globs (* and ? only, never across '/'); this looks like a "
          "regular expression or an unanchored prefix");
    }
  }
}

}  // namespace

std::vector<LintFinding> LintPolicy(const Policy& policy) {
  using L = LintFinding::Level;
  std::vector<LintFinding> out;
  if (policy.builders.empty()) {
    Add(out, L::kError, "EMPTY_ALLOW_LIST", "builders", "no builder approved: nothing can pass");
  }
  for (size_t i = 0; i < policy.builders.size(); ++i) {
    const auto& b = policy.builders[i];
    const std::string w = "builders[" + std::to_string(i) + "]";
    if (b.keyless) {
      const std::string& id = b.keyless->identity;
      if (!IsLiteralPattern(id) || LooksLikeRegex(id) || id.find('@') != std::string::npos ||
          id.rfind("https://", 0) != 0) {
        Add(out, L::kError, "UNANCHORED_IDENTITY", w + ".keyless.identity",
            "identity must be one exact https:// URI without wildcards, regex syntax or '@' "
            "(the ref is matched separately by refs)");
      }
      if (b.keyless->issuer.rfind("https://", 0) != 0 || !IsLiteralPattern(b.keyless->issuer)) {
        Add(out, L::kError, "UNANCHORED_IDENTITY", w + ".keyless.issuer",
            "issuer must be one exact https:// URL");
      }
      if (!b.keyless->refs) {
        Add(out, L::kError, "KEYLESS_WITHOUT_REFS", w + ".keyless",
            "a keyless builder without refs approves no ref; pin e.g. [\"refs/tags/v*\"]");
      } else {
        LintList(out, *b.keyless->refs, w + ".keyless.refs");
      }
      if (b.keyless->certificate_source_optional) {
        Add(out, L::kWarning, "CERTIFICATE_SOURCE_OPTIONAL", w + ".keyless",
            "certificates without a source repository are accepted; only the provenance's "
            "source is then checked");
      }
      if (b.delegator && !b.builder_ids) {
        Add(out, L::kError, "DELEGATOR_WITHOUT_BUILDER_IDS", w,
            "a delegator builder must list the delegated builder_ids it approves");
      }
    }
    if (b.builder_ids) LintList(out, *b.builder_ids, w + ".builder_ids");
    if (b.build_types) {
      LintList(out, *b.build_types, w + ".build_types");
    } else {
      Add(out, L::kWarning, "NO_BUILD_TYPES", w, "no build_types: any build type is accepted");
    }
  }
  if (policy.sources.empty()) {
    Add(out, L::kError, "EMPTY_ALLOW_LIST", "sources", "no source approved: nothing can pass");
  }
  for (size_t i = 0; i < policy.sources.size(); ++i) {
    const auto& s = policy.sources[i];
    const std::string w = "sources[" + std::to_string(i) + "]";
    if (!IsLiteralPattern(s.repo) || LooksLikeRegex(s.repo)) {
      Add(out, L::kError, "UNANCHORED_IDENTITY", w + ".repo",
          "a source repository is one exact URI");
    }
    if (s.refs) {
      LintList(out, *s.refs, w + ".refs");
    } else {
      Add(out, L::kWarning, "NO_SOURCE_REFS", w, "no refs: any source ref is accepted");
    }
    if (s.repository_id.empty() || s.owner_id.empty()) {
      Add(out, L::kWarning, "NO_SOURCE_IDS", w,
          "pin repository_id and owner_id (certificate extensions 1.3.6.1.4.1.57264.1.15 and .17): a URL "
          "can be re-registered by someone else after a rename or deletion");
    }
  }
  if (!policy.max_age) {
    Add(out, L::kWarning, "NO_MAX_AGE", "max_age", "provenance of any age is accepted");
  }
  for (size_t i = 0; i < policy.require.size(); ++i) {
    const std::string w = "require[" + std::to_string(i) + "]";
    if (policy.require[i].signed_by.empty()) {
      Add(out, L::kError, "EMPTY_ALLOW_LIST", w + ".signed_by",
          "no signer approved: the requirement can never be met");
    }
    if (!policy.require[i].max_age) {
      Add(out, L::kWarning, "NO_MAX_AGE", w + ".max_age", "an attestation of any age meets this requirement");
    }
  }
  if (policy.accept_vsa && policy.release_signers.empty()) {
    Add(out, L::kError, "ACCEPT_VSA_WITHOUT_RELEASE_SIGNERS", "accept_vsa",
        "accept_vsa needs release_signers: a VSA is trusted only from a listed release signer");
  }
  // An empty images list is the safe default (only provenance subject names), not an error.
  if (!policy.images.empty()) LintList(out, policy.images, "images");
  for (size_t i = 0; i < policy.exceptions.size(); ++i) {
    const auto& e = policy.exceptions[i];
    const std::string w = "exceptions[" + std::to_string(i) + "]";
    if (e.owner.empty()) {
      Add(out, L::kError, "EXCEPTION_NO_OWNER", w, "an exception without an owner waives nothing");
    }
    if (!e.expires) {
      Add(out, L::kError, "EXCEPTION_NO_EXPIRY", w, "an exception without expires waives nothing");
    }
  }
  return out;
}

Status CheckAnnotations(const Policy& policy, const std::map<std::string, std::string>& annotations) {
  for (const auto& [key, value] : annotations) {
    if (!ValidateUtf8(key) || !ValidateUtf8(value)) {
      return InvalidArgument("--annotation: keys and values must be valid UTF-8").WithFinding(findings::kMalformedInput);
    }
    if (std::find(policy.annotations.begin(), policy.annotations.end(), key) == policy.annotations.end()) {
      return InvalidArgument("--annotation " + key + " is not listed in the policy's annotations")
          .WithFinding(findings::kMalformedInput);
    }
  }
  return OkStatus();
}

}  // namespace signet::policy
