#include "signet/policy/provenance.h"

#include "signet/core/findings.h"
#include "signet/policy/policy.h"

namespace signet::policy {
namespace {

constexpr size_t kMaxMaterials = 4096;

Error Malformed(const std::string& what) {
  return InvalidArgument("provenance: " + what).WithFinding(findings::kMalformedInput);
}

// OptString returns the string member `key`, "" when absent, or an error for a wrong type.
Result<std::string> OptString(const JsonValue& obj, std::string_view key, const char* where) {
  const JsonValue* v = obj.Find(key);
  if (v == nullptr || v->is_null()) return std::string();
  if (!v->is_string()) return Malformed(std::string(where) + "." + std::string(key) + " must be a string");
  return v->string_value();
}

Result<std::string> ReqString(const JsonValue& obj, std::string_view key, const char* where) {
  SIGNET_ASSIGN_OR_RETURN(std::string s, OptString(obj, key, where));
  if (s.empty()) return Malformed(std::string(where) + "." + std::string(key) + " is required");
  return s;
}

const JsonValue* OptObject(const JsonValue& obj, std::string_view key) {
  const JsonValue* v = obj.Find(key);
  return (v != nullptr && v->is_object()) ? v : nullptr;
}

Result<const JsonValue*> ReqObject(const JsonValue& obj, std::string_view key, const char* where) {
  const JsonValue* v = obj.Find(key);
  if (v == nullptr || !v->is_object()) {
    return Malformed(std::string(where) + "." + std::string(key) + " must be an object");
  }
  return v;
}

Result<DigestSet> ParseDigestSet(const JsonValue& v, const char* where) {
  if (!v.is_object()) return Malformed(std::string(where) + " digest must be an object");
  DigestSet out;
  for (const auto& [alg, val] : v.object()) {
    if (!val.is_string()) return Malformed(std::string(where) + " digest values must be strings");
    out.emplace_back(alg, val.string_value());
  }
  return out;
}

Result<std::optional<Timestamp>> OptTime(const JsonValue& obj, std::string_view key,
                                         const char* where) {
  SIGNET_ASSIGN_OR_RETURN(std::string s, OptString(obj, key, where));
  if (s.empty()) return std::optional<Timestamp>();
  auto t = ParseBoundedTime(s);
  if (!t.ok()) return Malformed(std::string(where) + "." + std::string(key) + " is not RFC 3339");
  return std::optional<Timestamp>(*t);
}

// OptId reads a GitHub numeric id written as a string or as an integer; "" when absent.
Result<std::string> OptId(const JsonValue& obj, std::string_view key) {
  const JsonValue* v = obj.Find(key);
  if (v == nullptr || v->is_null()) return std::string();
  if (v->is_number()) {
    auto n = v->AsUint64();
    if (!n.ok()) return Malformed("internalParameters.github." + std::string(key) + " must be an id");
    return std::to_string(*n);
  }
  return OptString(obj, key, "internalParameters.github");
}

Result<std::vector<Material>> ParseMaterials(const JsonValue* list, const char* where) {
  std::vector<Material> out;
  if (list == nullptr || list->is_null()) return out;
  if (!list->is_array()) return Malformed(std::string(where) + " must be an array");
  if (list->array().size() > kMaxMaterials) return Malformed(std::string(where) + " too long");
  for (const auto& m : list->array()) {
    if (!m.is_object()) return Malformed(std::string(where) + " entries must be objects");
    Material mat;
    SIGNET_ASSIGN_OR_RETURN(mat.uri, OptString(m, "uri", where));
    if (const JsonValue* d = m.Find("digest")) {
      SIGNET_ASSIGN_OR_RETURN(mat.digest, ParseDigestSet(*d, where));
    }
    out.push_back(std::move(mat));
  }
  return out;
}

std::string CommitOf(const DigestSet& d) {
  for (const auto& [alg, val] : d) {
    if (alg == "gitCommit" || alg == "sha1") return val;
  }
  return "";
}

// CommitForRepo finds the commit of `repo` among the materials (the first git material whose
// normalised repo matches).
std::string CommitForRepo(const std::vector<Material>& materials, const std::string& repo) {
  for (const auto& m : materials) {
    if (m.uri.rfind("git+", 0) != 0) continue;
    if (SplitSourceUri(m.uri).repo == repo) return CommitOf(m.digest);
  }
  return "";
}

// FirstGitMaterial is the source named by the first "git+" material, with its commit, or nullopt.
std::optional<SourceRef> FirstGitMaterial(const std::vector<Material>& materials) {
  for (const auto& m : materials) {
    if (m.uri.rfind("git+", 0) != 0) continue;
    SourceRef s = SplitSourceUri(m.uri);
    s.commit = CommitOf(m.digest);
    return s;
  }
  return std::nullopt;
}

Status NormaliseV1(const JsonValue& pred, Provenance& p) {
  SIGNET_ASSIGN_OR_RETURN(const JsonValue* bd, ReqObject(pred, "buildDefinition", "predicate"));
  SIGNET_ASSIGN_OR_RETURN(const JsonValue* rd, ReqObject(pred, "runDetails", "predicate"));
  SIGNET_ASSIGN_OR_RETURN(p.build_type, ReqString(*bd, "buildType", "buildDefinition"));
  SIGNET_ASSIGN_OR_RETURN(const JsonValue* builder, ReqObject(*rd, "builder", "runDetails"));
  SIGNET_ASSIGN_OR_RETURN(p.builder_id, ReqString(*builder, "id", "runDetails.builder"));
  SIGNET_ASSIGN_OR_RETURN(p.materials,
                          ParseMaterials(bd->Find("resolvedDependencies"), "resolvedDependencies"));
  if (const JsonValue* md = OptObject(*rd, "metadata")) {
    SIGNET_ASSIGN_OR_RETURN(p.invocation_id, OptString(*md, "invocationId", "metadata"));
    SIGNET_ASSIGN_OR_RETURN(p.started_on, OptTime(*md, "startedOn", "metadata"));
    SIGNET_ASSIGN_OR_RETURN(p.finished_on, OptTime(*md, "finishedOn", "metadata"));
  }
  const JsonValue* ext = OptObject(*bd, "externalParameters");
  if (ext == nullptr) return Malformed("buildDefinition.externalParameters must be an object");
  const JsonValue* wf = OptObject(*ext, "workflow");
  if (wf == nullptr) wf = OptObject(*ext, "buildConfigSource");
  if (wf != nullptr) {
    SIGNET_ASSIGN_OR_RETURN(std::string repo, ReqString(*wf, "repository", "workflow"));
    SourceRef s = SplitSourceUri(repo);
    SIGNET_ASSIGN_OR_RETURN(std::string ref, OptString(*wf, "ref", "workflow"));
    if (!ref.empty()) s.ref = ref;
    SIGNET_ASSIGN_OR_RETURN(p.entry_point, OptString(*wf, "path", "workflow"));
    s.commit = CommitForRepo(p.materials, s.repo);
    p.source = std::move(s);
  } else if (const JsonValue* src = ext->Find("source")) {
    if (src->is_string()) {
      SourceRef s = SplitSourceUri(src->string_value());
      s.commit = CommitForRepo(p.materials, s.repo);
      p.source = std::move(s);
    } else if (src->is_object()) {
      SIGNET_ASSIGN_OR_RETURN(std::string uri, ReqString(*src, "uri", "source"));
      SourceRef s = SplitSourceUri(uri);
      if (const JsonValue* d = src->Find("digest")) {
        SIGNET_ASSIGN_OR_RETURN(DigestSet ds, ParseDigestSet(*d, "source"));
        s.commit = CommitOf(ds);
      }
      if (s.commit.empty()) s.commit = CommitForRepo(p.materials, s.repo);
      p.source = std::move(s);
    } else {
      return Malformed("externalParameters.source must be a string or an object");
    }
  } else {
    p.source = FirstGitMaterial(p.materials);
  }
  if (const JsonValue* ip = OptObject(*bd, "internalParameters")) {
    if (const JsonValue* gh = OptObject(*ip, "github")) {
      SIGNET_ASSIGN_OR_RETURN(p.trigger, OptString(*gh, "event_name", "internalParameters.github"));
      SIGNET_ASSIGN_OR_RETURN(p.runner_environment,
                              OptString(*gh, "runner_environment", "internalParameters.github"));
      SIGNET_ASSIGN_OR_RETURN(p.repository_id, OptId(*gh, "repository_id"));
      SIGNET_ASSIGN_OR_RETURN(p.repository_owner_id, OptId(*gh, "repository_owner_id"));
    }
    if (p.trigger.empty()) {
      SIGNET_ASSIGN_OR_RETURN(p.trigger, OptString(*ip, "GITHUB_EVENT_NAME", "internalParameters"));
    }
    if (p.trigger.empty()) {
      if (const JsonValue* ss = OptObject(*ip, "systemSubstitutions")) {
        SIGNET_ASSIGN_OR_RETURN(p.trigger, OptString(*ss, "TRIGGER_NAME", "systemSubstitutions"));
      }
    }
  }
  return OkStatus();
}

Status NormaliseV02(const JsonValue& pred, Provenance& p) {
  SIGNET_ASSIGN_OR_RETURN(const JsonValue* builder, ReqObject(pred, "builder", "predicate"));
  SIGNET_ASSIGN_OR_RETURN(p.builder_id, ReqString(*builder, "id", "builder"));
  SIGNET_ASSIGN_OR_RETURN(p.build_type, ReqString(pred, "buildType", "predicate"));
  SIGNET_ASSIGN_OR_RETURN(p.materials, ParseMaterials(pred.Find("materials"), "materials"));
  if (const JsonValue* inv = OptObject(pred, "invocation")) {
    if (const JsonValue* cs = OptObject(*inv, "configSource")) {
      SIGNET_ASSIGN_OR_RETURN(std::string uri, OptString(*cs, "uri", "configSource"));
      if (!uri.empty()) {
        SourceRef s = SplitSourceUri(uri);
        if (const JsonValue* d = cs->Find("digest")) {
          SIGNET_ASSIGN_OR_RETURN(DigestSet ds, ParseDigestSet(*d, "configSource"));
          s.commit = CommitOf(ds);
        }
        p.source = std::move(s);
      }
      SIGNET_ASSIGN_OR_RETURN(p.entry_point, OptString(*cs, "entryPoint", "configSource"));
    }
    if (const JsonValue* env = OptObject(*inv, "environment")) {
      SIGNET_ASSIGN_OR_RETURN(p.trigger, OptString(*env, "github_event_name", "environment"));
    }
  }
  if (const JsonValue* md = OptObject(pred, "metadata")) {
    SIGNET_ASSIGN_OR_RETURN(p.invocation_id, OptString(*md, "buildInvocationID", "metadata"));
    SIGNET_ASSIGN_OR_RETURN(p.started_on, OptTime(*md, "buildStartedOn", "metadata"));
    SIGNET_ASSIGN_OR_RETURN(p.finished_on, OptTime(*md, "buildFinishedOn", "metadata"));
  }
  return OkStatus();
}

Status NormaliseV01(const JsonValue& pred, Provenance& p) {
  SIGNET_ASSIGN_OR_RETURN(const JsonValue* builder, ReqObject(pred, "builder", "predicate"));
  SIGNET_ASSIGN_OR_RETURN(p.builder_id, ReqString(*builder, "id", "builder"));
  SIGNET_ASSIGN_OR_RETURN(const JsonValue* recipe, ReqObject(pred, "recipe", "predicate"));
  SIGNET_ASSIGN_OR_RETURN(p.build_type, ReqString(*recipe, "type", "recipe"));
  SIGNET_ASSIGN_OR_RETURN(p.entry_point, OptString(*recipe, "entryPoint", "recipe"));
  SIGNET_ASSIGN_OR_RETURN(p.materials, ParseMaterials(pred.Find("materials"), "materials"));
  p.source = FirstGitMaterial(p.materials);
  if (const JsonValue* args = OptObject(*recipe, "arguments")) {
    if (const JsonValue* subs = OptObject(*args, "substitutions")) {
      SIGNET_ASSIGN_OR_RETURN(std::string tag, OptString(*subs, "TAG_NAME", "substitutions"));
      SIGNET_ASSIGN_OR_RETURN(std::string branch, OptString(*subs, "BRANCH_NAME", "substitutions"));
      if (p.source && p.source->ref.empty()) {
        if (!tag.empty() && !branch.empty()) {
          return Malformed("substitutions name both a tag and a branch");
        }
        if (!tag.empty()) p.source->ref = "refs/tags/" + tag;
        if (!branch.empty()) p.source->ref = "refs/heads/" + branch;
      }
      SIGNET_ASSIGN_OR_RETURN(p.trigger, OptString(*subs, "TRIGGER_NAME", "substitutions"));
    }
  }
  if (const JsonValue* md = OptObject(pred, "metadata")) {
    SIGNET_ASSIGN_OR_RETURN(p.invocation_id, OptString(*md, "buildInvocationId", "metadata"));
    SIGNET_ASSIGN_OR_RETURN(p.started_on, OptTime(*md, "buildStartedOn", "metadata"));
    SIGNET_ASSIGN_OR_RETURN(p.finished_on, OptTime(*md, "buildFinishedOn", "metadata"));
  }
  return OkStatus();
}

// TimeAt reads the RFC 3339 string at `path` below `v`, or nullopt.
std::optional<Timestamp> TimeAt(const JsonValue& v, std::initializer_list<std::string_view> path) {
  const JsonValue* cur = &v;
  for (std::string_view key : path) {
    if (!cur->is_object()) return std::nullopt;
    cur = cur->Find(key);
    if (cur == nullptr) return std::nullopt;
  }
  if (!cur->is_string()) return std::nullopt;
  auto t = ParseBoundedTime(cur->string_value());
  if (!t.ok()) return std::nullopt;
  return *t;
}

}  // namespace

bool ClaimsHostedRunner(const Provenance& p) {
  return p.runner_environment == "github-hosted" ||
         p.builder_id.rfind(kGithubHostedRunnerBuilderId, 0) == 0;
}

std::optional<Timestamp> SignedFinishTime(std::string_view predicate_type, const JsonValue& predicate) {
  if (predicate_type == kSlsaProvenanceV1) return TimeAt(predicate, {"runDetails", "metadata", "finishedOn"});
  if (predicate_type == kSlsaProvenanceV02 || predicate_type == kSlsaProvenanceV01) {
    return TimeAt(predicate, {"metadata", "buildFinishedOn"});
  }
  if (predicate_type == "https://cosign.sigstore.dev/attestation/vuln/v1") {
    return TimeAt(predicate, {"metadata", "scanFinishedOn"});
  }
  if (predicate_type.rfind("https://cyclonedx.org/bom", 0) == 0) return TimeAt(predicate, {"metadata", "timestamp"});
  return std::nullopt;
}

bool IsSlsaProvenanceType(std::string_view predicate_type) {
  return predicate_type == kSlsaProvenanceV1 || predicate_type == kSlsaProvenanceV02 ||
         predicate_type == kSlsaProvenanceV01;
}

SourceRef SplitSourceUri(std::string_view uri) {
  SourceRef s;
  if (uri.rfind("git+", 0) == 0) uri.remove_prefix(4);
  size_t scheme = uri.find("://");
  size_t path_start = uri.find('/', scheme == std::string_view::npos ? 0 : scheme + 3);
  size_t at = uri.rfind('@');
  if (path_start != std::string_view::npos && at != std::string_view::npos && at > path_start) {
    s.ref = std::string(uri.substr(at + 1));
    uri = uri.substr(0, at);
  }
  s.repo = std::string(uri);
  return s;
}

Result<Provenance> NormaliseProvenance(std::string_view predicate_type, const JsonValue& predicate) {
  Provenance p;
  p.predicate_type = std::string(predicate_type);
  // 1. Dispatch.
  if (predicate_type == kSlsaProvenanceV1) {
    p.version = Provenance::Version::kV1;
  } else if (predicate_type == kSlsaProvenanceV02) {
    p.version = Provenance::Version::kV02;
  } else if (predicate_type == kSlsaProvenanceV01) {
    p.version = Provenance::Version::kV01;
  } else {
    return VerificationFailed(findings::kPredicateTypeInvalid, "not SLSA provenance");
  }
  if (!predicate.is_object()) return Malformed("predicate must be an object");
  // 2-5.
  switch (p.version) {
    case Provenance::Version::kV1: SIGNET_RETURN_IF_ERROR(NormaliseV1(predicate, p)); break;
    case Provenance::Version::kV02: SIGNET_RETURN_IF_ERROR(NormaliseV02(predicate, p)); break;
    case Provenance::Version::kV01: SIGNET_RETURN_IF_ERROR(NormaliseV01(predicate, p)); break;
  }
  return p;
}

std::string_view VersionName(Provenance::Version v) {
  switch (v) {
    case Provenance::Version::kV01: return "v0.1";
    case Provenance::Version::kV02: return "v0.2";
    case Provenance::Version::kV1: return "v1";
  }
  return "v1";
}

}  // namespace signet::policy
