// verifierd reading evidence from a registry (issue 18): evidence from the registry alone decides,
// a registry failure denies with its own finding (never cached, never an allow), inline evidence
// never asks the registry, and the `registry` config section's strict parsing. The registry is a
// fake RemoteEvidence here; registry_e2e runs the real one.
#include <gtest/gtest.h>

#include <atomic>

#include "signet/core/findings.h"
#include "signet/core/yaml.h"
#include "signet/verifierd/admission.h"
#include "signet/verifierd/registry_evidence.h"
#include "verifierd_fixture.h"

namespace signet::verifierd::testing {
namespace {

class FakeRemote final : public RemoteEvidence {
 public:
  Result<std::vector<EvidenceFile>> Fetch(const std::string& image) const override {
    ++calls;
    last_image = image;
    if (error.has_value()) return *error;
    std::vector<EvidenceFile> out;
    for (const auto& [name, bytes] : files) out.push_back(ClassifyEvidence(name, bytes));
    PairSimpleSignatures(out);
    return out;
  }
  std::optional<Error> error;
  std::vector<std::pair<std::string, std::string>> files;
  mutable std::atomic<int> calls{0};
  mutable std::string last_image;
};

class RegistryEvidenceTest : public VerifierdTest {
 protected:
  std::shared_ptr<const VerifierState> WithRemote(const std::string& policy, std::shared_ptr<FakeRemote> remote) {
    auto base = State(policy);
    return VerifierState::FromGates({*base->FindPolicy("default")}, base->config(), nullptr, std::move(remote));
  }
};

TEST_F(RegistryEvidenceTest, RegistryEvidenceAloneDecides) {
  auto remote = std::make_shared<FakeRemote>();
  auto [payload, sig] = SimpleSigning(release_);
  remote->files = {{"registry/referrer-1-0.json", Prov()},
                   {"registry/cosign-sig-0.json", payload},
                   {"registry/cosign-sig-0.sig", sig}};
  auto s = WithRemote(Policy(ReleaseSigners()), remote);
  auto r = Verify(*s, Req(Image(), {}));
  EXPECT_TRUE(r.allowed()) << Show(r);
  EXPECT_EQ(remote->last_image, Image());
  // Without the release signature the same registry evidence is denied.
  remote->files.resize(1);
  r = Verify(*s, Req(Image(), {}));
  EXPECT_FALSE(r.allowed()) << Show(r);
}

TEST_F(RegistryEvidenceTest, RegistryFailureDeniesWithItsFindingAndIsNotCached) {
  auto remote = std::make_shared<FakeRemote>();
  remote->error = VerificationFailed(std::string(findings::kRegistryDigestMismatch), "swapped");
  // Even with everything needed in the store, a registry failure denies.
  TempDir ev;
  ev.Write("prov.json", Prov());
  auto store_only = State(Policy(), true, {ev.path()});
  ASSERT_TRUE(Verify(*store_only, Req(Image(), {})).allowed());
  auto s = VerifierState::FromGates({*store_only->FindPolicy("default")}, store_only->config(),
                               EvidenceStore::Build({ev.path()}).value(), remote);
  VerifyCache cache(100, std::chrono::minutes(5));
  auto r = Verify(*s, Req(Image(), {}), &cache);
  EXPECT_FALSE(r.allowed()) << Show(r);
  ASSERT_GT(r.findings_size(), 0);
  EXPECT_EQ(r.findings(0).code(), findings::kRegistryDigestMismatch);
  EXPECT_EQ(r.findings(0).input(), "registry");
  EXPECT_EQ(r.chain_size(), 6);
  remote->error = Unavailable("connection refused");
  r = Verify(*s, Req(Image(), {}), &cache);
  EXPECT_FALSE(r.allowed());
  EXPECT_EQ(r.findings(0).code(), findings::kRegistryEvidenceUnavailable);
  // The registry is back: the next request asks it again (nothing was cached).
  remote->error.reset();
  r = Verify(*s, Req(Image(), {}), &cache);
  EXPECT_TRUE(r.allowed()) << Show(r);
  EXPECT_EQ(remote->calls.load(), 3);
  // Inline evidence never asks the registry.
  r = Verify(*s, Req(Image(), {{"prov.json", Prov(), ""}}), &cache);
  EXPECT_TRUE(r.allowed()) << Show(r);
  EXPECT_EQ(remote->calls.load(), 3);
}

TEST_F(RegistryEvidenceTest, AdmissionNamesTheRegistryFailure) {
  auto remote = std::make_shared<FakeRemote>();
  remote->error = NotFound("manifest sha256:x: the registry answered HTTP 404");
  auto s = WithRemote(Policy(), remote);
  auto verify = MakeImageVerifier(s, nullptr, [] { return *ParseRfc3339(kAt); });
  std::string review = R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","kind":{"group":"","version":"v1","kind":"Pod"},"namespace":"prod","operation":"CREATE","object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":")" +
                       Image() + R"("}]}}}})";
  auto out = HandleAdmission(*s, review, *ParseRfc3339(kAt), verify);
  ASSERT_TRUE(out.ok()) << out.error().ToString();
  EXPECT_NE(out->find("\"allowed\":false"), std::string::npos) << *out;
  EXPECT_NE(out->find(findings::kRegistryEvidenceUnavailable), std::string::npos) << *out;
}

Result<VerifierdConfig> ParseConfig(const std::string& yaml) {
  auto root = ParseYaml("policies: {default: p.yaml}\n" + yaml);
  if (!root.ok()) return root.error();
  return ParseVerifierdConfig(*root, "/etc/verifierd");
}

TEST(RegistryConfig, KeysResolvedAndStrict) {
  auto c = ParseConfig("registry: {config: auth.json, ca: /etc/pki/registry.pem}\n");
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  ASSERT_TRUE(c->registry.has_value());
  EXPECT_EQ(c->registry->config, "/etc/verifierd/auth.json");
  EXPECT_EQ(c->registry->ca, "/etc/pki/registry.pem");
  c = ParseConfig("registry: {}\n");
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->registry.has_value());
  EXPECT_FALSE(ParseConfig("").value().registry.has_value());
  for (const char* bad : {"registry: {config: a.json, cafile: b.pem}\n", "registry: {config: \"\"}\n",
                          "registry: [a]\n", "registry: {config: [a]}\n"}) {
    auto r = ParseConfig(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_NE(r.error().message().find("registry"), std::string::npos) << r.error().message();
    }
  }
}

TEST(RegistryConfig, FilesAreChecked) {
  TempDir d;
  std::string config = d.Write("auth.json", R"({"auths":{"r.example":{"auth":"dTpw"}}})");
  std::string bad_config = d.Write("bad.json", R"({"auths":)");
  std::string not_pem = d.Write("ca.pem", "not a certificate");
  EXPECT_TRUE(MakeRegistryEvidence({config, ""}).ok());
  EXPECT_FALSE(MakeRegistryEvidence({bad_config, ""}).ok());
  EXPECT_FALSE(MakeRegistryEvidence({d.path() + "/nothere.json", ""}).ok());
  auto r = MakeRegistryEvidence({config, not_pem});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("registry.ca"), std::string::npos) << r.error().message();
}

}  // namespace
}  // namespace signet::verifierd::testing
