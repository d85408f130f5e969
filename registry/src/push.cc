// Uploading evidence (see push.h).
#include "signet/registry/push.h"

#include <algorithm>

#include "signet/core/json.h"
#include "signet/registry/evidence.h"

namespace signet::registry {
namespace {

constexpr std::string_view kEmptyJson = "{}";
constexpr std::string_view kOciConfig = "application/vnd.oci.image.config.v1+json";

JsonValue DescriptorJson(std::string_view media_type, std::string_view digest, int64_t size) {
  JsonValue d = JsonValue::MakeObject();
  d.Set("mediaType", JsonValue::String(std::string(media_type)))
      .Set("digest", JsonValue::String(std::string(digest)))
      .Set("size", JsonValue::Int(size));
  return d;
}

JsonValue Annotations(const std::map<std::string, std::string>& annotations) {
  JsonValue a = JsonValue::MakeObject();
  for (const auto& [k, v] : annotations) a.Set(k, JsonValue::String(v));
  return a;
}

// SignatureLayer is the .sig manifest's layer for one payload and signature.
JsonValue SignatureLayer(std::string_view payload_digest, size_t payload_size, std::string_view signature_b64) {
  JsonValue layer = DescriptorJson(kSimpleSigningMediaType, payload_digest, static_cast<int64_t>(payload_size));
  layer.Set("annotations", Annotations({{std::string(kCosignSignatureAnnotation), std::string(signature_b64)}}));
  return layer;
}

// AppendLayer adds `layer` to the layers of the existing manifest `bytes`, keeping every other
// member as it was; returns "" when an equal layer (digest and signature) is already there.
Result<std::string> AppendLayer(const Manifest& existing, JsonValue layer, std::string_view payload_digest,
                                std::string_view signature_b64) {
  if (existing.is_index) return InvalidArgument("the .sig tag holds an index, not a signature manifest");
  for (const Descriptor& d : existing.layers) {
    auto sig = d.annotations.find(std::string(kCosignSignatureAnnotation));
    if (d.digest == payload_digest && sig != d.annotations.end() && sig->second == signature_b64) return std::string();
  }
  SIGNET_ASSIGN_OR_RETURN(JsonValue doc, ParseJson(existing.bytes));
  for (auto& [key, value] : doc.mutable_object()) {
    if (key == "layers" && value.is_array()) {
      value.Push(std::move(layer));
      return WriteJson(doc);
    }
  }
  return InvalidArgument("the existing .sig manifest has no layers array");
}

}  // namespace

Result<std::string> PushCosignSignature(Registry& registry, std::string_view repository, std::string_view image_digest,
                                        std::string_view payload, std::string_view signature_b64) {
  SIGNET_ASSIGN_OR_RETURN(std::string tag, CosignTag(image_digest, "sig"));
  if (signature_b64.empty()) return InvalidArgument("the signature is empty");
  SIGNET_ASSIGN_OR_RETURN(std::string payload_digest, registry.PutBlob(repository, payload));
  JsonValue layer = SignatureLayer(payload_digest, payload.size(), signature_b64);
  std::string bytes;
  Result<Manifest> existing = registry.GetManifest(repository, tag);
  if (existing.ok()) {
    SIGNET_ASSIGN_OR_RETURN(bytes, AppendLayer(*existing, std::move(layer), payload_digest, signature_b64));
    if (bytes.empty()) return existing->digest;  // already there
  } else if (existing.error().code() == ErrorCode::kNotFound) {
    SIGNET_ASSIGN_OR_RETURN(std::string config_digest, registry.PutBlob(repository, kEmptyJson));
    JsonValue doc = JsonValue::MakeObject();
    doc.Set("schemaVersion", JsonValue::Int(2))
        .Set("mediaType", JsonValue::String(std::string(kOciManifest)))
        .Set("config", DescriptorJson(kOciConfig, config_digest, static_cast<int64_t>(kEmptyJson.size())))
        .Set("layers", JsonValue::MakeArray({std::move(layer)}));
    bytes = WriteJson(doc);
  } else {
    return std::move(existing).error();
  }
  SIGNET_ASSIGN_OR_RETURN(Manifest parsed, ParseManifest(bytes, ""));
  return registry.PutManifest(repository, tag, parsed.media_type, bytes);
}

std::string ReferrerManifest(const Descriptor& subject, const ReferrerArtifact& artifact) {
  JsonValue doc = JsonValue::MakeObject();
  doc.Set("schemaVersion", JsonValue::Int(2))
      .Set("mediaType", JsonValue::String(std::string(kOciManifest)))
      .Set("artifactType", JsonValue::String(artifact.artifact_type))
      .Set("config", DescriptorJson(kOciEmptyJson, DigestOf(kEmptyJson), static_cast<int64_t>(kEmptyJson.size())))
      .Set("layers", JsonValue::MakeArray({DescriptorJson(artifact.media_type, DigestOf(artifact.bytes),
                                                          static_cast<int64_t>(artifact.bytes.size()))}))
      .Set("subject", DescriptorJson(subject.media_type, subject.digest, subject.size));
  if (!artifact.annotations.empty()) doc.Set("annotations", Annotations(artifact.annotations));
  return WriteJson(doc);
}

Result<std::string> PushReferrer(Registry& registry, std::string_view repository, const Descriptor& subject,
                                 const ReferrerArtifact& artifact) {
  if (!IsDigest(subject.digest)) return InvalidArgument("the subject digest must be sha256:<hex>");
  if (artifact.artifact_type.empty() || artifact.media_type.empty()) {
    return InvalidArgument("a referrer needs an artifactType and a media type");
  }
  SIGNET_RETURN_IF_ERROR(registry.PutBlob(repository, kEmptyJson));
  SIGNET_RETURN_IF_ERROR(registry.PutBlob(repository, artifact.bytes));
  const std::string manifest = ReferrerManifest(subject, artifact);
  const std::string digest = DigestOf(manifest);
  SIGNET_RETURN_IF_ERROR(registry.PutManifest(repository, digest, kOciManifest, manifest));
  SIGNET_ASSIGN_OR_RETURN(bool api, registry.ReferrersApi(repository, subject.digest));
  if (api) return digest;

  // The referrers tag schema: add the referrer to the index at sha256-<hex>, once.
  SIGNET_ASSIGN_OR_RETURN(std::string tag, ReferrersTag(subject.digest));
  JsonValue entry = DescriptorJson(kOciManifest, digest, static_cast<int64_t>(manifest.size()));
  entry.Set("artifactType", JsonValue::String(artifact.artifact_type));
  if (!artifact.annotations.empty()) entry.Set("annotations", Annotations(artifact.annotations));
  JsonValue index;
  Result<Manifest> existing = registry.GetManifest(repository, tag);
  if (existing.ok()) {
    if (!existing->is_index) return InvalidArgument("the referrers tag " + tag + " does not hold an index");
    if (std::any_of(existing->manifests.begin(), existing->manifests.end(),
                    [&](const Descriptor& d) { return d.digest == digest; })) {
      return digest;
    }
    SIGNET_ASSIGN_OR_RETURN(index, ParseJson(existing->bytes));
    bool added = false;
    for (auto& [key, value] : index.mutable_object()) {
      if (key == "manifests" && value.is_array()) {
        value.Push(std::move(entry));
        added = true;
      }
    }
    if (!added) return InvalidArgument("the referrers tag's index has no manifests array");
  } else if (existing.error().code() == ErrorCode::kNotFound) {
    index = JsonValue::MakeObject();
    index.Set("schemaVersion", JsonValue::Int(2))
        .Set("mediaType", JsonValue::String(std::string(kOciIndex)))
        .Set("manifests", JsonValue::MakeArray({std::move(entry)}));
  } else {
    return std::move(existing).error();
  }
  SIGNET_RETURN_IF_ERROR(registry.PutManifest(repository, tag, kOciIndex, WriteJson(index)));
  return digest;
}

}  // namespace signet::registry
