// The registry client (see registry.h).
#include "signet/registry/registry.h"

#include <openssl/crypto.h>

#include <map>
#include <optional>

#include "signet/core/encoding.h"
#include "signet/core/findings.h"
#include "signet/core/json.h"
#include "signet/registry/auth.h"
#include "signet/service/client.h"

namespace signet::registry {
namespace {

using service::ClientOptions;
using service::ClientResponse;
using service::HttpsClient;
using service::HttpsUrl;
using Headers = std::vector<std::pair<std::string, std::string>>;

constexpr size_t kMaxTags = 10000;
constexpr size_t kMaxTokenResponse = 64 * 1024;

std::string Printable(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 160)) out.push_back(c >= 0x20 && c < 0x7f ? c : '?');
  return out;
}

// UrlEncode percent-encodes everything outside RFC 3986 unreserved characters.
std::string UrlEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
        c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

// WipedString holds a header value that carries a secret and wipes it when done.
struct WipedString {
  std::string value;
  ~WipedString() { OPENSSL_cleanse(value.data(), value.size()); }
};

Error StatusError(const ClientResponse& r, std::string_view what) {
  std::string message = std::string(what) + ": the registry answered HTTP " + std::to_string(r.status);
  if (r.status == 404) return NotFound(message);
  if (r.status == 401 || r.status == 403) return PermissionDenied(message);
  if (r.status == 429 || r.status >= 500) return Unavailable(message);
  return InvalidArgument(message);
}

Status CheckRepository(std::string_view repository) {
  if (!IsValidRepository(repository)) return InvalidArgument("repository name is not valid: " + Printable(repository));
  return OkStatus();
}

Status CheckReference(std::string_view reference) {
  if (!IsDigest(reference) && !IsValidTag(reference)) {
    return InvalidArgument("reference must be a tag or sha256:<hex>: " + Printable(reference));
  }
  return OkStatus();
}

class RegistryImpl final : public Registry {
 public:
  RegistryImpl(std::string host, HttpsUrl url, ClientOptions client_options, std::unique_ptr<HttpsClient> client,
               std::optional<Credentials> credentials, std::optional<Error> credentials_error)
      : host_(std::move(host)),
        url_(std::move(url)),
        client_options_(std::move(client_options)),
        client_(std::move(client)),
        credentials_(std::move(credentials)),
        credentials_error_(std::move(credentials_error)) {}

  const std::string& host() const override { return host_; }

  Result<Manifest> GetManifest(std::string_view repository, std::string_view reference) override {
    SIGNET_RETURN_IF_ERROR(CheckRepository(repository));
    SIGNET_RETURN_IF_ERROR(CheckReference(reference));
    SIGNET_ASSIGN_OR_RETURN(ClientResponse r,
                            Do("GET", ManifestPath(repository, reference), PullScope(repository), "", "",
                               {{"Accept", std::string(kManifestAccept)}}));
    if (r.status != 200) return StatusError(r, "manifest " + Printable(reference));
    if (r.body.size() > kMaxManifestBytes) return ResourceExhausted("manifest is larger than 4 MiB");
    std::string digest = DigestOf(r.body);
    if (IsDigest(reference) && digest != reference) {
      return VerificationFailed(std::string(findings::kRegistryDigestMismatch),
                                "the registry served a manifest that does not match the requested digest");
    }
    if (std::string header = r.Header("docker-content-digest"); !header.empty() && header != digest) {
      return VerificationFailed(std::string(findings::kRegistryDigestMismatch),
                                "the registry's Docker-Content-Digest does not match the manifest it served");
    }
    return ParseManifest(r.body, r.content_type);
  }

  Result<bool> ManifestExists(std::string_view repository, std::string_view reference) override {
    SIGNET_RETURN_IF_ERROR(CheckRepository(repository));
    SIGNET_RETURN_IF_ERROR(CheckReference(reference));
    SIGNET_ASSIGN_OR_RETURN(ClientResponse r,
                            Do("HEAD", ManifestPath(repository, reference), PullScope(repository), "", "",
                               {{"Accept", std::string(kManifestAccept)}}));
    if (r.status == 200) return true;
    if (r.status == 404) return false;
    return StatusError(r, "manifest " + Printable(reference));
  }

  Result<std::string> GetBlob(std::string_view repository, std::string_view digest) override {
    SIGNET_RETURN_IF_ERROR(CheckRepository(repository));
    if (!IsDigest(digest)) return InvalidArgument("blob digest must be sha256:<hex>");
    SIGNET_ASSIGN_OR_RETURN(ClientResponse r,
                            Do("GET", BlobPath(repository, digest), PullScope(repository), "", "", {}));
    if (r.status != 200) return StatusError(r, "blob " + std::string(digest));
    if (DigestOf(r.body) != digest) {
      return VerificationFailed(std::string(findings::kRegistryDigestMismatch),
                                "the registry served a blob that does not match the requested digest");
    }
    return std::move(r.body);
  }

  Result<std::string> PutBlob(std::string_view repository, std::string_view data) override {
    SIGNET_RETURN_IF_ERROR(CheckRepository(repository));
    std::string digest = DigestOf(data);
    const std::string scope = PushScope(repository);
    SIGNET_ASSIGN_OR_RETURN(ClientResponse head, Do("HEAD", BlobPath(repository, digest), scope, "", "", {}));
    if (head.status == 200) return digest;
    SIGNET_ASSIGN_OR_RETURN(ClientResponse start,
                            Do("POST", "/v2/" + std::string(repository) + "/blobs/uploads/", scope, "", "", {}));
    if (start.status != 202) return StatusError(start, "blob upload");
    SIGNET_ASSIGN_OR_RETURN(std::string location, SameOriginPath(start.Header("location")));
    location += (location.find('?') == std::string::npos ? "?" : "&");
    location += "digest=" + UrlEncode(digest);
    SIGNET_ASSIGN_OR_RETURN(ClientResponse put,
                            Do("PUT", location, scope, "application/octet-stream", data, {}));
    if (put.status != 201) return StatusError(put, "blob upload");
    return digest;
  }

  Result<std::string> PutManifest(std::string_view repository, std::string_view reference,
                                  std::string_view media_type, std::string_view bytes) override {
    SIGNET_RETURN_IF_ERROR(CheckRepository(repository));
    SIGNET_RETURN_IF_ERROR(CheckReference(reference));
    std::string digest = DigestOf(bytes);
    if (IsDigest(reference) && reference != digest) {
      return InvalidArgument("a manifest pushed by digest must hash to that digest");
    }
    SIGNET_RETURN_IF_ERROR(ParseManifest(bytes, media_type));
    SIGNET_ASSIGN_OR_RETURN(ClientResponse r, Do("PUT", ManifestPath(repository, reference), PushScope(repository),
                                                 media_type, bytes, {}));
    if (r.status != 201) return StatusError(r, "manifest upload");
    if (std::string header = r.Header("docker-content-digest"); !header.empty() && header != digest) {
      return VerificationFailed(std::string(findings::kRegistryDigestMismatch),
                                "the registry recorded another digest for the uploaded manifest");
    }
    return digest;
  }

  Result<std::vector<std::string>> ListTags(std::string_view repository) override {
    SIGNET_RETURN_IF_ERROR(CheckRepository(repository));
    std::vector<std::string> tags;
    std::string path = "/v2/" + std::string(repository) + "/tags/list?n=1000";
    for (int page = 0; page < 100; ++page) {
      SIGNET_ASSIGN_OR_RETURN(ClientResponse r, Do("GET", path, PullScope(repository), "", "", {}));
      if (r.status != 200) return StatusError(r, "tag list");
      Result<JsonValue> doc = ParseJson(r.body);
      if (!doc.ok() || !doc->is_object()) return InvalidArgument("tag list is not a JSON object");
      const JsonValue* list = doc->Find("tags");
      if (list != nullptr && !list->is_null()) {
        if (!list->is_array()) return InvalidArgument("tag list: tags is not an array");
        for (const JsonValue& tag : list->array()) {
          if (!tag.is_string() || !IsValidTag(tag.string_value())) return InvalidArgument("tag list holds an invalid tag");
          tags.push_back(tag.string_value());
          if (tags.size() > kMaxTags) return ResourceExhausted("the repository has more than 10,000 tags");
        }
      }
      // Link: </v2/<name>/tags/list?n=1000&last=x>; rel="next"
      std::string link = r.Header("link");
      if (link.empty()) break;
      size_t open = link.find('<');
      size_t close = link.find('>');
      if (open != 0 || close == std::string::npos) return InvalidArgument("tag list has a malformed Link header");
      SIGNET_ASSIGN_OR_RETURN(path, SameOriginPath(link.substr(1, close - 1)));
    }
    return tags;
  }

  Result<std::vector<Descriptor>> Referrers(std::string_view repository, std::string_view digest,
                                            std::string_view artifact_type) override {
    SIGNET_RETURN_IF_ERROR(CheckRepository(repository));
    if (!IsDigest(digest)) return InvalidArgument("subject digest must be sha256:<hex>");
    std::string path = "/v2/" + std::string(repository) + "/referrers/" + std::string(digest);
    if (!artifact_type.empty()) path += "?artifactType=" + UrlEncode(artifact_type);
    SIGNET_ASSIGN_OR_RETURN(ClientResponse r, Do("GET", path, PullScope(repository), "", "",
                                                 {{"Accept", std::string(kOciIndex)}}));
    std::vector<Descriptor> found;
    if (r.status == 200) {
      if (r.body.size() > kMaxManifestBytes) return ResourceExhausted("referrers index is larger than 4 MiB");
      SIGNET_ASSIGN_OR_RETURN(Manifest index, ParseManifest(r.body, r.content_type));
      if (!index.is_index) return InvalidArgument("the referrers API answered with something other than an index");
      found = std::move(index.manifests);
    } else if (r.status == 404) {
      // No referrers API: the referrers tag schema.
      SIGNET_ASSIGN_OR_RETURN(std::string tag, ReferrersTag(digest));
      Result<Manifest> index = GetManifest(repository, tag);
      if (!index.ok()) {
        if (index.error().code() == ErrorCode::kNotFound) return found;
        return std::move(index).error();
      }
      if (!index->is_index) return InvalidArgument("the referrers tag does not hold an index");
      found = std::move(index->manifests);
    } else {
      return StatusError(r, "referrers");
    }
    if (!artifact_type.empty()) {
      std::erase_if(found, [&](const Descriptor& d) { return d.artifact_type != artifact_type; });
    }
    return found;
  }

  Result<bool> ReferrersApi(std::string_view repository, std::string_view digest) override {
    SIGNET_RETURN_IF_ERROR(CheckRepository(repository));
    if (!IsDigest(digest)) return InvalidArgument("subject digest must be sha256:<hex>");
    SIGNET_ASSIGN_OR_RETURN(ClientResponse r,
                            Do("GET", "/v2/" + std::string(repository) + "/referrers/" + std::string(digest),
                               PullScope(repository), "", "", {{"Accept", std::string(kOciIndex)}}));
    if (r.status == 200) return true;
    if (r.status == 404) return false;
    return StatusError(r, "referrers");
  }

 private:
  static std::string ManifestPath(std::string_view repository, std::string_view reference) {
    return "/v2/" + std::string(repository) + "/manifests/" + std::string(reference);
  }
  static std::string BlobPath(std::string_view repository, std::string_view digest) {
    return "/v2/" + std::string(repository) + "/blobs/" + std::string(digest);
  }
  static std::string PullScope(std::string_view repository) {
    return "repository:" + std::string(repository) + ":pull";
  }
  static std::string PushScope(std::string_view repository) {
    return "repository:" + std::string(repository) + ":pull,push";
  }

  // SameOriginPath turns a Location/Link target into a path on this registry; another origin is
  // refused (a push must never carry the Authorization header elsewhere).
  Result<std::string> SameOriginPath(std::string_view target) const {
    if (target.empty()) return InvalidArgument("the registry gave no upload location");
    std::string origin = "https://" + host_;
    if (target.size() > origin.size() && target.substr(0, origin.size()) == origin &&
        target[origin.size()] == '/') {
      target.remove_prefix(origin.size());
    }
    if (target.front() != '/' || target.substr(0, 2) == "//") {
      return PermissionDenied("the registry pointed at another origin; refused");
    }
    for (char c : target) {
      if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
        return InvalidArgument("the registry gave a malformed location");
      }
    }
    return std::string(target);
  }

  // Do sends a request, answering a 401 challenge once (Basic, or a Bearer token for `scope`).
  Result<ClientResponse> Do(std::string_view method, const std::string& path, const std::string& scope,
                            std::string_view content_type, std::string_view body, const Headers& extra) {
    Headers headers = extra;
    WipedString authorization;
    if (AuthorizationFor(scope, &authorization.value)) headers.emplace_back("Authorization", authorization.value);
    SIGNET_ASSIGN_OR_RETURN(ClientResponse r, client_->Send(method, path, content_type, body, headers));
    if (r.status != 401) return r;
    SIGNET_RETURN_IF_ERROR(Authenticate(r.Header("www-authenticate"), scope));
    headers = extra;
    if (!AuthorizationFor(scope, &authorization.value)) {
      return PermissionDenied("the registry asked for credentials that cannot be given");
    }
    headers.emplace_back("Authorization", authorization.value);
    SIGNET_ASSIGN_OR_RETURN(ClientResponse again, client_->Send(method, path, content_type, body, headers));
    if (again.status == 401) return PermissionDenied("the registry refused the credentials for " + host_);
    return again;
  }

  bool AuthorizationFor(const std::string& scope, std::string* out) const {
    OPENSSL_cleanse(out->data(), out->size());
    out->clear();
    if (auto it = tokens_.find(scope); it != tokens_.end()) {
      *out = "Bearer " + std::string(reinterpret_cast<const char*>(it->second.Reveal().data()), it->second.size());
      return true;
    }
    if (basic_ && credentials_.has_value()) {
      *out = "Basic " + BasicPair();
      return true;
    }
    return false;
  }

  std::string BasicPair() const {
    WipedString pair;
    pair.value = credentials_->username + ":" +
                 std::string(reinterpret_cast<const char*>(credentials_->password.Reveal().data()),
                             credentials_->password.size());
    return Base64Encode(AsBytes(pair.value));
  }

  Status NeedCredentials() const {
    if (credentials_error_.has_value()) return *credentials_error_;
    if (!credentials_.has_value()) {
      return PermissionDenied("the registry " + host_ + " wants credentials and the registry config has none for it");
    }
    return OkStatus();
  }

  Status Authenticate(std::string_view header, const std::string& scope) {
    Result<Challenge> challenge = ParseChallenge(header);
    if (!challenge.ok()) return PermissionDenied("the registry answered 401 without a usable challenge");
    if (challenge->scheme == "basic") {
      SIGNET_RETURN_IF_ERROR(NeedCredentials());
      if (credentials_->username.empty()) return PermissionDenied("basic auth needs a user name and password");
      basic_ = true;
      return OkStatus();
    }
    if (challenge->scheme != "bearer") return PermissionDenied("the registry asked for an unsupported auth scheme");
    return FetchToken(*challenge, scope);
  }

  // FetchToken runs the distribution token flow against the challenge's realm (https only).
  Status FetchToken(const Challenge& challenge, const std::string& scope) {
    auto realm_it = challenge.params.find("realm");
    if (realm_it == challenge.params.end()) return PermissionDenied("the registry's token challenge names no realm");
    Result<HttpsUrl> realm = service::ParseHttpsUrl(realm_it->second);
    if (!realm.ok()) return PermissionDenied("the registry's token realm is not an https URL; refused");
    std::string service_name;
    if (auto it = challenge.params.find("service"); it != challenge.params.end()) service_name = it->second;
    std::string wanted_scope = scope;
    if (auto it = challenge.params.find("scope"); it != challenge.params.end() && !it->second.empty()) {
      wanted_scope = it->second;
    }
    HttpsUrl origin{realm->host, realm->port, ""};
    ClientOptions options = client_options_;
    options.max_response_body = kMaxTokenResponse;
    SIGNET_ASSIGN_OR_RETURN(std::unique_ptr<HttpsClient> token_client, HttpsClient::Create(origin, options));
    std::string path = realm->base_path.empty() ? "/" : realm->base_path;
    Headers headers;
    WipedString authorization;
    Result<ClientResponse> r = InvalidArgument("unreachable");
    if (credentials_.has_value() && !credentials_->identity_token.empty()) {
      WipedString form;
      form.value = "grant_type=refresh_token&client_id=signet&service=" + UrlEncode(service_name) +
                   "&scope=" + UrlEncode(wanted_scope) + "&refresh_token=" +
                   UrlEncode(std::string_view(reinterpret_cast<const char*>(credentials_->identity_token.Reveal().data()),
                                              credentials_->identity_token.size()));
      r = token_client->Send("POST", path, "application/x-www-form-urlencoded", form.value, headers);
    } else {
      if (credentials_.has_value()) {
        authorization.value = "Basic " + BasicPair();
        headers.emplace_back("Authorization", authorization.value);
      } else if (credentials_error_.has_value()) {
        return *credentials_error_;
      }
      std::string query = "?service=" + UrlEncode(service_name) + "&scope=" + UrlEncode(wanted_scope);
      r = token_client->Send("GET", path + query, "", "", headers);
    }
    if (!r.ok()) return std::move(r).error();
    if (r->status == 401 || r->status == 403) return PermissionDenied("the token service refused the credentials");
    if (r->status != 200) return StatusError(*r, "token");
    Result<JsonValue> doc = ParseJson(r->body);
    OPENSSL_cleanse(r->body.data(), r->body.size());
    if (!doc.ok() || !doc->is_object()) return PermissionDenied("the token service answered with no JSON object");
    const JsonValue* token = doc->Find("token");
    if (token == nullptr || !token->is_string() || token->string_value().empty()) token = doc->Find("access_token");
    if (token == nullptr || !token->is_string() || token->string_value().empty()) {
      return PermissionDenied("the token service answered without a token");
    }
    for (char c : token->string_value()) {
      if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return PermissionDenied("the token is malformed");
    }
    tokens_[scope] = SecretBytes::FromString(token->string_value());
    return OkStatus();
  }

  std::string host_;
  HttpsUrl url_;
  ClientOptions client_options_;
  std::unique_ptr<HttpsClient> client_;
  std::optional<Credentials> credentials_;
  std::optional<Error> credentials_error_;  // e.g. the host's credentials are in a helper
  bool basic_ = false;
  std::map<std::string, SecretBytes> tokens_;  // scope -> bearer token
};

}  // namespace

Result<std::unique_ptr<Registry>> Registry::Open(std::string_view host, const RegistryOptions& options) {
  if (host.empty() || host.find('/') != std::string_view::npos) return InvalidArgument("registry host is not valid");
  SIGNET_ASSIGN_OR_RETURN(HttpsUrl url, service::ParseHttpsUrl("https://" + std::string(host)));
  ClientOptions client_options;
  client_options.ca_file = options.registry_ca;
  client_options.use_system_store = options.use_system_store || options.registry_ca.empty();
  client_options.timeout = options.timeout;
  client_options.max_response_body = std::max(options.max_blob_bytes, kMaxManifestBytes);
  SIGNET_ASSIGN_OR_RETURN(std::unique_ptr<HttpsClient> client, HttpsClient::Create(url, client_options));
  std::optional<Credentials> credentials;
  std::optional<Error> credentials_error;
  if (!options.registry_config.empty()) {
    SIGNET_ASSIGN_OR_RETURN(DockerConfig config, DockerConfig::Load(options.registry_config));
    Result<std::optional<Credentials>> found = config.For(host);
    if (found.ok()) {
      credentials = std::move(*found);
    } else {
      credentials_error = std::move(found).error();
    }
  }
  return std::unique_ptr<Registry>(new RegistryImpl(std::string(host), std::move(url), std::move(client_options),
                                                    std::move(client), std::move(credentials),
                                                    std::move(credentials_error)));
}

}  // namespace signet::registry
