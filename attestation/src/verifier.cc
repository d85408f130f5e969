#include "signet/attestation/verifier.h"

#include <algorithm>
#include <ctime>

#include <openssl/x509v3.h>

#include "signet/attestation/checkpoint.h"
#include "signet/core/findings.h"
#include "signet/attestation/merkle.h"
#include "signet/attestation/rekor.h"
#include "signet/attestation/rfc3161.h"
#include "signet/attestation/sct.h"
#include "signet/core/encoding.h"
#include "signet/core/hash.h"
#include "signet/core/ossl.h"

namespace signet::attestation {

Artifact Artifact::FromBytes(Bytes data) {
  Artifact a;
  a.sha256 = Sha256(data);
  a.data = std::move(data);
  return a;
}

Result<Artifact> Artifact::FromDigestString(std::string_view text) {
  constexpr std::string_view kPrefix = "sha256:";
  if (text.substr(0, kPrefix.size()) != kPrefix) {
    return InvalidArgument("artifact digest must be sha256:<hex>");
  }
  auto raw = HexDecode(text.substr(kPrefix.size()));
  if (!raw.ok() || raw->size() != 32) {
    return InvalidArgument("artifact digest must be sha256: followed by 64 lowercase hex digits");
  }
  Artifact a;
  a.sha256 = std::move(raw).value();
  return a;
}

namespace {

Error Fail(const char* finding, const char* msg) { return VerificationFailed(finding, msg); }

// kMaxSeconds bounds every Unix-seconds value before it becomes a Timestamp (64-bit
// nanoseconds, which end in 2262): 9e9 s is 2255-03-14, far enough from the end that adding
// a second cannot overflow either.
constexpr int64_t kMaxSeconds = 9'000'000'000;

// ClampedSeconds converts Unix seconds to a Timestamp, clamping to +-kMaxSeconds. A notAfter of
// 99991231235959Z (RFC 5280 §4.1.2.5, "no well-defined expiration") or year 1 would otherwise
// overflow the nanosecond conversion (undefined behaviour).
Timestamp ClampedSeconds(int64_t secs) {
  return FromUnixSeconds(std::clamp<int64_t>(secs, -kMaxSeconds, kMaxSeconds));
}

// CertTime converts an ASN1_TIME to a Timestamp (whole seconds), clamped (ClampedSeconds).
Result<Timestamp> CertTime(const ASN1_TIME* t) {
  struct tm tm = {};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) {
    ossl::DrainErrors();
    return Fail(findings::kMalformedInput, "certificate validity is malformed");
  }
  return ClampedSeconds(static_cast<int64_t>(timegm(&tm)));
}

// ValidAt reports notBefore <= at < notAfter, the way OpenSSL's check_cert_time reads it
// (X509_cmp_time: -1 when the field is earlier than or equal to `at`, 0 on error).
bool ValidAt(const X509* cert, time_t at) {
  time_t when = at;
  return X509_cmp_time(X509_get0_notBefore(cert), &when) < 0 &&
         X509_cmp_time(X509_get0_notAfter(cert), &when) > 0;
}

bool SelfSigned(X509* cert) {
  return X509_check_issued(cert, cert) == X509_V_OK;
}

}  // namespace

// BundleVerification carries the state of one VerifyBundle call; its methods are the steps.
class BundleVerification {
 public:
  BundleVerification(const Bundle& bundle, const TrustedRoot& root, const VerificationPolicy& policy,
                     const Artifact& artifact, const Clock& clock)
      : bundle_(bundle), root_(root), policy_(policy), artifact_(artifact), clock_(clock) {}

  Result<VerifiedBundle> Run() {
    out_.version_ = bundle_.version;
    SIGNET_RETURN_IF_ERROR(Step1Material());
    SIGNET_RETURN_IF_ERROR(Step2Tlog());
    SIGNET_RETURN_IF_ERROR(Step3Timestamps());
    SIGNET_RETURN_IF_ERROR(Step4Times());
    if (leaf_) {
      SIGNET_RETURN_IF_ERROR(Step5Certificate());
      SIGNET_RETURN_IF_ERROR(Step6Sct());
    }
    SIGNET_RETURN_IF_ERROR(Step7Signature());
    SIGNET_RETURN_IF_ERROR(Step8Content());
    if (leaf_) SIGNET_RETURN_IF_ERROR(Step9Identity());
    return std::move(out_);
  }

 private:
  // 1. Policy vs verification material.
  Status Step1Material() {
    if (policy_.identity.has_value() == policy_.key.has_value()) {
      return InvalidArgument("policy needs exactly one of an identity and a key");
    }
    if (bundle_.message_signature.has_value() == bundle_.dsse_envelope.has_value()) {
      return InvalidArgument("bundle needs exactly one signature");
    }
    if (policy_.key) {
      if (bundle_.material != MaterialKind::kPublicKey) {
        return Fail(findings::kKeyMismatch, "bundle is certificate-based but a key was pinned");
      }
      signing_key_ = *policy_.key;
      content_.signer_is_certificate = false;
      content_.signer_der = policy_.key->spki_der();
      out_.checks_.push_back("material:pinned-key");
      return OkStatus();
    }
    if (bundle_.material == MaterialKind::kPublicKey) {
      return Fail(findings::kKeyMismatch, "bundle is key-based but an identity was expected");
    }
    if (bundle_.certificates.empty()) {
      return Fail(findings::kCertChainInvalid, "bundle has no certificate");
    }
    for (const Bytes& der : bundle_.certificates) {
      auto cert = ossl::ParseCertificateDer(der);
      if (!cert.ok()) {
        return InvalidArgument("bundle certificate is not DER X.509").WithFinding(findings::kMalformedInput);
      }
      // A root in the bundle would let the bundle pick its own trust anchor; sigstore clients
      // must refuse it even though we never use bundle certificates as anchors.
      if (SelfSigned(cert->get())) {
        return Fail(findings::kCertChainInvalid, "bundle carries a self-signed certificate");
      }
      if (!leaf_) leaf_ = std::move(cert).value();
    }
    if (X509_check_ca(leaf_.get()) != 0) {
      return Fail(findings::kCertChainInvalid, "signing certificate is a CA");
    }
    auto key = PublicKey::FromCertificate(leaf_.get());
    if (!key.ok()) return Fail(findings::kCertChainInvalid, "signing certificate key not allowed");
    signing_key_ = std::move(key).value();
    content_.signer_is_certificate = true;
    content_.signer_der = bundle_.certificates.front();
    out_.checks_.push_back("material:certificate");
    return OkStatus();
  }

  // 2. Transparency log entries.
  Status Step2Tlog() {
    if (bundle_.message_signature) {
      content_.message = &*bundle_.message_signature;
      content_.artifact_sha256 = artifact_.sha256;
    } else {
      content_.envelope = &*bundle_.dsse_envelope;
    }
    if (bundle_.tlog_entries.empty()) {
      return Fail(findings::kTlogEntryInvalid, "bundle has no transparency log entry");
    }
    for (const TlogEntry& entry : bundle_.tlog_entries) {
      // 2a. Only pinned logs count.
      const TransparencyLog* log = root_.FindTlog(entry.log_id);
      if (log == nullptr) return Fail(findings::kTlogEntryInvalid, "entry is from an unknown log");
      // 2b. The entry must record exactly this signature.
      SIGNET_RETURN_IF_ERROR(MatchRekorBody(entry, content_));
      // 2c. SET: required for v0.1; when present it authenticates the integrated time.
      if (bundle_.version == BundleVersion::kV01 && !entry.signed_entry_timestamp) {
        return Fail(findings::kSetInvalid, "v0.1 bundle entry has no signed entry timestamp");
      }
      if (entry.signed_entry_timestamp) {
        SIGNET_RETURN_IF_ERROR(VerifySet(entry, *log));
        // A (signed) time a Timestamp cannot hold is refused, never converted.
        if (*entry.integrated_time < 0 || *entry.integrated_time > kMaxSeconds) {
          return Fail(findings::kTlogEntryInvalid, "entry time is out of range");
        }
        if (!log->valid_for.Contains(FromUnixSeconds(*entry.integrated_time))) {
          return Fail(findings::kTlogEntryInvalid, "entry time is outside the log's validity");
        }
        out_.times_.push_back(VerifiedTime{"tlog-set", FromUnixSeconds(*entry.integrated_time)});
        out_.checks_.push_back("tlog:set");
      }
      // 2d. Inclusion proof under a signed checkpoint: required from v0.2 on.
      if (!entry.inclusion_proof) {
        if (bundle_.version != BundleVersion::kV01) {
          return Fail(findings::kInclusionProofInvalid, "entry has no inclusion proof");
        }
        continue;
      }
      const InclusionProof& proof = *entry.inclusion_proof;
      if (proof.checkpoint.empty()) {
        return Fail(findings::kCheckpointInvalid, "inclusion proof has no checkpoint");
      }
      std::vector<NoteKey> keys{NoteKey{log->log_id, log->key.get()}};
      SIGNET_ASSIGN_OR_RETURN(Checkpoint cp, VerifyCheckpoint(proof.checkpoint, keys));
      if (cp.tree_size != proof.tree_size || cp.root_hash != proof.root_hash) {
        return Fail(findings::kCheckpointInvalid, "checkpoint does not match the inclusion proof");
      }
      SIGNET_RETURN_IF_ERROR(VerifyInclusionProof(proof.log_index, proof.tree_size,
                                                  MerkleLeafHash(entry.canonicalized_body),
                                                  proof.hashes, cp.root_hash));
      out_.checks_.push_back("tlog:inclusion-proof");
      out_.checks_.push_back("tlog:checkpoint");
    }
    out_.checks_.push_back("tlog:body-match");
    return OkStatus();
  }

  ByteView SignatureBytes() const {
    if (bundle_.message_signature) return bundle_.message_signature->signature;
    return bundle_.dsse_envelope->signatures.front().sig;
  }

  // 3. RFC 3161 timestamps over the signature bytes.
  Status Step3Timestamps() {
    if (bundle_.rfc3161_timestamps.empty()) return OkStatus();
    std::vector<TsaTrust> tsas;
    for (const CertificateAuthority& tsa : root_.timestamp_authorities()) {
      TsaTrust t;
      for (const auto& c : tsa.chain) t.chain.push_back(c.get());
      t.valid_from = tsa.valid_for.start;
      t.valid_to = tsa.valid_for.end;
      tsas.push_back(std::move(t));
    }
    for (const Bytes& ts : bundle_.rfc3161_timestamps) {
      SIGNET_ASSIGN_OR_RETURN(Timestamp t, VerifyRfc3161(ts, SignatureBytes(), tsas));
      out_.times_.push_back(VerifiedTime{"rfc3161", t});
    }
    out_.checks_.push_back("rfc3161");
    return OkStatus();
  }

  // 4. Verified times.
  Status Step4Times() {
    if (out_.times_.empty()) {
      return Fail(findings::kNoVerifiedTime, "no verified signing time (SET or RFC 3161)");
    }
    const Timestamp now = clock_.Now();
    for (const VerifiedTime& t : out_.times_) {
      if (t.time > now) return Fail(findings::kTimeInFuture, "signing time is in the future");
    }
    out_.checks_.push_back("time:not-in-future");
    return OkStatus();
  }

  // 5. Fulcio chain at each signing time.
  Status Step5Certificate() {
    SIGNET_ASSIGN_OR_RETURN(Timestamp not_before, CertTime(X509_get0_notBefore(leaf_.get())));
    SIGNET_ASSIGN_OR_RETURN(Timestamp not_after, CertTime(X509_get0_notAfter(leaf_.get())));
    // Code signing only: a Fulcio leaf without the EKU was not issued for this.
    if ((X509_get_extension_flags(leaf_.get()) & EXFLAG_XKUSAGE) == 0 ||
        (X509_get_extended_key_usage(leaf_.get()) & XKU_CODE_SIGN) == 0) {
      return Fail(findings::kCertChainInvalid, "signing certificate lacks the codeSigning EKU");
    }
    for (const VerifiedTime& t : out_.times_) {
      // Inclusive window, at second precision as X.509 encodes it.
      if (t.time < not_before || t.time > not_after + std::chrono::seconds(1) - std::chrono::nanoseconds(1)) {
        return Fail(findings::kCertExpiredAtSigning, "signing time is outside the certificate validity");
      }
      SIGNET_RETURN_IF_ERROR(ChainAt(t.time));
    }
    out_.checks_.push_back("certificate:chain-at-signing-time");
    return OkStatus();
  }

  // The pinned chain's own signatures were verified when the trusted root was parsed
  // (trusted_root.h), so the CA's issuing certificate is the trust anchor here: OpenSSL checks
  // the leaf's signature and both certificates' validity at `t`, and the rest of the pinned
  // chain must be valid at `t` too.
  //
  // A bundle with several verified times (SET and RFC 3161) asks again for each. Everything
  // X509_verify_cert checks but time (the leaf's signature, names, extensions) does not depend
  // on `t`, so once a CA's issuing certificate has verified the leaf, a later time only needs
  // what OpenSSL would check again: the leaf and that certificate valid at `t`
  // (notBefore <= t < notAfter, X509_cmp_time as in OpenSSL's check_cert_time).
  Status ChainAt(Timestamp t) {
    const time_t at = static_cast<time_t>(ToUnixSeconds(t));
    const std::vector<CertificateAuthority>& cas = root_.certificate_authorities();
    verified_cas_.resize(cas.size(), false);
    for (size_t k = 0; k < cas.size(); ++k) {
      const CertificateAuthority& ca = cas[k];
      if (!ca.valid_for.Contains(t)) continue;
      bool chain_valid = true;
      for (size_t i = 1; i < ca.chain.size(); ++i) {
        chain_valid = chain_valid && ValidAt(ca.chain[i].get(), at);
      }
      if (!chain_valid) continue;
      if (verified_cas_[k]) {
        if (ValidAt(leaf_.get(), at) && ValidAt(ca.chain.front().get(), at)) return OkStatus();
        continue;
      }
      ossl::UniquePtr<X509_STORE> store(X509_STORE_new());
      ossl::UniquePtr<X509_STORE_CTX> ctx(X509_STORE_CTX_new());
      if (!store || !ctx) return ossl::OpenSslError(ErrorCode::kInternal, "X509 alloc");
      if (X509_STORE_add_cert(store.get(), ca.chain.front().get()) != 1) {
        return ossl::OpenSslError(ErrorCode::kInternal, "X509_STORE_add_cert");
      }
      if (X509_STORE_CTX_init(ctx.get(), store.get(), leaf_.get(), nullptr) != 1) {
        return ossl::OpenSslError(ErrorCode::kInternal, "X509_STORE_CTX_init");
      }
      X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
      X509_VERIFY_PARAM_set_time(param, at);
      X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_PARTIAL_CHAIN);
      if (X509_verify_cert(ctx.get()) == 1 && X509_STORE_CTX_get_error_depth(ctx.get()) == 0 &&
          sk_X509_num(X509_STORE_CTX_get0_chain(ctx.get())) == 2) {
        verified_cas_[k] = true;
        if (!issuer_) {
          X509_up_ref(ca.chain.front().get());
          issuer_.reset(ca.chain.front().get());
        }
        return OkStatus();
      }
      ossl::DrainErrors();
    }
    return Fail(findings::kCertChainInvalid,
                "certificate does not chain to a trusted CA at the signing time");
  }

  // 6. Embedded SCTs.
  Status Step6Sct() {
    std::vector<CtLogKey> logs;
    for (const CtLog& log : root_.ctlogs()) {
      logs.push_back(CtLogKey{log.log_id, log.key.get(), log.valid_for.start, log.valid_for.end});
    }
    if (!issuer_) return Fail(findings::kSctInvalid, "no issuer for SCT verification");
    SIGNET_RETURN_IF_ERROR(VerifyEmbeddedScts(leaf_.get(), issuer_.get(), logs));
    out_.checks_.push_back("certificate:sct");
    return OkStatus();
  }

  // 7. The signature itself.
  Status Step7Signature() {
    out_.key_spki_ = signing_key_->spki_der();
    if (bundle_.message_signature) {
      const Bytes& sig = bundle_.message_signature->signature;
      if (artifact_.data && signing_key_->algorithm() == SignatureAlgorithm::kEd25519) {
        SIGNET_RETURN_IF_ERROR(signing_key_->Verify(*artifact_.data, sig));
      } else if (artifact_.data && signing_key_->hash() != HashAlgorithm::kSha256) {
        SIGNET_RETURN_IF_ERROR(signing_key_->Verify(*artifact_.data, sig));
      } else {
        SIGNET_RETURN_IF_ERROR(signing_key_->VerifyDigest(HashAlgorithm::kSha256, artifact_.sha256, sig));
      }
      out_.checks_.push_back("signature:message");
      return OkStatus();
    }
    std::vector<TrustedKey> keys{TrustedKey{leaf_ ? "fulcio-leaf" : "pinned-key", *signing_key_}};
    SIGNET_ASSIGN_OR_RETURN(VerifiedEnvelope env, VerifyEnvelope(*bundle_.dsse_envelope, keys, 1));
    out_.envelope_ = std::move(env);
    out_.checks_.push_back("signature:dsse-pae");
    return OkStatus();
  }

  // 8. The signed content is the caller's artifact.
  Status Step8Content() {
    if (bundle_.message_signature) {
      const auto& hint = bundle_.message_signature->digest;
      if (hint) {
        // The digest is an unauthenticated hint, but a hint that disagrees is a broken bundle.
        Bytes expected;
        if (hint->algorithm == HashAlgorithm::kSha256) {
          expected = artifact_.sha256;
        } else if (artifact_.data) {
          expected = Hash(hint->algorithm, *artifact_.data);
        } else {
          return Fail(findings::kArtifactMismatch, "messageDigest algorithm differs from the given digest");
        }
        if (!ConstantTimeEqual(expected, hint->digest)) {
          return Fail(findings::kArtifactMismatch, "messageDigest does not match the artifact");
        }
      }
      out_.checks_.push_back("content:artifact-digest");
      return OkStatus();
    }
    SIGNET_ASSIGN_OR_RETURN(Statement st, ParseStatement(*out_.envelope_));
    if (!st.MatchesDigest("sha256", HexEncode(artifact_.sha256))) {
      return Fail(findings::kArtifactMismatch, "artifact is not a subject of the statement");
    }
    out_.statement_ = std::move(st);
    out_.checks_.push_back("content:in-toto-subject");
    return OkStatus();
  }

  // 9. Identity: SAN and issuer, exact.
  Status Step9Identity() {
    SIGNET_ASSIGN_OR_RETURN(FulcioIdentity id, ParseFulcioIdentity(leaf_.get()));
    if (id.san != policy_.identity->san || id.issuer != policy_.identity->issuer) {
      return Fail(findings::kIdentityMismatch, "certificate identity does not match");
    }
    out_.identity_ = std::move(id);
    out_.checks_.push_back("identity:san-and-issuer");
    return OkStatus();
  }

  const Bundle& bundle_;
  const TrustedRoot& root_;
  const VerificationPolicy& policy_;
  const Artifact& artifact_;
  const Clock& clock_;
  ossl::UniquePtr<X509> leaf_;
  ossl::UniquePtr<X509> issuer_;
  std::vector<bool> verified_cas_;  // by index into the root's CAs: issuer verified the leaf
  std::optional<PublicKey> signing_key_;
  SignedContent content_;
  VerifiedBundle out_;
};

Result<VerifiedBundle> VerifyBundle(const Bundle& bundle, const TrustedRoot& root,
                                    const VerificationPolicy& policy, const Artifact& artifact,
                                    const Clock& clock) {
  if (artifact.sha256.size() != 32) return InvalidArgument("artifact has no SHA-256 digest");
  BundleVerification v(bundle, root, policy, artifact, clock);
  return v.Run();
}

JsonValue VerifiedBundle::ToJson() const {
  JsonValue out = JsonValue::MakeObject();
  out.Set("verified", JsonValue::Bool(true));
  const char* version = version_ == BundleVersion::kV01 ? "0.1" : version_ == BundleVersion::kV02 ? "0.2" : "0.3";
  out.Set("bundleVersion", JsonValue::String(version));
  if (identity_) {
    out.Set("identity", attestation::ToJson(*identity_));
  } else {
    JsonValue key = JsonValue::MakeObject();
    key.Set("sha256", JsonValue::String(HexEncode(Sha256(key_spki_))));
    out.Set("publicKey", std::move(key));
  }
  JsonValue times = JsonValue::MakeArray();
  for (const VerifiedTime& t : times_) {
    JsonValue o = JsonValue::MakeObject();
    o.Set("source", JsonValue::String(t.source));
    o.Set("time", JsonValue::String(FormatRfc3339(t.time)));
    times.Push(std::move(o));
  }
  out.Set("signingTimes", std::move(times));
  JsonValue checks = JsonValue::MakeArray();
  for (const std::string& c : checks_) checks.Push(JsonValue::String(c));
  out.Set("checks", std::move(checks));
  if (envelope_) {
    JsonValue c = JsonValue::MakeObject();
    c.Set("payloadType", JsonValue::String(envelope_->payload_type()));
    if (statement_) {
      c.Set("statementType", JsonValue::String(statement_->type()));
      c.Set("predicateType", JsonValue::String(statement_->predicate_type()));
    }
    out.Set("dsse", std::move(c));
  }
  return out;
}

}  // namespace signet::attestation
