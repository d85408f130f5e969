#include "release.h"

#include <algorithm>

#include "signet/attestation/dsse.h"
#include "signet/attestation/intoto.h"
#include "signet/core/encoding.h"
#include "signet/core/hash.h"
#include "signet/core/json.h"
#include "signet/core/findings.h"
#include "signet/attestation/bundle.h"
#include "signet/attestation/verifier.h"
#include "signet/custody/revocation.h"
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

// Candidate is a key a release signature may verify under: a pinned key (ring null) or a
// keyring's release key version.
struct Candidate {
  PublicKey key;
  std::string name;
  const ReleaseKeyring* ring = nullptr;
};

std::vector<Candidate> Candidates(const policy::LoadedPolicy& lp, const ReleaseTrust* trust) {
  std::vector<Candidate> out;
  for (size_t i = 0; i < lp.release_keys.size(); ++i) {
    out.push_back({lp.release_keys[i], i < lp.release_key_names.size() ? lp.release_key_names[i] : "", nullptr});
  }
  if (trust != nullptr) {
    for (const ReleaseKeyring& r : trust->keyrings) {
      for (PublicKey& k : custody::KeyringPublicKeys(r.keyring, "release")) {
        out.push_back({std::move(k), r.name, &r});
      }
    }
  }
  return out;
}

bool Stale(const ReleaseKeyring& r, Timestamp at) { return r.next_update.has_value() && at >= *r.next_update; }

// TrustedTimes returns the verified times of a cosign bundle `f` signed by `key` (its log
// entries' and RFC 3161 timestamps', checked against the trusted root), or none.
std::vector<std::optional<Timestamp>> TrustedTimes(const ReleaseTrust& trust, const EvidenceFile& f,
                                                   const PublicKey& key, const std::string& digest_hex,
                                                   Timestamp at) {
  std::vector<std::optional<Timestamp>> out;
  if (f.role == EvidenceRole::kSignature && trust.root.has_value()) {
    auto bundle = attestation::ParseBundle(f.bytes);
    auto artifact = attestation::Artifact::FromDigestString("sha256:" + digest_hex);
    if (bundle.ok() && artifact.ok()) {
      attestation::VerificationPolicy vp;
      vp.key = key;
      FixedClock clock(at);
      auto verified = attestation::VerifyBundle(*bundle, *trust.root, vp, *artifact, clock);
      if (verified.ok()) {
        for (const auto& t : verified->times()) out.emplace_back(t.time);
      }
    }
  }
  if (out.empty()) out.emplace_back(std::nullopt);
  return out;
}

// KeyringVerdict judges keyring key `c` for a signature with `times` at `at`.
custody::KeyringVerdict JudgeKey(const Candidate& c, const std::vector<std::optional<Timestamp>>& times, Timestamp at) {
  custody::KeyringVerdict v;
  if (Stale(*c.ring, at)) {
    v.finding = findings::kRevocationListStale;
    v.message = "the revocation list " + c.ring->revocations + " of keyring " + c.ring->name +
                " is past its next_update: fail closed";
    return v;
  }
  const std::string id = custody::KeyId(c.key);
  for (const auto& t : times) {
    v = custody::CheckSignatureKey(c.ring->keyring, id, "release", t, at);
    if (!v.accepted) return v;
  }
  return v;
}

bool HintNamesReleaseKey(const std::vector<Candidate>& candidates, const std::vector<std::string>& hints) {
  for (const auto& c : candidates) {
    const std::string h = Base64Encode(Sha256(c.key.spki_der()));
    for (const auto& x : hints) {
      if (x == h) return true;
    }
  }
  return false;
}

}  // namespace

ReleaseResult CheckReleaseSignatures(const policy::LoadedPolicy& lp, const ReleaseTrust* trust,
                                     const std::string& subject, const std::vector<const EvidenceFile*>& files,
                                     Timestamp at) {
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
  const std::vector<Candidate> candidates = Candidates(lp, trust);
  bool mismatch = false, weak = false, any = false;
  std::string first_input;
  std::optional<ReleaseResult> refused;  // the first signature verifying under a refused keyring key
  for (const EvidenceFile* f : files) {
    if (f->role != EvidenceRole::kSignature && f->role != EvidenceRole::kSimpleSigning) continue;
    if (f->role == EvidenceRole::kSimpleSigning && f->signature.empty()) continue;  // no .sig: nothing signed
    any = true;
    bool verified_elsewhere = false;
    for (const Candidate& cand : candidates) {
      const PublicKey& key = cand.key;
      policy::ImageCheck c = f->role == EvidenceRole::kSignature
                                 ? policy::CheckCosignBundleBytes(image, key, f->bytes, f->name)
                                 : policy::CheckSimpleSigningBytes(image, key, f->bytes, f->signature, f->name);
      if (c.ok && cand.ring != nullptr) {
        const auto times = TrustedTimes(*trust, *f, key, image.digest_hex, at);
        custody::KeyringVerdict v = JudgeKey(cand, times, at);
        if (!v.accepted) {
          if (!refused) {
            refused = ReleaseResult{ReleaseResult::Status::kKeyRefused,
                                    "release signature " + f->name + " verifies under keyring " + cand.name +
                                        ", but: " + v.message,
                                    f->name, v.finding};
          }
          continue;
        }
        r.status = ReleaseResult::Status::kPass;
        r.input = f->name;
        r.detail = "release signature " + f->name + " (" + c.format + ") verifies under key " + v.key->label +
                   " of keyring " + cand.name +
                   (times.front().has_value() ? ", its trusted time inside the key's window"
                                              : ", an active key (no trusted time)");
        return r;
      }
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
    } else if (f->role == EvidenceRole::kSignature && !HintNamesReleaseKey(candidates, KeyHints(f->bytes))) {
      weak = true;
    } else {
      mismatch = true;
    }
  }
  if (refused) return *refused;
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

VsaResult CheckVsa(const policy::LoadedPolicy& lp, const ReleaseTrust* trust, const std::string& digest_hex,
                   Timestamp at, const std::vector<const EvidenceFile*>& files) {
  VsaResult r;
  if (!lp.policy.accept_vsa) return r;
  const std::string policy_hex = lp.digest.rfind("sha256:", 0) == 0 ? lp.digest.substr(7) : lp.digest;
  // A VSA has no trusted time: a keyring key counts only while active now (and its list fresh).
  std::vector<attestation::TrustedKey> keys;
  for (const Candidate& c : Candidates(lp, trust)) {
    if (c.ring != nullptr && !JudgeKey(c, {std::nullopt}, at).accepted) continue;
    keys.push_back(attestation::TrustedKey{c.name, c.key});
  }
  if (keys.empty()) return r;
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

Timestamp NextChange(const ReleaseTrust& trust, Timestamp at) {
  Timestamp e = Timestamp::max();
  auto cap = [&](Timestamp t) {
    if (t > at) e = std::min(e, t);
  };
  for (const ReleaseKeyring& r : trust.keyrings) {
    if (r.next_update) cap(*r.next_update);
    for (const custody::KeyringKey& k : r.keyring.keys) {
      if (k.purpose != "release") continue;
      for (const std::string* s : {&k.not_before, &k.not_after, &k.revoked_at}) {
        if (s->empty()) continue;
        auto t = ParseRfc3339(*s);
        if (t.ok()) cap(*t);
      }
    }
  }
  return e;
}

Result<std::shared_ptr<const ReleaseTrust>> LoadReleaseTrust(const policy::LoadedPolicy& lp,
                                                             const std::optional<attestation::TrustedRoot>& root) {
  if (lp.release_keyrings.empty()) return std::shared_ptr<const ReleaseTrust>();
  auto trust = std::make_shared<ReleaseTrust>();
  trust->root = root;
  for (const auto& f : lp.release_keyrings) {
    const std::string what = "policy: release_signers: keyring " + f.name;
    auto keyring = custody::ParseKeyring(f.text);
    if (!keyring.ok()) return std::move(keyring).error().Prefix(what);
    Status verified = custody::VerifyKeyring(*keyring);
    if (!verified.ok()) return Error(verified.error()).Prefix(what);
    if (custody::KeyringPublicKeys(*keyring, "release").empty()) {
      return InvalidArgument(what + ": it has no key with purpose release").WithFinding(findings::kMalformedInput);
    }
    for (const ReleaseKeyring& other : trust->keyrings) {
      if (other.keyring.ceremony == keyring->ceremony) {
        return InvalidArgument(what + ": the same ceremony as keyring " + other.name + " (list one version)")
            .WithFinding(findings::kMalformedInput);
      }
    }
    trust->keyrings.push_back(ReleaseKeyring{f.name, std::move(*keyring), "", std::nullopt});
  }
  for (const auto& f : lp.release_revocations) {
    const std::string what = "policy: release_revocations: " + f.name;
    auto list = custody::ParseRevocationList(f.text);
    if (!list.ok()) return std::move(list).error().Prefix(what);
    ReleaseKeyring* ring = nullptr;
    for (ReleaseKeyring& k : trust->keyrings) {
      if (k.keyring.ceremony == list->ceremony) ring = &k;
    }
    if (ring == nullptr) {
      return InvalidArgument(what + ": its ceremony is that of no release_signers keyring")
          .WithFinding(findings::kMalformedInput);
    }
    if (!ring->revocations.empty()) {
      return InvalidArgument(what + ": keyring " + ring->name + " already has revocation list " + ring->revocations)
          .WithFinding(findings::kMalformedInput);
    }
    // Signed by the keyring's quorum (checked as of its issue time; staleness is per request).
    SIGNET_ASSIGN_OR_RETURN(Timestamp issued, ParseRfc3339(list->issued));
    SIGNET_ASSIGN_OR_RETURN(Timestamp next_update, ParseRfc3339(list->next_update));
    Status verified = custody::VerifyRevocationList(*list, ring->keyring, issued);
    if (!verified.ok()) return Error(verified.error()).Prefix(what);
    custody::ApplyRevocations(ring->keyring, *list);
    ring->revocations = f.name;
    ring->next_update = next_update;
  }
  return std::shared_ptr<const ReleaseTrust>(std::move(trust));
}

}  // namespace signet::verifierd
