// Every row of ../shared/vectors/README.md through the gate, each with a policy written here
// that pins the row's builder, source and digest, plus the README's "wrong artifact" pairings.
#include <gtest/gtest.h>

#include "gate_test_util.h"

namespace signet::policy {
namespace {

using testutil::Codes;
using testutil::Describe;
using testutil::Evaluate;
using testutil::FileDigest;
using testutil::ReadText;
using testutil::TempDir;
using testutil::Vec;

constexpr char kGha[] = "https://token.actions.githubusercontent.com";
constexpr char kGenerator[] = "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/";
constexpr char kBeacon[] =
    "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/"
    "workflows/extremely-dangerous-oidc-beacon.yml";

std::string Root(const std::string& name) { return Vec("trust/trusted_root." + name + ".json"); }

// KeylessPolicy writes a one-builder keyless policy.
std::string KeylessPolicy(const TempDir& dir, const std::string& root, const std::string& identity,
                          const std::string& refs, const std::string& builder_extra,
                          const std::string& sources, const std::string& top_extra = "") {
  static int counter = 0;
  return dir.Write("policy" + std::to_string(++counter) + ".yaml", "version: 1\ntrusted_root: " + Root(root) +
                                      "\nbuilders:\n  - name: b\n    keyless:\n      issuer: " +
                                      kGha + "\n      identity: " + identity +
                                      "\n      refs: " + refs + "\n" + builder_extra +
                                      "sources:\n" + sources + top_extra);
}

TEST(GateVectors, DelegatorV210Accepted) {
  TempDir dir;
  const std::string subject = FileDigest(Vec("accept/gha-delegator-v2.1.0/artifact"));
  EXPECT_EQ(subject.substr(0, 15), "sha256:5891b5b5");
  std::string policy = KeylessPolicy(
      dir, "sigstore-public-good", std::string(kGenerator) + "delegator_generic_slsa3.yml",
      "[\"refs/tags/v2.1.0\"]",
      "    delegator: true\n    builder_ids: [\"https://github.com/slsa-framework/example-trw/"
      ".github/workflows/builder_high-perms_slsa3.yml@refs/tags/v2.1.0\"]\n    build_types: "
      "[\"https://github.com/slsa-framework/slsa-github-generator/delegator-generic@v0\"]\n",
      "  - repo: https://github.com/slsa-framework/example-package\n    refs: [\"refs/tags/v14\"]\n",
      "max_age: 720h\n");
  const std::string prov = Vec("accept/gha-delegator-v2.1.0/provenance.sigstore.json");
  Decision d = Evaluate(policy, subject, {prov}, {}, "2025-02-26T00:00:00Z");
  ASSERT_TRUE(d.allowed) << Describe(d);
  ASSERT_TRUE(d.provenance.has_value());
  EXPECT_EQ(d.provenance->signer, "keyless");
  EXPECT_EQ(d.provenance->san, std::string(kGenerator) + "delegator_generic_slsa3.yml@refs/tags/v2.1.0");
  EXPECT_EQ(d.provenance->provenance.source->ref, "refs/tags/v14");
  ASSERT_TRUE(d.provenance->trusted_time.has_value());
  EXPECT_EQ(FormatRfc3339(*d.provenance->trusted_time), "2025-02-25T21:12:14Z");

  // 31 days later the same evidence is too old: age comes from the log's time.
  d = Evaluate(policy, subject, {prov}, {}, "2025-03-28T00:00:00Z");
  EXPECT_EQ(Codes(d), std::set<std::string>{"PROVENANCE_TOO_OLD"}) << Describe(d);

  // Wrong artifact: the delegator provenance against a.txt.
  d = Evaluate(policy, FileDigest(Vec("accept/conformance/a.txt")), {prov}, {}, "2025-02-26T00:00:00Z");
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(Codes(d), std::set<std::string>{"SUBJECT_MISMATCH"}) << Describe(d);
}

TEST(GateVectors, DelegatorWithoutDelegatorFlagIsRefused) {
  // Without `delegator: true` the payload's builder.id must equal the SAN, and here it names
  // the delegated builder instead.
  TempDir dir;
  std::string policy = KeylessPolicy(
      dir, "sigstore-public-good", std::string(kGenerator) + "delegator_generic_slsa3.yml",
      "[\"refs/tags/v*\"]", "",
      "  - repo: https://github.com/slsa-framework/example-package\n");
  Decision d = Evaluate(policy, FileDigest(Vec("accept/gha-delegator-v2.1.0/artifact")),
                        {Vec("accept/gha-delegator-v2.1.0/provenance.sigstore.json")}, {},
                        "2025-02-26T00:00:00Z");
  EXPECT_EQ(Codes(d), std::set<std::string>{"BUILDER_NOT_APPROVED"}) << Describe(d);
}

std::string ContainerPolicy(const TempDir& dir, const std::string& source_refs) {
  return KeylessPolicy(
      dir, "sigstore-public-good", std::string(kGenerator) + "generator_container_slsa3.yml",
      "[\"refs/tags/v*\"]",
      "    build_types: [\"https://github.com/slsa-framework/slsa-github-generator/container@v1\"]\n",
      "  - repo: https://github.com/slsa-framework/example-package\n    refs: " + source_refs + "\n",
      "max_age: 720h\n");
}

TEST(GateVectors, ContainerGeneratorManifestAndLayer) {
  TempDir dir;
  const std::string base = "accept/gha-container-generator-v2.1.0/";
  std::string digest = ReadText(Vec(base + "image.digest"));
  while (!digest.empty() && (digest.back() == '\n' || digest.back() == ' ')) digest.pop_back();
  EXPECT_EQ(digest, FileDigest(Vec(base + "image-index.json")));
  const std::vector<std::string> inputs = {Vec(base + "cosign-atts-manifest.json"),
                                           Vec(base + "dsse-layer.json")};
  std::string policy = ContainerPolicy(dir, "[\"refs/heads/main\"]");
  Decision d = Evaluate(policy, digest, inputs, {}, "2025-02-26T00:00:00Z");
  ASSERT_TRUE(d.allowed) << Describe(d);
  EXPECT_EQ(d.provenance->provenance.predicate_type, "https://slsa.dev/provenance/v0.2");
  EXPECT_EQ(d.provenance->provenance.trigger, "workflow_dispatch");
  EXPECT_EQ(d.provenance->time_source, "tlog-set");

  // The layer blob before the manifest works too (pairing is by digest, not order).
  d = Evaluate(policy, digest, {inputs[1], inputs[0]}, {}, "2025-02-26T00:00:00Z");
  EXPECT_TRUE(d.allowed) << Describe(d);

  // A tags-only source policy refuses this build from a branch.
  std::string tags_only = ContainerPolicy(dir, "[\"refs/tags/v*\"]");
  d = Evaluate(tags_only, digest, inputs, {}, "2025-02-26T00:00:00Z");
  EXPECT_EQ(Codes(d), std::set<std::string>{"REF_NOT_ALLOWED"}) << Describe(d);

  // Wrong artifact: any other digest.
  d = Evaluate(policy, "sha256:" + std::string(64, 'a'), inputs, {}, "2025-02-26T00:00:00Z");
  EXPECT_EQ(Codes(d), std::set<std::string>{"SUBJECT_MISMATCH"}) << Describe(d);

  // The layer alone is a bare envelope: without the manifest's certificate nothing verifies it.
  d = Evaluate(policy, digest, {inputs[1]}, {}, "2025-02-26T00:00:00Z");
  EXPECT_EQ(Codes(d), std::set<std::string>{"SIGNATURE_INVALID"}) << Describe(d);

  // The manifest without its layer blob is unusable input.
  d = Evaluate(policy, digest, {inputs[0]}, {}, "2025-02-26T00:00:00Z");
  EXPECT_EQ(Codes(d), std::set<std::string>{"MALFORMED_INPUT"}) << Describe(d);
  EXPECT_TRUE(d.unusable_input);

  // A tampered layer no longer matches the manifest's digest, so it is not paired.
  std::string layer = ReadText(inputs[1]);
  std::string tampered = dir.Write("layer.json", layer + " ");
  d = Evaluate(policy, digest, {inputs[0], tampered}, {}, "2025-02-26T00:00:00Z");
  EXPECT_FALSE(d.allowed);
  EXPECT_TRUE(Codes(d).count("MALFORMED_INPUT")) << Describe(d);
}

std::string BcrPolicy(const TempDir& dir, const std::string& identity) {
  return KeylessPolicy(
      dir, "sigstore-public-good", identity, "[\"refs/tags/v0.0.1\"]",
      "    build_types: [\"https://actions.github.io/buildtypes/workflow/v1\"]\n",
      "  - repo: https://github.com/aspect-build/rules_lint\n    refs: [\"refs/heads/publish-to-bcr\"]\n",
      "max_age: 720h\n");
}

TEST(GateVectors, GhAttestBcrAcceptedAndForgedBuilderRefused) {
  TempDir dir;
  const std::string subject = FileDigest(Vec("accept/gh-attest-bcr/MODULE.bazel"));
  std::string policy =
      BcrPolicy(dir, "https://github.com/bazel-contrib/publish-to-bcr/.github/workflows/publish.yaml");
  Decision d = Evaluate(policy, subject, {Vec("accept/gh-attest-bcr/MODULE.bazel.sigstore.json")},
                        {}, "2025-04-01T00:00:00Z");
  ASSERT_TRUE(d.allowed) << Describe(d);
  EXPECT_EQ(d.provenance->provenance.source->repo, "https://github.com/aspect-build/rules_lint");

  // Forged builder claim: same payload content, certificate of another workflow.
  d = Evaluate(policy, subject, {Vec("reject/other/bcr-MODULE-wrong-signer.sigstore.json")}, {},
               "2025-04-01T00:00:00Z");
  EXPECT_EQ(Codes(d), std::set<std::string>{"BUILDER_NOT_APPROVED"}) << Describe(d);

  // Wrong builder: the genuine bundle under a container-generator policy.
  std::string other = BcrPolicy(dir, std::string(kGenerator) + "generator_container_slsa3.yml");
  d = Evaluate(other, subject, {Vec("accept/gh-attest-bcr/MODULE.bazel.sigstore.json")}, {},
               "2025-04-01T00:00:00Z");
  EXPECT_EQ(Codes(d), std::set<std::string>{"BUILDER_NOT_APPROVED"}) << Describe(d);
}

std::string GcbPolicy(const TempDir& dir, const std::string& key, const std::string& builder_id,
                      const std::string& build_type, const std::string& repo,
                      const std::string& extra = "") {
  static int counter = 0;
  return dir.Write("gcb" + std::to_string(++counter) + ".yaml", "version: 1\nbuilders:\n  - name: gcb\n    keys: [" +
                                   Vec("trust/gcb/" + key) + "]\n    builder_ids: [\"" + builder_id +
                                   "\"]\n    build_types: [\"" + build_type + "\"]\nsources:\n  - repo: " +
                                   repo + "\n    refs: [\"refs/heads/main\"]\n" + extra);
}

TEST(GateVectors, GoogleCloudBuildV1AndV01) {
  TempDir dir;
  std::string v1 = GcbPolicy(dir, "global-pae-google-hosted-worker_1.pem",
                             "https://cloudbuild.googleapis.com/GoogleHostedWorker",
                             "https://cloud.google.com/build/gcb-buildtypes/google-worker/v1",
                             "https://github.com/khalkie/gcb-prod-prov");
  const std::string v1_file = Vec("accept/gcb/v1.0-gcloud-container-github-v1.0-valid.json");
  const std::string v1_digest = "sha256:7e9b6e7ba2842c91cf49f3e214d04a7a496f8214356f41d81a6e6dcad11f11e3";
  // The file's second envelope is malformed; one good provenance is enough.
  Decision d = Evaluate(v1, v1_digest, {v1_file}, {}, "2026-11-25T10:00:00Z");
  ASSERT_TRUE(d.allowed) << Describe(d);
  EXPECT_EQ(d.provenance->signer, "key");
  // Key-signed DSSE has no log or TSA time; its signed runDetails.metadata.finishedOn is trusted
  // like the key that signed it (issue 12), and max_age is measured from it.
  ASSERT_TRUE(d.provenance->trusted_time.has_value());
  EXPECT_EQ(d.provenance->time_source, "signed-finish-time");
  std::string v1_aged = GcbPolicy(dir, "global-pae-google-hosted-worker_1.pem",
                                  "https://cloudbuild.googleapis.com/GoogleHostedWorker",
                                  "https://cloud.google.com/build/gcb-buildtypes/google-worker/v1",
                                  "https://github.com/khalkie/gcb-prod-prov", "max_age: 87600h\n");
  d = Evaluate(v1_aged, v1_digest, {v1_file}, {}, "2023-08-08T19:00:00Z");
  EXPECT_TRUE(d.allowed) << Describe(d);
  std::string v1_day = GcbPolicy(dir, "global-pae-google-hosted-worker_1.pem",
                                 "https://cloudbuild.googleapis.com/GoogleHostedWorker",
                                 "https://cloud.google.com/build/gcb-buildtypes/google-worker/v1",
                                 "https://github.com/khalkie/gcb-prod-prov", "max_age: 24h\n");
  d = Evaluate(v1_day, v1_digest, {v1_file}, {}, "2026-11-25T10:00:00Z");
  EXPECT_TRUE(Codes(d).count("PROVENANCE_TOO_OLD")) << Describe(d);
  // The v0.1 key does not verify the v1.0 file.
  std::string wrong_key = GcbPolicy(dir, "global-pae-provenanceSigner_1.pem",
                                    "https://cloudbuild.googleapis.com/GoogleHostedWorker",
                                    "https://cloud.google.com/build/gcb-buildtypes/google-worker/v1",
                                    "https://github.com/khalkie/gcb-prod-prov");
  d = Evaluate(wrong_key, v1_digest, {v1_file}, {}, "2026-11-25T10:00:00Z");
  EXPECT_FALSE(d.allowed);

  std::string v01 = GcbPolicy(dir, "global-pae-provenanceSigner_1.pem",
                              "https://cloudbuild.googleapis.com/GoogleHostedWorker@v0.3",
                              "https://cloudbuild.googleapis.com/CloudBuildYaml@v0.1",
                              "https://github.com/khalkie/gcb-repo-staging");
  d = Evaluate(v01, "sha256:f54a58bc1aac5ea1a25d796ae155dc228b3f0e11d046ae276b39c4bf2f13d8c4",
               {Vec("accept/gcb/v0.1-gcloud-container-global-pae-signing-key-successful.json")}, {},
               "2026-11-25T10:00:00Z");
  ASSERT_TRUE(d.allowed) << Describe(d);
  EXPECT_EQ(d.provenance->provenance.predicate_type, "https://slsa.dev/provenance/v0.1");
}

TEST(GateVectors, GcbLegacyNonPaeSignatureRefused) {
  TempDir dir;
  std::string policy = GcbPolicy(dir, "global-builtByGCB_1.pem",
                                 "https://cloudbuild.googleapis.com/GoogleHostedWorker@v0.2",
                                 "https://cloudbuild.googleapis.com/CloudBuildYaml@v0.1",
                                 "https://github.com/khalkie/gcb-repo-staging");
  Decision d = Evaluate(policy, "sha256:1a033b002f89ed2b8ea733162497fb70f1a4049a7f8602d6a33682b4ad9921fd",
                        {Vec("reject/other/gcb-legacy-nonPAE-payloadtype-changed.json")}, {},
                        "2026-11-25T10:00:00Z");
  EXPECT_EQ(Codes(d), std::set<std::string>{"SIGNATURE_INVALID"}) << Describe(d);
}

std::string BeaconPolicy(const TempDir& dir, const std::string& root, const std::string& extra,
                         const std::string& sources) {
  return KeylessPolicy(dir, root, kBeacon, "[\"refs/heads/main\"]", extra, sources);
}

TEST(GateVectors, HappyPathV3PayloadClaimsAnotherBuilder) {
  TempDir dir;
  const std::string subject = FileDigest(Vec("accept/conformance/a.txt"));
  const std::string bundle = Vec("accept/conformance/happy-path-intoto-in-dsse-v3.sigstore.json");
  // Pinning the certificate's workflow: builder.id (loosebazooka/aa-test) disagrees with it.
  std::string policy = BeaconPolicy(dir, "sigstore-public-good", "",
                                    "  - repo: https://github.com/loosebazooka/aa-test\n");
  Decision d = Evaluate(policy, subject, {bundle}, {}, "2024-12-17T00:00:00Z");
  EXPECT_TRUE(Codes(d).count("BUILDER_NOT_APPROVED")) << Describe(d);
  EXPECT_FALSE(d.allowed);
  // Pinning the builder the payload claims: the certificate is not that builder.
  std::string claimed = KeylessPolicy(
      dir, "sigstore-public-good", "https://github.com/loosebazooka/aa-test/.github/workflows/provenance.yaml",
      "[\"refs/heads/main\"]", "", "  - repo: https://github.com/loosebazooka/aa-test\n");
  d = Evaluate(claimed, subject, {bundle}, {}, "2024-12-17T00:00:00Z");
  EXPECT_EQ(Codes(d), std::set<std::string>{"BUILDER_NOT_APPROVED"}) << Describe(d);
}

// The conformance vector verifies under its custom (mock) root, but its payload's builder.id is
// GitHub's hosted runner while the mock Fulcio certificate has no Runner Environment extension:
// an unconfirmed hosted-runner claim (issue 12 item 7), so it is refused for that alone.
TEST(GateVectors, CustomTrustRootVerifiesButUnconfirmedHostedRunnerIsRefused) {
  TempDir dir;
  const std::string subject = FileDigest(Vec("accept/conformance/d.txt"));
  const std::string bundle = Vec("accept/conformance/intoto-with-custom-trust-root.sigstore.json");
  // The mock Fulcio certificate has no source extensions and the payload's builder is GitHub's
  // hosted runner, so the policy says both explicitly.
  std::string policy = KeylessPolicy(
      dir, "conformance-mock", kBeacon, "[\"refs/heads/main\"]",
      "    delegator: true\n    builder_ids: [\"https://github.com/actions/runner/github-hosted\"]\n"
      "    build_types: [\"https://slsa-framework.github.io/github-actions-buildtypes/workflow/v1\"]\n",
      "  - repo: https://github.com/sigstore/sigstore-conformance\n    refs: [\"refs/heads/main\"]\n");
  std::string with_optional_source = KeylessPolicy(
      dir, "conformance-mock", kBeacon,
      "[\"refs/heads/main\"]\n      certificate_source_optional: true",
      "    delegator: true\n    builder_ids: [\"https://github.com/actions/runner/github-hosted\"]\n"
      "    build_types: [\"https://slsa-framework.github.io/github-actions-buildtypes/workflow/v1\"]\n",
      "  - repo: https://github.com/sigstore/sigstore-conformance\n    refs: [\"refs/heads/main\"]\n");
  Decision d = Evaluate(with_optional_source, subject, {bundle}, {}, "2023-02-02T00:00:00Z");
  ASSERT_EQ(Codes(d), std::set<std::string>{"BUILDER_NOT_APPROVED"}) << Describe(d);
  ASSERT_EQ(d.findings.size(), 1u) << Describe(d);
  EXPECT_NE(d.findings[0].message.find("GitHub-hosted runner"), std::string::npos) << Describe(d);
  // The default insists on a certificate source too.
  d = Evaluate(policy, subject, {bundle}, {}, "2023-02-02T00:00:00Z");
  EXPECT_EQ(Codes(d), (std::set<std::string>{"SOURCE_NOT_ALLOWED", "BUILDER_NOT_APPROVED"})) << Describe(d);
  // The same bundle under the production root does not verify.
  std::string prod = KeylessPolicy(
      dir, "sigstore-public-good", kBeacon, "[\"refs/heads/main\"]",
      "    delegator: true\n    builder_ids: [\"https://github.com/actions/runner/github-hosted\"]\n",
      "  - repo: https://github.com/sigstore/sigstore-conformance\n");
  d = Evaluate(prod, subject, {bundle}, {}, "2023-02-02T00:00:00Z");
  EXPECT_EQ(Codes(d), std::set<std::string>{"SIGNATURE_INVALID"}) << Describe(d);
}

TEST(GateVectors, Rekor2VerifiesButNamesNoSource) {
  // Verified through the inclusion proof, Ed25519 checkpoint and RFC 3161 time (no SET). Its
  // predicate lacks the required externalParameters, so no source can be pinned: refused at the
  // provenance stage, after every cryptographic check passed.
  TempDir dir;
  std::string policy = KeylessPolicy(
      dir, "sigstage-rekor2", kBeacon, "[\"refs/heads/main\"]",
      "    delegator: true\n    builder_ids: [\"https://github.com/sigstore-conformance/rekor2-dsse-hashedrekord-regen\"]\n",
      "  - repo: https://github.com/sigstore/sigstore-conformance\n");
  Decision d = Evaluate(policy, FileDigest(Vec("accept/conformance/a.txt")),
                        {Vec("accept/conformance/rekor2-dsse-happy-path.sigstore.json")}, {},
                        "2026-05-14T00:00:00Z");
  ASSERT_EQ(Codes(d), std::set<std::string>{"MALFORMED_INPUT"}) << Describe(d);
  EXPECT_NE(d.findings[0].message.find("the provenance cannot be read"), std::string::npos);
}

TEST(GateVectors, TextPlainPayloadRefused) {
  TempDir dir;
  std::string policy = BeaconPolicy(dir, "sigstore-public-good", "",
                                    "  - repo: https://github.com/sigstore/sigstore-conformance\n");
  Decision d = Evaluate(policy, "sha256:" + std::string(64, '0'),
                        {Vec("reject/other/sigstore-js-v3-dsse-text-plain.sigstore.json")}, {},
                        "2024-04-05T00:00:00Z");
  EXPECT_FALSE(d.allowed);
  EXPECT_TRUE(Codes(d).count("PREDICATE_TYPE_INVALID")) << Describe(d);
  EXPECT_TRUE(Codes(d).count("BUILDER_NOT_APPROVED")) << Describe(d);  // an email SAN
}

TEST(GateVectors, BuilderAtBranchRefRefused) {
  // A tags-only builder policy. The attestation verifier currently refuses this v0.1 bundle's
  // certificate chain (CERT_CHAIN_INVALID), before the gate's policy reasons (branch ref, empty
  // predicateType) are reached; the ref reason is checked on the same SAN directly below.
  TempDir dir;
  const std::string identity = std::string(kGenerator) + "builder_docker-based_slsa3.yml";
  std::string policy = KeylessPolicy(dir, "sigstore-public-good", identity, "[\"refs/tags/v*\"]", "",
                                     "  - repo: https://github.com/slsa-framework/example-package\n");
  Decision d = Evaluate(policy, "sha256:975a0582b8c9607f3f20a6b8cfef01b25823e68c5c3658e6e1ccaaced2a3255d",
                        {Vec("reject/slsa-verifier-bundle/v0.1-docker-based-at-branch-ref.sigstore.json")},
                        {}, "2023-02-02T00:00:00Z");
  EXPECT_FALSE(d.allowed) << Describe(d);
  EXPECT_FALSE(d.findings.empty());
  KeylessIdentity k{"https://token.actions.githubusercontent.com", identity,
                    std::vector<std::string>{"refs/tags/v*"}, false, ""};
  EXPECT_EQ(KeylessSanFinding(k, identity + "@refs/heads/main"), "REF_NOT_ALLOWED");
  EXPECT_EQ(NormaliseProvenance("", JsonValue::MakeObject()).error().finding(), "PREDICATE_TYPE_INVALID");
}

struct CryptoReject {
  const char* file;
  const char* code;
  const char* root;
  const char* identity;
  const char* subject;
  const char* at;
};

// Two slsa-verifier rows are refused already by the strict bundle parser (their SET / envelope
// encodings are invalid), so the gate reports them as MALFORMED_INPUT; the rest fail a
// cryptographic or log check (SIGNATURE_INVALID, the verifier's own finding in the message).
TEST(GateVectors, CryptographicRejectsAreRefused) {
  const std::string delegator =
      "https://github.com/laurentsimon/slsa-delegator/.github/workflows/delegator_generic_slsa3.yml";
  const std::string a_txt = "sha256:a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf";
  const std::string d_txt = "sha256:330a043220fa13e01d68a7db39c89e12b0c4c3b6a0346fe624b0903f1303b5b2";
  const CryptoReject cases[] = {
      {"reject/conformance/dsse-invalid-sig_fail.sigstore.json", "SIGNATURE_INVALID", "sigstore-public-good", kBeacon, a_txt.c_str(), "2024-12-17T00:00:00Z"},
      {"reject/conformance/dsse-mismatch-envelope_fail.sigstore.json", "SIGNATURE_INVALID", "sigstore-public-good", kBeacon, a_txt.c_str(), "2024-12-18T00:00:00Z"},
      {"reject/conformance/dsse-mismatch-sig_fail.sigstore.json", "SIGNATURE_INVALID", "sigstore-public-good", kBeacon, a_txt.c_str(), "2024-12-17T00:00:00Z"},
      {"reject/conformance/intoto-expired-certificate_fail.sigstore.json", "SIGNATURE_INVALID", "conformance-mock", kBeacon, d_txt.c_str(), "2023-02-02T00:00:00Z"},
      {"reject/conformance/intoto-set-outside-signing-cert-validity_fail.sigstore.json", "SIGNATURE_INVALID", "conformance-mock", kBeacon, d_txt.c_str(), "2023-02-03T00:00:00Z"},
      {"reject/conformance/intoto-missing-inclusion-proof_fail.sigstore.json", "SIGNATURE_INVALID", "conformance-mock", kBeacon, d_txt.c_str(), "2023-02-02T00:00:00Z"},
      {"reject/conformance/intoto-log-entry-mismatch_fail.sigstore.json", "SIGNATURE_INVALID", "conformance-mock", kBeacon, d_txt.c_str(), "2023-02-02T00:00:00Z"},
      {"reject/conformance/intoto-tsa-timestamp-outside-cert-validity_fail.sigstore.json", "SIGNATURE_INVALID", "conformance-mock", kBeacon, d_txt.c_str(), "2023-02-02T00:00:00Z"},
      {"reject/slsa-verifier-bundle/invalid-set.sigstore.json", "MALFORMED_INPUT", "sigstore-public-good", delegator.c_str(), "sha256:092b220688ee737c66882a74ae8bfe3e2b35df60b92404b552ebe905a2d633ce", "2023-01-27T00:00:00Z"},
      {"reject/slsa-verifier-bundle/invalid-dsse-sig.sigstore.json", "MALFORMED_INPUT", "sigstore-public-good", delegator.c_str(), "sha256:092b220688ee737c66882a74ae8bfe3e2b35df60b92404b552ebe905a2d633ce", "2023-01-27T00:00:00Z"},
      {"reject/slsa-verifier-bundle/mismatch-tlog.sigstore.json", "SIGNATURE_INVALID", "sigstore-public-good", delegator.c_str(), "sha256:2e38b952523576057f5ca8cf6d179ad6b66f6d0221b9a0eb621caf3507773c71", "2023-01-27T00:00:00Z"},
  };
  for (const auto& c : cases) {
    TempDir dir;
    // A policy that would accept the row's identity, builder and source if the crypto held.
    std::string policy = KeylessPolicy(
        dir, c.root, c.identity, "[\"refs/heads/main\"]\n      certificate_source_optional: true",
        "    delegator: true\n    builder_ids: [\"https://github.com/actions/runner/github-hosted\"]\n",
        "  - repo: https://github.com/sigstore/sigstore-conformance\n  - repo: https://github.com/laurentsimon/slsa-delegator\n");
    Decision d = Evaluate(policy, c.subject, {Vec(c.file)}, {}, c.at);
    EXPECT_FALSE(d.allowed) << c.file;
    EXPECT_EQ(Codes(d), std::set<std::string>{c.code}) << c.file << "\n" << Describe(d);
  }
}

}  // namespace
}  // namespace signet::policy
