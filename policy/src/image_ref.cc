#include "signet/policy/image_ref.h"

#include "signet/core/encoding.h"
#include "signet/core/json.h"

namespace signet::policy {

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

}  // namespace

Result<ImageRef> ParseImageRef(std::string_view ref) {
  auto malformed = [](std::string what) {
    return InvalidArgument("image reference: " + what).WithFinding("MALFORMED_INPUT");
  };
  // An empty, oversized or non-UTF-8 reference is unusable input, never a deny to log: the
  // refusal of a tag is logged with the reference as given, so it must be a loggable string.
  if (ref.empty()) return malformed("empty");
  if (ref.size() > kMaxImageRefBytes) return malformed("longer than " + std::to_string(kMaxImageRefBytes) + " bytes");
  if (!ValidateUtf8(ref)) return malformed("not valid UTF-8");
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

}  // namespace signet::policy
