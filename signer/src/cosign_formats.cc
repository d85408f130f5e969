#include "signet/signer/cosign_formats.h"

#include "signet/core/encoding.h"
#include "signet/core/hash.h"

namespace signet::signer {

namespace {

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// ValidRepository checks the OCI distribution reference grammar for "[host[:port]/]path":
// path components are lowercase alnum separated by '.', '_', '__' or '-'; the host may hold
// uppercase, dots and a port. A registry host is required (Signet never guesses docker.io).
bool ValidRepository(std::string_view repo) {
  size_t slash = repo.find('/');
  if (slash == std::string_view::npos || slash == 0 || repo.size() > 255) return false;
  std::string_view host = repo.substr(0, slash);
  size_t colon = host.find(':');
  std::string_view hostname = host.substr(0, colon);
  if (hostname.empty()) return false;
  for (char c : hostname) {
    if (!(IsLowerAlnum(c) || (c >= 'A' && c <= 'Z') || c == '.' || c == '-')) return false;
  }
  if (colon != std::string_view::npos) {
    std::string_view port = host.substr(colon + 1);
    if (port.empty() || port.size() > 5) return false;
    for (char c : port) {
      if (c < '0' || c > '9') return false;
    }
  }
  std::string_view path = repo.substr(slash + 1);
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    std::string_view comp = path.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    if (comp.empty() || !IsLowerAlnum(comp.front()) || !IsLowerAlnum(comp.back())) return false;
    for (size_t i = 0; i < comp.size(); ++i) {
      char c = comp[i];
      if (IsLowerAlnum(c)) continue;
      if (c != '.' && c != '_' && c != '-') return false;
      // separators: '.', '_', '__', or runs of '-'
      if (c == '.' && !IsLowerAlnum(comp[i + 1])) return false;
      if (c == '_' && !(IsLowerAlnum(comp[i + 1]) || (comp[i + 1] == '_' && IsLowerAlnum(comp[i + 2])))) return false;
      if (c == '_' && comp[i + 1] == '_') ++i;
    }
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return true;
}

// GoJsonString renders a string as Go's encoding/json does (HTML-safe escaping).
void AppendGoJsonString(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == '<' || c == '>' || c == '&') {
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    } else if (c == 0xE2 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
               (static_cast<unsigned char>(s[i + 2]) == 0xA8 || static_cast<unsigned char>(s[i + 2]) == 0xA9)) {
      out += static_cast<unsigned char>(s[i + 2]) == 0xA8 ? "\\u2028" : "\\u2029";
      i += 2;
    } else {
      out += static_cast<char>(c);
    }
  }
  out += '"';
}

}  // namespace

Result<ImageRef> ParseImageRef(std::string_view ref) {
  auto malformed = [](std::string what) {
    return InvalidArgument("image reference: " + what).WithFinding("MALFORMED_INPUT");
  };
  if (ref.empty()) return malformed("empty");  // `--image ''` is unusable input, not a mutable reference
  size_t at = ref.find('@');
  if (at == std::string_view::npos) {
    return VerificationFailed("MUTABLE_REFERENCE",
                              "image reference has no digest; a tag can move after the decision (use REPO@sha256:HEX)");
  }
  std::string_view repo = ref.substr(0, at);
  std::string_view digest = ref.substr(at + 1);
  // "repo:tag@sha256:…" is allowed by docker, but the tag is then decoration: refuse it so the
  // signed identity is unambiguous.
  size_t last_slash = repo.rfind('/');
  if (last_slash != std::string_view::npos && repo.find(':', last_slash) != std::string_view::npos) {
    return malformed("a tag together with a digest is ambiguous; give REPO@sha256:HEX");
  }
  if (!ValidRepository(repo)) return malformed("repository must be REGISTRY/PATH in lowercase OCI form");
  if (digest.substr(0, 7) != "sha256:") return malformed("digest must be sha256:<64 lowercase hex>");
  std::string_view hex = digest.substr(7);
  if (hex.size() != 64 || !HexDecode(hex).ok()) return malformed("digest must be sha256:<64 lowercase hex>");
  return ImageRef{std::string(repo), std::string(hex)};
}

std::string SimpleSigningPayload(const ImageRef& image, const std::map<std::string, std::string>& annotations) {
  std::string out = "{\"critical\":{\"identity\":{\"docker-reference\":";
  AppendGoJsonString(out, image.repository);
  out += "},\"image\":{\"docker-manifest-digest\":";
  AppendGoJsonString(out, image.digest());
  out += "},\"type\":\"cosign container image signature\"},\"optional\":";
  if (annotations.empty()) {
    out += "null";
  } else {
    out += '{';
    bool first = true;
    for (const auto& [k, v] : annotations) {  // std::map iterates in byte order, like Go
      if (!first) out += ',';
      first = false;
      AppendGoJsonString(out, k);
      out += ':';
      AppendGoJsonString(out, v);
    }
    out += '}';
  }
  out += '}';
  return out;
}

JsonValue CosignSignStatement(const ImageRef& image) {
  JsonValue digest;
  digest.Set("sha256", JsonValue::String(image.digest_hex));
  JsonValue subject;
  subject.Set("name", JsonValue::String(image.repository)).Set("digest", std::move(digest));
  JsonValue st;
  st.Set("_type", JsonValue::String("https://in-toto.io/Statement/v1"))
      .Set("subject", JsonValue::MakeArray({std::move(subject)}))
      .Set("predicateType", JsonValue::String(kCosignSignPredicate))
      .Set("predicate", JsonValue::MakeObject());
  return st;
}

JsonValue VsaStatement(const ImageRef& image, const VsaParams& params) {
  JsonValue digest;
  digest.Set("sha256", JsonValue::String(image.digest_hex));
  JsonValue subject;
  subject.Set("name", JsonValue::String(image.repository)).Set("digest", std::move(digest));
  JsonValue verifier;
  verifier.Set("id", JsonValue::String(params.verifier_id));
  JsonValue policy_digest;
  policy_digest.Set("sha256", JsonValue::String(params.policy_sha256));
  JsonValue policy;
  policy.Set("uri", JsonValue::String(params.policy_uri)).Set("digest", std::move(policy_digest));
  JsonValue inputs = JsonValue::MakeArray();
  for (const auto& in : params.inputs) {
    JsonValue d;
    d.Set("sha256", JsonValue::String(in.sha256));
    JsonValue o;
    o.Set("uri", JsonValue::String(in.uri)).Set("digest", std::move(d));
    inputs.Push(std::move(o));
  }
  JsonValue levels = JsonValue::MakeArray();
  for (const auto& l : params.verified_levels) levels.Push(JsonValue::String(l));
  JsonValue predicate;
  predicate.Set("verifier", std::move(verifier))
      .Set("timeVerified", JsonValue::String(FormatRfc3339(params.time_verified)))
      .Set("resourceUri", JsonValue::String(image.ToString()))
      .Set("policy", std::move(policy))
      .Set("inputAttestations", std::move(inputs))
      .Set("verificationResult", JsonValue::String("PASSED"))
      .Set("verifiedLevels", std::move(levels))
      .Set("slsaVersion", JsonValue::String("1.0"));
  JsonValue st;
  st.Set("_type", JsonValue::String("https://in-toto.io/Statement/v1"))
      .Set("subject", JsonValue::MakeArray({std::move(subject)}))
      .Set("predicateType", JsonValue::String(kVsaPredicate))
      .Set("predicate", std::move(predicate));
  return st;
}

std::string KeyHint(ByteView spki_der) { return Base64Encode(Sha256(spki_der)); }

std::string DsseBundle(std::string_view payload_type, ByteView payload, ByteView signature, ByteView spki_der) {
  std::string hint = KeyHint(spki_der);
  JsonValue sig;
  sig.Set("sig", JsonValue::String(Base64Encode(signature))).Set("keyid", JsonValue::String(hint));
  JsonValue envelope;
  envelope.Set("payload", JsonValue::String(Base64Encode(payload)))
      .Set("payloadType", JsonValue::String(std::string(payload_type)))
      .Set("signatures", JsonValue::MakeArray({std::move(sig)}));
  JsonValue pk;
  pk.Set("hint", JsonValue::String(hint));
  JsonValue material;
  material.Set("publicKey", std::move(pk)).Set("tlogEntries", JsonValue::MakeArray());
  JsonValue bundle;
  bundle.Set("mediaType", JsonValue::String(kBundleV03MediaType))
      .Set("verificationMaterial", std::move(material))
      .Set("dsseEnvelope", std::move(envelope));
  return WriteJson(bundle, 2) + "\n";
}

}  // namespace signet::signer
