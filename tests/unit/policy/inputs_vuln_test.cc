#include <gtest/gtest.h>

#include "signet/core/json.h"
#include "signet/policy/gate.h"
#include "signet/policy/inputs.h"
#include "signet/policy/vuln.h"

namespace signet::policy {
namespace {

constexpr char kEnv[] =
    R"({"payload":"e30=","payloadType":"application/vnd.in-toto+json","signatures":[{"keyid":"","sig":"MEUCIQ=="}]})";

TEST(ReadEvidenceTest, RecognisesForms) {
  // Bare envelope, JSON lines, GCB summary.
  EvidenceSet s = ReadEvidence({{"a.json", kEnv},
                                {"b.jsonl", std::string(kEnv) + "\n\n" + kEnv + "\r\n"},
                                {"gcb.json", std::string(R"({"provenance_summary":{"provenance":[{"envelope":)") + kEnv +
                                                 R"(},{"envelope":{"payload":1}},{"x":1}]}})"}});
  ASSERT_EQ(s.candidates.size(), 4u);
  EXPECT_EQ(s.candidates[0].origin, "a.json");
  EXPECT_EQ(s.candidates[0].format, "dsse");
  EXPECT_EQ(s.candidates[1].origin, "b.jsonl#1");
  EXPECT_EQ(s.candidates[2].origin, "b.jsonl#3");  // the line number: empty lines count (issue 12)
  EXPECT_EQ(s.candidates[2].line, 3u);
  EXPECT_EQ(s.candidates[2].format, "intoto-jsonl");
  EXPECT_EQ(s.candidates[3].origin, "gcb.json#1");
  EXPECT_EQ(s.candidates[3].format, "gcb");
  ASSERT_EQ(s.problems.size(), 2u);
  EXPECT_EQ(s.problems[0].origin, "gcb.json#2");
  EXPECT_EQ(s.problems[1].origin, "gcb.json#3");
}

TEST(ReadEvidenceTest, ProblemsNeverAbortTheRest) {
  EvidenceSet s = ReadEvidence({{"empty", ""},
                                {"text", "hello"},
                                {"array", "[]"},
                                {"other", R"({"a":1})"},
                                {"dupkeys", R"({"payload":"e30=","payload":"e30=","payloadType":"x","signatures":[]})"},
                                {"badline", std::string(kEnv) + "\nnot json\n"},
                                {"bundle", R"({"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json"})"},
                                {"manifest", R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","layers":[{"mediaType":"application/vnd.dsse.envelope.v1+json","digest":"sha256:00"},{"mediaType":"text/plain","digest":"sha256:11"}]})"},
                                {"ok", kEnv}});
  ASSERT_EQ(s.candidates.size(), 2u);  // badline#1 and ok
  EXPECT_EQ(s.candidates[0].origin, "badline#1");
  EXPECT_EQ(s.candidates[1].origin, "ok");
  std::set<std::string> origins;
  for (const auto& p : s.problems) origins.insert(p.origin);
  EXPECT_EQ(origins, (std::set<std::string>{"empty", "text", "array", "other", "dupkeys", "badline#2",
                                            "bundle", "manifest#1", "manifest#2"}));
}

TEST(VulnTest, TrivyGrypeAndCosignWrapper) {
  auto trivy = ParseJson(R"({"Results":[{"Vulnerabilities":[{"VulnerabilityID":"CVE-1","Severity":"HIGH"},{"VulnerabilityID":"CVE-2"}]},{"Vulnerabilities":null},{}]})");
  auto v = ReadVulnerabilities(*trivy);
  ASSERT_TRUE(v.ok()) << v.error().ToString();
  ASSERT_EQ(v->size(), 2u);
  EXPECT_EQ((*v)[0].level, Severity::kHigh);
  EXPECT_EQ((*v)[1].level, Severity::kCritical);  // no severity: fail closed
  auto wrapped = ParseJson(R"({"scanner":{"result":{"matches":[{"vulnerability":{"id":"GHSA-1","severity":"Low"}}]}}})");
  v = ReadVulnerabilities(*wrapped);
  ASSERT_TRUE(v.ok());
  ASSERT_EQ(v->size(), 1u);
  EXPECT_EQ((*v)[0].id, "GHSA-1");
  EXPECT_EQ((*v)[0].level, Severity::kLow);
  auto clean = ParseJson(R"({"scanner":{"result":{"Results":[]}}})");
  v = ReadVulnerabilities(*clean);
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->empty());
  for (const char* bad : {R"({})", R"([])", R"({"scanner":{}})", R"({"scanner":{"result":[]}})",
                          R"({"Results":{}})", R"({"Results":[1]})", R"({"Results":[{"Vulnerabilities":{}}]})",
                          R"({"Results":[{"Vulnerabilities":[{"Severity":"LOW"}]}]})",
                          R"({"Results":[{"Vulnerabilities":[{"VulnerabilityID":"x","Severity":3}]}]})",
                          R"({"matches":{}})", R"({"matches":[{}]})", R"({"matches":[{"vulnerability":{"id":""}}]})"}) {
    auto j = ParseJson(bad);
    ASSERT_TRUE(j.ok()) << bad;
    auto r = ReadVulnerabilities(*j);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().finding(), "MALFORMED_INPUT") << bad;
  }
}

TEST(SubjectTest, DigestsTagsAndMalformed) {
  const std::string hex(64, 'a');
  EXPECT_EQ(*ParseSubjectDigest("sha256:" + hex), hex);
  EXPECT_EQ(*ParseSubjectDigest("ghcr.io/acme/api@sha256:" + hex), hex);
  for (const std::string& tag : {std::string("ghcr.io/acme/api:v1"), std::string("api"),
                                 std::string("localhost:5000/api:latest")}) {
    auto r = ParseSubjectDigest(tag);
    ASSERT_FALSE(r.ok()) << tag;
    EXPECT_EQ(r.error().finding(), "MUTABLE_REFERENCE") << tag;
  }
  for (const std::string& bad : {"sha256:" + std::string(64, 'A'), "SHA256:" + hex, "sha256:sha256:" + hex,
                                 "sha256:" + hex.substr(1), "sha512:" + hex + hex, "sha256:" + hex + "00",
                                 "api@sha256:" + std::string(64, 'A'), std::string("api@latest"),
                                 std::string(""), "@sha256:" + hex}) {  // empty: unusable input (issue 12)
    auto r = ParseSubjectDigest(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().finding(), "MALFORMED_INPUT") << bad;
  }
}

TEST(DecisionTest, JsonShape) {
  Decision d;
  d.subject = "sha256:" + std::string(64, 'b');
  d.policy_digest = "sha256:" + std::string(64, 'c');
  d.evaluated_at = FromUnixSeconds(1800000000);
  d.findings.push_back({"VULN_SEVERITY", "CVE-1 is high, above medium", "scan.json"});
  d.findings.push_back({"MISSING_ATTESTATION", "no acceptable attestation", ""});
  JsonValue j = d.ToJson();
  EXPECT_FALSE(j.Find("allowed")->bool_value());
  EXPECT_EQ(j.Find("subject")->string_value(), d.subject);
  EXPECT_EQ(j.Find("evaluated_at")->string_value(), "2027-01-15T08:00:00Z");
  ASSERT_EQ(j.Find("findings")->array().size(), 2u);
  EXPECT_EQ(j.Find("findings")->array()[0].Find("input")->string_value(), "scan.json");
  EXPECT_TRUE(j.Find("findings")->array()[1].Find("input")->is_null());
  EXPECT_TRUE(j.Find("verified")->Find("provenance")->is_null());
  EXPECT_TRUE(j.Find("verified")->Find("waivers")->array().empty());
  Decision empty;
  EXPECT_TRUE(empty.ToJson().Find("subject")->is_null());
}

}  // namespace
}  // namespace signet::policy
