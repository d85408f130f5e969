// OCI / Docker manifests (see manifest.h).
#include "signet/registry/manifest.h"

#include "signet/core/encoding.h"
#include "signet/core/hash.h"
#include "signet/core/json.h"

namespace signet::registry {
namespace {

bool IsLowerHex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool IsKnownManifestType(std::string_view type) {
  return type == kOciManifest || type == kOciIndex || type == kDockerManifest || type == kDockerManifestList;
}

bool IsIndexType(std::string_view type) { return type == kOciIndex || type == kDockerManifestList; }

Result<std::map<std::string, std::string>> ParseAnnotations(const JsonValue& object, std::string_view what) {
  std::map<std::string, std::string> out;
  const JsonValue* annotations = object.Find("annotations");
  if (annotations == nullptr || annotations->is_null()) return out;
  if (!annotations->is_object()) return InvalidArgument(std::string(what) + ": annotations must be an object");
  for (const auto& [key, value] : annotations->object()) {
    if (!value.is_string()) return InvalidArgument(std::string(what) + ": an annotation value is not a string");
    out[key] = value.string_value();
  }
  return out;
}

Result<std::string> OptionalString(const JsonValue& object, std::string_view key, std::string_view what) {
  const JsonValue* value = object.Find(key);
  if (value == nullptr || value->is_null()) return std::string();
  if (!value->is_string()) return InvalidArgument(std::string(what) + ": " + std::string(key) + " must be a string");
  return value->string_value();
}

Result<Descriptor> ParseDescriptor(const JsonValue& value, std::string_view what) {
  if (!value.is_object()) return InvalidArgument(std::string(what) + ": a descriptor must be an object");
  Descriptor d;
  SIGNET_ASSIGN_OR_RETURN(d.media_type, value.GetString("mediaType"));
  SIGNET_ASSIGN_OR_RETURN(d.digest, value.GetString("digest"));
  if (!IsDigest(d.digest)) return InvalidArgument(std::string(what) + ": a descriptor's digest is not sha256:<hex>");
  SIGNET_ASSIGN_OR_RETURN(d.size, value.GetInt64("size"));
  if (d.size < 0) return InvalidArgument(std::string(what) + ": a descriptor's size is negative");
  SIGNET_ASSIGN_OR_RETURN(d.artifact_type, OptionalString(value, "artifactType", what));
  SIGNET_ASSIGN_OR_RETURN(d.annotations, ParseAnnotations(value, what));
  if (const JsonValue* platform = value.Find("platform"); platform != nullptr && !platform->is_null()) {
    if (!platform->is_object()) return InvalidArgument(std::string(what) + ": platform must be an object");
    Platform p;
    SIGNET_ASSIGN_OR_RETURN(p.os, OptionalString(*platform, "os", what));
    SIGNET_ASSIGN_OR_RETURN(p.architecture, OptionalString(*platform, "architecture", what));
    SIGNET_ASSIGN_OR_RETURN(p.variant, OptionalString(*platform, "variant", what));
    d.platform = std::move(p);
  }
  return d;
}

Result<std::vector<Descriptor>> ParseDescriptors(const JsonValue& doc, std::string_view key) {
  SIGNET_ASSIGN_OR_RETURN(const JsonValue::Array* items, doc.GetArray(key));
  std::vector<Descriptor> out;
  out.reserve(items->size());
  for (const JsonValue& item : *items) {
    SIGNET_ASSIGN_OR_RETURN(Descriptor d, ParseDescriptor(item, key));
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace

bool IsDigest(std::string_view digest) {
  constexpr std::string_view kPrefix = "sha256:";
  return digest.size() == kPrefix.size() + 64 && digest.substr(0, kPrefix.size()) == kPrefix &&
         IsLowerHex(digest.substr(kPrefix.size()));
}

std::string DigestOf(std::string_view bytes) { return "sha256:" + HexEncode(Sha256(bytes)); }

Result<Manifest> ParseManifest(std::string_view bytes, std::string_view content_type) {
  if (bytes.size() > kMaxManifestBytes) return InvalidArgument("manifest is larger than 4 MiB");
  JsonLimits limits;
  limits.max_bytes = kMaxManifestBytes;
  limits.max_depth = 16;
  Result<JsonValue> doc = ParseJson(bytes, limits);
  if (!doc.ok()) return InvalidArgument("manifest is not valid JSON: " + doc.error().message());
  if (!doc->is_object()) return InvalidArgument("manifest is not a JSON object");
  Result<int64_t> schema = doc->GetInt64("schemaVersion");
  if (!schema.ok() || *schema != 2) return InvalidArgument("manifest schemaVersion must be 2");

  Manifest m;
  m.bytes = std::string(bytes);
  m.digest = DigestOf(bytes);
  SIGNET_ASSIGN_OR_RETURN(std::string declared, OptionalString(*doc, "mediaType", "manifest"));
  if (!declared.empty() && !IsKnownManifestType(declared)) {
    return InvalidArgument("manifest has an unknown mediaType");
  }
  if (!content_type.empty() && IsKnownManifestType(content_type)) {
    if (!declared.empty() && declared != content_type) {
      return InvalidArgument("manifest mediaType differs from the Content-Type it was served with");
    }
    m.media_type = std::string(content_type);
  } else if (!declared.empty()) {
    m.media_type = declared;
  } else if (doc->Find("manifests") != nullptr) {
    m.media_type = std::string(kOciIndex);  // an OCI index may omit mediaType
  } else {
    m.media_type = std::string(kOciManifest);
  }
  m.is_index = IsIndexType(m.media_type);
  SIGNET_ASSIGN_OR_RETURN(m.artifact_type, OptionalString(*doc, "artifactType", "manifest"));
  SIGNET_ASSIGN_OR_RETURN(m.annotations, ParseAnnotations(*doc, "manifest"));
  if (const JsonValue* subject = doc->Find("subject"); subject != nullptr && !subject->is_null()) {
    SIGNET_ASSIGN_OR_RETURN(Descriptor s, ParseDescriptor(*subject, "subject"));
    m.subject = std::move(s);
  }
  if (m.is_index) {
    SIGNET_ASSIGN_OR_RETURN(m.manifests, ParseDescriptors(*doc, "manifests"));
  } else {
    SIGNET_ASSIGN_OR_RETURN(const JsonValue* config, doc->GetMember("config"));
    SIGNET_ASSIGN_OR_RETURN(m.config, ParseDescriptor(*config, "config"));
    SIGNET_ASSIGN_OR_RETURN(m.layers, ParseDescriptors(*doc, "layers"));
  }
  return m;
}

bool IsValidRepository(std::string_view repository) {
  if (repository.empty() || repository.size() > 255) return false;
  size_t start = 0;
  while (start <= repository.size()) {
    size_t slash = repository.find('/', start);
    std::string_view part = repository.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    // component: [a-z0-9]+ ((\.|_|__|-+)[a-z0-9]+)*
    if (part.empty()) return false;
    auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
    if (!alnum(part.front()) || !alnum(part.back())) return false;
    for (size_t i = 0; i < part.size(); ++i) {
      char c = part[i];
      if (alnum(c)) continue;
      if (c == '.') {
        if (!alnum(part[i + 1])) return false;
        continue;
      }
      if (c == '-') {
        if (!alnum(part[i + 1]) && part[i + 1] != '-') return false;
        continue;
      }
      if (c == '_') {
        if (part[i + 1] == '_') {
          ++i;
          if (!alnum(part[i + 1])) return false;
        } else if (!alnum(part[i + 1])) {
          return false;
        }
        continue;
      }
      return false;
    }
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return true;
}

bool IsValidTag(std::string_view tag) {
  if (tag.empty() || tag.size() > 128) return false;
  auto word = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  };
  if (!word(tag.front())) return false;
  for (char c : tag) {
    if (!word(c) && c != '.' && c != '-') return false;
  }
  return true;
}

Result<std::string> ReferrersTag(std::string_view digest) {
  if (!IsDigest(digest)) return InvalidArgument("digest must be sha256:<64 lower-case hex>");
  return "sha256-" + std::string(digest.substr(7));
}

Result<std::string> CosignTag(std::string_view digest, std::string_view suffix) {
  if (suffix != "sig" && suffix != "att" && suffix != "sbom") {
    return InvalidArgument("cosign tag suffix must be sig, att or sbom");
  }
  SIGNET_ASSIGN_OR_RETURN(std::string tag, ReferrersTag(digest));
  return tag + "." + std::string(suffix);
}

}  // namespace signet::registry
