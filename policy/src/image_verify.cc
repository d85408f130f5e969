#include "signet/policy/image_verify.h"

#include <sys/stat.h>

#include "signet/attestation/dsse.h"
#include "signet/attestation/intoto.h"
#include "signet/core/encoding.h"
#include "signet/core/file.h"
#include "signet/core/json.h"

namespace signet::policy {

namespace {

bool Exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

ImageCheck Fail(ImageCheck c, std::string finding, std::string message) {
  c.ok = false;
  c.finding = std::move(finding);
  c.message = std::move(message);
  return c;
}

bool NameMatches(const ImageRef& image, const std::string& name) {
  return image.repository.empty() || name == image.repository;
}

}  // namespace

ImageCheck CheckSimpleSigningBytes(const ImageRef& image, const PublicKey& key, std::string_view payload,
                                   std::string_view sig_text, std::string file) {
  ImageCheck c;
  c.format = "simplesigning";
  c.file = std::move(file);
  std::string sig_b64(sig_text);
  if (!sig_b64.empty() && sig_b64.back() == '\n') sig_b64.pop_back();
  // A signature whose base64 is not canonical is a signature that does not verify (exit 1), not
  // unusable input: the bytes were meant to be checked and they fail the check.
  auto sig = Base64Decode(sig_b64);
  if (!sig.ok()) return Fail(c, "SIGNATURE_INVALID", "simplesigning.sig is not canonical base64, so it does not verify");
  // 1. Signature over the exact bytes, before anything is decoded.
  if (auto st = key.Verify(AsBytes(payload), *sig); !st.ok()) {
    return Fail(c, "SIGNATURE_INVALID", "signature does not verify with the given key");
  }
  // 2-3. Only now read the payload.
  auto v = ParseJson(payload);
  if (!v.ok()) return Fail(c, "MALFORMED_INPUT", "payload is not strict JSON");
  const JsonValue* critical = v->Find("critical");
  const JsonValue* identity = critical ? critical->Find("identity") : nullptr;
  const JsonValue* img = critical ? critical->Find("image") : nullptr;
  const JsonValue* type = critical ? critical->Find("type") : nullptr;
  const JsonValue* ref = identity ? identity->Find("docker-reference") : nullptr;
  const JsonValue* digest = img ? img->Find("docker-manifest-digest") : nullptr;
  if (!type || !type->is_string() || type->string_value() != "cosign container image signature" || !ref ||
      !ref->is_string() || !digest || !digest->is_string()) {
    return Fail(c, "MALFORMED_INPUT", "payload is not a cosign simple-signing payload");
  }
  if (!NameMatches(image, ref->string_value()) || digest->string_value() != image.digest()) {
    return Fail(c, "SUBJECT_MISMATCH", "payload names " + ref->string_value() + "@" + digest->string_value());
  }
  c.ok = true;
  return c;
}

ImageCheck CheckCosignBundleBytes(const ImageRef& image, const PublicKey& key, std::string_view text,
                                  std::string file) {
  ImageCheck c;
  c.format = "sigstore-bundle";
  c.file = std::move(file);
  auto v = ParseJson(text);
  if (!v.ok()) return Fail(c, "MALFORMED_INPUT", "bundle is not strict JSON");
  const JsonValue* media = v->Find("mediaType");
  if (!media || !media->is_string() || media->string_value() != kBundleV03MediaType) {
    return Fail(c, "MALFORMED_INPUT", "bundle is not a Sigstore bundle v0.3");
  }
  const JsonValue* env_json = v->Find("dsseEnvelope");
  if (!env_json) return Fail(c, "MALFORMED_INPUT", "bundle has no DSSE envelope");
  // As for simplesigning.sig: a DSSE signature that is not canonical base64 does not verify.
  if (const JsonValue* sigs = env_json->Find("signatures"); sigs != nullptr && sigs->is_array()) {
    for (const auto& s : sigs->array()) {
      const JsonValue* sig = s.Find("sig");
      if (sig != nullptr && sig->is_string() && !Base64DecodeStdOrUrl(sig->string_value()).ok()) {
        return Fail(c, "SIGNATURE_INVALID", "DSSE signature is not canonical base64, so it does not verify");
      }
    }
  }
  auto env = attestation::ParseDsseEnvelopeJson(*env_json);
  if (!env.ok()) return Fail(c, "MALFORMED_INPUT", env.error().message());
  auto verified = attestation::VerifyEnvelope(*env, {attestation::TrustedKey{"key", key}}, 1);
  if (!verified.ok()) return Fail(c, "SIGNATURE_INVALID", "DSSE signature does not verify with the given key");
  auto st = attestation::ParseStatement(*verified);
  if (!st.ok()) return Fail(c, st.error().finding().empty() ? "MALFORMED_INPUT" : st.error().finding(), st.error().message());
  if (st->predicate_type() != kCosignSignPredicate) {
    return Fail(c, "PREDICATE_TYPE_INVALID", "predicateType is " + st->predicate_type());
  }
  bool match = false;
  for (const auto& s : st->subjects()) {
    for (const auto& [alg, value] : s.digest) {
      if (NameMatches(image, s.name) && alg == "sha256" && value == image.digest_hex) match = true;
    }
  }
  if (!match) return Fail(c, "SUBJECT_MISMATCH", "no statement subject is " + image.ToString());
  c.ok = true;
  return c;
}


Result<std::vector<ImageCheck>> VerifyImageSignatures(const ImageRef& image, const PublicKey& key,
                                                      const std::string& dir) {
  std::vector<ImageCheck> checks;
  if (Exists(dir + "/simplesigning.json") || Exists(dir + "/simplesigning.sig")) {
    SIGNET_ASSIGN_OR_RETURN(std::string payload, ReadFile(dir + "/simplesigning.json", 1 << 20));
    SIGNET_ASSIGN_OR_RETURN(std::string sig, ReadFile(dir + "/simplesigning.sig", 1 << 16));
    checks.push_back(CheckSimpleSigningBytes(image, key, payload, sig, dir + "/simplesigning.json"));
  }
  if (Exists(dir + "/image.sigstore.json")) {
    SIGNET_ASSIGN_OR_RETURN(std::string text, ReadFile(dir + "/image.sigstore.json", 16 << 20));
    checks.push_back(CheckCosignBundleBytes(image, key, text, dir + "/image.sigstore.json"));
  }
  if (checks.empty()) return NotFound("no signature found in " + dir + " (simplesigning.json/.sig or image.sigstore.json)");
  return checks;
}

}  // namespace signet::policy
