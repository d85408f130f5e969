#include "signet/policy/provenance.h"

#include <gtest/gtest.h>

#include "signet/core/encoding.h"
#include "signet/core/file.h"
#include "test_env.h"

namespace signet::policy {
namespace {

// StatementOf decodes a DSSE envelope's payload and parses it as JSON. This is test plumbing
// only: the gate reaches payloads through attestation::VerifyEnvelope.
JsonValue StatementOf(const JsonValue& envelope) {
  auto payload = Base64DecodeStdOrUrl(envelope.Find("payload")->string_value());
  EXPECT_TRUE(payload.ok());
  auto st = ParseJson(AsString(*payload));
  EXPECT_TRUE(st.ok());
  return st.ok() ? *st : JsonValue();
}

JsonValue ReadVectorJson(const std::string& rel) {
  auto text = ReadFile(testing::SharedDir() + "/vectors/" + rel);
  EXPECT_TRUE(text.ok()) << rel;
  auto v = ParseJson(text.ok() ? *text : "{}");
  EXPECT_TRUE(v.ok()) << rel;
  return v.ok() ? *v : JsonValue();
}

Result<Provenance> NormaliseStatement(const JsonValue& st) {
  const JsonValue* pred = st.Find("predicate");
  return NormaliseProvenance(st.Find("predicateType")->string_value(),
                             pred != nullptr ? *pred : JsonValue());
}

TEST(ProvenanceTest, V1DelegatorFromResolvedDependencies) {
  auto b = ReadVectorJson("accept/gha-delegator-v2.1.0/provenance.sigstore.json");
  auto p = NormaliseStatement(StatementOf(*b.Find("dsseEnvelope")));
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  EXPECT_EQ(p->version, Provenance::Version::kV1);
  EXPECT_EQ(p->builder_id,
            "https://github.com/slsa-framework/example-trw/.github/workflows/"
            "builder_high-perms_slsa3.yml@refs/tags/v2.1.0");
  EXPECT_EQ(p->build_type,
            "https://github.com/slsa-framework/slsa-github-generator/delegator-generic@v0");
  ASSERT_TRUE(p->source.has_value());
  EXPECT_EQ(p->source->repo, "https://github.com/slsa-framework/example-package");
  EXPECT_EQ(p->source->ref, "refs/tags/v14");
  EXPECT_EQ(p->source->commit, "4d329c75e7ec1725f7c9ce917a8799d408d06be3");
  EXPECT_EQ(p->trigger, "push");
  EXPECT_EQ(p->invocation_id,
            "https://github.com/slsa-framework/example-package/actions/runs/13530999509/attempts/1");
  EXPECT_EQ(p->materials.size(), 1u);
}

TEST(ProvenanceTest, V1GithubActionsWorkflow) {
  auto b = ReadVectorJson("accept/gh-attest-bcr/MODULE.bazel.sigstore.json");
  auto p = NormaliseStatement(StatementOf(*b.Find("dsseEnvelope")));
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  EXPECT_EQ(p->builder_id,
            "https://github.com/bazel-contrib/publish-to-bcr/.github/workflows/publish.yaml@refs/tags/v0.0.1");
  EXPECT_EQ(p->build_type, "https://actions.github.io/buildtypes/workflow/v1");
  ASSERT_TRUE(p->source.has_value());
  EXPECT_EQ(p->source->repo, "https://github.com/aspect-build/rules_lint");
  EXPECT_EQ(p->source->ref, "refs/heads/publish-to-bcr");
  EXPECT_EQ(p->source->commit, "8f70009fde0c94ade6ce2a054b94718c819126ec");
  EXPECT_EQ(p->entry_point, ".github/workflows/release.yml");
  EXPECT_EQ(p->trigger, "workflow_dispatch");
}

TEST(ProvenanceTest, V02ContainerGenerator) {
  auto env = ReadVectorJson("accept/gha-container-generator-v2.1.0/dsse-layer.json");
  auto p = NormaliseStatement(StatementOf(env));
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  EXPECT_EQ(p->version, Provenance::Version::kV02);
  EXPECT_EQ(p->builder_id,
            "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/"
            "generator_container_slsa3.yml@refs/tags/v2.1.0");
  EXPECT_EQ(p->build_type, "https://github.com/slsa-framework/slsa-github-generator/container@v1");
  ASSERT_TRUE(p->source.has_value());
  EXPECT_EQ(p->source->repo, "https://github.com/slsa-framework/example-package");
  EXPECT_EQ(p->source->ref, "refs/heads/main");
  EXPECT_EQ(p->source->commit, "4d329c75e7ec1725f7c9ce917a8799d408d06be3");
  EXPECT_EQ(p->trigger, "workflow_dispatch");
}

TEST(ProvenanceTest, GcbV1AndV01) {
  auto v1 = ReadVectorJson("accept/gcb/v1.0-gcloud-container-github-v1.0-valid.json");
  const auto& prov = v1.Find("provenance_summary")->Find("provenance")->array();
  auto p = NormaliseStatement(StatementOf(*prov[0].Find("envelope")));
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  EXPECT_EQ(p->builder_id, "https://cloudbuild.googleapis.com/GoogleHostedWorker");
  EXPECT_EQ(p->build_type, "https://cloud.google.com/build/gcb-buildtypes/google-worker/v1");
  ASSERT_TRUE(p->source.has_value());
  EXPECT_EQ(p->source->repo, "https://github.com/khalkie/gcb-prod-prov");
  EXPECT_EQ(p->source->ref, "refs/heads/main");
  EXPECT_EQ(p->source->commit, "2ce3f90facdb51aeb950d5bc641e981be61fdf48");
  EXPECT_EQ(p->trigger, "sample-trigger-1");
  ASSERT_TRUE(p->started_on.has_value());
  ASSERT_TRUE(p->finished_on.has_value());
  EXPECT_EQ(FormatRfc3339(*p->finished_on), "2023-08-08T18:40:29.055034Z");
  EXPECT_EQ(p->materials.size(), 2u);

  auto v01 = ReadVectorJson("accept/gcb/v0.1-gcloud-container-global-pae-signing-key-successful.json");
  const auto& prov01 = v01.Find("provenance_summary")->Find("provenance")->array();
  auto q = NormaliseStatement(StatementOf(*prov01[0].Find("envelope")));
  ASSERT_TRUE(q.ok()) << q.error().ToString();
  EXPECT_EQ(q->version, Provenance::Version::kV01);
  EXPECT_EQ(q->builder_id, "https://cloudbuild.googleapis.com/GoogleHostedWorker@v0.3");
  EXPECT_EQ(q->build_type, "https://cloudbuild.googleapis.com/CloudBuildYaml@v0.1");
  ASSERT_TRUE(q->source.has_value());
  EXPECT_EQ(q->source->repo, "https://github.com/khalkie/gcb-repo-staging");
  EXPECT_EQ(q->source->ref, "refs/heads/main");
  EXPECT_EQ(q->source->commit, "75c21a6224914056801d5be2316d89de3ff24811");
  EXPECT_EQ(q->trigger, "github-trigger-staging");
  EXPECT_EQ(VersionName(q->version), "v0.1");
}

TEST(ProvenanceTest, SplitSourceUri) {
  auto s = SplitSourceUri("git+https://github.com/o/r@refs/tags/v1");
  EXPECT_EQ(s.repo, "https://github.com/o/r");
  EXPECT_EQ(s.ref, "refs/tags/v1");
  s = SplitSourceUri("https://github.com/o/r");
  EXPECT_EQ(s.repo, "https://github.com/o/r");
  EXPECT_EQ(s.ref, "");
  s = SplitSourceUri("https://user@github.com/o/r");  // '@' before the path is userinfo
  EXPECT_EQ(s.repo, "https://user@github.com/o/r");
  EXPECT_EQ(s.ref, "");
  s = SplitSourceUri("git+https://github.com/o/r@x@refs/tags/v1");  // last '@' splits
  EXPECT_EQ(s.repo, "https://github.com/o/r@x");
  EXPECT_EQ(s.ref, "refs/tags/v1");
}

JsonValue J(const char* text) {
  auto v = ParseJson(text);
  EXPECT_TRUE(v.ok()) << text;
  return v.ok() ? *v : JsonValue();
}

TEST(ProvenanceTest, RefusesWrongTypesAndMissingFields) {
  EXPECT_EQ(NormaliseProvenance("https://slsa.dev/provenance/v2", J("{}")).error().finding(),
            "PREDICATE_TYPE_INVALID");
  EXPECT_EQ(NormaliseProvenance("", J("{}")).error().finding(), "PREDICATE_TYPE_INVALID");
  EXPECT_EQ(NormaliseProvenance("https://cyclonedx.org/bom", J("{}")).error().finding(),
            "PREDICATE_TYPE_INVALID");
  struct Case {
    std::string_view type;
    const char* json;
  };
  const Case bad[] = {
      {kSlsaProvenanceV1, "[]"},
      {kSlsaProvenanceV1, "{}"},
      {kSlsaProvenanceV1, R"({"buildDefinition":{"buildType":"b","externalParameters":{}},"runDetails":{}})"},
      {kSlsaProvenanceV1, R"({"buildDefinition":{"buildType":"b","externalParameters":{}},"runDetails":{"builder":{"id":1}}})"},
      {kSlsaProvenanceV1, R"({"buildDefinition":{"buildType":"","externalParameters":{}},"runDetails":{"builder":{"id":"x"}}})"},
      {kSlsaProvenanceV1, R"({"buildDefinition":{"buildType":"b"},"runDetails":{"builder":{"id":"x"}}})"},
      {kSlsaProvenanceV1, R"({"buildDefinition":{"buildType":"b","externalParameters":{"source":7}},"runDetails":{"builder":{"id":"x"}}})"},
      {kSlsaProvenanceV1, R"({"buildDefinition":{"buildType":"b","externalParameters":{},"resolvedDependencies":{}},"runDetails":{"builder":{"id":"x"}}})"},
      {kSlsaProvenanceV1, R"({"buildDefinition":{"buildType":"b","externalParameters":{}},"runDetails":{"builder":{"id":"x"},"metadata":{"startedOn":"yesterday"}}})"},
      {kSlsaProvenanceV1, R"({"buildDefinition":{"buildType":"b","externalParameters":{}},"runDetails":{"builder":{"id":"x"},"metadata":{"finishedOn":"9999-01-01T00:00:00Z"}}})"},
      {kSlsaProvenanceV02, R"({"buildType":"b"})"},
      {kSlsaProvenanceV02, R"({"builder":{"id":"x"}})"},
      {kSlsaProvenanceV02, R"({"builder":{"id":"x"},"buildType":"b","materials":[3]})"},
      {kSlsaProvenanceV02, R"({"builder":{"id":"x"},"buildType":"b","invocation":{"configSource":{"uri":"git+https://h/o/r","digest":{"sha1":5}}}})"},
      {kSlsaProvenanceV01, R"({"builder":{"id":"x"}})"},
      {kSlsaProvenanceV01, R"({"builder":{"id":"x"},"recipe":{"type":"t","arguments":{"substitutions":{"TAG_NAME":"v1","BRANCH_NAME":"main"}}},"materials":[{"uri":"git+https://h/o/r"}]})"},
  };
  for (const auto& c : bad) {
    auto p = NormaliseProvenance(c.type, J(c.json));
    ASSERT_FALSE(p.ok()) << c.json;
    EXPECT_EQ(p.error().finding(), "MALFORMED_INPUT") << c.json;
  }
}

TEST(ProvenanceTest, MinimalFormsAndSourceVariants) {
  auto p = NormaliseProvenance(kSlsaProvenanceV1, J(R"({"buildDefinition":{"buildType":"b","externalParameters":{"source":"git+https://h/o/r@refs/tags/v1"},"resolvedDependencies":[{"uri":"git+https://h/o/r@refs/tags/v1","digest":{"gitCommit":"abc"}}]},"runDetails":{"builder":{"id":"x"}}})"));
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  EXPECT_EQ(p->source->repo, "https://h/o/r");
  EXPECT_EQ(p->source->ref, "refs/tags/v1");
  EXPECT_EQ(p->source->commit, "abc");
  p = NormaliseProvenance(kSlsaProvenanceV1, J(R"({"buildDefinition":{"buildType":"b","externalParameters":{"source":{"uri":"git+https://h/o/r@refs/heads/m","digest":{"sha1":"def"}}}},"runDetails":{"builder":{"id":"x"}}})"));
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  EXPECT_EQ(p->source->commit, "def");
  EXPECT_EQ(p->source->ref, "refs/heads/m");
  // No source anywhere: the gate then refuses with SOURCE_NOT_ALLOWED.
  p = NormaliseProvenance(kSlsaProvenanceV1, J(R"({"buildDefinition":{"buildType":"b","externalParameters":{}},"runDetails":{"builder":{"id":"x"}}})"));
  ASSERT_TRUE(p.ok());
  EXPECT_FALSE(p->source.has_value());
  p = NormaliseProvenance(kSlsaProvenanceV02, J(R"({"builder":{"id":"x"},"buildType":"b"})"));
  ASSERT_TRUE(p.ok());
  EXPECT_FALSE(p->source.has_value());
  p = NormaliseProvenance(kSlsaProvenanceV01, J(R"({"builder":{"id":"x"},"recipe":{"type":"t","arguments":{"substitutions":{"TAG_NAME":"v1"}}},"materials":[{"uri":"git+https://h/o/r","digest":{"sha1":"aa"}}]})"));
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->source->ref, "refs/tags/v1");
  EXPECT_TRUE(IsSlsaProvenanceType(kSlsaProvenanceV02));
  EXPECT_FALSE(IsSlsaProvenanceType("https://slsa.dev/provenance/v1.1"));
}

}  // namespace
}  // namespace signet::policy
