#include "signet/policy/policy.h"

#include <gtest/gtest.h>

#include <fstream>

#include "signet/policy/glob.h"
#include "test_env.h"

namespace signet::policy {
namespace {

TEST(GlobTest, AnchoredWholeString) {
  EXPECT_TRUE(GlobMatch("refs/tags/v*", "refs/tags/v1.2.3"));
  EXPECT_TRUE(GlobMatch("refs/tags/v*", "refs/tags/v"));
  EXPECT_FALSE(GlobMatch("refs/tags/v*", "refs/heads/v1.2.3"));      // a branch named v1.2.3
  EXPECT_FALSE(GlobMatch("refs/tags/v*", "xrefs/tags/v1"));          // no implicit prefix
  EXPECT_FALSE(GlobMatch("refs/tags/v1", "refs/tags/v1.evil"));      // no implicit suffix
  EXPECT_FALSE(GlobMatch("refs/tags/v1", "refs/tags/v"));
  EXPECT_FALSE(GlobMatch("refs/tags/v*", "refs/tags/v1/../../heads/main"));  // '*' stops at '/'
  EXPECT_FALSE(GlobMatch("refs/tags/*", "refs/tags/a/b"));
  EXPECT_TRUE(GlobMatch("refs/tags/v?.?.?", "refs/tags/v1.2.3"));
  EXPECT_FALSE(GlobMatch("refs/tags/v?.?.?", "refs/tags/v1.2.3-rc1"));  // prerelease
  EXPECT_FALSE(GlobMatch("refs/tags/v?", "refs/tags/v/"));
  EXPECT_TRUE(GlobMatch("", ""));
  EXPECT_FALSE(GlobMatch("", "a"));
  EXPECT_TRUE(GlobMatch("*", ""));
  EXPECT_TRUE(GlobMatch("a*b*c", "aXXbYYc"));
  EXPECT_FALSE(GlobMatch("a*b*c", "aXXbYYcd"));
  // Regex syntax is literal: ".*" is a dot then a run.
  EXPECT_FALSE(GlobMatch("refs/tags/v.*", "refs/tags/v1"));
  EXPECT_TRUE(GlobMatch("refs/tags/v.*", "refs/tags/v.x"));
  EXPECT_FALSE(GlobMatch("^refs/tags/v1$", "refs/tags/v1"));
  // '@' is an ordinary character: the SAN splitting rules (gate) handle extra '@'.
  EXPECT_FALSE(GlobMatch("refs/tags/v1", "refs/tags/v1@evil"));
}

TEST(GlobTest, AdversarialIsFast) {
  std::string text(5000, 'a');
  std::string pattern;
  for (int i = 0; i < 200; ++i) pattern += "*a";
  pattern += "b";
  EXPECT_FALSE(GlobMatch(pattern, text));
}

TEST(GlobTest, AnyAndLiteral) {
  EXPECT_FALSE(GlobMatchAny({}, "x"));  // empty allow-list approves nothing
  EXPECT_FALSE(GlobMatchAny({}, ""));
  EXPECT_TRUE(GlobMatchAny({"a", "b*"}, "bc"));
  EXPECT_TRUE(IsLiteralPattern("https://x/y"));
  EXPECT_FALSE(IsLiteralPattern("https://x/*"));
  EXPECT_FALSE(IsLiteralPattern("https://x/?"));
}

constexpr char kIssuePolicy[] = R"(version: 1
trusted_root: trust/trusted_root.json        # Sigstore trusted root; needed for keyless builders
builders:
  - name: gha-container-generator
    keyless:
      issuer: https://token.actions.githubusercontent.com
      identity: https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml
      refs: ["refs/tags/v*"]
    build_types: ["https://github.com/slsa-framework/slsa-github-generator/container@v1"]
  - name: onprem-builder
    keys: [keys/builder.pub]
    threshold: 1
    builder_ids: ["https://build.example.internal/builder/v1"]
sources:
  - repo: https://github.com/acme/api
    refs: ["refs/tags/v*"]
max_age: 720h
require:
  - predicate_type: https://cyclonedx.org/bom
    signed_by: [onprem-builder]
  - predicate_type: https://cosign.sigstore.dev/attestation/vuln/v1
    signed_by: [onprem-builder]
    max_severity: medium
    max_age: 168h
exceptions:
  - finding: VULN_SEVERITY
    subject: sha256:0000000000000000000000000000000000000000000000000000000000000000
    match: CVE-2026-1234
    owner: security@example.com
    ticket: SEC-42
    expires: 2026-12-31T00:00:00Z
)";

std::vector<std::string> Codes(const std::vector<LintFinding>& f);

TEST(PolicyTest, ParsesTheIssueExample) {
  auto p = ParsePolicy(kIssuePolicy);
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  EXPECT_EQ(p->version, 1);
  EXPECT_EQ(p->trusted_root, "trust/trusted_root.json");
  ASSERT_EQ(p->builders.size(), 2u);
  const auto& g = p->builders[0];
  ASSERT_TRUE(g.keyless.has_value());
  EXPECT_EQ(g.keyless->issuer, "https://token.actions.githubusercontent.com");
  ASSERT_TRUE(g.keyless->refs.has_value());
  EXPECT_EQ(*g.keyless->refs, std::vector<std::string>{"refs/tags/v*"});
  ASSERT_TRUE(g.build_types.has_value());
  EXPECT_FALSE(g.builder_ids.has_value());
  const auto& o = p->builders[1];
  EXPECT_FALSE(o.keyless.has_value());
  EXPECT_EQ(o.keys, std::vector<std::string>{"keys/builder.pub"});
  EXPECT_EQ(o.threshold, 1u);
  EXPECT_FALSE(o.build_types.has_value());
  ASSERT_EQ(p->sources.size(), 1u);
  EXPECT_EQ(p->sources[0].repo, "https://github.com/acme/api");
  EXPECT_EQ(p->max_age, std::chrono::hours(720));
  ASSERT_EQ(p->require.size(), 2u);
  EXPECT_EQ(p->require[1].max_severity, Severity::kMedium);
  EXPECT_EQ(p->require[1].max_age, std::chrono::hours(168));
  EXPECT_FALSE(p->require[0].max_severity.has_value());
  ASSERT_EQ(p->exceptions.size(), 1u);
  EXPECT_EQ(p->exceptions[0].owner, "security@example.com");
  EXPECT_EQ(p->exceptions[0].ticket, "SEC-42");
  ASSERT_TRUE(p->exceptions[0].expires.has_value());
  EXPECT_EQ(FormatRfc3339(*p->exceptions[0].expires), "2026-12-31T00:00:00Z");
  EXPECT_EQ(p->FindBuilder("onprem-builder"), &p->builders[1]);
  EXPECT_EQ(p->FindBuilder("nobody"), nullptr);
  // The issue's example is clean apart from warnings: the omitted build_types of the keyed
  // builder, the SBOM requirement without max_age and the source without id pins (issue 12).
  auto lint = LintPolicy(*p);
  ASSERT_EQ(Codes(lint), (std::vector<std::string>{"NO_BUILD_TYPES@builders[1]", "NO_SOURCE_IDS@sources[0]",
                                                   "NO_MAX_AGE@require[0].max_age"}));
  for (const auto& f : lint) EXPECT_EQ(f.level, LintFinding::Level::kWarning);
}

struct BadCase {
  const char* name;
  const char* yaml;
  const char* where;  // substring of the error message
};

constexpr char kMinimal[] = "version: 1\nbuilders: []\nsources: []\n";

TEST(PolicyTest, MinimalAndEmptyListsParseButLintAsErrors) {
  auto p = ParsePolicy(kMinimal);
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  auto lint = LintPolicy(*p);
  int empty = 0;
  for (const auto& f : lint) empty += f.code == "EMPTY_ALLOW_LIST";
  EXPECT_EQ(empty, 2);
}

TEST(PolicyTest, RefusesMalformedPolicies) {
  const BadCase cases[] = {
      {"empty", "", "(top)"},
      {"not a map", "- 1\n", "(top)"},
      {"no version", "builders: []\nsources: []\n", "version"},
      {"version 2", "version: 2\nbuilders: []\nsources: []\n", "version"},
      {"quoted version", "version: \"1\"\nbuilders: []\nsources: []\n", "version"},
      {"unknown top key", "version: 1\nbuilders: []\nsources: []\nbuilder: []\n", "builder"},
      {"duplicate key", "version: 1\nbuilders: []\nsources: []\nsources: []\n", "duplicate"},
      {"no builders", "version: 1\nsources: []\n", "builders"},
      {"no sources", "version: 1\nbuilders: []\n", "sources"},
      {"builders not list", "version: 1\nbuilders: {}\nsources: []\n", "builders"},
      {"anchor and alias",
       "version: 1\nbuilders: &b []\nsources: *b\n", "anchor"},
      {"explicit tag", "version: 1\nbuilders: !!seq []\nsources: []\n", "tag"},
      {"two documents", "version: 1\nbuilders: []\nsources: []\n---\nversion: 1\n", "document"},
      {"syntax", "version: 1\nbuilders: [\n", "syntax"},
      {"both keyless and keys",
       "version: 1\ntrusted_root: t.json\nbuilders:\n  - name: a\n    keys: [k.pem]\n    keyless: "
       "{issuer: https://i, identity: https://x, refs: [r]}\nsources: []\n",
       "exactly one"},
      {"neither", "version: 1\nbuilders:\n  - name: a\nsources: []\n", "exactly one"},
      {"empty keys", "version: 1\nbuilders:\n  - name: a\n    keys: []\nsources: []\n", "keys"},
      {"threshold 0",
       "version: 1\nbuilders:\n  - name: a\n    keys: [k]\n    threshold: 0\nsources: []\n",
       "threshold"},
      {"threshold above keys",
       "version: 1\nbuilders:\n  - name: a\n    keys: [k]\n    threshold: 2\nsources: []\n",
       "threshold"},
      {"threshold negative",
       "version: 1\nbuilders:\n  - name: a\n    keys: [k]\n    threshold: -1\nsources: []\n",
       "threshold"},
      {"keyless without trusted_root",
       "version: 1\nbuilders:\n  - name: a\n    keyless: {issuer: https://i, identity: "
       "https://x, refs: [r]}\nsources: []\n",
       "trusted_root"},
      {"keyless with builder_ids",
       "version: 1\ntrusted_root: t\nbuilders:\n  - name: a\n    keyless: {issuer: https://i, "
       "identity: https://x, refs: [r]}\n    builder_ids: [x]\nsources: []\n",
       "builder_ids"},
      {"delegator on keys",
       "version: 1\nbuilders:\n  - name: a\n    keys: [k]\n    delegator: true\nsources: []\n",
       "delegator"},
      {"delegator not bool",
       "version: 1\ntrusted_root: t\nbuilders:\n  - name: a\n    keyless: {issuer: https://i, "
       "identity: https://x, refs: [r]}\n    delegator: yes\nsources: []\n",
       "delegator"},
      {"duplicate builder",
       "version: 1\nbuilders:\n  - {name: a, keys: [k]}\n  - {name: a, keys: [k]}\nsources: []\n",
       "duplicate builder"},
      {"unknown builder key",
       "version: 1\nbuilders:\n  - {name: a, keys: [k], thresold: 1}\nsources: []\n", "thresold"},
      {"keys not strings",
       "version: 1\nbuilders:\n  - {name: a, keys: [[k]]}\nsources: []\n", "keys[0]"},
      {"empty string", "version: 1\nbuilders:\n  - {name: '', keys: [k]}\nsources: []\n", "name"},
      {"source without repo", "version: 1\nbuilders: []\nsources:\n  - refs: [x]\n", "repo"},
      {"bad max_age", "version: 1\nbuilders: []\nsources: []\nmax_age: 30d\n", "max_age"},
      {"zero max_age", "version: 1\nbuilders: []\nsources: []\nmax_age: 0s\n", "max_age"},
      {"huge max_age", "version: 1\nbuilders: []\nsources: []\nmax_age: 9999999h\n", "max_age"},
      {"long max_age", "version: 1\nbuilders: []\nsources: []\nmax_age: 1h1h1h1h1h1h\n", "max_age"},
      {"far-future expiry",
       "version: 1\nbuilders: []\nsources: []\nexceptions:\n  - {finding: VULN_SEVERITY, "
       "subject: 'sha256:0000000000000000000000000000000000000000000000000000000000000000', "
       "match: x, owner: o, expires: '9999-12-31T00:00:00Z'}\n",
       "expires"},
      {"requirement unknown signer",
       "version: 1\nbuilders: []\nsources: []\nrequire:\n  - {predicate_type: x, signed_by: [b]}\n",
       "names no builder"},
      {"requirement without signed_by",
       "version: 1\nbuilders: []\nsources: []\nrequire:\n  - {predicate_type: x}\n", "signed_by"},
      {"bad severity",
       "version: 1\nbuilders: []\nsources: []\nrequire:\n  - {predicate_type: x, signed_by: [], "
       "max_severity: moderate}\n",
       "max_severity"},
      {"unwaivable finding",
       "version: 1\nbuilders: []\nsources: []\nexceptions:\n  - {finding: BUILDER_NOT_APPROVED, "
       "subject: 'sha256:0000000000000000000000000000000000000000000000000000000000000000', "
       "match: x}\n",
       "waived"},
      {"uppercase exception subject",
       "version: 1\nbuilders: []\nsources: []\nexceptions:\n  - {finding: VULN_SEVERITY, "
       "subject: 'sha256:AAAA000000000000000000000000000000000000000000000000000000000000', "
       "match: x}\n",
       "subject"},
      {"tag exception subject",
       "version: 1\nbuilders: []\nsources: []\nexceptions:\n  - {finding: VULN_SEVERITY, "
       "subject: 'ghcr.io/acme/api:latest', match: x}\n",
       "subject"},
      {"bad expiry",
       "version: 1\nbuilders: []\nsources: []\nexceptions:\n  - {finding: VULN_SEVERITY, "
       "subject: 'sha256:0000000000000000000000000000000000000000000000000000000000000000', "
       "match: x, expires: 2026-12-31}\n",
       "expires"},
  };
  for (const auto& c : cases) {
    auto p = ParsePolicy(c.yaml);
    ASSERT_FALSE(p.ok()) << c.name;
    EXPECT_EQ(p.error().code(), ErrorCode::kInvalidArgument) << c.name;
    EXPECT_EQ(p.error().finding(), "MALFORMED_INPUT") << c.name;
    EXPECT_NE(p.error().message().find(c.where), std::string::npos)
        << c.name << ": " << p.error().message();
  }
}

TEST(PolicyTest, RefusesDeepNestingAndHugeInput) {
  std::string deep = "version: 1\nbuilders: []\nsources: []\nmax_age: ";
  for (int i = 0; i < 100; ++i) deep += "[";
  EXPECT_FALSE(ParsePolicy(deep).ok());
  std::string huge(2 * 1024 * 1024, '#');
  EXPECT_FALSE(ParsePolicy(huge).ok());
  EXPECT_FALSE(ParsePolicy(std::string("version: 1\0", 11)).ok());
}

std::vector<std::string> Codes(const std::vector<LintFinding>& f) {
  std::vector<std::string> out;
  for (const auto& x : f) out.push_back(x.code + "@" + x.where);
  return out;
}

bool HasCode(const std::vector<LintFinding>& f, const std::string& code, const std::string& where) {
  for (const auto& x : f) {
    if (x.code == code && x.where == where) return true;
  }
  return false;
}

TEST(LintTest, FlagsUnsafePolicies) {
  auto p = ParsePolicy(R"(version: 1
trusted_root: t.json
builders:
  - name: regex
    keyless:
      issuer: https://token.actions.githubusercontent.com
      identity: https://github.com/slsa-framework/.*
      refs: ["refs/tags/v.*", "*"]
    build_types: []
  - name: wild
    keyless: {issuer: "https://token.actions.githubusercontent.com", identity: "https://github.com/*/x.yml"}
  - name: at
    keyless: {issuer: "https://i", identity: "https://github.com/o/r/w.yml@refs/tags/v1", refs: []}
  - name: scheme
    keyless: {issuer: "token.actions.githubusercontent.com", identity: "github.com/o/r/w.yml", refs: [r]}
    build_types: [x]
  - name: deleg
    delegator: true
    keyless: {issuer: "https://i", identity: "https://github.com/o/r/w.yml", refs: [r]}
    build_types: [x]
  - name: keyed
    keys: [k.pem]
    builder_ids: []
    build_types: [x]
sources:
  - repo: https://github.com/acme/.*
    refs: []
  - repo: https://github.com/acme/api
require:
  - {predicate_type: https://cyclonedx.org/bom, signed_by: []}
exceptions:
  - finding: VULN_SEVERITY
    subject: sha256:0000000000000000000000000000000000000000000000000000000000000000
    match: CVE-2026-1
)");
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  auto f = LintPolicy(*p);
  SCOPED_TRACE(::testing::PrintToString(Codes(f)));
  EXPECT_TRUE(HasCode(f, "UNANCHORED_IDENTITY", "builders[0].keyless.identity"));
  EXPECT_TRUE(HasCode(f, "UNANCHORED_PATTERN", "builders[0].keyless.refs[0]"));
  EXPECT_TRUE(HasCode(f, "UNANCHORED_PATTERN", "builders[0].keyless.refs[1]"));
  EXPECT_TRUE(HasCode(f, "EMPTY_ALLOW_LIST", "builders[0].build_types"));
  EXPECT_TRUE(HasCode(f, "UNANCHORED_IDENTITY", "builders[1].keyless.identity"));
  EXPECT_TRUE(HasCode(f, "KEYLESS_WITHOUT_REFS", "builders[1].keyless"));
  EXPECT_TRUE(HasCode(f, "NO_BUILD_TYPES", "builders[1]"));
  EXPECT_TRUE(HasCode(f, "UNANCHORED_IDENTITY", "builders[2].keyless.identity"));
  EXPECT_TRUE(HasCode(f, "EMPTY_ALLOW_LIST", "builders[2].keyless.refs"));
  EXPECT_TRUE(HasCode(f, "UNANCHORED_IDENTITY", "builders[3].keyless.identity"));
  EXPECT_TRUE(HasCode(f, "UNANCHORED_IDENTITY", "builders[3].keyless.issuer"));
  EXPECT_TRUE(HasCode(f, "DELEGATOR_WITHOUT_BUILDER_IDS", "builders[4]"));
  EXPECT_TRUE(HasCode(f, "EMPTY_ALLOW_LIST", "builders[5].builder_ids"));
  EXPECT_TRUE(HasCode(f, "UNANCHORED_IDENTITY", "sources[0].repo"));
  EXPECT_TRUE(HasCode(f, "EMPTY_ALLOW_LIST", "sources[0].refs"));
  EXPECT_TRUE(HasCode(f, "NO_SOURCE_REFS", "sources[1]"));
  EXPECT_TRUE(HasCode(f, "NO_MAX_AGE", "max_age"));
  EXPECT_TRUE(HasCode(f, "NO_MAX_AGE", "require[0].max_age"));  // issue 12: per requirement too
  EXPECT_TRUE(HasCode(f, "NO_SOURCE_IDS", "sources[1]"));
  EXPECT_TRUE(HasCode(f, "EMPTY_ALLOW_LIST", "require[0].signed_by"));
  EXPECT_TRUE(HasCode(f, "EXCEPTION_NO_OWNER", "exceptions[0]"));
  EXPECT_TRUE(HasCode(f, "EXCEPTION_NO_EXPIRY", "exceptions[0]"));
  // A clean keyless builder raises nothing.
  EXPECT_FALSE(HasCode(f, "UNANCHORED_IDENTITY", "builders[4].keyless.identity"));
}

TEST(PolicyTest, CertificateSourceOptionalAndDelegator) {
  auto p = ParsePolicy(R"(version: 1
trusted_root: t.json
builders:
  - name: private-fulcio
    keyless:
      issuer: https://oidc.example.internal
      identity: https://ci.example.internal/workflows/release.yml
      refs: ["refs/tags/v*"]
      certificate_source_optional: true
    delegator: true
    builder_ids: ["https://ci.example.internal/runner"]
    build_types: ["https://ci.example.internal/types/v1"]
sources:
  - repo: https://git.example.internal/acme/api
    refs: ["refs/tags/v*"]
max_age: 24h
)");
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  ASSERT_TRUE(p->builders[0].keyless.has_value());
  EXPECT_TRUE(p->builders[0].keyless->certificate_source_optional);
  EXPECT_TRUE(p->builders[0].delegator);
  auto lint = LintPolicy(*p);
  ASSERT_EQ(Codes(lint), (std::vector<std::string>{"CERTIFICATE_SOURCE_OPTIONAL@builders[0].keyless",
                                                   "NO_SOURCE_IDS@sources[0]"}));
  for (const auto& f : lint) EXPECT_EQ(f.level, LintFinding::Level::kWarning);
  EXPECT_FALSE(ParsePolicy("version: 1\ntrusted_root: t\nbuilders:\n  - name: a\n    keyless: {issuer: https://i, "
                           "identity: https://x, refs: [r], certificate_source_optional: \"true\"}\nsources: []\n")
                   .ok());
}

TEST(TimeTest, BoundedTime) {
  EXPECT_TRUE(ParseBoundedTime("2026-11-25T10:00:00Z").ok());
  EXPECT_TRUE(ParseBoundedTime("2200-12-31T23:59:59Z").ok());
  EXPECT_FALSE(ParseBoundedTime("2201-01-01T00:00:00Z").ok());
  EXPECT_FALSE(ParseBoundedTime("9999-12-31T00:00:00Z").ok());
  EXPECT_FALSE(ParseBoundedTime("1969-12-31T23:59:59Z").ok());
  EXPECT_FALSE(ParseBoundedTime("20x6-01-01T00:00:00Z").ok());
  EXPECT_FALSE(ParseBoundedTime("").ok());
  EXPECT_FALSE(ParseBoundedTime("2026-13-01T00:00:00Z").ok());
}

TEST(SeverityTest, Ordering) {
  EXPECT_EQ(ParseSeverity("CRITICAL"), Severity::kCritical);
  EXPECT_EQ(ParseSeverity("High"), Severity::kHigh);
  EXPECT_EQ(ParseSeverity("moderate"), Severity::kMedium);
  EXPECT_EQ(ParseSeverity("Negligible"), Severity::kLow);
  EXPECT_EQ(ParseSeverity("none"), Severity::kNone);
  EXPECT_EQ(ParseSeverity("UNKNOWN"), Severity::kCritical);  // fail closed
  EXPECT_EQ(ParseSeverity(""), Severity::kCritical);
  EXPECT_TRUE(ParsePolicySeverity("medium").ok());
  EXPECT_FALSE(ParsePolicySeverity("Medium").ok());
  EXPECT_EQ(SeverityName(Severity::kHigh), "high");
}

TEST(LoadPolicyTest, ReadsKeysRelativeToThePolicy) {
  std::string dir = testing::MakeTempDir();
  std::string keygen = "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out " +
                       dir + "/k.key 2>/dev/null && openssl pkey -in " + dir + "/k.key -pubout -out " +
                       dir + "/k.pub";
  ASSERT_EQ(testing::RunCommand(keygen), 0);
  {
    std::ofstream(dir + "/p.yaml") << "version: 1\nbuilders:\n  - {name: a, keys: [k.pub]}\n"
                                      "sources: []\n";
    std::ofstream(dir + "/missing.yaml") << "version: 1\nbuilders:\n  - {name: a, keys: [nope.pub]}\n"
                                            "sources: []\n";
    std::ofstream(dir + "/notakey.yaml") << "version: 1\nbuilders:\n  - {name: a, keys: [p.yaml]}\n"
                                            "sources: []\n";
  }
  auto lp = LoadPolicy(dir + "/p.yaml");
  ASSERT_TRUE(lp.ok()) << lp.error().ToString();
  ASSERT_EQ(lp->keys.size(), 1u);
  EXPECT_EQ(lp->keys[0].size(), 1u);
  EXPECT_EQ(lp->digest.substr(0, 7), "sha256:");
  EXPECT_EQ(lp->digest.size(), 7u + 64u);
  EXPECT_FALSE(LoadPolicy(dir + "/missing.yaml").ok());
  EXPECT_FALSE(LoadPolicy(dir + "/notakey.yaml").ok());
  EXPECT_FALSE(LoadPolicy(dir + "/absent.yaml").ok());
  testing::RemoveTree(dir);
}

}  // namespace
}  // namespace signet::policy

namespace signet::policy {
namespace {

TEST(PolicyTest, VerifiedLevelsForTheSummary) {
  auto p = ParsePolicy("version: 1\nbuilders: []\nsources: []\nverified_levels: [SLSA_BUILD_LEVEL_3, ACME_REVIEW_LEVEL_2]\n");
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  EXPECT_EQ(p->verified_levels, (std::vector<std::string>{"SLSA_BUILD_LEVEL_3", "ACME_REVIEW_LEVEL_2"}));
  EXPECT_TRUE(ParsePolicy(std::string(kMinimal))->verified_levels.empty());
  for (const char* bad : {"verified_levels: [slsa_build_level_3]\n", "verified_levels: [\"\"]\n",
                          "verified_levels: SLSA_BUILD_LEVEL_3\n", "verified_levels: [\"SLSA BUILD\"]\n"}) {
    auto r = ParsePolicy(std::string(kMinimal) + bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.error().message().find("verified_levels"), std::string::npos) << r.error().message();
  }
}

// production_namespaces (signet audit): namespace names, each once; decisions never read it.
TEST(PolicyTest, ProductionNamespaces) {
  auto p = ParsePolicy(std::string(kMinimal) + "production_namespaces: [payments, shop-eu-1]\n");
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  EXPECT_EQ(p->production_namespaces, (std::vector<std::string>{"payments", "shop-eu-1"}));
  EXPECT_TRUE(ParsePolicy(std::string(kMinimal))->production_namespaces.empty());
  for (const char* bad : {"production_namespaces: [Payments]\n", "production_namespaces: [\"\"]\n",
                          "production_namespaces: payments\n", "production_namespaces: [-x]\n",
                          "production_namespaces: [a, a]\n", "production_namespaces: [a/b]\n"}) {
    auto r = ParsePolicy(std::string(kMinimal) + bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.error().message().find("production_namespaces"), std::string::npos) << r.error().message();
  }
}

}  // namespace
}  // namespace signet::policy

namespace signet::policy {
namespace {

// Issue 13: release_signers and accept_vsa (verifierd), and tag exceptions (admission).
TEST(ReleaseSignersTest, LoadedStrictLintedAndDeduplicated) {
  std::string dir = testing::MakeTempDir();
  std::string keygen = "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out " + dir +
                       "/r.key 2>/dev/null && openssl pkey -in " + dir + "/r.key -pubout -out " + dir +
                       "/r.pub && openssl pkey -in " + dir + "/r.key -pubout -outform DER -out " + dir +
                       "/r.der && openssl genpkey -algorithm ED25519 -out " + dir +
                       "/s.key 2>/dev/null && openssl pkey -in " + dir + "/s.key -pubout -out " + dir + "/s.pub";
  ASSERT_EQ(testing::RunCommand(keygen), 0);
  const std::string base = "version: 1\nbuilders:\n  - {name: a, keys: [r.pub]}\nsources: []\n";
  {
    std::ofstream(dir + "/ok.yaml") << base << "release_signers: [r.pub, s.pub]\naccept_vsa: true\n";
    std::ofstream(dir + "/dup.yaml") << base << "release_signers: [r.pub, r.der]\n";
    std::ofstream(dir + "/missing.yaml") << base << "release_signers: [nope.pub]\n";
    std::ofstream(dir + "/notakey.yaml") << base << "release_signers: [ok.yaml]\n";
  }
  auto lp = LoadPolicy(dir + "/ok.yaml");
  ASSERT_TRUE(lp.ok()) << lp.error().ToString();
  EXPECT_EQ(lp->policy.release_signers, (std::vector<std::string>{"r.pub", "s.pub"}));
  EXPECT_EQ(lp->release_keys.size(), 2u);
  EXPECT_TRUE(lp->policy.accept_vsa);
  // A release signer may also be a builder key (separate roles), but never listed twice.
  auto dup = LoadPolicy(dir + "/dup.yaml");
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.error().message().find("same key"), std::string::npos);
  EXPECT_FALSE(LoadPolicy(dir + "/missing.yaml").ok());
  EXPECT_FALSE(LoadPolicy(dir + "/notakey.yaml").ok());
  testing::RemoveTree(dir);

  // Strict types.
  EXPECT_FALSE(ParsePolicy("version: 1\nbuilders: []\nsources: []\naccept_vsa: yes\n").ok());
  EXPECT_FALSE(ParsePolicy("version: 1\nbuilders: []\nsources: []\naccept_vsa: \"true\"\n").ok());
  EXPECT_FALSE(ParsePolicy("version: 1\nbuilders: []\nsources: []\nrelease_signers: r.pub\n").ok());
  auto absent = ParsePolicy("version: 1\nbuilders: []\nsources: []\n");
  ASSERT_TRUE(absent.ok());
  EXPECT_FALSE(absent->accept_vsa);
  EXPECT_TRUE(absent->release_signers.empty());
  // accept_vsa without release_signers is a lint error; with them it is not.
  auto vsa = ParsePolicy("version: 1\nbuilders: []\nsources: []\naccept_vsa: true\n");
  ASSERT_TRUE(vsa.ok());
  auto has = [](const std::vector<LintFinding>& fs, const std::string& code) {
    for (const auto& f : fs) {
      if (f.code == code && f.level == LintFinding::Level::kError) return true;
    }
    return false;
  };
  EXPECT_TRUE(has(LintPolicy(*vsa), "ACCEPT_VSA_WITHOUT_RELEASE_SIGNERS"));
  auto both = ParsePolicy("version: 1\nbuilders: []\nsources: []\naccept_vsa: true\nrelease_signers: [r.pub]\n");
  ASSERT_TRUE(both.ok());
  EXPECT_FALSE(has(LintPolicy(*both), "ACCEPT_VSA_WITHOUT_RELEASE_SIGNERS"));
}

TEST(ExceptionTest, TagExceptionsNameTheReferenceTwice) {
  const std::string head = "version: 1\nbuilders: []\nsources: []\nexceptions:\n  - finding: MUTABLE_REFERENCE\n";
  auto ok = ParsePolicy(head + "    subject: docker.io/library/nginx:1.25\n    match: docker.io/library/nginx:1.25\n"
                               "    owner: a@example.com\n    expires: 2027-01-01T00:00:00Z\n");
  ASSERT_TRUE(ok.ok()) << ok.error().ToString();
  EXPECT_EQ(ok->exceptions[0].finding, "MUTABLE_REFERENCE");
  EXPECT_EQ(ok->exceptions[0].subject, "docker.io/library/nginx:1.25");
  // match must repeat the subject; the subject is a tag, never a digest.
  EXPECT_FALSE(ParsePolicy(head + "    subject: nginx:1.25\n    match: nginx:1.26\n").ok());
  EXPECT_FALSE(ParsePolicy(head + "    subject: sha256:" + std::string(64, 'a') + "\n    match: sha256:" +
                           std::string(64, 'a') + "\n").ok());
  EXPECT_FALSE(ParsePolicy(head + "    subject: nginx@sha256:" + std::string(64, 'a') + "\n    match: nginx@sha256:" +
                           std::string(64, 'a') + "\n").ok());
  // Other findings still cannot be waived.
  EXPECT_FALSE(ParsePolicy("version: 1\nbuilders: []\nsources: []\nexceptions:\n  - finding: SIGNATURE_INVALID\n    subject: sha256:" +
                           std::string(64, 'a') + "\n    match: x\n").ok());
}

}  // namespace
}  // namespace signet::policy
