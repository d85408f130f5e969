// /v1/verify without a socket: allow/deny, every chain link's codes, release_signers, accept_vsa,
// the evidence store, and the HTTP-level body rules.
#include <filesystem>

#include "verifierd_fixture.h"

namespace signet::verifierd::testing {
namespace {

using Ev = std::vector<std::tuple<std::string, std::string, std::string>>;

void ExpectLink(const v1::VerifyResponse& r, const std::string& link, const std::string& status,
                const std::string& code) {
  for (const auto& l : r.chain()) {
    if (l.link() != link) continue;
    EXPECT_EQ(l.status(), status) << link << ": " << l.detail();
    EXPECT_EQ(l.code(), code) << link << ": " << l.detail();
    return;
  }
  ADD_FAILURE() << "no link " << link;
}

TEST_F(VerifierdTest, AllowedWithEveryLinkPassing) {
  auto s = State(Policy(Requirements()));
  auto r = Verify(*s, Req(Image(), {{"prov.json", Prov(), ""}, {"sbom.json", Sbom(), ""}, {"scan.json", Scan("LOW"), ""}}));
  ASSERT_TRUE(r.allowed()) << Show(r);
  EXPECT_EQ(r.image(), Image());
  EXPECT_EQ(r.digest(), std::string("sha256:") + kDigest);
  EXPECT_EQ(r.evaluated_at(), kAt);
  EXPECT_EQ(r.policy_digest().substr(0, 7), "sha256:");
  EXPECT_EQ(r.findings_size(), 0);
  ASSERT_EQ(r.chain_size(), 6);
  const char* order[] = {"reference", "signature", "provenance", "sbom", "scan", "exceptions"};
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(r.chain(i).link(), order[i]);
    EXPECT_EQ(r.chain(i).status(), "PASS") << Show(r);
    EXPECT_EQ(r.chain(i).code(), "");
  }
}

TEST_F(VerifierdTest, LinksNotRequiredPassSayingSo) {
  auto s = State(Policy());
  auto r = Verify(*s, Req(Image(), {{"prov.json", Prov(), ""}}));
  ASSERT_TRUE(r.allowed()) << Show(r);
  EXPECT_NE(LinkOf(r, "sbom").detail().find("requires no"), std::string::npos);
  EXPECT_NE(LinkOf(r, "scan").detail().find("requires no"), std::string::npos);
}

TEST_F(VerifierdTest, ReferenceLink) {
  auto s = State(Policy());
  auto r = Verify(*s, Req("ghcr.io/acme/api:v1", {{"prov.json", Prov(), ""}}));
  EXPECT_FALSE(r.allowed());
  ExpectLink(r, "reference", "FAIL", "CONT-PROV-MUTABLE-TAG");
  ASSERT_EQ(r.findings_size(), 1);
  EXPECT_EQ(r.findings(0).code(), "MUTABLE_REFERENCE");
  EXPECT_EQ(r.digest(), "");
}

TEST_F(VerifierdTest, SignatureAndProvenanceLinks) {
  auto s = State(Policy());
  // Covers another digest.
  auto r = Verify(*s, Req(Image(), {{"prov.json", Prov(kOther), "provenance"}}));
  EXPECT_FALSE(r.allowed());
  ExpectLink(r, "signature", "FAIL", "CONT-PROV-SIGNATURE-DIGEST-MISMATCH");
  // A garbage signature does not verify.
  std::string bad = Prov();
  bad.replace(bad.find("\"sig\":\"") + 7, 4, "AAAA");
  r = Verify(*s, Req(Image(), {{"prov.json", bad, ""}}));
  EXPECT_FALSE(r.allowed());
  ExpectLink(r, "signature", "FAIL", "CONT-PROV-SIGNATURE-DIGEST-MISMATCH");
  // Signed by a key the policy does not know: for DSSE that is a signature that does not verify.
  std::string unknown = SignedEnvelope(Statement(kDigest, kSlsa1, ProvenanceV1(kBuilderId, kBuildType, kRepo, "refs/tags/v1.2.3")), {&other_});
  r = Verify(*s, Req(Image(), {{"prov.json", unknown, ""}}));
  EXPECT_FALSE(r.allowed());
  ExpectLink(r, "signature", "FAIL", "CONT-PROV-SIGNATURE-DIGEST-MISMATCH");
  // Verifies, but not under the trust the policy demands (threshold 2, one signature): the
  // gate's UNTRUSTED_SIGNER.
  const std::string two = dir_.Write("two.yaml", "version: 1\nbuilders:\n  - name: onprem\n    keys: [" + builder_.pub_path +
                                                     ", " + other_.pub_path + "]\n    threshold: 2\n    builder_ids: [\"" +
                                                     kBuilderId + "\"]\n    build_types: [\"" + kBuildType +
                                                     "\"]\nsources:\n  - repo: " + kRepo + "\n    refs: [\"refs/tags/v?.?.?\"]\n");
  r = Verify(*State(two), Req(Image(), {{"prov.json", Prov(), ""}}));
  EXPECT_FALSE(r.allowed());
  ExpectLink(r, "signature", "FAIL", "CONT-PROV-WEAK-SIGNER-IDENTITY");
  // Verified, but from another builder id.
  r = Verify(*s, Req(Image(), {{"prov.json", Prov(kDigest, "https://evil.example/builder"), ""}}));
  EXPECT_FALSE(r.allowed());
  ExpectLink(r, "signature", "PASS", "");
  ExpectLink(r, "provenance", "FAIL", "CONT-PROV-BUILDER-NOT-APPROVED");
  // Nothing at all (and nothing in the store).
  r = Verify(*s, Req(Image(), {}));
  EXPECT_FALSE(r.allowed());
  ExpectLink(r, "signature", "MISSING", "CONT-PROV-SIGNATURE-MISSING");
  ExpectLink(r, "provenance", "MISSING", "CONT-PROV-PROVENANCE-MISSING");
  // Unreadable evidence.
  r = Verify(*s, Req(Image(), {{"junk", "not json\nat all", ""}}));
  EXPECT_FALSE(r.allowed());
  ExpectLink(r, "provenance", "MISSING", "CONT-PROV-PROVENANCE-MISSING");
  ASSERT_GE(r.findings_size(), 1);
  EXPECT_EQ(r.findings(0).code(), "MALFORMED_INPUT");
  EXPECT_EQ(r.findings(0).input().substr(0, 4), "junk");
}

TEST_F(VerifierdTest, SbomAndScanLinks) {
  auto s = State(Policy(Requirements()));
  // SBOM about another digest.
  auto r = Verify(*s, Req(Image(), {{"p", Prov(), ""}, {"sbom", Sbom(kOther), ""}, {"scan", Scan("LOW"), ""}}));
  EXPECT_FALSE(r.allowed());
  ExpectLink(r, "sbom", "FAIL", "CONT-PROV-SBOM-DIGEST-MISMATCH");
  ExpectLink(r, "scan", "PASS", "");
  ExpectLink(r, "provenance", "PASS", "");
  // No SBOM, no scan.
  r = Verify(*s, Req(Image(), {{"p", Prov(), ""}}));
  EXPECT_FALSE(r.allowed());
  ExpectLink(r, "sbom", "MISSING", "CONT-PROV-SBOM-MISSING");
  ExpectLink(r, "scan", "MISSING", "CONT-PROV-SCAN-MISSING");
  // A failing scan.
  r = Verify(*s, Req(Image(), {{"p", Prov(), ""}, {"sbom", Sbom(), ""}, {"scan", Scan("HIGH"), ""}}));
  EXPECT_FALSE(r.allowed());
  ExpectLink(r, "scan", "FAIL", "CONT-PROV-SCAN-FAILING");
  ExpectLink(r, "sbom", "PASS", "");
}

TEST_F(VerifierdTest, ExceptionsLink) {
  const std::string subject = std::string("sha256:") + kDigest;
  auto ex = [&](const std::string& expires) {
    return "exceptions:\n  - finding: VULN_SEVERITY\n    subject: " + subject +
           "\n    match: CVE-2026-1234\n    owner: security@example.com\n    ticket: SEC-42\n    expires: " + expires + "\n";
  };
  Ev ev = {{"p", Prov(), ""}, {"sbom", Sbom(), ""}, {"scan", Scan("HIGH"), ""}};
  // A live exception waives the scan finding.
  auto r = Verify(*State(Policy(Requirements(ex("2026-12-31T00:00:00Z")))), Req(Image(), ev));
  ASSERT_TRUE(r.allowed()) << Show(r);
  ExpectLink(r, "scan", "WAIVED", "");
  ExpectLink(r, "exceptions", "PASS", "");
  // An expired one waives nothing and is stale.
  r = Verify(*State(Policy(Requirements(ex("2026-11-01T00:00:00Z")))), Req(Image(), ev));
  EXPECT_FALSE(r.allowed());
  ExpectLink(r, "exceptions", "FAIL", "CONT-PROV-STALE-EXCEPTION");
  ExpectLink(r, "scan", "FAIL", "CONT-PROV-SCAN-FAILING");
}

TEST_F(VerifierdTest, ExceptionWithoutOwnerRefusesTheConfig) {
  VerifierdConfig c;
  c.policies["default"] = Policy(Requirements("exceptions:\n  - finding: VULN_SEVERITY\n    subject: sha256:" +
                                              std::string(kDigest) + "\n    match: CVE-1\n    expires: 2027-01-01T00:00:00Z\n"));
  auto s = VerifierState::Load(c);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message().find("EXCEPTION_NO_OWNER"), std::string::npos);
}

TEST_F(VerifierdTest, ReleaseSigners) {
  auto s = State(Policy(ReleaseSigners()));
  // Good: the cosign v3 bundle, or the simple-signing pair.
  auto r = Verify(*s, Req(Image(), {{"p", Prov(), ""}, {"image.sigstore.json", CosignBundle(release_), ""}}));
  ASSERT_TRUE(r.allowed()) << Show(r);
  ExpectLink(r, "signature", "PASS", "");
  auto [payload, sig] = SimpleSigning(release_);
  r = Verify(*s, Req(Image(), {{"p", Prov(), ""}, {"simplesigning.json", payload, ""}, {"simplesigning.sig", sig, ""}}));
  ASSERT_TRUE(r.allowed()) << Show(r);
  ExpectLink(r, "signature", "PASS", "");
  // Missing.
  r = Verify(*s, Req(Image(), {{"p", Prov(), ""}}));
  EXPECT_FALSE(r.allowed());
  ExpectLink(r, "signature", "MISSING", "CONT-PROV-SIGNATURE-MISSING");
  ASSERT_EQ(r.findings_size(), 1);
  EXPECT_EQ(r.findings(0).code(), "MISSING_ATTESTATION");
  // A release signature over another digest.
  r = Verify(*s, Req(Image(), {{"p", Prov(), ""}, {"image.sigstore.json", CosignBundle(release_, kOther), ""}}));
  EXPECT_FALSE(r.allowed());
  ExpectLink(r, "signature", "FAIL", "CONT-PROV-SIGNATURE-DIGEST-MISMATCH");
  auto [payload2, sig2] = SimpleSigning(release_, kOther);
  r = Verify(*s, Req(Image(), {{"p", Prov(), ""}, {"simplesigning.json", payload2, ""}, {"simplesigning.sig", sig2, ""}}));
  EXPECT_FALSE(r.allowed());
  ExpectLink(r, "signature", "FAIL", "CONT-PROV-SIGNATURE-DIGEST-MISMATCH");
  // Signed by a key the policy does not list.
  r = Verify(*s, Req(Image(), {{"p", Prov(), ""}, {"image.sigstore.json", CosignBundle(other_), ""}}));
  EXPECT_FALSE(r.allowed());
  ExpectLink(r, "signature", "FAIL", "CONT-PROV-WEAK-SIGNER-IDENTITY");
  EXPECT_EQ(r.findings(r.findings_size() - 1).code(), "UNTRUSTED_SIGNER");
}

TEST_F(VerifierdTest, AcceptVsa) {
  const std::string pol = Policy(ReleaseSigners() + "accept_vsa: true\n" + Requirements());
  auto s = State(pol);
  const std::string bundle = CosignBundle(release_);
  // Good: no provenance, SBOM or scan needed.
  auto r = Verify(*s, Req(Image(), {{"vsa.sigstore.json", Vsa(release_, pol), ""}, {"image.sigstore.json", bundle, ""}}));
  ASSERT_TRUE(r.allowed()) << Show(r);
  EXPECT_EQ(r.digest(), std::string("sha256:") + kDigest);
  EXPECT_NE(LinkOf(r, "provenance").detail().find("covered by VSA vsa.sigstore.json"), std::string::npos);
  EXPECT_NE(LinkOf(r, "sbom").detail().find("covered by VSA"), std::string::npos);
  // Naming another policy's digest, FAILED, or by an unlisted signer: not accepted, so the
  // evidence is verified as usual (and there is none).
  for (const std::string& vsa : {Vsa(release_, Policy()), Vsa(release_, pol, "FAILED"), Vsa(other_, pol)}) {
    r = Verify(*s, Req(Image(), {{"vsa.sigstore.json", vsa, ""}, {"image.sigstore.json", bundle, ""}}));
    EXPECT_FALSE(r.allowed()) << Show(r);
    ExpectLink(r, "provenance", "MISSING", "CONT-PROV-PROVENANCE-MISSING");
  }
  // Without accept_vsa a VSA is ignored.
  auto s2 = State(Policy(ReleaseSigners()));
  r = Verify(*s2, Req(Image(), {{"vsa.sigstore.json", Vsa(release_, pol), ""}, {"image.sigstore.json", bundle, ""}}));
  EXPECT_FALSE(r.allowed());
}

TEST_F(VerifierdTest, AcceptVsaWithoutReleaseSignersRefusesTheConfig) {
  VerifierdConfig c;
  c.policies["default"] = Policy("accept_vsa: true\n");
  auto s = VerifierState::Load(c);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message().find("ACCEPT_VSA_WITHOUT_RELEASE_SIGNERS"), std::string::npos);
}

TEST_F(VerifierdTest, EvidenceStoreSuppliesEvidence) {
  TempDir ev;
  std::filesystem::create_directories(ev.path() + "/a/b");
  ev.Write("a/b/prov.json", Prov());
  ev.Write("a/image.sigstore.json", CosignBundle(release_));
  ev.Write("noise.txt", "hello");
  ev.Write("other.json", Prov(kOther));
  // A symbolic link is never followed (here to a provenance outside the tree).
  TempDir outside;
  std::string target = outside.Write("p.json", Prov());
  std::filesystem::create_symlink(target, ev.path() + "/link.json");
  auto store = EvidenceStore::Build({ev.path()});
  ASSERT_TRUE(store.ok());
  EXPECT_EQ((*store)->stats().files, 3u);
  EXPECT_EQ((*store)->stats().skipped, 2u);  // the link and the text file
  auto files = (*store)->Lookup(kDigest);
  ASSERT_EQ(files.size(), 2u);
  auto s = State(Policy(ReleaseSigners()), true, {ev.path()});
  auto r = Verify(*s, Req(Image(), {}));
  EXPECT_TRUE(r.allowed()) << Show(r);
  // Only the link would have it: nothing from the store.
  std::filesystem::remove(ev.path() + "/a/b/prov.json");
  s = State(Policy(ReleaseSigners()), true, {ev.path()});
  r = Verify(*s, Req(Image(), {}));
  EXPECT_FALSE(r.allowed());
  // A missing directory is a config error.
  EXPECT_FALSE(EvidenceStore::Build({ev.path() + "/nope"}).ok());
}

TEST_F(VerifierdTest, BodyRules) {
  auto s = State(Policy());
  VerifyOptions o;
  o.now = *ParseRfc3339(kAt);
  EXPECT_EQ(HandleVerifyBody(*s, nullptr, "{", o).status, 400);
  EXPECT_EQ(HandleVerifyBody(*s, nullptr, "[]", o).status, 400);
  EXPECT_EQ(HandleVerifyBody(*s, nullptr, R"({"image":"x","image":"y","policy":"default"})", o).status, 400);
  EXPECT_EQ(HandleVerifyBody(*s, nullptr, R"({"image":"x","policy":"default","extra":1})", o).status, 400);
  EXPECT_EQ(HandleVerifyBody(*s, nullptr, R"({"image":"x","policy":"default","evidence":[{"name":"a","content":"!!"}]})", o).status, 400);
  HttpResult unknown = HandleVerifyBody(*s, nullptr, R"({"image":"x","policy":"nope"})", o);
  EXPECT_EQ(unknown.status, 400);
  EXPECT_NE(unknown.body.find("UNKNOWN_POLICY"), std::string::npos);
  HttpResult role = HandleVerifyBody(*s, nullptr, R"({"image":"x","policy":"default","evidence":[{"name":"a","content":"","role":"sbom"}]})", o);
  EXPECT_EQ(role.status, 400);
  EXPECT_NE(role.body.find("MALFORMED_EVIDENCE"), std::string::npos);
  // Every field is printed, false and empty lists included.
  HttpResult ok = HandleVerifyBody(*s, nullptr, R"({"image":"ghcr.io/acme/api:v1","policy":"default"})", o);
  EXPECT_EQ(ok.status, 200);
  auto j = ParseJson(ok.body);
  ASSERT_TRUE(j.ok()) << ok.body;
  for (const char* k : {"allowed", "image", "digest", "policyDigest", "evaluatedAt", "findings", "chain"}) {
    EXPECT_NE(j->Find(k), nullptr) << k << " in " << ok.body;
  }
  EXPECT_FALSE(j->Find("allowed")->bool_value());
  EXPECT_EQ(j->Find("digest")->string_value(), "");
  const auto& link = j->Find("chain")->array()[1];
  for (const char* k : {"link", "status", "code", "detail"}) EXPECT_NE(link.Find(k), nullptr) << k;
  // Allowed with no findings: "findings": [].
  std::string body = R"({"image":")" + Image() + R"(","policy":"default","evidence":[{"name":"p","content":")" +
                     Base64Encode(AsBytes(Prov())) + R"("}]})";
  HttpResult allowed = HandleVerifyBody(*s, nullptr, body, o);
  EXPECT_NE(allowed.body.find("\"findings\":[]"), std::string::npos) << allowed.body;
  EXPECT_NE(allowed.body.find("\"allowed\":true"), std::string::npos) << allowed.body;
}

TEST_F(VerifierdTest, EvaluationTimeComesFromConfigNeverTheRequest) {
  auto s = State(Policy());
  auto r = Verify(*s, Req(Image(), {{"p", Prov(), ""}}), nullptr, "2030-01-01T00:00:00Z");
  EXPECT_EQ(r.evaluated_at(), kAt);
  auto live = State(Policy(), false);
  r = Verify(*live, Req(Image(), {{"p", Prov(), ""}}), nullptr, "2026-11-25T11:00:00Z");
  EXPECT_EQ(r.evaluated_at(), "2026-11-25T11:00:00Z");
}

}  // namespace
}  // namespace signet::verifierd::testing
