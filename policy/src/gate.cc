#include "signet/policy/gate.h"

#include <algorithm>
#include <set>
#include <tuple>

#include "signet/attestation/dsse.h"
#include "signet/core/findings.h"
#include "signet/attestation/fulcio_identity.h"
#include "signet/attestation/intoto.h"
#include "signet/attestation/verifier.h"
#include "signet/core/encoding.h"
#include "signet/core/ossl.h"
#include "signet/policy/glob.h"
#include "signet/policy/vuln.h"

namespace signet::policy {
namespace {

namespace af = findings;

enum class Role { kProvenance, kAttestation };

// Verified is a candidate that verified under the policy's signers. Its statement is an
// attestation::Statement, which only exists for verified bytes.
struct Verified {
  std::string origin;
  std::optional<attestation::FulcioIdentity> identity;  // keyless
  std::vector<size_t> key_builders;                     // keyed: builders whose keys verified
  std::vector<std::string> key_names;
  std::optional<attestation::Statement> statement;
  std::optional<Timestamp> time;  // earliest verified log / RFC 3161 time
  std::string time_source;
  // The time max_age is measured from (SetAgeBasis): keyless, `time`; key-signed, the earliest
  // of `time` and the signed finish time, and none without a signed finish time.
  std::optional<Timestamp> age_time;
  std::string age_source;
};

// Outcome is the result of verifying one candidate.
struct Outcome {
  std::optional<Verified> verified;
  std::vector<Finding> findings;
};

Finding F(const char* code, std::string message, std::string input) {
  return Finding{code, std::move(message), std::move(input)};
}

// MapVerifierFinding turns an attestation refusal into the gate's finding code. The verifier's
// own finding stays in the message so the cause is never lost.
Finding MapVerifierError(const Error& e, Role role, const std::string& origin) {
  const std::string& f = e.finding();
  std::string detail = f.empty() ? std::string(ErrorCodeName(e.code())) : f;
  if (f == af::kMalformedInput || f == af::kUnsupported || e.code() == ErrorCode::kInvalidArgument) {
    return F(findings::kMalformedInput, "evidence is malformed (" + detail + ")", origin);
  }
  if (f == af::kArtifactMismatch) {
    return F(role == Role::kProvenance ? findings::kSubjectMismatch
                                       : findings::kAttestationSubjectMismatch,
             "no subject of the statement is the digest (" + detail + ")", origin);
  }
  if (f == af::kPayloadTypeMismatch) {
    return F(findings::kPredicateTypeInvalid, "payloadType is not in-toto (" + detail + ")", origin);
  }
  if (f == af::kStatementInvalid) {
    return F(findings::kMalformedInput, "payload is not a valid in-toto Statement (" + detail + ")",
             origin);
  }
  if (f == af::kIdentityMismatch || f == af::kKeyMismatch || f == af::kThresholdNotMet) {
    return F(findings::kUntrustedSigner, "not signed by a signer the policy trusts (" + detail + ")",
             origin);
  }
  return F(findings::kSignatureInvalid, "evidence does not verify (" + detail + ")", origin);
}

void TakeTime(const attestation::VerifiedBundle& vb, Verified& v) {
  // The earliest verified time is the conservative one for freshness.
  for (const auto& t : vb.times()) {
    if (!v.time || t.time < *v.time) {
      v.time = t.time;
      v.time_source = t.source;
    }
  }
}

// SetAgeBasis fixes the time `max_age` is measured from (ARCHITECTURE.md, "Freshness").
// A log entry or an RFC 3161 token proves only that a signature existed by then: anyone can log
// or stamp an old key-signed envelope again. So for key-signed evidence the builder's own signed
// finish time (SignedFinishTime; its key is trusted) also counts, the earliest time wins, and
// without a signed finish time there is no freshness at all. Keyless evidence keeps the log/TSA
// time: it must fall inside the short-lived certificate's window, which bounds re-logging.
void SetAgeBasis(Verified& v) {
  if (v.identity) {
    v.age_time = v.time;
    v.age_source = v.time_source;
    return;
  }
  v.age_time.reset();
  v.age_source.clear();
  auto signed_time = SignedFinishTime(v.statement->predicate_type(), v.statement->predicate());
  if (!signed_time) return;
  v.age_time = signed_time;
  v.age_source = "signed-finish-time";
  if (v.time && *v.time < *signed_time) {
    v.age_time = v.time;
    v.age_source = v.time_source;
  }
}

// KeylessCandidates lists the keyless builders whose issuer and identity equal the
// certificate's (exactly; the ref is checked separately).
std::vector<size_t> KeylessCandidates(const Policy& p, const attestation::FulcioIdentity& id) {
  std::vector<size_t> out;
  if (id.san_type != attestation::FulcioIdentity::SanType::kUri) return out;
  for (size_t i = 0; i < p.builders.size(); ++i) {
    const auto& b = p.builders[i];
    if (b.keyless && b.keyless->issuer == id.issuer &&
        KeylessSanFinding(*b.keyless, id.san) != findings::kBuilderNotApproved) {
      out.push_back(i);
    }
  }
  return out;
}

// CheckKeylessSigner checks the SAN's ref and the build-signer extension for builder `b`.
void CheckKeylessSigner(const BuilderPolicy& b, const attestation::FulcioIdentity& id,
                        const std::string& origin, std::vector<Finding>& out) {
  std::string f = KeylessSanFinding(*b.keyless, id.san);
  if (f == findings::kRefNotAllowed) {
    out.push_back(F(findings::kRefNotAllowed, "builder " + b.name + ": the certificate's ref is not allowed", origin));
  } else if (!f.empty()) {
    out.push_back(F(findings::kBuilderNotApproved, "builder " + b.name + ": the certificate identity differs", origin));
  }
  // GitHub certificates repeat the signing workflow in Build Signer URI (.9); a disagreement
  // means the SAN does not name the workflow that actually ran.
  if (!id.build_signer_uri.empty() && id.build_signer_uri != id.san) {
    out.push_back(F(findings::kBuilderNotApproved,
                    "builder " + b.name + ": Build Signer URI disagrees with the SAN", origin));
  }
  // runner: decided on the certificate's Runner Environment (.11) alone.
  if (!b.keyless->runner.empty() && id.runner_environment != b.keyless->runner) {
    out.push_back(F(findings::kBuilderNotApproved,
                    "builder " + b.name + ": the certificate's runner environment is not " + b.keyless->runner,
                    origin));
  }
}

std::string CertRepo(const attestation::FulcioIdentity& id) {
  if (!id.source_repository_uri.empty()) return id.source_repository_uri;
  if (!id.github_workflow_repository.empty()) return "https://github.com/" + id.github_workflow_repository;
  return "";
}

std::string CertRef(const attestation::FulcioIdentity& id) {
  return !id.source_repository_ref.empty() ? id.source_repository_ref : id.github_workflow_ref;
}

// MatchSources checks a source repository, ref and immutable ids against the policy's sources:
// the repository must be listed, the ids must equal the pins of that entry (when it pins them)
// and the ref must match its refs.
void MatchSources(const Policy& p, const std::string& repo, const std::string& ref, const std::string& repo_id,
                  const std::string& owner_id, const std::string& origin, std::vector<Finding>& out) {
  bool repo_ok = false, ids_ok = false, ref_ok = false;
  for (const auto& src : p.sources) {
    if (src.repo != repo) continue;
    repo_ok = true;
    if ((!src.repository_id.empty() && src.repository_id != repo_id) ||
        (!src.owner_id.empty() && src.owner_id != owner_id)) {
      continue;
    }
    ids_ok = true;
    if (!src.refs || GlobMatchAny(*src.refs, ref)) ref_ok = true;
  }
  if (!repo_ok) {
    out.push_back(F(findings::kSourceNotAllowed, "the source repository is not approved", origin));
  } else if (!ids_ok) {
    out.push_back(F(findings::kSourceNotAllowed,
                    "the source repository or owner id differs from the policy's pin (or is absent)", origin));
  } else if (!ref_ok) {
    out.push_back(F(findings::kRefNotAllowed, "the source ref is not allowed", origin));
  }
}

void CheckSource(const Policy& p, const Provenance& prov, const attestation::FulcioIdentity* id,
                 bool cert_source_optional, const std::string& origin, std::vector<Finding>& out) {
  if (!prov.source || prov.source->repo.empty()) {
    out.push_back(F(findings::kSourceNotAllowed, "the provenance names no source repository", origin));
    return;
  }
  const SourceRef& s = *prov.source;
  if (id != nullptr) {
    std::string cert_repo = CertRepo(*id);
    std::string cert_ref = CertRef(*id);
    std::string cert_commit = !id->source_repository_digest.empty() ? id->source_repository_digest : id->github_workflow_sha;
    if (cert_repo.empty()) {
      if (!cert_source_optional) out.push_back(F(findings::kSourceNotAllowed, "the certificate names no source repository", origin));
    } else if (cert_repo != s.repo) {
      out.push_back(F(findings::kSourceNotAllowed,
                      "the certificate and the provenance name different source repositories", origin));
    }
    if (!cert_ref.empty() && cert_ref != s.ref) {
      out.push_back(F(findings::kSourceNotAllowed,
                      "the certificate and the provenance name different source refs", origin));
    }
    if (!cert_commit.empty() && !s.commit.empty() && cert_commit != s.commit) {
      out.push_back(F(findings::kSourceNotAllowed,
                      "the certificate and the provenance name different source commits", origin));
    }
  }
  // Id pins: a certificate's ids are Fulcio's; a key-signed provenance's are its signed claims.
  MatchSources(p, s.repo, s.ref, id != nullptr ? id->source_repository_identifier : prov.repository_id,
               id != nullptr ? id->source_repository_owner_identifier : prov.repository_owner_id, origin, out);
}

// CheckCertSource applies the `sources` rules to the source repository a keyless certificate
// names (used for companion attestations, whose payloads name no source).
void CheckCertSource(const Policy& p, const attestation::FulcioIdentity& id, bool cert_source_optional,
                     const std::string& origin, std::vector<Finding>& out) {
  const std::string repo = CertRepo(id);
  if (repo.empty()) {
    if (!cert_source_optional) {
      out.push_back(F(findings::kSourceNotAllowed, "the certificate names no source repository", origin));
    }
    return;
  }
  MatchSources(p, repo, CertRef(id), id.source_repository_identifier, id.source_repository_owner_identifier, origin,
               out);
}

void CheckAge(const std::optional<std::chrono::seconds>& max_age, const Verified& v, Timestamp at,
              const char* code, const std::string& origin, std::vector<Finding>& out) {
  if (!max_age) return;
  if (!v.age_time) {
    out.push_back(F(code,
                    v.identity ? "no verified time (transparency log or RFC 3161) to measure age from"
                               : "key-signed evidence without a signed finish time cannot be shown fresh (a log or "
                                 "timestamp time alone can be renewed for an old envelope)",
                    origin));
  } else if (*v.age_time > at) {
    out.push_back(F(code, "the signed finish time is after the evaluation time", origin));
  } else if (at - *v.age_time > *max_age) {
    out.push_back(F(code, "the earliest trusted time is older than max_age", origin));
  }
}

void Dedupe(std::vector<Finding>& fs) {
  std::set<std::tuple<std::string, std::string, std::string>> seen;
  std::vector<Finding> out;
  for (auto& f : fs) {
    if (seen.insert({f.code, f.message, f.input}).second) out.push_back(std::move(f));
  }
  fs = std::move(out);
}

class Evaluation {
 public:
  Evaluation(const LoadedPolicy& lp, const std::optional<attestation::TrustedRoot>& root,
             const GateRequest& req)
      : lp_(lp), p_(lp.policy), root_(root), req_(req), clock_(req.at) {}

  Decision Run() {
    d_.policy_digest = lp_.digest;
    d_.evaluated_at = req_.at;
    // 1. Subject.
    auto hex = ParseSubjectDigest(req_.subject);
    if (!hex.ok()) {
      bool mutable_ref = hex.error().finding() == findings::kMutableReference;
      d_.findings.push_back(F(mutable_ref ? findings::kMutableReference : findings::kMalformedInput,
                              mutable_ref ? "the subject is a tag or name without a digest"
                                          : "the subject is not sha256:<64 lowercase hex>",
                              ""));
      d_.unusable_input = !mutable_ref;
      return std::move(d_);
    }
    hex_ = *hex;
    d_.subject = "sha256:" + hex_;
    if (size_t at = req_.subject.rfind('@'); at != std::string::npos) image_repo_ = req_.subject.substr(0, at);
    auto digest = HexDecode(hex_);
    artifact_.sha256 = *digest;

    // 2-4. Provenance.
    std::vector<Finding> prov_findings;
    EvidenceSet ev = ReadEvidence(req_.provenance);
    for (const auto& pr : ev.problems) {
      Finding f = F(findings::kMalformedInput, "unreadable evidence: " + pr.message, pr.origin);
      if (pr.line != 0) line_findings_.push_back(f);
      prov_findings.push_back(std::move(f));
    }
    if (req_.provenance.empty()) {
      prov_findings.push_back(F(findings::kMissingAttestation, "no provenance was given", ""));
    }
    for (const auto& c : ev.candidates) {
      if (d_.provenance && c.line == 0) continue;
      Outcome o = Verify(c, Role::kProvenance);
      if (c.line != 0) KeepLineFindings(o.findings);
      // Once a provenance is accepted, the remaining lines of .intoto.jsonl inputs are still
      // verified, only so that a line that does not verify is reported.
      if (d_.provenance) continue;
      prov_findings.insert(prov_findings.end(), o.findings.begin(), o.findings.end());
      if (!o.verified) continue;
      CheckProvenance(*o.verified, prov_findings);
    }
    if (!d_.provenance) d_.findings = std::move(prov_findings);

    // 5. Requirements.
    CheckRequirements();

    // 6. Decision.
    d_.allowed = d_.provenance.has_value() && requirements_met_;
    if (!d_.allowed && d_.findings.empty()) {
      // Defensive: a denial always carries a reason.
      d_.findings.push_back(F(findings::kMissingAttestation, "no provenance was accepted", ""));
    }
    Dedupe(d_.findings);
    if (d_.allowed) {
      // An allowed decision carries only the .intoto.jsonl lines that did not parse or verify:
      // they are never dropped silently, and they do not change the decision.
      d_.findings = std::move(line_findings_);
      Dedupe(d_.findings);
    } else if (!d_.findings.empty()) {
      d_.unusable_input = std::all_of(d_.findings.begin(), d_.findings.end(), [](const Finding& f) {
        return f.code == findings::kMalformedInput;
      });
    }
    return std::move(d_);
  }

 private:
  // Verify checks one candidate's signature under the policy's signers (step 3).
  Outcome Verify(const Candidate& c, Role role) {
    Outcome o;
    if (c.bundle) {
      VerifyBundleCandidate(c, role, o);
    } else if (c.envelope) {
      VerifyEnvelopeCandidate(c, role, o);
    }
    if (o.verified) SetAgeBasis(*o.verified);
    return o;
  }

  void VerifyBundleCandidate(const Candidate& c, Role role, Outcome& o) {
    const attestation::Bundle& b = *c.bundle;
    if (!root_) {
      o.findings.push_back(F(findings::kUntrustedSigner,
                             "the policy pins no trusted root, so no Sigstore bundle can verify", c.origin));
      return;
    }
    Verified v;
    v.origin = c.origin;
    if (b.material != attestation::MaterialKind::kPublicKey) {
      // Keyless: read the (not yet verified) leaf identity only to tell the verifier which
      // identity to require; VerifyBundle then proves it, and only its result is used.
      if (b.certificates.empty()) {
        o.findings.push_back(F(findings::kMalformedInput, "bundle has no certificate", c.origin));
        return;
      }
      auto leaf = ossl::ParseCertificateDer(b.certificates[0]);
      if (!leaf.ok()) {
        o.findings.push_back(F(findings::kMalformedInput, "bundle certificate is not DER X.509", c.origin));
        return;
      }
      auto claimed = attestation::ParseFulcioIdentity(leaf->get());
      if (!claimed.ok()) {
        o.findings.push_back(MapVerifierError(claimed.error(), role, c.origin));
        return;
      }
      attestation::VerificationPolicy vp;
      vp.identity = attestation::CertificateIdentity{claimed->san, claimed->issuer};
      auto vb = attestation::VerifyBundle(b, *root_, vp, artifact_, clock_);
      if (!vb.ok()) {
        o.findings.push_back(MapVerifierError(vb.error(), role, c.origin));
        if (KeylessCandidates(p_, *claimed).empty()) {
          o.findings.push_back(F(findings::kBuilderNotApproved,
                                 "the certificate identity is not an approved builder", c.origin));
        }
        return;
      }
      if (!vb->identity() || !vb->statement()) {
        o.findings.push_back(F(findings::kPredicateTypeInvalid, "the bundle carries no in-toto statement", c.origin));
        return;
      }
      v.identity = *vb->identity();
      v.statement = *vb->statement();
      TakeTime(*vb, v);
      o.verified = std::move(v);
      return;
    }
    // Keyed bundle: a bundle holds one signature, so only threshold-1 builders can vouch.
    std::optional<Error> first_other;
    std::optional<Error> content_error;
    bool any_key = false;
    for (size_t i = 0; i < p_.builders.size(); ++i) {
      const auto& bp = p_.builders[i];
      if (bp.keyless || bp.threshold != 1) continue;
      for (size_t k = 0; k < lp_.keys[i].size(); ++k) {
        any_key = true;
        attestation::VerificationPolicy vp;
        vp.key = lp_.keys[i][k];
        auto vb = attestation::VerifyBundle(b, *root_, vp, artifact_, clock_);
        if (!vb.ok()) {
          const std::string& f = vb.error().finding();
          // A content refusal means this key verified the signature: it is the most telling
          // error, ahead of the "wrong key" errors the other keys produce.
          const bool content = f == af::kArtifactMismatch || f == af::kPayloadTypeMismatch ||
                               f == af::kStatementInvalid;
          if (content && !content_error) content_error = vb.error();
          if (f != af::kSignatureInvalid && f != af::kKeyMismatch && !first_other) {
            first_other = vb.error();
          }
          continue;
        }
        if (!vb->statement()) {
          o.findings.push_back(F(findings::kPredicateTypeInvalid, "the bundle carries no in-toto statement", c.origin));
          return;
        }
        if (!v.statement) {
          v.statement = *vb->statement();
          TakeTime(*vb, v);
        }
        v.key_builders.push_back(i);
        v.key_names.push_back(bp.keys[k]);
        break;
      }
    }
    if (v.key_builders.empty()) {
      if (content_error) {
        o.findings.push_back(MapVerifierError(*content_error, role, c.origin));
      } else if (first_other) {
        o.findings.push_back(MapVerifierError(*first_other, role, c.origin));
      } else {
        o.findings.push_back(F(findings::kUntrustedSigner,
                               any_key ? "no key of a threshold-1 builder verifies the bundle"
                                       : "no keyed builder can verify a single-signature bundle",
                               c.origin));
      }
      return;
    }
    o.verified = std::move(v);
  }

  void VerifyEnvelopeCandidate(const Candidate& c, Role role, Outcome& o) {
    Verified v;
    v.origin = c.origin;
    std::optional<attestation::VerifiedEnvelope> env;
    bool threshold_short = false;
    for (size_t i = 0; i < p_.builders.size(); ++i) {
      const auto& bp = p_.builders[i];
      if (bp.keyless) continue;
      std::vector<attestation::TrustedKey> keys;
      for (size_t k = 0; k < lp_.keys[i].size(); ++k) {
        keys.push_back(attestation::TrustedKey{bp.keys[k], lp_.keys[i][k]});
      }
      auto ve = attestation::VerifyEnvelope(*c.envelope, keys, bp.threshold);
      if (!ve.ok()) {
        if (ve.error().finding() == af::kThresholdNotMet) threshold_short = true;
        continue;
      }
      v.key_builders.push_back(i);
      for (const auto& n : ve->key_names()) v.key_names.push_back(n);
      if (!env) env = std::move(*ve);
    }
    if (!env) {
      if (threshold_short) {
        o.findings.push_back(F(findings::kUntrustedSigner,
                               "fewer distinct trusted keys signed than the builder's threshold", c.origin));
      } else {
        o.findings.push_back(F(findings::kSignatureInvalid,
                               "no signature verifies (over PAE) under any key the policy trusts", c.origin));
      }
      return;
    }
    auto st = attestation::ParseStatement(*env);
    if (!st.ok()) {
      o.findings.push_back(MapVerifierError(st.error(), role, c.origin));
      return;
    }
    if (!st->MatchesDigest("sha256", hex_)) {
      o.findings.push_back(F(role == Role::kProvenance ? findings::kSubjectMismatch
                                                       : findings::kAttestationSubjectMismatch,
                             "no subject of the statement is the digest", c.origin));
      return;
    }
    v.statement = std::move(*st);
    o.verified = std::move(v);
  }

  // CheckProvenance runs step 4 on one verified candidate; true when a builder accepts it.
  bool CheckProvenance(const Verified& v, std::vector<Finding>& out) {
    const auto& st = *v.statement;
    if (!IsSlsaProvenanceType(st.predicate_type())) {
      out.push_back(F(findings::kPredicateTypeInvalid, "the predicateType is not SLSA provenance", v.origin));
      return false;
    }
    auto prov = NormaliseProvenance(st.predicate_type(), st.predicate());
    if (!prov.ok()) {
      const bool pt = prov.error().finding() == findings::kPredicateTypeInvalid;
      out.push_back(F(pt ? findings::kPredicateTypeInvalid : findings::kMalformedInput,
                      "the provenance cannot be read: " + prov.error().message(), v.origin));
      return false;
    }
    std::vector<size_t> builders;
    if (v.identity) {
      builders = KeylessCandidates(p_, *v.identity);
      if (builders.empty()) {
        out.push_back(F(findings::kBuilderNotApproved,
                        "the certificate identity is not an approved builder", v.origin));
        return false;
      }
    } else {
      builders = v.key_builders;
    }
    std::vector<Finding> all;
    for (size_t i : builders) {
      const BuilderPolicy& b = p_.builders[i];
      std::vector<Finding> fs;
      if (v.identity) {
        CheckKeylessSigner(b, *v.identity, v.origin, fs);
        if (b.delegator) {
          if (!b.builder_ids || !MatchBuilderId(*b.builder_ids, prov->builder_id)) {
            fs.push_back(F(findings::kBuilderNotApproved,
                           "builder " + b.name + ": the delegated builder.id is not approved", v.origin));
          }
        } else if (prov->builder_id != v.identity->san) {
          fs.push_back(F(findings::kBuilderNotApproved,
                         "builder " + b.name + ": the payload's builder.id disagrees with the certificate",
                         v.origin));
        }
      } else if (b.builder_ids && !MatchBuilderId(*b.builder_ids, prov->builder_id)) {
        fs.push_back(F(findings::kBuilderNotApproved, "builder " + b.name + ": builder.id is not approved",
                       v.origin));
      }
      if (b.build_types && !GlobMatchAny(*b.build_types, prov->build_type)) {
        fs.push_back(F(findings::kBuildTypeNotAllowed, "builder " + b.name + ": buildType is not allowed",
                       v.origin));
      }
      // A claimed hosted runner is believed only when Fulcio says so (.11): a self-hosted
      // runner, or a builder key, can write any runner_environment into the predicate.
      if (ClaimsHostedRunner(*prov) && (!v.identity || v.identity->runner_environment != "github-hosted")) {
        fs.push_back(F(findings::kBuilderNotApproved,
                       "builder " + b.name +
                           ": the provenance claims a GitHub-hosted runner, which no certificate with runner "
                           "environment github-hosted confirms",
                       v.origin));
      }
      CheckSource(p_, *prov, v.identity ? &*v.identity : nullptr,
                  b.keyless && b.keyless->certificate_source_optional, v.origin, fs);
      CheckAge(p_.max_age, v, req_.at, findings::kProvenanceTooOld, v.origin, fs);
      if (!image_repo_.empty() && !ImageAllowed(st)) {
        fs.push_back(F(findings::kImageNotAllowed,
                       "the image name is neither a subject of this provenance with the digest nor matched by the "
                       "policy's images",
                       v.origin));
      }
      if (fs.empty()) {
        AcceptedProvenance a;
        a.input = v.origin;
        a.builder = b.name;
        a.signer = v.identity ? "keyless" : "key";
        if (v.identity) {
          a.san = v.identity->san;
          a.issuer = v.identity->issuer;
        }
        a.keys = v.key_names;
        a.provenance = std::move(*prov);
        a.trusted_time = v.age_time ? v.age_time : v.time;
        a.time_source = v.age_time ? v.age_source : v.time_source;
        d_.provenance = std::move(a);
        return true;
      }
      all.insert(all.end(), fs.begin(), fs.end());
    }
    out.insert(out.end(), all.begin(), all.end());
    return false;
  }

  // KeepLineFindings keeps the findings of an .intoto.jsonl line that does not verify. A line
  // about another digest is not an error: such files hold one line per built artifact.
  void KeepLineFindings(const std::vector<Finding>& fs) {
    for (const auto& f : fs) {
      if (f.code != findings::kSubjectMismatch && f.code != findings::kAttestationSubjectMismatch) {
        line_findings_.push_back(f);
      }
    }
  }

  // ImageAllowed reports whether the name to sign is a subject of `st` with this digest, or
  // matches the policy's images globs.
  bool ImageAllowed(const attestation::Statement& st) const {
    if (GlobMatchAny(p_.images, image_repo_)) return true;
    for (const auto& sub : st.subjects()) {
      if (sub.name != image_repo_) continue;
      for (const auto& [alg, value] : sub.digest) {
        if (alg == "sha256" && value == hex_) return true;
      }
    }
    return false;
  }

  // SignerNames lists the policy builders a verified attestation is signed by.
  std::vector<std::string> SignerNames(const Verified& v) {
    std::vector<std::string> names;
    if (v.identity) {
      for (size_t i : KeylessCandidates(p_, *v.identity)) {
        std::vector<Finding> fs;
        CheckKeylessSigner(p_.builders[i], *v.identity, v.origin, fs);
        if (fs.empty()) names.push_back(p_.builders[i].name);
      }
    } else {
      for (size_t i : v.key_builders) names.push_back(p_.builders[i].name);
    }
    return names;
  }

  void CheckVulns(const Requirement& r, const Verified& v, std::vector<Finding>& fs,
                  std::vector<Waiver>& waivers) {
    auto vulns = ReadVulnerabilities(v.statement->predicate());
    if (!vulns.ok()) {
      fs.push_back(F(findings::kMalformedInput, "the scan cannot be read: " + vulns.error().message(), v.origin));
      return;
    }
    for (const auto& vu : *vulns) {
      if (vu.level <= *r.max_severity) continue;
      const PolicyException* ex = nullptr;
      for (const auto& e : p_.exceptions) {
        if (e.finding == findings::kVulnSeverity && e.subject == d_.subject && e.match == vu.id) {
          ex = &e;
          break;
        }
      }
      std::string what = vu.id + " is " + std::string(SeverityName(vu.level)) + ", above " +
                         std::string(SeverityName(*r.max_severity));
      if (ex == nullptr) {
        fs.push_back(F(findings::kVulnSeverity, what, v.origin));
      } else if (ex->owner.empty() || !ex->expires) {
        fs.push_back(F(findings::kVulnSeverity, what + " (its exception lacks an owner or expiry)", v.origin));
      } else if (req_.at >= *ex->expires) {
        fs.push_back(F(findings::kExceptionExpired,
                       "the exception for " + vu.id + " expired at " + FormatRfc3339(*ex->expires), v.origin));
        fs.push_back(F(findings::kVulnSeverity, what, v.origin));
      } else {
        waivers.push_back(Waiver{ex->finding, ex->match, ex->owner, ex->ticket, *ex->expires, v.origin});
      }
    }
  }

  // CheckRequirements runs step 5.
  void CheckRequirements() {
    if (p_.require.empty()) return;
    EvidenceSet ev = ReadEvidence(req_.attestations);
    std::vector<Finding> input_findings;
    for (const auto& pr : ev.problems) {
      Finding f = F(findings::kMalformedInput, "unreadable evidence: " + pr.message, pr.origin);
      if (pr.line != 0) line_findings_.push_back(f);
      input_findings.push_back(std::move(f));
    }
    std::vector<Verified> verified;
    for (const auto& c : ev.candidates) {
      Outcome o = Verify(c, Role::kAttestation);
      if (c.line != 0) KeepLineFindings(o.findings);
      input_findings.insert(input_findings.end(), o.findings.begin(), o.findings.end());
      if (o.verified) verified.push_back(std::move(*o.verified));
    }
    bool all_met = true;
    for (const auto& r : p_.require) {
      bool met = false;
      std::vector<Finding> rf;
      for (const auto& v : verified) {
        if (v.statement->predicate_type() != r.predicate_type) continue;
        std::vector<std::string> names = SignerNames(v);
        bool signer_ok = std::any_of(names.begin(), names.end(), [&](const std::string& n) {
          return std::find(r.signed_by.begin(), r.signed_by.end(), n) != r.signed_by.end();
        });
        if (!signer_ok) {
          rf.push_back(F(findings::kUntrustedSigner,
                         "the attestation is not signed by a builder the requirement names", v.origin));
          continue;
        }
        std::vector<Finding> fs;
        std::vector<Waiver> waivers;
        if (v.identity) {
          // A keyless companion is bound to a source like provenance is: the certificate's.
          bool optional = false;
          for (const auto& n : names) {
            const BuilderPolicy* b = p_.FindBuilder(n);
            const bool listed = std::find(r.signed_by.begin(), r.signed_by.end(), n) != r.signed_by.end();
            if (listed && b != nullptr && b->keyless && b->keyless->certificate_source_optional) optional = true;
          }
          CheckCertSource(p_, *v.identity, optional, v.origin, fs);
        }
        CheckAge(r.max_age, v, req_.at, findings::kAttestationTooOld, v.origin, fs);
        if (r.max_severity) CheckVulns(r, v, fs, waivers);
        if (fs.empty()) {
          met = true;
          d_.attestations.push_back(
              AcceptedAttestation{v.origin, r.predicate_type, names.front(), v.age_time ? v.age_time : v.time});
          d_.waivers.insert(d_.waivers.end(), waivers.begin(), waivers.end());
          break;
        }
        rf.insert(rf.end(), fs.begin(), fs.end());
      }
      if (!met) {
        all_met = false;
        d_.findings.push_back(F(findings::kMissingAttestation,
                                "no acceptable attestation of type " + r.predicate_type, ""));
        for (auto& f : rf) f.requirement = r.predicate_type;
        d_.findings.back().requirement = r.predicate_type;
        d_.findings.insert(d_.findings.end(), rf.begin(), rf.end());
      }
    }
    for (auto& f : input_findings) f.requirement = "*";
    if (!all_met) d_.findings.insert(d_.findings.end(), input_findings.begin(), input_findings.end());
    requirements_met_ = all_met;
  }

  const LoadedPolicy& lp_;
  const Policy& p_;
  const std::optional<attestation::TrustedRoot>& root_;
  const GateRequest& req_;
  FixedClock clock_;
  std::string hex_;
  std::vector<Finding> line_findings_;  // .intoto.jsonl lines that did not parse or verify
  std::string image_repo_;  // REPO of a "REPO@sha256:D" subject; empty for a bare digest
  attestation::Artifact artifact_;
  bool requirements_met_ = true;
  Decision d_;
};

JsonValue Str(const std::string& s) { return JsonValue::String(s); }

JsonValue TimeOrNull(const std::optional<Timestamp>& t) {
  return t ? JsonValue::String(FormatRfc3339(*t)) : JsonValue::Null();
}

}  // namespace

bool MatchBuilderId(const std::vector<std::string>& patterns, std::string_view id) {
  const auto ats = std::count(id.begin(), id.end(), '@');
  for (const auto& p : patterns) {
    if (std::count(p.begin(), p.end(), '@') == ats && GlobMatch(p, id)) return true;
  }
  return false;
}

std::string KeylessSanFinding(const KeylessIdentity& k, std::string_view san) {
  size_t at = san.find('@');
  if (at == std::string_view::npos || san.find('@', at + 1) != std::string_view::npos ||
      san.substr(0, at) != k.identity) {
    return findings::kBuilderNotApproved;
  }
  if (!k.refs || !GlobMatchAny(*k.refs, san.substr(at + 1))) return findings::kRefNotAllowed;
  return "";
}

Result<std::string> ParseSubjectDigest(std::string_view subject) {
  constexpr std::string_view kAlg = "sha256:";
  auto bad = [] {
    return InvalidArgument("subject must be sha256:<64 lowercase hex>").WithFinding(findings::kMalformedInput);
  };
  // An empty subject (`--subject ''`) is unusable input, not a mutable reference.
  if (subject.empty()) return bad();
  std::string_view digest = subject;
  size_t at = subject.rfind('@');
  if (at != std::string_view::npos) {
    if (at == 0) return bad();  // "@sha256:<hex>" names nothing
    digest = subject.substr(at + 1);  // "<name>@sha256:<hex>" pins a digest
  } else if (digest.substr(0, kAlg.size()) != kAlg) {
    // Without '@', a bare "<alg>:<hex>" is a malformed digest ("SHA256:...", "sha512:...");
    // anything else ("ghcr.io/acme/api:v1", "api") is a mutable reference.
    size_t colon = digest.find(':');
    bool digest_like = colon != std::string_view::npos && colon > 0 &&
                       digest.find_first_of("/.@") == std::string_view::npos &&
                       digest.size() - colon - 1 >= 32 &&
                       digest.substr(colon + 1).find_first_not_of("0123456789abcdefABCDEF:") ==
                           std::string_view::npos;
    if (digest_like) return bad();
    return VerificationFailed(findings::kMutableReference, "subject has no digest");
  }
  if (digest.substr(0, kAlg.size()) != kAlg) return bad();
  std::string_view hex = digest.substr(kAlg.size());
  if (hex.size() != 64 || !HexDecode(hex).ok()) return bad();
  return std::string(hex);
}

Result<Gate> Gate::Create(LoadedPolicy policy, std::optional<attestation::TrustedRoot> root) {
  if (!policy.policy.trusted_root.empty() && !root) {
    return InvalidArgument("the policy names a trusted root but none was loaded");
  }
  if (policy.keys.size() != policy.policy.builders.size()) {
    return InvalidArgument("policy keys were not loaded (use LoadPolicy)");
  }
  return Gate(std::move(policy), std::move(root));
}

Decision Gate::Evaluate(const GateRequest& request) const {
  return Evaluation(policy_, root_, request).Run();
}

JsonValue Decision::ToJson() const {
  JsonValue out = JsonValue::MakeObject();
  out.Set("allowed", JsonValue::Bool(allowed));
  out.Set("subject", subject.empty() ? JsonValue::Null() : Str(subject));
  out.Set("policy_digest", Str(policy_digest));
  out.Set("evaluated_at", Str(FormatRfc3339(evaluated_at)));
  JsonValue fs = JsonValue::MakeArray();
  for (const auto& f : findings) {
    JsonValue o = JsonValue::MakeObject();
    o.Set("code", Str(f.code));
    o.Set("message", Str(f.message));
    o.Set("input", f.input.empty() ? JsonValue::Null() : Str(f.input));
    fs.Push(std::move(o));
  }
  out.Set("findings", std::move(fs));
  JsonValue ver = JsonValue::MakeObject();
  if (provenance) {
    const auto& a = *provenance;
    JsonValue p = JsonValue::MakeObject();
    p.Set("input", Str(a.input));
    p.Set("builder", Str(a.builder));
    JsonValue signer = JsonValue::MakeObject();
    signer.Set("kind", Str(a.signer));
    if (a.signer == "keyless") {
      signer.Set("san", Str(a.san));
      signer.Set("issuer", Str(a.issuer));
      const size_t at = a.san.find('@');  // verified: exactly one '@'
      signer.Set("ref", Str(at == std::string::npos ? std::string() : a.san.substr(at + 1)));
    } else {
      JsonValue keys = JsonValue::MakeArray();
      for (const auto& k : a.keys) keys.Push(Str(k));
      signer.Set("keys", std::move(keys));
    }
    p.Set("signer", std::move(signer));
    p.Set("predicate_type", Str(a.provenance.predicate_type));
    p.Set("builder_id", Str(a.provenance.builder_id));
    p.Set("build_type", Str(a.provenance.build_type));
    JsonValue src = JsonValue::MakeObject();
    if (a.provenance.source) {
      src.Set("repo", Str(a.provenance.source->repo));
      src.Set("ref", Str(a.provenance.source->ref));
      src.Set("commit", Str(a.provenance.source->commit));
    }
    p.Set("source", std::move(src));
    p.Set("trigger", Str(a.provenance.trigger));
    p.Set("trusted_time", TimeOrNull(a.trusted_time));
    p.Set("time_source", a.time_source.empty() ? JsonValue::Null() : Str(a.time_source));
    ver.Set("provenance", std::move(p));
  } else {
    ver.Set("provenance", JsonValue::Null());
  }
  JsonValue atts = JsonValue::MakeArray();
  for (const auto& a : attestations) {
    JsonValue o = JsonValue::MakeObject();
    o.Set("input", Str(a.input));
    o.Set("predicate_type", Str(a.predicate_type));
    o.Set("builder", Str(a.builder));
    o.Set("trusted_time", TimeOrNull(a.trusted_time));
    atts.Push(std::move(o));
  }
  ver.Set("attestations", std::move(atts));
  JsonValue ws = JsonValue::MakeArray();
  for (const auto& w : waivers) {
    JsonValue o = JsonValue::MakeObject();
    o.Set("finding", Str(w.finding));
    o.Set("match", Str(w.match));
    o.Set("owner", Str(w.owner));
    o.Set("ticket", Str(w.ticket));
    o.Set("expires", Str(FormatRfc3339(w.expires)));
    o.Set("input", Str(w.input));
    ws.Push(std::move(o));
  }
  ver.Set("waivers", std::move(ws));
  out.Set("verified", std::move(ver));
  return out;
}

}  // namespace signet::policy
