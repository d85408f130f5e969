// The crypto-level rows of ../shared/vectors/README.md: every accept/* row verifies, and every
// reject/* row whose reason is cryptographic or transparency-log related is refused. Policy-level
// rows (builder, source ref, predicate type) belong to the gate; here they show crypto passing.
#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

#include "signet/attestation/cosign_layer.h"
#include "signet/attestation/dsse.h"
#include "signet/core/findings.h"
#include "signet/attestation/fulcio_identity.h"
#include "signet/core/ossl.h"
#include "signet/attestation/intoto.h"
#include "signet/attestation/verifier.h"
#include "signet/core/encoding.h"
#include "signet/core/file.h"
#include "signet/core/hash.h"
#include "signet/core/json.h"

namespace signet::attestation {
namespace {

constexpr char kGha[] = "https://token.actions.githubusercontent.com";
constexpr char kBeacon[] =
    "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/"
    "extremely-dangerous-oidc-beacon.yml@refs/heads/main";

std::string Read(const std::string& rel) {
  const char* dir = std::getenv("SIGNET_SHARED_DIR");
  auto data = ReadFile(std::string(dir ? dir : "../shared") + "/vectors/" + rel);
  if (!data.ok()) {
    ADD_FAILURE() << "missing vector " << rel;
    return "";
  }
  return *data;
}

TrustedRoot Root(const std::string& name) {
  auto root = TrustedRoot::Parse(Read("trust/trusted_root." + name + ".json"));
  if (!root.ok()) std::abort();
  return std::move(root).value();
}

Result<VerifiedBundle> Verify(const Bundle& bundle, const std::string& root, const std::string& san,
                              const std::string& issuer, const Artifact& artifact) {
  VerificationPolicy policy;
  policy.identity = CertificateIdentity{san, issuer};
  SystemClock clock;
  return VerifyBundle(bundle, Root(root), policy, artifact, clock);
}

Result<VerifiedBundle> VerifyFile(const std::string& bundle_file, const std::string& root, const std::string& san,
                                  const std::string& issuer, const Artifact& artifact) {
  auto bundle = ParseBundle(Read(bundle_file));
  if (!bundle.ok()) return bundle.error();
  return Verify(*bundle, root, san, issuer, artifact);
}

Artifact FileArtifact(const std::string& rel) { return Artifact::FromBytes(ToBytes(Read(rel))); }

void ExpectRefused(const Result<VerifiedBundle>& r, const std::string& what, const char* finding = nullptr) {
  ASSERT_FALSE(r.ok()) << what << " was accepted";
  if (finding != nullptr) {
    EXPECT_EQ(r.error().finding(), finding) << what << ": " << r.error().ToString();
  }
}

// --- accept/ ------------------------------------------------------------------------------------

TEST(AcceptVectorsTest, GhaDelegatorBundleV02) {
  const std::string san =
      "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/delegator_generic_slsa3.yml@refs/tags/v2.1.0";
  auto r = VerifyFile("accept/gha-delegator-v2.1.0/provenance.sigstore.json", "sigstore-public-good", san, kGha,
                      FileArtifact("accept/gha-delegator-v2.1.0/artifact"));
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->version(), BundleVersion::kV02);
  EXPECT_EQ(r->statement()->predicate_type(), "https://slsa.dev/provenance/v1");
  // Pairing: the same bundle against a.txt is a subject mismatch.
  ExpectRefused(VerifyFile("accept/gha-delegator-v2.1.0/provenance.sigstore.json", "sigstore-public-good", san, kGha,
                           FileArtifact("accept/conformance/a.txt")),
                "delegator vs a.txt", findings::kArtifactMismatch);
}

TEST(AcceptVectorsTest, GhaContainerCosignLayerRestsOnItsSet) {
  const std::string dir = "accept/gha-container-generator-v2.1.0/";
  auto manifest = ParseJson(Read(dir + "cosign-atts-manifest.json"));
  ASSERT_TRUE(manifest.ok());
  const JsonValue& ann = *manifest->Find("layers")->array().at(0).Find("annotations");
  const std::string layer = Read(dir + "dsse-layer.json");
  auto bundle = BundleFromCosignLayer(layer, ann.Find("dev.sigstore.cosign/bundle")->string_value(),
                                      ann.Find("dev.sigstore.cosign/certificate")->string_value());
  ASSERT_TRUE(bundle.ok()) << bundle.error().ToString();
  // The logged envelopeHash is the layer digest (the manifest names the layer by it too).
  auto body = ParseJson(AsString(bundle->tlog_entries[0].canonicalized_body));
  EXPECT_EQ(body->Find("spec")->Find("envelopeHash")->Find("value")->string_value(), HexEncode(Sha256(layer)));
  std::string digest = Read(dir + "image.digest");
  while (!digest.empty() && (digest.back() == '\n' || digest.back() == '\r')) digest.pop_back();
  auto image = Artifact::FromDigestString(digest);
  ASSERT_TRUE(image.ok()) << digest;
  EXPECT_EQ(image->sha256, Sha256(Read(dir + "image-index.json")));
  const std::string san =
      "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml@refs/tags/v2.1.0";
  auto r = Verify(*bundle, "sigstore-public-good", san, kGha, *image);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->statement()->predicate_type(), "https://slsa.dev/provenance/v0.2");
  ExpectRefused(Verify(*bundle, "sigstore-public-good", san, kGha, Artifact::FromBytes(ToBytes("other"))),
                "container vs other digest", findings::kArtifactMismatch);
}

TEST(AcceptVectorsTest, GhAttestBcrBundleV03) {
  const std::string san = "https://github.com/bazel-contrib/publish-to-bcr/.github/workflows/publish.yaml@refs/tags/v0.0.1";
  auto r = VerifyFile("accept/gh-attest-bcr/MODULE.bazel.sigstore.json", "sigstore-public-good", san, kGha,
                      FileArtifact("accept/gh-attest-bcr/MODULE.bazel"));
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->identity()->source_repository_uri, "https://github.com/aspect-build/rules_lint");
  EXPECT_EQ(r->identity()->source_repository_ref, "refs/heads/publish-to-bcr");
}

TEST(AcceptVectorsTest, GcbKeySignedProvenance) {
  struct Row { const char* file; const char* key; };
  for (const Row& row : {Row{"accept/gcb/v1.0-gcloud-container-github-v1.0-valid.json", "global-pae-google-hosted-worker_1"},
                         Row{"accept/gcb/v0.1-gcloud-container-global-pae-signing-key-successful.json", "global-pae-provenanceSigner_1"}}) {
    auto doc = ParseJson(Read(row.file));
    ASSERT_TRUE(doc.ok());
    auto env = ParseDsseEnvelopeJson(*doc->Find("provenance_summary")->Find("provenance")->array().at(0).Find("envelope"));
    ASSERT_TRUE(env.ok()) << row.file;
    auto key = PublicKey::FromPem(Read(std::string("trust/gcb/") + row.key + ".pem"));
    ASSERT_TRUE(key.ok());
    auto verified = VerifyEnvelope(*env, {TrustedKey{row.key, *key}}, 1);
    ASSERT_TRUE(verified.ok()) << row.file;
    auto st = ParseStatement(*verified);
    ASSERT_TRUE(st.ok()) << st.error().ToString();
  }
}

TEST(AcceptVectorsTest, ConformanceBundles) {
  auto a = VerifyFile("accept/conformance/happy-path-intoto-in-dsse-v3.sigstore.json", "sigstore-public-good",
                      kBeacon, kGha, FileArtifact("accept/conformance/a.txt"));
  EXPECT_TRUE(a.ok()) << a.error().ToString();
  auto b = VerifyFile("accept/conformance/intoto-with-custom-trust-root.sigstore.json", "conformance-mock", kBeacon,
                      kGha, FileArtifact("accept/conformance/d.txt"));
  EXPECT_TRUE(b.ok()) << b.error().ToString();
  auto c = VerifyFile("accept/conformance/rekor2-dsse-happy-path.sigstore.json", "sigstage-rekor2", kBeacon, kGha,
                      FileArtifact("accept/conformance/a.txt"));
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  // Rekor v2: the time comes from the RFC 3161 timestamp, which is verified.
  ASSERT_EQ(c->times().size(), 1u);
  EXPECT_EQ(c->times()[0].source, "rfc3161");
}

// --- reject/ ------------------------------------------------------------------------------------

TEST(RejectVectorsTest, GcbNonPaeSignature) {
  auto doc = ParseJson(Read("reject/other/gcb-legacy-nonPAE-payloadtype-changed.json"));
  auto env = ParseDsseEnvelopeJson(*doc->Find("provenance_summary")->Find("provenance")->array().at(0).Find("envelope"));
  ASSERT_TRUE(env.ok());
  auto key = PublicKey::FromPem(Read("trust/gcb/global-builtByGCB_1.pem"));
  auto v = VerifyEnvelope(*env, {TrustedKey{"builtByGCB", *key}}, 1);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().finding(), findings::kSignatureInvalid);
}

// Bundle with its self-signed root dropped from the chain, so the later checks are reached.
Result<Bundle> WithoutRoot(const std::string& file) {
  auto bundle = ParseBundle(Read(file));
  if (!bundle.ok()) return bundle;
  bundle->certificates.resize(1);
  return bundle;
}

std::string SanOf(const Bundle& b) {
  auto cert = ossl::ParseCertificateDer(b.certificates[0]);
  auto id = ParseFulcioIdentity(cert->get());
  return id.ok() ? id->san : "";
}

TEST(RejectVectorsTest, SlsaVerifierBundles) {
  const Artifact any = Artifact::FromBytes(ToBytes("any"));
  // SET invalid / envelope signature edited: both are refused as they stand (their edited base64
  // is not canonical), whatever the identity.
  for (const char* f : {"reject/slsa-verifier-bundle/invalid-set.sigstore.json",
                        "reject/slsa-verifier-bundle/invalid-dsse-sig.sigstore.json"}) {
    auto b = ParseBundle(Read(f));
    ASSERT_FALSE(b.ok()) << f;
  }
  // All slsa-verifier bundles carry the root in their chain, which the suite requires refusing.
  for (const char* f : {"reject/slsa-verifier-bundle/mismatch-tlog.sigstore.json",
                        "reject/slsa-verifier-bundle/v0.1-docker-based-at-branch-ref.sigstore.json"}) {
    auto b = ParseBundle(Read(f));
    ASSERT_TRUE(b.ok()) << f;
    ExpectRefused(Verify(*b, "sigstore-public-good", SanOf(*b), kGha, any), f, findings::kCertChainInvalid);
  }
  // Without the root, the grafted entry is refused for what it is: the log recorded another
  // envelope (the DSSE signature itself is valid).
  auto graft = WithoutRoot("reject/slsa-verifier-bundle/mismatch-tlog.sigstore.json");
  ASSERT_TRUE(graft.ok());
  ExpectRefused(Verify(*graft, "sigstore-public-good", SanOf(*graft), kGha, any), "grafted entry",
                findings::kTlogBodyMismatch);
  // The docker-based builder bundle is crypto-valid once its root is dropped (its branch ref
  // and empty predicateType are for the gate to refuse).
  auto docker = WithoutRoot("reject/slsa-verifier-bundle/v0.1-docker-based-at-branch-ref.sigstore.json");
  ASSERT_TRUE(docker.ok());
  DsseEnvelope env = *docker->dsse_envelope;
  auto st = ParseStatementBytesForFuzzing(env.payload);
  ASSERT_TRUE(st.ok());
  Artifact subject;
  subject.sha256 = *HexDecode(st->subjects()[0].digest[0].second);
  auto r = Verify(*docker, "sigstore-public-good", SanOf(*docker), kGha, subject);
  EXPECT_TRUE(r.ok()) << r.error().ToString();
}

TEST(RejectVectorsTest, PolicyRowsPassCryptoButNotAnotherIdentity) {
  auto wrong_signer = ParseBundle(Read("reject/other/bcr-MODULE-wrong-signer.sigstore.json"));
  ASSERT_TRUE(wrong_signer.ok());
  const Artifact module = FileArtifact("accept/gh-attest-bcr/MODULE.bazel");
  auto crypto = Verify(*wrong_signer, "sigstore-public-good", SanOf(*wrong_signer), kGha, module);
  EXPECT_TRUE(crypto.ok()) << crypto.error().ToString();
  ExpectRefused(Verify(*wrong_signer, "sigstore-public-good",
                       "https://github.com/bazel-contrib/publish-to-bcr/.github/workflows/publish.yaml@refs/tags/v0.0.1",
                       kGha, module),
                "forged builder claim", findings::kIdentityMismatch);
  // text/plain payload: never an in-toto statement, so no artifact can match it.
  auto plain = ParseBundle(Read("reject/other/sigstore-js-v3-dsse-text-plain.sigstore.json"));
  ASSERT_TRUE(plain.ok()) << plain.error().ToString();
  ExpectRefused(Verify(*plain, "sigstore-public-good", SanOf(*plain), "https://github.com/login/oauth",
                       Artifact::FromBytes(ToBytes("hello, world!"))),
                "text/plain payload");
}

TEST(RejectVectorsTest, ConformanceRejectRows) {
  struct Row { const char* file; const char* root; const char* artifact; };
  for (const Row& row : {
           Row{"dsse-invalid-sig_fail", "sigstore-public-good", "a.txt"},
           Row{"dsse-mismatch-envelope_fail", "sigstore-public-good", "a.txt"},
           Row{"dsse-mismatch-sig_fail", "sigstore-public-good", "a.txt"},
           Row{"intoto-expired-certificate_fail", "conformance-mock", "d.txt"},
           Row{"intoto-set-outside-signing-cert-validity_fail", "conformance-mock", "d.txt"},
           Row{"intoto-missing-inclusion-proof_fail", "conformance-mock", "d.txt"},
           Row{"intoto-log-entry-mismatch_fail", "conformance-mock", "d.txt"},
           Row{"intoto-tsa-timestamp-outside-cert-validity_fail", "conformance-mock", "d.txt"}}) {
    auto r = VerifyFile(std::string("reject/conformance/") + row.file + ".sigstore.json", row.root, kBeacon, kGha,
                        FileArtifact(std::string("accept/conformance/") + row.artifact));
    ExpectRefused(r, row.file);
    if (!r.ok()) {
      EXPECT_EQ(r.error().code(), ErrorCode::kVerificationFailed) << row.file << ": " << r.error().ToString();
    }
  }
}

}  // namespace
}  // namespace signet::attestation
