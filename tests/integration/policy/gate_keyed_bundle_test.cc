// Key-signed Sigstore bundles through the gate, against a transparency log made in the test: a
// trusted root pinning a test Rekor key, dsse/0.0.1 entries with signed entry timestamps. This
// is the path where keyed evidence carries verified time, so it covers max_age for provenance
// and for companion attestations with real log time, and a forged SET.
#include <gtest/gtest.h>

#include "gate_test_util.h"
#include "signet/core/encoding.h"
#include "signet/core/hash.h"
#include "signet/core/json.h"
#include "signet/core/ossl.h"

namespace signet::policy {
namespace {

using testutil::Codes;
using testutil::Describe;
using testutil::MakeKey;
using testutil::ProvenanceV1;
using testutil::ReadText;
using testutil::Statement;
using testutil::TempDir;
using testutil::TestKey;

constexpr char kDigest[] = "5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e";
constexpr char kBuilderId[] = "https://build.example.internal/builder/v1";
constexpr char kBuildType[] = "https://build.example.internal/types/container/v1";
constexpr char kRepo[] = "https://git.example.internal/acme/api";
constexpr int64_t kLogTime = 1795600000;  // 2026-11-25T09:46:40Z, shortly before kAt
constexpr char kAt[] = "2026-11-25T10:00:00Z";

Bytes SpkiDer(const TestKey& k) {
  int len = i2d_PUBKEY(k.key.get(), nullptr);
  Bytes der(static_cast<size_t>(len));
  unsigned char* p = der.data();
  i2d_PUBKEY(k.key.get(), &p);
  return der;
}

class KeyedBundles : public ::testing::Test {
 protected:
  void SetUp() override {
    log_ = MakeKey(dir_, "rekor");
    builder_ = MakeKey(dir_, "builder");
    scanner_ = MakeKey(dir_, "scanner");
    attacker_ = MakeKey(dir_, "attacker");
    log_id_ = Sha256(SpkiDer(log_));
    root_ = dir_.Write("trusted_root.json",
        R"({"mediaType":"application/vnd.dev.sigstore.trustedroot+json;version=0.1","tlogs":[{"baseUrl":"https://rekor.test","hashAlgorithm":"SHA2_256","publicKey":{"rawBytes":")" +
        Base64Encode(SpkiDer(log_)) +
        R"(","keyDetails":"PKIX_ECDSA_P256_SHA_256","validFor":{"start":"2020-01-01T00:00:00Z"}},"logId":{"keyId":")" +
        Base64Encode(log_id_) + R"("}}]})");
  }

  // Bundle signs `statement` with `signer`, logs it as dsse/0.0.1 at `time` and returns a v0.1
  // bundle whose SET the test log signed (or `corrupt_set` flips a byte of it).
  std::string Bundle(const std::string& statement, const TestKey& signer, int64_t time,
                     bool corrupt_set = false) {
    const std::string type = "application/vnd.in-toto+json";
    Bytes sig = testutil::Sign(signer, attestation::Pae(type, AsBytes(statement)));
    JsonValue spec = JsonValue::MakeObject();
    JsonValue ph = JsonValue::MakeObject();
    ph.Set("algorithm", JsonValue::String("sha256"));
    ph.Set("value", JsonValue::String(HexEncode(Sha256(statement))));
    spec.Set("payloadHash", std::move(ph));
    JsonValue s = JsonValue::MakeObject();
    s.Set("signature", JsonValue::String(Base64Encode(sig)));
    s.Set("verifier", JsonValue::String(Base64Encode(AsBytes(ReadText(signer.pub_path)))));
    spec.Set("signatures", JsonValue::MakeArray({std::move(s)}));
    JsonValue body = JsonValue::MakeObject();
    body.Set("apiVersion", JsonValue::String("0.0.1"));
    body.Set("kind", JsonValue::String("dsse"));
    body.Set("spec", std::move(spec));
    std::string body_text = WriteCanonicalJson(body).value();
    JsonValue set_payload = JsonValue::MakeObject();
    set_payload.Set("body", JsonValue::String(Base64Encode(AsBytes(body_text))));
    set_payload.Set("integratedTime", JsonValue::Int(time));
    set_payload.Set("logID", JsonValue::String(HexEncode(log_id_)));
    set_payload.Set("logIndex", JsonValue::Int(7));
    Bytes set = testutil::Sign(log_, AsBytes(WriteCanonicalJson(set_payload).value()));
    if (corrupt_set) set[set.size() / 2] ^= 0x01;
    return R"({"mediaType":"application/vnd.dev.sigstore.bundle+json;version=0.1","verificationMaterial":{"publicKey":{"hint":"builder"},"tlogEntries":[{"logIndex":"7","logId":{"keyId":")" +
           Base64Encode(log_id_) + R"("},"kindVersion":{"kind":"dsse","version":"0.0.1"},"integratedTime":")" +
           std::to_string(time) + R"(","inclusionPromise":{"signedEntryTimestamp":")" + Base64Encode(set) +
           R"("},"canonicalizedBody":")" + Base64Encode(AsBytes(body_text)) + R"("}]},"dsseEnvelope":{"payload":")" +
           Base64Encode(AsBytes(statement)) + R"(","payloadType":")" + type + R"(","signatures":[{"sig":")" +
           Base64Encode(sig) + R"(","keyid":""}]}})";
  }

  std::string Policy(const std::string& extra, bool with_root = true) {
    static int counter = 0;
    return dir_.Write("policy" + std::to_string(++counter) + ".yaml",
                      "version: 1\n" + (with_root ? "trusted_root: " + root_ + "\n" : std::string()) +
                          "builders:\n  - name: onprem\n    keys: [" + builder_.pub_path +
                          "]\n    builder_ids: [\"" + kBuilderId + "\"]\n    build_types: [\"" + kBuildType +
                          "\"]\n  - name: scanner\n    keys: [" + scanner_.pub_path + "]\nsources:\n  - repo: " +
                          kRepo + "\n    refs: [\"refs/tags/v*\"]\n" + extra);
  }

  std::string Prov() { return Statement(kDigest, "https://slsa.dev/provenance/v1", ProvenanceV1(kBuilderId, kBuildType, kRepo, "refs/tags/v3.0.0")); }

  Decision Decide(const std::string& policy, const std::vector<std::string>& prov,
                  const std::vector<std::string>& atts = {}, const std::string& at = kAt) {
    static int counter = 0;
    std::vector<std::string> pf, af;
    for (const auto& p : prov) pf.push_back(dir_.Write("p" + std::to_string(++counter) + ".json", p));
    for (const auto& a : atts) af.push_back(dir_.Write("a" + std::to_string(++counter) + ".json", a));
    return testutil::Evaluate(policy, std::string("sha256:") + kDigest, pf, af, at);
  }

  TempDir dir_;
  TestKey log_, builder_, scanner_, attacker_;
  Bytes log_id_;
  std::string root_;
};

TEST_F(KeyedBundles, ProvenanceWithLogTimeAndMaxAge) {
  std::string policy = Policy("max_age: 720h\n");
  Decision d = Decide(policy, {Bundle(Prov(), builder_, kLogTime)});
  ASSERT_TRUE(d.allowed) << Describe(d);
  EXPECT_EQ(d.provenance->signer, "key");
  // Age is measured from the earliest trusted time: the builder's signed finishedOn
  // (09:00:00) precedes the log time (09:46:40).
  ASSERT_TRUE(d.provenance->trusted_time.has_value());
  EXPECT_EQ(FormatRfc3339(*d.provenance->trusted_time), "2026-11-25T09:00:00Z");
  EXPECT_EQ(d.provenance->time_source, "signed-finish-time");
  // A log time earlier than the finish time is the basis instead.
  std::string late = Statement(kDigest, "https://slsa.dev/provenance/v1",
                               ProvenanceV1(kBuilderId, kBuildType, kRepo, "refs/tags/v3.0.0", "2026-11-25T09:50:00Z"));
  d = Decide(policy, {Bundle(late, builder_, kLogTime)});
  ASSERT_TRUE(d.allowed) << Describe(d);
  EXPECT_EQ(ToUnixSeconds(*d.provenance->trusted_time), kLogTime);
  EXPECT_EQ(d.provenance->time_source, "tlog-set");
  // Logged 40 days before the evaluation: too old, whatever the payload says.
  d = Decide(policy, {Bundle(Prov(), builder_, kLogTime - 40 * 86400)});
  EXPECT_EQ(Codes(d), std::set<std::string>{"PROVENANCE_TOO_OLD"}) << Describe(d);
  // Logged "in the future" relative to --at: the verifier refuses the time.
  d = Decide(policy, {Bundle(Prov(), builder_, kLogTime)}, {}, "2026-01-01T00:00:00Z");
  EXPECT_EQ(Codes(d), std::set<std::string>{"SIGNATURE_INVALID"}) << Describe(d);
}

TEST_F(KeyedBundles, ForgedSetUnknownSignerAndNoRoot) {
  Decision d = Decide(Policy(""), {Bundle(Prov(), builder_, kLogTime, /*corrupt_set=*/true)});
  ASSERT_EQ(Codes(d), std::set<std::string>{"SIGNATURE_INVALID"}) << Describe(d);
  EXPECT_NE(d.findings[0].message.find("SET_INVALID"), std::string::npos);
  // Correctly logged, but by a key no builder has: the log entry names a signer that is not
  // the pinned key, so no policy key verifies it.
  d = Decide(Policy(""), {Bundle(Prov(), attacker_, kLogTime)});
  ASSERT_EQ(Codes(d), std::set<std::string>{"SIGNATURE_INVALID"}) << Describe(d);
  EXPECT_NE(d.findings[0].message.find("TLOG_BODY_MISMATCH"), std::string::npos);
  // A policy without a trusted root cannot verify any bundle.
  d = Decide(Policy("", /*with_root=*/false), {Bundle(Prov(), builder_, kLogTime)});
  EXPECT_EQ(Codes(d), std::set<std::string>{"UNTRUSTED_SIGNER"}) << Describe(d);
  // Another digest: the verifier's subject check.
  std::string other = Statement(std::string(64, '7'), "https://slsa.dev/provenance/v1",
                                ProvenanceV1(kBuilderId, kBuildType, kRepo, "refs/tags/v3.0.0"));
  d = Decide(Policy(""), {Bundle(other, builder_, kLogTime)});
  EXPECT_EQ(Codes(d), std::set<std::string>{"SUBJECT_MISMATCH"}) << Describe(d);
}

TEST_F(KeyedBundles, CompanionAttestationFreshness) {
  std::string policy = Policy("require:\n  - predicate_type: https://cyclonedx.org/bom\n    signed_by: [scanner]\n    max_age: 168h\n");
  std::string prov = Bundle(Prov(), builder_, kLogTime);
  std::string sbom = Statement(kDigest, "https://cyclonedx.org/bom",
                               R"({"bomFormat":"CycloneDX","metadata":{"timestamp":"2026-11-25T09:30:00Z"}})");
  Decision d = Decide(policy, {prov}, {Bundle(sbom, scanner_, kLogTime)});
  ASSERT_TRUE(d.allowed) << Describe(d);
  ASSERT_EQ(d.attestations.size(), 1u);
  EXPECT_EQ(d.attestations[0].builder, "scanner");
  ASSERT_TRUE(d.attestations[0].trusted_time.has_value());
  EXPECT_EQ(FormatRfc3339(*d.attestations[0].trusted_time), "2026-11-25T09:30:00Z");
  d = Decide(policy, {prov}, {Bundle(sbom, scanner_, kLogTime - 8 * 86400)});
  EXPECT_EQ(Codes(d), (std::set<std::string>{"MISSING_ATTESTATION", "ATTESTATION_TOO_OLD"})) << Describe(d);
  // An SBOM bundle about another digest.
  std::string other = Statement(std::string(64, '7'), "https://cyclonedx.org/bom", "{}");
  d = Decide(policy, {prov}, {Bundle(other, scanner_, kLogTime)});
  EXPECT_EQ(Codes(d), (std::set<std::string>{"MISSING_ATTESTATION", "ATTESTATION_SUBJECT_MISMATCH"})) << Describe(d);
}

// Issue 12 item 5: a fresh log entry proves only that the signature existed by then. An old
// key-signed envelope logged again today keeps its old signed finish time, and age is measured
// from the earliest trusted time.
TEST_F(KeyedBundles, ReloggedOldEnvelopeIsRefused) {
  std::string policy = Policy("max_age: 720h\n");
  std::string old = Statement(kDigest, "https://slsa.dev/provenance/v1",
                              ProvenanceV1(kBuilderId, kBuildType, kRepo, "refs/tags/v3.0.0", "2026-09-01T09:00:00Z"));
  Decision d = Decide(policy, {Bundle(old, builder_, kLogTime)});  // logged 13 minutes before --at
  EXPECT_EQ(Codes(d), std::set<std::string>{"PROVENANCE_TOO_OLD"}) << Describe(d);
}

// Without a signed finish time, a key-signed envelope cannot be shown fresh however fresh its
// log entry: max_age refuses it.
TEST_F(KeyedBundles, KeySignedEvidenceWithoutSignedTimeIsRefused) {
  std::string policy = Policy("max_age: 720h\n");
  std::string undated = Statement(kDigest, "https://slsa.dev/provenance/v1",
                                  ProvenanceV1(kBuilderId, kBuildType, kRepo, "refs/tags/v3.0.0", ""));
  Decision d = Decide(policy, {Bundle(undated, builder_, kLogTime)});
  EXPECT_EQ(Codes(d), std::set<std::string>{"PROVENANCE_TOO_OLD"}) << Describe(d);
  // Without max_age it still passes: freshness is the policy's choice (lint warns).
  d = Decide(Policy(""), {Bundle(undated, builder_, kLogTime)});
  EXPECT_TRUE(d.allowed) << Describe(d);
  // A signed finish time after the log time: the earlier log time is the basis.
  std::string future = Statement(kDigest, "https://slsa.dev/provenance/v1",
                                 ProvenanceV1(kBuilderId, kBuildType, kRepo, "refs/tags/v3.0.0", "2027-01-01T00:00:00Z"));
  d = Decide(policy, {Bundle(future, builder_, kLogTime - 86400)});
  ASSERT_TRUE(d.allowed) << Describe(d);
  EXPECT_EQ(d.provenance->time_source, "tlog-set");
}

// The same for companion attestations: a vulnerability scan finished 30 days ago and logged
// today is 30 days old; a CycloneDX SBOM without metadata.timestamp has no signed time.
TEST_F(KeyedBundles, ReloggedOldScanAndUndatedSbomAreRefused) {
  std::string policy = Policy(
      "require:\n  - predicate_type: https://cosign.sigstore.dev/attestation/vuln/v1\n    signed_by: [scanner]\n"
      "    max_age: 168h\n  - predicate_type: https://cyclonedx.org/bom\n    signed_by: [scanner]\n    max_age: 168h\n");
  std::string prov = Bundle(Prov(), builder_, kLogTime);
  auto scan = [&](const std::string& finished) {
    return Statement(kDigest, "https://cosign.sigstore.dev/attestation/vuln/v1",
                     R"({"scanner":{"uri":"pkg:github/aquasecurity/trivy","result":{"Results":[]}},"metadata":{"scanStartedOn":"2026-10-26T09:00:00Z","scanFinishedOn":")" +
                         finished + R"("}})");
  };
  std::string sbom = Statement(kDigest, "https://cyclonedx.org/bom",
                               R"({"bomFormat":"CycloneDX","metadata":{"timestamp":"2026-11-25T09:00:00Z"}})");
  Decision d = Decide(policy, {prov}, {Bundle(scan("2026-11-25T09:00:00Z"), scanner_, kLogTime), Bundle(sbom, scanner_, kLogTime)});
  ASSERT_TRUE(d.allowed) << Describe(d);
  d = Decide(policy, {prov}, {Bundle(scan("2026-10-26T09:10:00Z"), scanner_, kLogTime), Bundle(sbom, scanner_, kLogTime)});
  EXPECT_EQ(Codes(d), (std::set<std::string>{"MISSING_ATTESTATION", "ATTESTATION_TOO_OLD"})) << Describe(d);
  std::string undated = Statement(kDigest, "https://cyclonedx.org/bom", R"({"bomFormat":"CycloneDX"})");
  d = Decide(policy, {prov}, {Bundle(scan("2026-11-25T09:00:00Z"), scanner_, kLogTime), Bundle(undated, scanner_, kLogTime)});
  EXPECT_EQ(Codes(d), (std::set<std::string>{"MISSING_ATTESTATION", "ATTESTATION_TOO_OLD"})) << Describe(d);
}

}  // namespace
}  // namespace signet::policy
