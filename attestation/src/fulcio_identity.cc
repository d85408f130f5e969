// Fulcio certificate identity extensions (sigstore/fulcio docs/oid-info.md).
#include "signet/attestation/fulcio_identity.h"

#include <array>
#include <cstring>
#include <string_view>

#include "signet/core/findings.h"
#include "signet/core/ossl.h"

namespace signet::attestation {
namespace {

constexpr const char* kFinding = findings::kMalformedInput;
constexpr std::string_view kFulcioArc = "1.3.6.1.4.1.57264.1.";
constexpr int kMaxKnownOid = 22;

Error Malformed(std::string message) { return VerificationFailed(kFinding, std::move(message)); }

// FieldFor maps extension number N of 1.3.6.1.4.1.57264.1.N to its record field.
std::string* FieldFor(FulcioIdentity& id, int n) {
  switch (n) {
    case 2: return &id.github_workflow_trigger;
    case 3: return &id.github_workflow_sha;
    case 4: return &id.github_workflow_name;
    case 5: return &id.github_workflow_repository;
    case 6: return &id.github_workflow_ref;
    case 9: return &id.build_signer_uri;
    case 10: return &id.build_signer_digest;
    case 11: return &id.runner_environment;
    case 12: return &id.source_repository_uri;
    case 13: return &id.source_repository_digest;
    case 14: return &id.source_repository_ref;
    case 15: return &id.source_repository_identifier;
    case 16: return &id.source_repository_owner_uri;
    case 17: return &id.source_repository_owner_identifier;
    case 18: return &id.build_config_uri;
    case 19: return &id.build_config_digest;
    case 20: return &id.build_trigger;
    case 21: return &id.run_invocation_uri;
    case 22: return &id.source_repository_visibility_at_signing;
    default: return nullptr;
  }
}

// ExtensionNumber returns N for an extension 1.3.6.1.4.1.57264.1.N (N a plain decimal of at
// most two digits), or -1. It compares the OID's DER content (X.690 §8.19) instead of printing
// it with OBJ_obj2txt: the arc is 2B 06 01 04 01 83 BF 30 01, and N < 128 is one more byte.
int ExtensionNumber(const ASN1_OBJECT* obj) {
  static constexpr unsigned char kArc[] = {0x2b, 0x06, 0x01, 0x04, 0x01, 0x83, 0xbf, 0x30, 0x01};
  const unsigned char* der = OBJ_get0_data(obj);
  const size_t len = OBJ_length(obj);
  if (der == nullptr || len != sizeof kArc + 1 || std::memcmp(der, kArc, sizeof kArc) != 0) return -1;
  const unsigned char n = der[sizeof kArc];
  if (n > 99) return -1;  // > 99 has three digits; >= 0x80 would be a multi-byte arc
  return n;
}

Result<std::string> RawValue(const X509_EXTENSION* ext) {
  const ASN1_OCTET_STRING* data = X509_EXTENSION_get_data(const_cast<X509_EXTENSION*>(ext));
  std::string value(reinterpret_cast<const char*>(ASN1_STRING_get0_data(data)),
                    static_cast<size_t>(ASN1_STRING_length(data)));
  if (!ValidateUtf8(value)) return Malformed("Fulcio extension is not valid UTF-8");
  return value;
}

// Utf8StringValue decodes an extension value that must be exactly one DER UTF8String.
Result<std::string> Utf8StringValue(const X509_EXTENSION* ext) {
  const ASN1_OCTET_STRING* data = X509_EXTENSION_get_data(const_cast<X509_EXTENSION*>(ext));
  const unsigned char* p = ASN1_STRING_get0_data(data);
  long len = ASN1_STRING_length(data);
  const unsigned char* start = p;
  ossl::UniquePtr<ASN1_STRING> s(d2i_ASN1_UTF8STRING(nullptr, &p, len));
  if (!s || p != start + len) {
    ossl::DrainErrors();
    return Malformed("Fulcio extension is not a DER UTF8String");
  }
  std::string value(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s.get())),
                    static_cast<size_t>(ASN1_STRING_length(s.get())));
  if (!ValidateUtf8(value)) return Malformed("Fulcio extension is not valid UTF-8");
  return value;
}

struct GeneralNamesFree {
  void operator()(GENERAL_NAMES* p) const { GENERAL_NAMES_free(p); }
};

}  // namespace

Result<FulcioIdentity> ParseFulcioIdentity(X509* leaf) {
  if (leaf == nullptr) return InvalidArgument("no certificate");
  FulcioIdentity id;

  // 1. subjectAltName: exactly one extension with exactly one URI or rfc822Name.
  int crit = 0;
  std::unique_ptr<GENERAL_NAMES, GeneralNamesFree> names(static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(leaf, NID_subject_alt_name, &crit, nullptr)));
  ossl::DrainErrors();
  if (!names) return Malformed("certificate has no single, well-formed subjectAltName");
  if (sk_GENERAL_NAME_num(names.get()) != 1) {
    return Malformed("certificate subjectAltName must hold exactly one name");
  }
  const GENERAL_NAME* gn = sk_GENERAL_NAME_value(names.get(), 0);
  const ASN1_IA5STRING* ia5 = nullptr;
  if (gn->type == GEN_URI) {
    id.san_type = FulcioIdentity::SanType::kUri;
    ia5 = gn->d.uniformResourceIdentifier;
  } else if (gn->type == GEN_EMAIL) {
    id.san_type = FulcioIdentity::SanType::kEmail;
    ia5 = gn->d.rfc822Name;
  } else {
    return Malformed("certificate subjectAltName is neither a URI nor an email address");
  }
  id.san.assign(reinterpret_cast<const char*>(ASN1_STRING_get0_data(ia5)),
                static_cast<size_t>(ASN1_STRING_length(ia5)));
  if (id.san.empty() || !ValidateUtf8(id.san) || id.san.find('\0') != std::string::npos) {
    return Malformed("certificate subjectAltName is empty or not valid text");
  }

  // 2./3. Walk every extension once, so duplicates are caught.
  std::array<const X509_EXTENSION*, kMaxKnownOid + 1> seen{};
  int count = X509_get_ext_count(leaf);
  for (int i = 0; i < count; ++i) {
    const X509_EXTENSION* ext = X509_get_ext(leaf, i);
    int n = ExtensionNumber(X509_EXTENSION_get_object(const_cast<X509_EXTENSION*>(ext)));
    if (n < 1 || n > kMaxKnownOid) continue;
    if (seen[static_cast<size_t>(n)] != nullptr) return Malformed("duplicate Fulcio extension");
    seen[static_cast<size_t>(n)] = ext;
  }
  if (seen[8] != nullptr) {
    SIGNET_ASSIGN_OR_RETURN(id.issuer, Utf8StringValue(seen[8]));
    id.issuer_v2 = true;
  } else if (seen[1] != nullptr) {
    SIGNET_ASSIGN_OR_RETURN(id.issuer, RawValue(seen[1]));
  }
  if (id.issuer.empty()) return Malformed("certificate has no OIDC issuer extension");
  for (int n = 2; n <= kMaxKnownOid; ++n) {
    const X509_EXTENSION* ext = seen[static_cast<size_t>(n)];
    std::string* field = FieldFor(id, n);
    if (ext == nullptr || field == nullptr) continue;
    if (n <= 6) {
      SIGNET_ASSIGN_OR_RETURN(*field, RawValue(ext));
    } else {
      SIGNET_ASSIGN_OR_RETURN(*field, Utf8StringValue(ext));
    }
  }
  return id;
}

JsonValue ToJson(const FulcioIdentity& id) {
  JsonValue out = JsonValue::MakeObject();
  out.Set("san", JsonValue::String(id.san));
  out.Set("sanType",
          JsonValue::String(id.san_type == FulcioIdentity::SanType::kUri ? "uri" : "email"));
  out.Set("issuer", JsonValue::String(id.issuer));
  auto add = [&out](const char* name, const std::string& v) {
    if (!v.empty()) out.Set(name, JsonValue::String(v));
  };
  add("githubWorkflowTrigger", id.github_workflow_trigger);
  add("githubWorkflowSHA", id.github_workflow_sha);
  add("githubWorkflowName", id.github_workflow_name);
  add("githubWorkflowRepository", id.github_workflow_repository);
  add("githubWorkflowRef", id.github_workflow_ref);
  add("buildSignerURI", id.build_signer_uri);
  add("buildSignerDigest", id.build_signer_digest);
  add("runnerEnvironment", id.runner_environment);
  add("sourceRepositoryURI", id.source_repository_uri);
  add("sourceRepositoryDigest", id.source_repository_digest);
  add("sourceRepositoryRef", id.source_repository_ref);
  add("sourceRepositoryIdentifier", id.source_repository_identifier);
  add("sourceRepositoryOwnerURI", id.source_repository_owner_uri);
  add("sourceRepositoryOwnerIdentifier", id.source_repository_owner_identifier);
  add("buildConfigURI", id.build_config_uri);
  add("buildConfigDigest", id.build_config_digest);
  add("buildTrigger", id.build_trigger);
  add("runInvocationURI", id.run_invocation_uri);
  add("sourceRepositoryVisibilityAtSigning", id.source_repository_visibility_at_signing);
  return out;
}

}  // namespace signet::attestation
