#include "release.h"

#include "signet/attestation/dsse.h"
#include "signet/attestation/intoto.h"
#include "signet/core/encoding.h"
#include "signet/core/hash.h"
#include "signet/core/json.h"
#include "signet/core/findings.h"
#include "signet/policy/image_ref.h"
#include "signet/policy/image_verify.h"

namespace signet::verifierd {

namespace {

// KeyHints returns the DSSE keyids / bundle publicKey.hint of an UNVERIFIED bundle: signet sign
// writes base64(SHA-256(SPKI DER)). Used only to tell "unlisted key" from "bad signature".
std::vector<std::string> KeyHints(const std::string& bundle) {
  std::vector<std::string> out;
  auto v = ParseJson(bundle);
  if (!v.ok()) return out;
  const JsonValue* vm = v->Find("verificationMaterial");
  const JsonValue* pk = vm != nullptr ? vm->Find("publicKey") : nullptr;
  const JsonValue* hint = pk != nullptr ? pk->Find("hint") : nullptr;
  if (hint != nullptr && hint->is_string()) out.push_back(hint->string_value());
  const JsonValue* env = v->Find("dsseEnvelope");
  const JsonValue* sigs = env != nullptr ? env->Find("signatures") : nullptr;
  if (sigs != nullptr && sigs->is_array()) {
    for (const auto& s : sigs->array()) {
      const JsonValue* k = s.Find("keyid");
      if (k != nullptr && k->is_string() && !k->string_value().empty()) out.push_back(k->string_value());
    }
  }
  return out;
}

bool HintNamesReleaseKey(const policy::LoadedPolicy& lp, const std::vector<std::string>& hints) {
  for (const auto& key : lp.release_keys) {
    const std::string h = Base64Encode(Sha256(key.spki_der()));
    for (const auto& x : hints) {
      if (x == h) return true;
    }
  }
  return false;
}

}  // namespace

ReleaseResult CheckReleaseSignatures(const policy::LoadedPolicy& lp, const std::string& subject,
                                     const std::vector<const EvidenceFile*>& files) {
  ReleaseResult r;
  if (lp.policy.release_signers.empty()) {
    r.detail = "the policy lists no release_signers";
    return r;
  }
  policy::ImageRef image;
  if (subject.rfind("sha256:", 0) == 0) {
    image.digest_hex = subject.substr(7);
  } else {
    auto parsed = policy::ParseImageRef(subject);
    if (!parsed.ok()) {
      r.status = ReleaseResult::Status::kMissing;
      r.finding = findings::kMissingAttestation;
      r.detail = "the reference is not digest-pinned, so no release signature can cover it";
      return r;
    }
    image = *parsed;
  }
  bool mismatch = false, weak = false, any = false;
  std::string first_input;
  for (const EvidenceFile* f : files) {
    if (f->role != EvidenceRole::kSignature && f->role != EvidenceRole::kSimpleSigning) continue;
    if (f->role == EvidenceRole::kSimpleSigning && f->signature.empty()) continue;  // no .sig: nothing signed
    any = true;
    bool verified_elsewhere = false;
    for (const auto& key : lp.release_keys) {
      policy::ImageCheck c = f->role == EvidenceRole::kSignature
                                 ? policy::CheckCosignBundleBytes(image, key, f->bytes, f->name)
                                 : policy::CheckSimpleSigningBytes(image, key, f->bytes, f->signature, f->name);
      if (c.ok) {
        r.status = ReleaseResult::Status::kPass;
        r.input = f->name;
        r.detail = "release signature " + f->name + " (" + c.format + ") verifies under a listed release signer";
        return r;
      }
      if (c.finding != findings::kSignatureInvalid) verified_elsewhere = true;
    }
    if (first_input.empty()) first_input = f->name;
    if (verified_elsewhere) {
      mismatch = true;  // it verified (or could not be read) but names another digest or image
    } else if (f->role == EvidenceRole::kSignature && !HintNamesReleaseKey(lp, KeyHints(f->bytes))) {
      weak = true;
    } else {
      mismatch = true;
    }
  }
  r.input = first_input;
  if (!any) {
    r.status = ReleaseResult::Status::kMissing;
    r.finding = findings::kMissingAttestation;
    r.detail = "no release signature (image.sigstore.json or simplesigning.json + .sig) for this digest";
  } else if (mismatch) {
    r.status = ReleaseResult::Status::kDigestMismatch;
    r.finding = findings::kSignatureInvalid;
    r.detail = "a release signature does not verify for this digest and name";
  } else {
    (void)weak;
    r.status = ReleaseResult::Status::kWeakSigner;
    r.finding = findings::kUntrustedSigner;
    r.detail = "release signatures are by keys the policy does not list";
  }
  return r;
}

VsaResult CheckVsa(const policy::LoadedPolicy& lp, const std::string& digest_hex, Timestamp at,
                   const std::vector<const EvidenceFile*>& files) {
  VsaResult r;
  if (!lp.policy.accept_vsa || lp.release_keys.empty()) return r;
  const std::string policy_hex = lp.digest.rfind("sha256:", 0) == 0 ? lp.digest.substr(7) : lp.digest;
  std::vector<attestation::TrustedKey> keys;
  for (size_t i = 0; i < lp.release_keys.size(); ++i) {
    keys.push_back(attestation::TrustedKey{lp.policy.release_signers[i], lp.release_keys[i]});
  }
  for (const EvidenceFile* f : files) {
    if (f->role != EvidenceRole::kVsa) continue;
    auto reject = [&](const std::string& why) {
      if (r.detail.empty()) r.detail = "VSA " + f->name + " not accepted: " + why;
    };
    // 1. A bundle v0.3 with a DSSE envelope that verifies under a release key.
    auto v = ParseJson(f->bytes);
    const JsonValue* media = v.ok() ? v->Find("mediaType") : nullptr;
    const JsonValue* env_json = v.ok() ? v->Find("dsseEnvelope") : nullptr;
    if (media == nullptr || !media->is_string() || media->string_value() != policy::kBundleV03MediaType ||
        env_json == nullptr) {
      reject("not a Sigstore bundle v0.3 with a DSSE envelope");
      continue;
    }
    auto env = attestation::ParseDsseEnvelopeJson(*env_json);
    if (!env.ok()) {
      reject("the DSSE envelope cannot be read");
      continue;
    }
    auto verified = attestation::VerifyEnvelope(*env, keys, 1);
    if (!verified.ok()) {
      reject("not signed by a listed release signer");
      continue;
    }
    auto st = attestation::ParseStatement(*verified);
    // 2. The SLSA VSA predicate.
    if (!st.ok() || st->predicate_type() != policy::kVsaPredicate) {
      reject("not a SLSA verification summary v1");
      continue;
    }
    // 3. About this digest.
    if (!st->MatchesDigest("sha256", digest_hex)) {
      reject("about another digest");
      continue;
    }
    // 4. PASSED.
    const JsonValue& p = st->predicate();
    const JsonValue* result = p.Find("verificationResult");
    if (result == nullptr || !result->is_string() || result->string_value() != "PASSED") {
      reject("verificationResult is not PASSED");
      continue;
    }
    // 5. Under this very policy.
    const JsonValue* pol = p.Find("policy");
    const JsonValue* pd = pol != nullptr ? pol->Find("digest") : nullptr;
    const JsonValue* ph = pd != nullptr ? pd->Find("sha256") : nullptr;
    if (ph == nullptr || !ph->is_string() || ph->string_value() != policy_hex) {
      reject("it names another policy digest");
      continue;
    }
    // 6. Time.
    const JsonValue* tv = p.Find("timeVerified");
    auto t = tv != nullptr && tv->is_string() ? policy::ParseBoundedTime(tv->string_value())
                                              : Result<Timestamp>(InvalidArgument("no timeVerified"));
    if (!t.ok() || *t > at) {
      reject("timeVerified is missing or after the evaluation time");
      continue;
    }
    if (lp.policy.max_age && at - *t > *lp.policy.max_age) {
      reject("timeVerified is older than the policy's max_age");
      continue;
    }
    r.accepted = true;
    r.input = f->name;
    r.time_verified = *t;
    r.detail = "VSA " + f->name + " from a listed release signer, PASSED under this policy";
    return r;
  }
  return r;
}

}  // namespace signet::verifierd
