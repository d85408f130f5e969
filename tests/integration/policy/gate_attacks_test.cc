// Attack cases from issue 5, each with its own key material generated here: prefix and '@'
// tricks, regex traps, prerelease and branch refs, duplicate JSON keys, uppercase and prefixed
// digests, signatures over the raw payload, keyid spoofing, garbage signatures, replay for
// another digest, stale builds with fresh self-reported timestamps, companion SBOMs about other
// digests, and scans over threshold with valid, missing and expired exceptions.
#include <gtest/gtest.h>

#include "gate_test_util.h"
#include "signet/attestation/dsse.h"
#include "signet/core/encoding.h"

namespace signet::policy {
namespace {

using testutil::Codes;
using testutil::Describe;
using testutil::DsseSig;
using testutil::Envelope;
using testutil::MakeKey;
using testutil::ProvenanceV1;
using testutil::SignedEnvelope;
using testutil::Statement;
using testutil::TempDir;
using testutil::TestKey;

constexpr char kDigest[] = "4c3f6a0e2b0b0d35c5f0f6f5a4a6d8c8e3b1b7f0d9a3c2e1f0a9b8c7d6e5f4a3";
constexpr char kOther[] = "9999999999999999999999999999999999999999999999999999999999999999";
constexpr char kBuilderId[] = "https://build.example.internal/builder/v1";
constexpr char kBuildType[] = "https://build.example.internal/types/container/v1";
constexpr char kRepo[] = "https://git.example.internal/acme/api";
constexpr char kAt[] = "2026-11-25T10:00:00Z";
constexpr char kSlsa1[] = "https://slsa.dev/provenance/v1";
constexpr char kCdx[] = "https://cyclonedx.org/bom";
constexpr char kVuln[] = "https://cosign.sigstore.dev/attestation/vuln/v1";

std::string Subject() { return std::string("sha256:") + kDigest; }

class GateAttacks : public ::testing::Test {
 protected:
  void SetUp() override {
    builder_ = MakeKey(dir_, "builder");
    builder2_ = MakeKey(dir_, "builder2", "ed25519");
    scanner_ = MakeKey(dir_, "scanner");
    attacker_ = MakeKey(dir_, "attacker");
  }

  // Policy writes a policy with an on-prem builder and a scanner; `builder_extra` lines are
  // added to the builder, `top_extra` at the end.
  std::string Policy(const std::string& builder_extra = "", const std::string& top_extra = "",
                     const std::string& source_refs = "[\"refs/tags/v?.?.?\"]",
                     const std::string& keys = "") {
    static int counter = 0;
    std::string k = keys.empty() ? "[" + builder_.pub_path + "]" : keys;
    return dir_.Write("policy" + std::to_string(++counter) + ".yaml",
                      "version: 1\nbuilders:\n  - name: onprem\n    keys: " + k +
                          "\n    builder_ids: [\"" + kBuilderId + "\"]\n    build_types: [\"" +
                          kBuildType + "\"]\n" + builder_extra + "  - name: scanner\n    keys: [" +
                          scanner_.pub_path + "]\nsources:\n  - repo: " + kRepo + "\n    refs: " +
                          source_refs + "\n" + top_extra);
  }

  std::string Prov(const std::string& digest = kDigest, const std::string& builder_id = kBuilderId,
                   const std::string& ref = "refs/tags/v1.2.3") {
    return Statement(digest, kSlsa1, ProvenanceV1(builder_id, kBuildType, kRepo, ref));
  }

  std::string File(const std::string& content) {
    static int counter = 0;
    return dir_.Write("in" + std::to_string(++counter) + ".json", content);
  }

  Decision Decide(const std::string& policy, const std::vector<std::string>& prov,
               const std::vector<std::string>& atts = {}, const std::string& subject = Subject(),
               const std::string& at = kAt) {
    std::vector<std::string> pf, af;
    for (const auto& p : prov) pf.push_back(File(p));
    for (const auto& a : atts) af.push_back(File(a));
    return testutil::Evaluate(policy, subject, pf, af, at);
  }

  TempDir dir_;
  TestKey builder_, builder2_, scanner_, attacker_;
};

TEST_F(GateAttacks, BaselineIsAllowed) {
  Decision d = Decide(Policy(), {SignedEnvelope(Prov(), {&builder_})});
  ASSERT_TRUE(d.allowed) << Describe(d);
  EXPECT_EQ(d.provenance->builder, "onprem");
  EXPECT_EQ(d.provenance->signer, "key");
  EXPECT_EQ(d.provenance->keys, std::vector<std::string>{builder_.pub_path});
  EXPECT_EQ(d.provenance->provenance.source->ref, "refs/tags/v1.2.3");
  // Ed25519 keys work the same way.
  std::string ed = Policy("", "", "[\"refs/tags/v?.?.?\"]", "[" + builder2_.pub_path + "]");
  d = Decide(ed, {SignedEnvelope(Prov(), {&builder2_})});
  EXPECT_TRUE(d.allowed) << Describe(d);
}

TEST_F(GateAttacks, BuilderIdPrefixAndAtTricks) {
  for (const std::string& id : {std::string(kBuilderId) + ".evil", std::string(kBuilderId) + "/x",
                               std::string("https://build.example.internal.evil/builder/v1"),
                               std::string(kBuilderId) + "@evil", std::string("x") + kBuilderId}) {
    Decision d = Decide(Policy(), {SignedEnvelope(Prov(kDigest, id), {&builder_})});
    EXPECT_EQ(Codes(d), std::set<std::string>{"BUILDER_NOT_APPROVED"}) << id << Describe(d);
  }
  // A glob over builder ids cannot absorb a second '@'.
  std::string pol = dir_.Write("at.yaml",
      "version: 1\nbuilders:\n  - name: onprem\n    keys: [" + builder_.pub_path +
      "]\n    builder_ids: [\"https://github.com/acme/ci/.github/workflows/build.yml@refs/tags/v*\"]\n"
      "sources:\n  - repo: " + kRepo + "\n");
  Decision d = Decide(pol, {SignedEnvelope(Prov(kDigest, "https://github.com/acme/ci/.github/workflows/build.yml@refs/tags/v1@evil"), {&builder_})});
  EXPECT_EQ(Codes(d), std::set<std::string>{"BUILDER_NOT_APPROVED"}) << Describe(d);
  d = Decide(pol, {SignedEnvelope(Prov(kDigest, "https://github.com/acme/ci/.github/workflows/build.yml@refs/tags/v1"), {&builder_})});
  EXPECT_TRUE(d.allowed) << Describe(d);
}

TEST(KeylessSanTest, ExactIdentitySingleAtAnchoredRef) {
  KeylessIdentity k;
  k.issuer = "https://token.actions.githubusercontent.com";
  k.identity = "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml";
  k.refs = std::vector<std::string>{"refs/tags/v*"};
  EXPECT_EQ(KeylessSanFinding(k, k.identity + "@refs/tags/v2.1.0"), "");
  EXPECT_EQ(KeylessSanFinding(k, k.identity + ".evil@refs/tags/v2.1.0"), "BUILDER_NOT_APPROVED");
  EXPECT_EQ(KeylessSanFinding(k, k.identity + "@refs/tags/v2.1.0@evil"), "BUILDER_NOT_APPROVED");
  EXPECT_EQ(KeylessSanFinding(k, k.identity + "@evil@refs/tags/v2.1.0"), "BUILDER_NOT_APPROVED");
  EXPECT_EQ(KeylessSanFinding(k, "https://evil.example/" + k.identity + "@refs/tags/v1"), "BUILDER_NOT_APPROVED");
  EXPECT_EQ(KeylessSanFinding(k, k.identity), "BUILDER_NOT_APPROVED");
  EXPECT_EQ(KeylessSanFinding(k, k.identity + "@refs/heads/v2.1.0"), "REF_NOT_ALLOWED");  // a branch named like a tag
  EXPECT_EQ(KeylessSanFinding(k, k.identity + "@refs/tags/v2/../../heads/main"), "REF_NOT_ALLOWED");
  k.refs = std::vector<std::string>{};  // empty: nothing approved
  EXPECT_EQ(KeylessSanFinding(k, k.identity + "@refs/tags/v2.1.0"), "REF_NOT_ALLOWED");
  k.refs.reset();  // absent: nothing approved either
  EXPECT_EQ(KeylessSanFinding(k, k.identity + "@refs/tags/v2.1.0"), "REF_NOT_ALLOWED");
  // The unanchored-regex trap: a regex-looking identity or ref matches only itself.
  k.identity = "https://github.com/slsa-framework/.*";
  k.refs = std::vector<std::string>{"refs/tags/v.*"};
  EXPECT_EQ(KeylessSanFinding(k, "https://github.com/slsa-framework/x.yml@refs/tags/v1"), "BUILDER_NOT_APPROVED");
  EXPECT_TRUE(MatchBuilderId({"a@b*"}, "a@bc"));
  EXPECT_FALSE(MatchBuilderId({"a@b*"}, "a@bc@d"));
  EXPECT_FALSE(MatchBuilderId({}, "a"));
}

TEST_F(GateAttacks, UnanchoredRegexTrap) {
  // A policy author who writes regex gets a literal match, never "anything after the prefix".
  std::string pol = dir_.Write("regex.yaml",
      "version: 1\nbuilders:\n  - name: onprem\n    keys: [" + builder_.pub_path +
      "]\n    builder_ids: [\"https://build.example.internal/.*\"]\nsources:\n  - repo: " + kRepo +
      "\n    refs: [\"refs/tags/v.*\"]\n");
  Decision d = Decide(pol, {SignedEnvelope(Prov(), {&builder_})});
  EXPECT_EQ(Codes(d), (std::set<std::string>{"BUILDER_NOT_APPROVED", "REF_NOT_ALLOWED"})) << Describe(d);
  auto lp = LoadPolicy(pol);
  ASSERT_TRUE(lp.ok());
  bool flagged = false;
  for (const auto& f : LintPolicy(lp->policy)) flagged = flagged || f.code == "UNANCHORED_PATTERN";
  EXPECT_TRUE(flagged);
}

TEST_F(GateAttacks, PrereleaseAndBranchRefs) {
  for (const char* ref : {"refs/tags/v1.2.3-rc1", "refs/heads/v1.2.3", "refs/tags/v1.2.3/x", "v1.2.3", ""}) {
    Decision d = Decide(Policy(), {SignedEnvelope(Prov(kDigest, kBuilderId, ref), {&builder_})});
    EXPECT_EQ(Codes(d), std::set<std::string>{"REF_NOT_ALLOWED"}) << ref << Describe(d);
  }
  // Empty source refs list: nothing is approved.
  Decision d = Decide(Policy("", "", "[]"), {SignedEnvelope(Prov(), {&builder_})});
  EXPECT_EQ(Codes(d), std::set<std::string>{"REF_NOT_ALLOWED"}) << Describe(d);
}

TEST_F(GateAttacks, DuplicateJsonKeys) {
  // Signed correctly, but the payload has two "predicateType" members.
  std::string st = Prov();
  st.insert(1, "\"predicateType\":\"https://example.com/other\",");
  Decision d = Decide(Policy(), {SignedEnvelope(st, {&builder_})});
  EXPECT_EQ(Codes(d), std::set<std::string>{"MALFORMED_INPUT"}) << Describe(d);
  // Duplicate keys in the envelope itself.
  std::string env = SignedEnvelope(Prov(), {&builder_});
  env.insert(1, "\"payloadType\":\"text/plain\",");
  d = Decide(Policy(), {env});
  EXPECT_EQ(Codes(d), std::set<std::string>{"MALFORMED_INPUT"}) << Describe(d);
  EXPECT_TRUE(d.unusable_input);
}

TEST_F(GateAttacks, UppercaseAndPrefixedDigests) {
  std::string upper(kDigest);
  for (auto& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  // In the payload: never equal to the lowercase digest.
  Decision d = Decide(Policy(), {SignedEnvelope(Prov(upper), {&builder_})});
  EXPECT_EQ(Codes(d), std::set<std::string>{"SUBJECT_MISMATCH"}) << Describe(d);
  d = Decide(Policy(), {SignedEnvelope(Prov(std::string("sha256:") + kDigest), {&builder_})});
  EXPECT_EQ(Codes(d), std::set<std::string>{"SUBJECT_MISMATCH"}) << Describe(d);
  // In the request: unusable.
  for (const std::string& s : {"sha256:" + upper, "SHA256:" + std::string(kDigest),
                              "sha256:sha256:" + std::string(kDigest), "sha256:" + std::string(kDigest).substr(2),
                              "sha512:" + std::string(kDigest) + std::string(kDigest)}) {
    d = Decide(Policy(), {SignedEnvelope(Prov(), {&builder_})}, {}, s);
    EXPECT_EQ(Codes(d), std::set<std::string>{"MALFORMED_INPUT"}) << s;
    EXPECT_TRUE(d.unusable_input) << s;
  }
  // A tag is a mutable reference; a name pinned by digest is fine.
  d = Decide(Policy(), {SignedEnvelope(Prov(), {&builder_})}, {}, "ghcr.io/acme/api:v1.2.3");
  EXPECT_EQ(Codes(d), std::set<std::string>{"MUTABLE_REFERENCE"});
  EXPECT_FALSE(d.unusable_input);
  d = Decide(Policy(), {SignedEnvelope(Prov(), {&builder_})}, {}, "ghcr.io/acme/api");
  EXPECT_EQ(Codes(d), std::set<std::string>{"MUTABLE_REFERENCE"});
  d = Decide(Policy(), {SignedEnvelope(Prov(), {&builder_})}, {}, "ghcr.io/acme/api@sha256:" + std::string(kDigest));
  EXPECT_TRUE(d.allowed) << Describe(d);
  EXPECT_EQ(d.subject, Subject());
}

TEST_F(GateAttacks, SignatureOverRawPayloadInsteadOfPae) {
  std::string st = Prov();
  std::string env = Envelope("application/vnd.in-toto+json", st, {DsseSig{"", testutil::Sign(builder_, AsBytes(st))}});
  Decision d = Decide(Policy(), {env});
  EXPECT_EQ(Codes(d), std::set<std::string>{"SIGNATURE_INVALID"}) << Describe(d);
}

TEST_F(GateAttacks, KeyidSpoofing) {
  Bytes pae = attestation::Pae("application/vnd.in-toto+json", AsBytes(Prov()));
  // The attacker names the trusted key's path as keyid: keyids are never consulted.
  std::string env = Envelope("application/vnd.in-toto+json", Prov(),
                             {DsseSig{builder_.pub_path, testutil::Sign(attacker_, pae)}});
  Decision d = Decide(Policy(), {env});
  EXPECT_EQ(Codes(d), std::set<std::string>{"SIGNATURE_INVALID"}) << Describe(d);
  // A genuine signature with a misleading keyid still verifies.
  env = Envelope("application/vnd.in-toto+json", Prov(), {DsseSig{"attacker", testutil::Sign(builder_, pae)}});
  d = Decide(Policy(), {env});
  EXPECT_TRUE(d.allowed) << Describe(d);
}

TEST_F(GateAttacks, ValidSignaturePlusGarbageAndThreshold) {
  Bytes pae = attestation::Pae("application/vnd.in-toto+json", AsBytes(Prov()));
  Bytes good = testutil::Sign(builder_, pae);
  Bytes garbage(good.size(), 0x30);
  std::string env = Envelope("application/vnd.in-toto+json", Prov(),
                             {DsseSig{"", garbage}, DsseSig{"", good}, DsseSig{"", testutil::Sign(attacker_, pae)}});
  Decision d = Decide(Policy(), {env});
  EXPECT_TRUE(d.allowed) << Describe(d);
  // Threshold 2 of two distinct keys: one key signing twice does not count twice.
  std::string two = Policy("    threshold: 2\n", "", "[\"refs/tags/v?.?.?\"]",
                           "[" + builder_.pub_path + ", " + builder2_.pub_path + "]");
  env = Envelope("application/vnd.in-toto+json", Prov(), {DsseSig{"", good}, DsseSig{"", testutil::Sign(builder_, pae)}});
  d = Decide(two, {env});
  EXPECT_EQ(Codes(d), std::set<std::string>{"UNTRUSTED_SIGNER"}) << Describe(d);
  d = Decide(two, {SignedEnvelope(Prov(), {&builder_, &builder2_})});
  ASSERT_TRUE(d.allowed) << Describe(d);
  EXPECT_EQ(d.provenance->keys.size(), 2u);
}

TEST_F(GateAttacks, ProvenanceReplayedForAnotherDigest) {
  Decision d = Decide(Policy(), {SignedEnvelope(Prov(kOther), {&builder_})});
  EXPECT_EQ(Codes(d), std::set<std::string>{"SUBJECT_MISMATCH"}) << Describe(d);
}

TEST_F(GateAttacks, AnyOnePassingProvenanceIsEnough) {
  // The first candidate fails (other digest), the second passes: allowed.
  Decision d = Decide(Policy(), {SignedEnvelope(Prov(kOther), {&builder_}), SignedEnvelope(Prov(), {&builder_})});
  EXPECT_TRUE(d.allowed) << Describe(d);
  // Both in one .intoto.jsonl file.
  d = Decide(Policy(), {SignedEnvelope(Prov(kOther), {&builder_}) + "\n" + SignedEnvelope(Prov(), {&builder_}) + "\n"});
  EXPECT_TRUE(d.allowed) << Describe(d);
  EXPECT_NE(d.provenance->input.find("#2"), std::string::npos);
}

TEST_F(GateAttacks, StaleBuildWithFreshSelfReportedTime) {
  // A key-signed envelope's only time is the builder's signed finishedOn (issue 12 item 5: its
  // key is trusted, so that time is too). Signed 60 days ago: too old, whatever else it says.
  std::string stale = Statement(kDigest, kSlsa1, ProvenanceV1(kBuilderId, kBuildType, kRepo, "refs/tags/v1.2.3", "2026-09-26T09:00:00Z"));
  Decision d = Decide(Policy("", "max_age: 720h\n"), {SignedEnvelope(stale, {&builder_})});
  EXPECT_EQ(Codes(d), std::set<std::string>{"PROVENANCE_TOO_OLD"}) << Describe(d);
  // Signed an hour ago: fresh.
  std::string fresh = Statement(kDigest, kSlsa1, ProvenanceV1(kBuilderId, kBuildType, kRepo, "refs/tags/v1.2.3", "2026-11-25T09:00:00Z"));
  d = Decide(Policy("", "max_age: 720h\n"), {SignedEnvelope(fresh, {&builder_})});
  ASSERT_TRUE(d.allowed) << Describe(d);
  EXPECT_EQ(d.provenance->time_source, "signed-finish-time");
  // No signed finishedOn at all: no freshness.
  std::string undated = Statement(kDigest, kSlsa1, ProvenanceV1(kBuilderId, kBuildType, kRepo, "refs/tags/v1.2.3", ""));
  d = Decide(Policy("", "max_age: 720h\n"), {SignedEnvelope(undated, {&builder_})});
  EXPECT_EQ(Codes(d), std::set<std::string>{"PROVENANCE_TOO_OLD"}) << Describe(d);
  // A signed finish time after the evaluation time proves no age at all.
  std::string future = Statement(kDigest, kSlsa1, ProvenanceV1(kBuilderId, kBuildType, kRepo, "refs/tags/v1.2.3", "2027-01-01T00:00:00Z"));
  d = Decide(Policy("", "max_age: 720h\n"), {SignedEnvelope(future, {&builder_})});
  EXPECT_EQ(Codes(d), std::set<std::string>{"PROVENANCE_TOO_OLD"}) << Describe(d);
}

TEST_F(GateAttacks, UnapprovedSignersAndLists) {
  Decision d = Decide(Policy(), {SignedEnvelope(Prov(), {&attacker_})});
  EXPECT_EQ(Codes(d), std::set<std::string>{"SIGNATURE_INVALID"}) << Describe(d);
  // Empty allow-lists approve nothing.
  std::string empty_ids = dir_.Write("empty.yaml",
      "version: 1\nbuilders:\n  - name: onprem\n    keys: [" + builder_.pub_path +
      "]\n    builder_ids: []\n    build_types: []\nsources: []\n");
  d = Decide(empty_ids, {SignedEnvelope(Prov(), {&builder_})});
  EXPECT_EQ(Codes(d), (std::set<std::string>{"BUILDER_NOT_APPROVED", "BUILD_TYPE_NOT_ALLOWED", "SOURCE_NOT_ALLOWED"}))
      << Describe(d);
  std::string other_type = Statement(kDigest, kSlsa1, ProvenanceV1(kBuilderId, "https://evil/type", kRepo, "refs/tags/v1.2.3"));
  d = Decide(Policy(), {SignedEnvelope(other_type, {&builder_})});
  EXPECT_EQ(Codes(d), std::set<std::string>{"BUILD_TYPE_NOT_ALLOWED"}) << Describe(d);
  std::string other_repo = Statement(kDigest, kSlsa1, ProvenanceV1(kBuilderId, kBuildType, "https://git.example.internal/acme/api2", "refs/tags/v1.2.3"));
  d = Decide(Policy(), {SignedEnvelope(other_repo, {&builder_})});
  EXPECT_EQ(Codes(d), std::set<std::string>{"SOURCE_NOT_ALLOWED"}) << Describe(d);
  std::string sbom = Statement(kDigest, kCdx, "{}");
  d = Decide(Policy(), {SignedEnvelope(sbom, {&builder_})});
  EXPECT_EQ(Codes(d), std::set<std::string>{"PREDICATE_TYPE_INVALID"}) << Describe(d);
  d = Decide(Policy(), {SignedEnvelope(Prov(), {&builder_}, "text/plain")});
  EXPECT_EQ(Codes(d), std::set<std::string>{"PREDICATE_TYPE_INVALID"}) << Describe(d);
  d = Decide(Policy(), {"not json at all\nstill not"});
  EXPECT_EQ(Codes(d), std::set<std::string>{"MALFORMED_INPUT"}) << Describe(d);
  EXPECT_TRUE(d.unusable_input);
}

std::string TrivyScan(const std::string& id, const std::string& severity) {
  return R"({"scanner":{"uri":"pkg:github/aquasecurity/trivy@0.50.0","version":"0.50.0","result":{"SchemaVersion":2,"Results":[{"Target":"x","Vulnerabilities":[{"VulnerabilityID":")" +
         id + R"(","Severity":")" + severity + R"("}]},{"Target":"y"}]}}})";
}

std::string Requirements(const std::string& extra_exceptions = "") {
  return "require:\n  - predicate_type: " + std::string(kCdx) +
         "\n    signed_by: [scanner]\n  - predicate_type: " + kVuln +
         "\n    signed_by: [scanner]\n    max_severity: medium\n" + extra_exceptions;
}

TEST_F(GateAttacks, CompanionAttestations) {
  std::string pol = Policy("", Requirements());
  std::string prov = SignedEnvelope(Prov(), {&builder_});
  std::string sbom = SignedEnvelope(Statement(kDigest, kCdx, R"({"bomFormat":"CycloneDX"})"), {&scanner_});
  std::string scan = SignedEnvelope(Statement(kDigest, kVuln, TrivyScan("CVE-2026-0001", "LOW")), {&scanner_});
  Decision d = Decide(pol, {prov}, {sbom, scan});
  ASSERT_TRUE(d.allowed) << Describe(d);
  EXPECT_EQ(d.attestations.size(), 2u);

  // Nothing given: both requirements missing.
  d = Decide(pol, {prov}, {});
  EXPECT_EQ(Codes(d), std::set<std::string>{"MISSING_ATTESTATION"}) << Describe(d);
  EXPECT_EQ(d.findings.size(), 2u);

  // An SBOM about another digest.
  std::string other_sbom = SignedEnvelope(Statement(kOther, kCdx, "{}"), {&scanner_});
  d = Decide(pol, {prov}, {other_sbom, scan});
  EXPECT_EQ(Codes(d), (std::set<std::string>{"MISSING_ATTESTATION", "ATTESTATION_SUBJECT_MISMATCH"})) << Describe(d);

  // An SBOM signed by the wrong builder (the provenance builder, not the scanner).
  std::string wrong_signer = SignedEnvelope(Statement(kDigest, kCdx, "{}"), {&builder_});
  d = Decide(pol, {prov}, {wrong_signer, scan});
  EXPECT_EQ(Codes(d), (std::set<std::string>{"MISSING_ATTESTATION", "UNTRUSTED_SIGNER"})) << Describe(d);

  // A requirement with max_age cannot be met by key-signed evidence without a signed time.
  std::string aged = Policy("", "require:\n  - predicate_type: " + std::string(kCdx) +
                                    "\n    signed_by: [scanner]\n    max_age: 168h\n");
  d = Decide(aged, {prov}, {sbom});
  EXPECT_EQ(Codes(d), (std::set<std::string>{"MISSING_ATTESTATION", "ATTESTATION_TOO_OLD"})) << Describe(d);

  // An unreadable scan is not a clean scan.
  std::string bad_scan = SignedEnvelope(Statement(kDigest, kVuln, R"({"scanner":{"result":{"nothing":1}}})"), {&scanner_});
  d = Decide(pol, {prov}, {sbom, bad_scan});
  EXPECT_EQ(Codes(d), (std::set<std::string>{"MISSING_ATTESTATION", "MALFORMED_INPUT"})) << Describe(d);
}

TEST_F(GateAttacks, ScanOverThresholdAndExceptions) {
  std::string prov = SignedEnvelope(Prov(), {&builder_});
  std::string sbom = SignedEnvelope(Statement(kDigest, kCdx, "{}"), {&scanner_});
  std::string scan = SignedEnvelope(Statement(kDigest, kVuln, TrivyScan("CVE-2026-1234", "HIGH")), {&scanner_});
  // Without an exception.
  Decision d = Decide(Policy("", Requirements()), {prov}, {sbom, scan});
  EXPECT_EQ(Codes(d), (std::set<std::string>{"MISSING_ATTESTATION", "VULN_SEVERITY"})) << Describe(d);

  auto exception = [&](const std::string& subject, const std::string& match, const std::string& expires,
                       const std::string& owner = "    owner: security@example.com\n") {
    return "exceptions:\n  - finding: VULN_SEVERITY\n    subject: " + subject + "\n    match: " + match +
           "\n" + owner + "    ticket: SEC-42\n" + (expires.empty() ? "" : "    expires: " + expires + "\n");
  };
  // With a valid exception: allowed, and the waiver is reported with owner and expiry.
  d = Decide(Policy("", Requirements(exception(Subject(), "CVE-2026-1234", "2026-12-31T00:00:00Z"))), {prov}, {sbom, scan});
  ASSERT_TRUE(d.allowed) << Describe(d);
  ASSERT_EQ(d.waivers.size(), 1u);
  EXPECT_EQ(d.waivers[0].owner, "security@example.com");
  EXPECT_EQ(d.waivers[0].ticket, "SEC-42");
  EXPECT_EQ(FormatRfc3339(d.waivers[0].expires), "2026-12-31T00:00:00Z");
  JsonValue j = d.ToJson();
  EXPECT_EQ(j.Find("verified")->Find("waivers")->array().size(), 1u);

  // With an expired exception: it waives nothing and is itself reported.
  d = Decide(Policy("", Requirements(exception(Subject(), "CVE-2026-1234", "2026-11-01T00:00:00Z"))), {prov}, {sbom, scan});
  EXPECT_EQ(Codes(d), (std::set<std::string>{"MISSING_ATTESTATION", "VULN_SEVERITY", "EXCEPTION_EXPIRED"})) << Describe(d);

  // An exception for another subject or another CVE waives nothing.
  d = Decide(Policy("", Requirements(exception("sha256:" + std::string(kOther), "CVE-2026-1234", "2026-12-31T00:00:00Z"))), {prov}, {sbom, scan});
  EXPECT_TRUE(Codes(d).count("VULN_SEVERITY")) << Describe(d);
  d = Decide(Policy("", Requirements(exception(Subject(), "CVE-2026-9999", "2026-12-31T00:00:00Z"))), {prov}, {sbom, scan});
  EXPECT_TRUE(Codes(d).count("VULN_SEVERITY")) << Describe(d);
  // Without owner or without expiry: waives nothing.
  d = Decide(Policy("", Requirements(exception(Subject(), "CVE-2026-1234", ""))), {prov}, {sbom, scan});
  EXPECT_TRUE(Codes(d).count("VULN_SEVERITY")) << Describe(d);
  d = Decide(Policy("", Requirements(exception(Subject(), "CVE-2026-1234", "2026-12-31T00:00:00Z", ""))), {prov}, {sbom, scan});
  EXPECT_TRUE(Codes(d).count("VULN_SEVERITY")) << Describe(d);

  // Grype reports and unknown severities (fail closed).
  std::string grype = SignedEnvelope(Statement(kDigest, kVuln, R"({"matches":[{"vulnerability":{"id":"GHSA-1","severity":"Unknown"}}]})"), {&scanner_});
  d = Decide(Policy("", Requirements()), {prov}, {sbom, grype});
  EXPECT_TRUE(Codes(d).count("VULN_SEVERITY")) << Describe(d);
  std::string grype_ok = SignedEnvelope(Statement(kDigest, kVuln, R"({"matches":[{"vulnerability":{"id":"GHSA-1","severity":"Medium"}}]})"), {&scanner_});
  d = Decide(Policy("", Requirements()), {prov}, {sbom, grype_ok});
  EXPECT_TRUE(d.allowed) << Describe(d);
  // A second, clean scan satisfies the requirement even next to a failing one.
  d = Decide(Policy("", Requirements()), {prov}, {sbom, scan, grype_ok});
  EXPECT_TRUE(d.allowed) << Describe(d);
}

}  // namespace
}  // namespace signet::policy
