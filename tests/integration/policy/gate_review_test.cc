// Issue 12 (security review of the gate), each test named after the attack it refuses:
//   5  freshness of key-signed evidence (see also gate_keyed_bundle_test.cc: re-logged envelopes);
//   6  thresholds count keys, not encodings;
//   7  builder claims bound to the certificate (runner environment, sources of keyless
//      companions, repository and owner id pins), on keyless evidence from a private Sigstore
//      made here (keyless_fixture.h) and on the real gh-attest-bcr vector;
//   8  the name that may be signed (IMAGE_NOT_ALLOWED, `annotations:`);
//   12 certificate times beyond what a Timestamp holds (notAfter 9999);
//   26 .intoto.jsonl lines that do not parse or verify, lint-failing and non-UTF-8 policies;
//   27 an empty subject.
#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/pem.h>

#include <filesystem>

#include "gate_test_util.h"
#include "keyless_fixture.h"
#include "signet/attestation/dsse.h"
#include "signet/core/public_key.h"
#include "signet/core/encoding.h"
#include "signet/core/json.h"
#include "signet/policy/image_ref.h"
#include "signet/core/findings.h"
#include "test_env.h"

namespace signet::policy {
namespace {

using testutil::Codes;
using testutil::Describe;
using testutil::KeylessCert;
using testutil::KeylessPki;
using testutil::MakeKey;
using testutil::ProvenanceV1;
using testutil::SignedEnvelope;
using testutil::Statement;
using testutil::TempDir;
using testutil::TestKey;
using testutil::Vec;

constexpr char kDigest[] = "7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a";
constexpr char kAt[] = "2026-11-25T10:00:00Z";
constexpr int64_t kLogTime = 1795600000;  // 2026-11-25T09:46:40Z
constexpr char kWorkflow[] = "https://github.com/acme/api/.github/workflows/release.yml";
constexpr char kScanWorkflow[] = "https://github.com/acme/api/.github/workflows/scan.yml";
constexpr char kRef[] = "refs/tags/v1.2.3";
constexpr char kRepo[] = "https://github.com/acme/api";
constexpr char kGhBuildType[] = "https://actions.github.io/buildtypes/workflow/v1";
constexpr char kSlsa1[] = "https://slsa.dev/provenance/v1";
constexpr char kCdx[] = "https://cyclonedx.org/bom";
constexpr char kBuilderId[] = "https://build.example.internal/builder/v1";
constexpr char kBuildType[] = "https://build.example.internal/types/container/v1";
constexpr char kKeyedRepo[] = "https://git.example.internal/acme/api";

std::string Subject() { return std::string("sha256:") + kDigest; }
std::string San(const char* workflow = kWorkflow) { return std::string(workflow) + "@" + kRef; }

// GhProvenance is a GitHub Actions SLSA v1 predicate (actions/attest-build-provenance shape)
// whose builder.id is `builder_id` and whose internalParameters.github carries `github_json`.
std::string GhProvenance(const std::string& builder_id, const std::string& github_json = "{}") {
  return R"({"buildDefinition":{"buildType":")" + std::string(kGhBuildType) +
         R"(","externalParameters":{"workflow":{"ref":")" + kRef + R"(","repository":")" + kRepo +
         R"(","path":".github/workflows/release.yml"}},"internalParameters":{"github":)" + github_json +
         R"(},"resolvedDependencies":[]},"runDetails":{"builder":{"id":")" + builder_id +
         R"("},"metadata":{"invocationId":"run-1","finishedOn":"2026-11-25T09:40:00Z"}}})";
}

// Cert is a GitHub-like Fulcio certificate for `workflow` built from kRepo at kRef.
KeylessCert Cert(const char* workflow = kWorkflow, std::map<int, std::string> extra = {}) {
  KeylessCert c;
  c.san = San(workflow);
  c.extensions = {{9, San(workflow)}, {12, kRepo}, {14, kRef}, {15, "1001"}, {17, "2002"}};
  for (auto& [n, v] : extra) c.extensions[n] = v;
  return c;
}

class GateReview : public ::testing::Test {
 protected:
  void SetUp() override {
    builder_ = MakeKey(dir_, "builder");
    attacker_ = MakeKey(dir_, "attacker");
  }

  // KeylessPolicy approves kWorkflow (builder "release") and kScanWorkflow (builder "scanner")
  // from kRepo. `release_extra` lines go into release's keyless block.
  std::string KeylessPolicy(const std::string& release_extra = "", const std::string& source_extra = "",
                            const std::string& top_extra = "") {
    static int counter = 0;
    return dir_.Write("kpolicy" + std::to_string(++counter) + ".yaml",
                      "version: 1\ntrusted_root: " + pki_.root_path() +
                          "\nbuilders:\n  - name: release\n    keyless:\n      issuer: " + testutil::kFulcioIssuer +
                          "\n      identity: " + kWorkflow + "\n      refs: [\"refs/tags/v*\"]\n" + release_extra +
                          "    build_types: [\"" + kGhBuildType + "\"]\n  - name: scanner\n    keyless:\n      issuer: " +
                          testutil::kFulcioIssuer + "\n      identity: " + kScanWorkflow +
                          "\n      refs: [\"refs/tags/v*\"]\nsources:\n  - repo: " + kRepo +
                          "\n    refs: [\"refs/tags/v*\"]\n" + source_extra + top_extra);
  }

  std::string KeyedPolicy(const std::string& builder_extra = "", const std::string& top_extra = "",
                          const std::string& keys = "") {
    static int counter = 0;
    return dir_.Write("policy" + std::to_string(++counter) + ".yaml",
                      "version: 1\nbuilders:\n  - name: onprem\n    keys: " +
                          (keys.empty() ? "[" + builder_.pub_path + "]" : keys) + "\n" + builder_extra +
                          "sources:\n  - repo: " + kKeyedRepo + "\n    refs: [\"refs/tags/v*\"]\n" + top_extra);
  }

  std::string KeyedProv(const std::string& digest = kDigest) {
    return Statement(digest, kSlsa1, ProvenanceV1(kBuilderId, kBuildType, kKeyedRepo, kRef));
  }

  Decision Decide(const std::string& policy, const std::vector<std::string>& prov,
                  const std::vector<std::string>& atts = {}, const std::string& subject = Subject(),
                  const std::string& at = kAt) {
    static int counter = 0;
    std::vector<std::string> pf, af;
    for (const auto& p : prov) pf.push_back(dir_.Write("p" + std::to_string(++counter) + ".json", p));
    for (const auto& a : atts) af.push_back(dir_.Write("a" + std::to_string(++counter) + ".json", a));
    return testutil::Evaluate(policy, subject, pf, af, at);
  }

  std::string KeylessProv(const KeylessCert& cert, const std::string& github_json = "{}") {
    return pki_.Bundle(Statement(kDigest, kSlsa1, GhProvenance(cert.san, github_json)), cert, kLogTime);
  }

  TempDir dir_;
  KeylessPki pki_{dir_};
  TestKey builder_, attacker_;
};

TEST_F(GateReview, KeylessBaselineIsAllowed) {
  Decision d = Decide(KeylessPolicy(), {KeylessProv(Cert())});
  ASSERT_TRUE(d.allowed) << Describe(d);
  EXPECT_EQ(d.provenance->builder, "release");
  EXPECT_EQ(d.provenance->signer, "keyless");
  EXPECT_EQ(d.provenance->time_source, "tlog-set");
}

// ---- Item 5: freshness of key-signed evidence. ----

// An envelope built two months ago, logged in Rekor again and stamped by a TSA again today: a
// fresh log entry and a fresh RFC 3161 token, but the builder's signed finish time is old, and
// the earliest trusted time decides.
TEST_F(GateReview, ReloggedAndRestampedOldEnvelopeIsRefused) {
  std::string pol = dir_.Write("restamp.yaml", "version: 1\ntrusted_root: " + pki_.root_path() +
                                                   "\nbuilders:\n  - name: onprem\n    keys: [" + builder_.pub_path +
                                                   "]\nsources:\n  - repo: " + kKeyedRepo +
                                                   "\n    refs: [\"refs/tags/v*\"]\nmax_age: 720h\n");
  std::string old = Statement(kDigest, kSlsa1, ProvenanceV1(kBuilderId, kBuildType, kKeyedRepo, kRef, "2026-09-01T09:00:00Z"));
  Decision d = Decide(pol, {pki_.KeyedBundle(old, builder_, kLogTime, kLogTime + 60)});
  EXPECT_EQ(Codes(d), std::set<std::string>{"PROVENANCE_TOO_OLD"}) << Describe(d);
  // The same with a recent signed finish time is fresh; the TSA token verified (a token by
  // another TSA would have failed the bundle).
  d = Decide(pol, {pki_.KeyedBundle(KeyedProv(), builder_, kLogTime, kLogTime + 60)});
  ASSERT_TRUE(d.allowed) << Describe(d);
  EXPECT_EQ(d.provenance->time_source, "signed-finish-time");
}

// ---- Item 7: builder claims are bound to the certificate. ----

// A self-hosted runner (or anyone holding the workflow's token on one) writes
// runner_environment: github-hosted into its own predicate. Fulcio's Runner Environment
// extension (.11) is what the OIDC token said; only that is believed.
TEST_F(GateReview, HostedRunnerClaimWithSelfHostedCertificateIsRefused) {
  const std::string claim = R"({"event_name":"push","runner_environment":"github-hosted"})";
  Decision d = Decide(KeylessPolicy(), {KeylessProv(Cert(kWorkflow, {{11, "self-hosted"}}), claim)});
  EXPECT_EQ(Codes(d), std::set<std::string>{"BUILDER_NOT_APPROVED"}) << Describe(d);
  // No runner extension at all: the claim is not confirmed either.
  d = Decide(KeylessPolicy(), {KeylessProv(Cert(), claim)});
  EXPECT_EQ(Codes(d), std::set<std::string>{"BUILDER_NOT_APPROVED"}) << Describe(d);
  // Confirmed by the certificate: allowed.
  d = Decide(KeylessPolicy(), {KeylessProv(Cert(kWorkflow, {{11, "github-hosted"}}), claim)});
  EXPECT_TRUE(d.allowed) << Describe(d);
}

// The builder id of GitHub's hosted runner is a claim of a hosted runner too; a key-signed
// provenance has no certificate to confirm it.
TEST_F(GateReview, KeySignedHostedRunnerBuilderIdIsRefused) {
  std::string pol = KeyedPolicy("    builder_ids: [\"https://github.com/actions/runner/github-hosted\"]\n");
  std::string st = Statement(kDigest, kSlsa1,
                             ProvenanceV1("https://github.com/actions/runner/github-hosted", kBuildType, kKeyedRepo, kRef));
  Decision d = Decide(pol, {SignedEnvelope(st, {&builder_})});
  EXPECT_EQ(Codes(d), std::set<std::string>{"BUILDER_NOT_APPROVED"}) << Describe(d);
  // The same provenance under another builder id passes: the claim, not the key, is refused.
  d = Decide(KeyedPolicy(), {SignedEnvelope(KeyedProv(), {&builder_})});
  EXPECT_TRUE(d.allowed) << Describe(d);
}

// `runner: github-hosted` is decided on the certificate alone, whatever the predicate says.
TEST_F(GateReview, RunnerPolicyRefusesSelfHostedCertificate) {
  std::string pol = KeylessPolicy("      runner: github-hosted\n");
  Decision d = Decide(pol, {KeylessProv(Cert(kWorkflow, {{11, "self-hosted"}}))});
  EXPECT_EQ(Codes(d), std::set<std::string>{"BUILDER_NOT_APPROVED"}) << Describe(d);
  d = Decide(pol, {KeylessProv(Cert())});
  EXPECT_EQ(Codes(d), std::set<std::string>{"BUILDER_NOT_APPROVED"}) << Describe(d);
  d = Decide(pol, {KeylessProv(Cert(kWorkflow, {{11, "github-hosted"}}))});
  EXPECT_TRUE(d.allowed) << Describe(d);
  // Any other value is a policy error.
  EXPECT_FALSE(ParsePolicy("version: 1\ntrusted_root: t\nbuilders:\n  - name: a\n    keyless: {issuer: https://i, "
                           "identity: https://x, refs: [r], runner: self-hosted}\nsources: []\n")
                   .ok());
}

// A fork (or any other repository) running the approved scan workflow gets a certificate for
// the same workflow identity; its SBOM must not satisfy a requirement for our sources.
TEST_F(GateReview, KeylessCompanionFromUnapprovedSourceIsRefused) {
  std::string pol = KeylessPolicy("", "", "require:\n  - predicate_type: " + std::string(kCdx) +
                                              "\n    signed_by: [scanner]\n");
  std::string prov = KeylessProv(Cert());
  std::string sbom = Statement(kDigest, kCdx, R"({"bomFormat":"CycloneDX"})");
  Decision d = Decide(pol, {prov}, {pki_.Bundle(sbom, Cert(kScanWorkflow), kLogTime)});
  ASSERT_TRUE(d.allowed) << Describe(d);
  d = Decide(pol, {prov},
             {pki_.Bundle(sbom, Cert(kScanWorkflow, {{12, "https://github.com/evil/api"}}), kLogTime)});
  EXPECT_EQ(Codes(d), (std::set<std::string>{"MISSING_ATTESTATION", "SOURCE_NOT_ALLOWED"})) << Describe(d);
  // From an approved repository but an unapproved ref.
  d = Decide(pol, {prov}, {pki_.Bundle(sbom, Cert(kScanWorkflow, {{14, "refs/heads/dev"}}), kLogTime)});
  EXPECT_EQ(Codes(d), (std::set<std::string>{"MISSING_ATTESTATION", "REF_NOT_ALLOWED"})) << Describe(d);
  // A certificate naming no source at all.
  KeylessCert bare;
  bare.san = San(kScanWorkflow);
  d = Decide(pol, {prov}, {pki_.Bundle(sbom, bare, kLogTime)});
  EXPECT_EQ(Codes(d), (std::set<std::string>{"MISSING_ATTESTATION", "SOURCE_NOT_ALLOWED"})) << Describe(d);
}

// A repository deleted and re-created under the same URL (or a renamed owner whose name was
// taken) has other immutable ids: pinned ids refuse it.
TEST_F(GateReview, ReregisteredRepositoryWithPinnedIdsIsRefused) {
  std::string pol = KeylessPolicy("", "    repository_id: \"1001\"\n    owner_id: \"2002\"\n");
  Decision d = Decide(pol, {KeylessProv(Cert())});
  ASSERT_TRUE(d.allowed) << Describe(d);
  d = Decide(pol, {KeylessProv(Cert(kWorkflow, {{15, "9999"}}))});
  EXPECT_EQ(Codes(d), std::set<std::string>{"SOURCE_NOT_ALLOWED"}) << Describe(d);
  d = Decide(pol, {KeylessProv(Cert(kWorkflow, {{17, "9999"}}))});
  EXPECT_EQ(Codes(d), std::set<std::string>{"SOURCE_NOT_ALLOWED"}) << Describe(d);
  KeylessCert no_ids = Cert();
  no_ids.extensions.erase(15);
  no_ids.extensions.erase(17);
  d = Decide(pol, {KeylessProv(no_ids)});
  EXPECT_EQ(Codes(d), std::set<std::string>{"SOURCE_NOT_ALLOWED"}) << Describe(d);
  // Ids must be decimal.
  EXPECT_FALSE(ParsePolicy("version: 1\nbuilders: []\nsources:\n  - repo: https://x\n    repository_id: abc\n").ok());
}

// The real gh-attest-bcr vector: its predicate claims github-hosted, and its certificate says
// github-hosted with repository id 631710741 and owner id 60951090.
TEST_F(GateReview, RealVectorHostedRunnerAndIdPins) {
  auto policy = [&](const std::string& owner_id) {
    return dir_.Write("bcr-" + owner_id + ".yaml",
                      "version: 1\ntrusted_root: " + Vec("trust/trusted_root.sigstore-public-good.json") +
                          "\nbuilders:\n  - name: publish-to-bcr\n    keyless:\n      issuer: "
                          "https://token.actions.githubusercontent.com\n      identity: "
                          "https://github.com/bazel-contrib/publish-to-bcr/.github/workflows/publish.yaml\n"
                          "      refs: [\"refs/tags/v0.0.1\"]\n      runner: github-hosted\n"
                          "sources:\n  - repo: https://github.com/aspect-build/rules_lint\n"
                          "    refs: [\"refs/heads/publish-to-bcr\"]\n    repository_id: \"631710741\"\n    owner_id: \"" +
                          owner_id + "\"\n");
  };
  const std::string subject = "sha256:06ce330900a7d6403bc8d88e5dfad6aeeb8ae40179f66bb89e69c8bf6f6b1a0b";
  const std::vector<std::string> prov = {Vec("accept/gh-attest-bcr/MODULE.bazel.sigstore.json")};
  Decision d = testutil::Evaluate(policy("60951090"), subject, prov, {}, "2025-04-01T00:00:00Z");
  EXPECT_TRUE(d.allowed) << Describe(d);
  d = testutil::Evaluate(policy("60951091"), subject, prov, {}, "2025-04-01T00:00:00Z");
  EXPECT_EQ(Codes(d), std::set<std::string>{"SOURCE_NOT_ALLOWED"}) << Describe(d);
}

// Item 12: notAfter 99991231235959Z (RFC 5280's "no expiry") is 2.5e20 ns after 1970, beyond
// a 64-bit nanosecond Timestamp. It is clamped, not overflowed (which made the window end
// in 1816 and refused the certificate).
TEST_F(GateReview, CertificateWithNotAfter9999IsClampedNotOverflowed) {
  KeylessCert c = Cert();
  c.no_expiry = true;
  Decision d = Decide(KeylessPolicy(), {KeylessProv(c)});
  EXPECT_TRUE(d.allowed) << Describe(d);
}

// ---- Item 6: thresholds count keys, not encodings. ----

struct Encodings {
  std::string pem, pem_compressed, der;
};

// Encode writes one P-256 key as PEM (uncompressed point), PEM (compressed point) and DER.
Encodings Encode(const TempDir& dir, EVP_PKEY* key, const std::string& name) {
  auto write_pem = [&](EVP_PKEY* k, const std::string& file) {
    ossl::UniquePtr<BIO> bio(BIO_new(BIO_s_mem()));
    EXPECT_EQ(PEM_write_bio_PUBKEY(bio.get(), k), 1);
    char* data = nullptr;
    long n = BIO_get_mem_data(bio.get(), &data);
    return dir.Write(file, std::string(data, static_cast<size_t>(n)));
  };
  Encodings e;
  e.pem = write_pem(key, name + ".pem");
  ossl::UniquePtr<EVP_PKEY> copy(EVP_PKEY_dup(key));
  EXPECT_EQ(EVP_PKEY_set_utf8_string_param(copy.get(), OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT, "compressed"), 1);
  e.pem_compressed = write_pem(copy.get(), name + "-compressed.pem");
  unsigned char* der = nullptr;
  int n = i2d_PUBKEY(key, &der);
  e.der = dir.Write(name + ".der", std::string(reinterpret_cast<char*>(der), static_cast<size_t>(n)));
  OPENSSL_free(der);
  return e;
}

TEST_F(GateReview, PolicyListingOneKeyTwiceInAnyEncodingIsRefused) {
  Encodings e = Encode(dir_, builder_.key.get(), "b");
  // The encodings really differ byte for byte...
  EXPECT_NE(testutil::ReadText(e.pem), testutil::ReadText(e.pem_compressed));
  for (const auto& pair : {std::make_pair(e.pem, e.pem_compressed), std::make_pair(e.pem, e.der),
                           std::make_pair(e.der, e.pem_compressed), std::make_pair(e.pem, builder_.pub_path)}) {
    std::string pol = KeyedPolicy("    threshold: 2\n", "", "[" + pair.first + ", " + pair.second + "]");
    auto lp = LoadPolicy(pol);
    ASSERT_FALSE(lp.ok()) << pair.first << " " << pair.second;
    EXPECT_NE(lp.error().message().find("same key"), std::string::npos) << lp.error().ToString();
  }
  // ...and across builders: one key must not vouch as two builders.
  std::string two = dir_.Write("two.yaml", "version: 1\nbuilders:\n  - name: a\n    keys: [" + e.pem +
                                               "]\n  - name: b\n    keys: [" + e.pem_compressed +
                                               "]\nsources: []\n");
  EXPECT_FALSE(LoadPolicy(two).ok());
  // Explicit curve parameters instead of the named curve: another SPKI for the same key. It is
  // either refused as a key (no named curve) or recognised as the same key; never a second key.
  {
    ossl::UniquePtr<EVP_PKEY> copy(EVP_PKEY_dup(builder_.key.get()));
    ASSERT_EQ(EVP_PKEY_set_utf8_string_param(copy.get(), OSSL_PKEY_PARAM_EC_ENCODING, "explicit"), 1);
    ossl::UniquePtr<BIO> bio(BIO_new(BIO_s_mem()));
    ASSERT_EQ(PEM_write_bio_PUBKEY(bio.get(), copy.get()), 1);
    char* data = nullptr;
    long n = BIO_get_mem_data(bio.get(), &data);
    std::string explicit_pem = dir_.Write("b-explicit.pem", std::string(data, static_cast<size_t>(n)));
    EXPECT_NE(testutil::ReadText(explicit_pem), testutil::ReadText(e.pem));
    EXPECT_FALSE(LoadPolicy(KeyedPolicy("    threshold: 2\n", "", "[" + e.pem + ", " + explicit_pem + "]")).ok());
  }
  // Two different keys load, and DER key files load like PEM ones.
  auto ok = LoadPolicy(KeyedPolicy("    threshold: 2\n", "", "[" + e.der + ", " + attacker_.pub_path + "]"));
  ASSERT_TRUE(ok.ok()) << ok.error().ToString();
}

TEST_F(GateReview, EnvelopeSignedTwiceBySameKeyCountsOnce) {
  Encodings e = Encode(dir_, builder_.key.get(), "b");
  auto a = PublicKey::FromPem(testutil::ReadText(e.pem));
  auto b = PublicKey::FromPem(testutil::ReadText(e.pem_compressed));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->spki_der(), b->spki_der());
  EXPECT_EQ(a->canonical_id(), b->canonical_id());
  // Two signatures by the one key (ECDSA signatures differ each time), and the key trusted under
  // two encodings: still one key, below a threshold of two.
  std::string st = KeyedProv();
  std::string env_json = SignedEnvelope(st, {&builder_, &builder_});
  auto env = attestation::ParseDsseEnvelope(env_json);
  ASSERT_TRUE(env.ok()) << env.error().ToString();
  ASSERT_EQ(env->signatures.size(), 2u);
  auto v = attestation::VerifyEnvelope(*env, {{"a", *a}, {"b", *b}}, 2);
  EXPECT_FALSE(v.ok());
  EXPECT_TRUE(attestation::VerifyEnvelope(*env, {{"a", *a}, {"b", *b}}, 1).ok());
  // Through the gate: two distinct keys with threshold 2, the envelope signed twice by one.
  std::string pol = KeyedPolicy("    threshold: 2\n", "", "[" + builder_.pub_path + ", " + attacker_.pub_path + "]");
  Decision d = Decide(pol, {env_json});
  EXPECT_EQ(Codes(d), std::set<std::string>{"UNTRUSTED_SIGNER"}) << Describe(d);
  d = Decide(pol, {SignedEnvelope(st, {&builder_, &attacker_})});
  EXPECT_TRUE(d.allowed) << Describe(d);
}

TEST(CanonicalKeyId, SameForEveryEncodingOfEd25519AndRsaKeys) {
  for (const char* type : {"ED25519", "RSA"}) {
    ossl::UniquePtr<EVP_PKEY> k(std::string(type) == "RSA" ? EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048})
                                                           : EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
    ossl::UniquePtr<EVP_PKEY> other(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
    ASSERT_TRUE(k && other);
    auto from_evp = PublicKey::FromEvp(k.get());
    auto from_der = PublicKey::FromSpkiDer(ossl::PublicKeyToDer(k.get()).value());
    auto from_pem = PublicKey::FromPem(ossl::PublicKeyToPem(k.get()).value());
    auto different = PublicKey::FromEvp(other.get());
    ASSERT_TRUE(from_evp.ok() && from_der.ok() && from_pem.ok() && different.ok());
    EXPECT_EQ(from_evp->canonical_id(), from_der->canonical_id()) << type;
    EXPECT_EQ(from_evp->canonical_id(), from_pem->canonical_id()) << type;
    EXPECT_NE(from_evp->canonical_id(), different->canonical_id()) << type;
  }
}

// ---- Item 8: the policy decides what name may be signed. ----

// A build of ghcr.io/acme/api must not lend its approval to another repository's name for the
// same digest (the signature would vouch for "ghcr.io/evil/api@sha256:D").
TEST_F(GateReview, ImageNameNotInProvenanceIsRefused) {
  std::string prov = SignedEnvelope(KeyedProv(), {&builder_});
  const std::string digest = std::string("@sha256:") + kDigest;
  Decision d = Decide(KeyedPolicy(), {prov}, {}, "ghcr.io/acme/api" + digest);
  EXPECT_TRUE(d.allowed) << Describe(d);
  d = Decide(KeyedPolicy(), {prov}, {}, "ghcr.io/evil/api" + digest);
  EXPECT_EQ(Codes(d), std::set<std::string>{"IMAGE_NOT_ALLOWED"}) << Describe(d);
  // images: globs allow other names (one path level per '*').
  std::string globbed = KeyedPolicy("", "images: [\"ghcr.io/evil/*\"]\n");
  d = Decide(globbed, {prov}, {}, "ghcr.io/evil/api" + digest);
  EXPECT_TRUE(d.allowed) << Describe(d);
  d = Decide(globbed, {prov}, {}, "ghcr.io/evil/x/api" + digest);
  EXPECT_EQ(Codes(d), std::set<std::string>{"IMAGE_NOT_ALLOWED"}) << Describe(d);
  // The name must belong to the subject that has the digest, not to another subject.
  std::string two_subjects =
      R"({"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"ghcr.io/acme/api","digest":{"sha256":")" +
      std::string(kDigest) + R"("}},{"name":"ghcr.io/acme/other","digest":{"sha256":")" + std::string(64, 'b') +
      R"("}}],"predicateType":"https://slsa.dev/provenance/v1","predicate":)" +
      ProvenanceV1(kBuilderId, kBuildType, kKeyedRepo, kRef) + "}";
  d = Decide(KeyedPolicy(), {SignedEnvelope(two_subjects, {&builder_})}, {}, "ghcr.io/acme/other" + digest);
  EXPECT_EQ(Codes(d), std::set<std::string>{"IMAGE_NOT_ALLOWED"}) << Describe(d);
  // A bare digest names nothing, so there is nothing to check.
  d = Decide(KeyedPolicy(), {prov});
  EXPECT_TRUE(d.allowed) << Describe(d);
}

TEST(PolicyAnnotations, UnlistedOrNonUtf8AnnotationIsRefused) {
  auto p = ParsePolicy("version: 1\nbuilders: []\nsources: []\nannotations: [team, ticket]\nimages: [\"ghcr.io/acme/*\"]\n");
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  EXPECT_EQ(p->images, std::vector<std::string>{"ghcr.io/acme/*"});
  EXPECT_TRUE(CheckAnnotations(*p, {}).ok());
  EXPECT_TRUE(CheckAnnotations(*p, {{"team", "payments"}, {"ticket", "REL-1"}}).ok());
  auto st = CheckAnnotations(*p, {{"team", "payments"}, {"approved-by", "me"}});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(st.error().message().find("approved-by"), std::string::npos);
  EXPECT_FALSE(CheckAnnotations(*p, {{"team", "\xff\xfe"}}).ok());
  EXPECT_FALSE(CheckAnnotations(*p, {{"te\xc3", "x"}}).ok());
  // No annotations list: no key is allowed. A key listed twice is a policy error.
  auto none = ParsePolicy("version: 1\nbuilders: []\nsources: []\n");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(CheckAnnotations(*none, {{"team", "x"}}).ok());
  EXPECT_FALSE(ParsePolicy("version: 1\nbuilders: []\nsources: []\nannotations: [a, a]\n").ok());
}

// ---- Item 26: nothing is dropped silently. ----

TEST_F(GateReview, JsonlLinesThatDoNotParseOrVerifyAreReported) {
  std::string good = SignedEnvelope(KeyedProv(), {&builder_});
  std::string forged = SignedEnvelope(KeyedProv(), {&attacker_});
  std::string other_artifact = SignedEnvelope(KeyedProv(std::string(64, 'c')), {&builder_});
  // Line 1 about another artifact (normal in such files), line 2 empty, line 3 not JSON, line 4
  // signed by a key the policy does not trust, line 5 good.
  Decision d = Decide(KeyedPolicy(), {other_artifact + "\n\n{not json\n" + forged + "\n" + good + "\n"});
  ASSERT_TRUE(d.allowed) << Describe(d);
  EXPECT_NE(d.provenance->input.find("#5"), std::string::npos);
  ASSERT_EQ(d.findings.size(), 2u) << Describe(d);
  EXPECT_EQ(d.findings[0].code, "MALFORMED_INPUT");
  EXPECT_NE(d.findings[0].input.find("#3"), std::string::npos);
  EXPECT_NE(d.findings[0].message.find("line 3"), std::string::npos);
  EXPECT_EQ(d.findings[1].code, "SIGNATURE_INVALID");
  EXPECT_NE(d.findings[1].input.find("#4"), std::string::npos);
  // After the accepted line too.
  d = Decide(KeyedPolicy(), {good + "\n" + forged + "\n"});
  ASSERT_TRUE(d.allowed) << Describe(d);
  EXPECT_EQ(Codes(d), std::set<std::string>{"SIGNATURE_INVALID"}) << Describe(d);
  // Companion attestations in .intoto.jsonl files are reported the same way.
  std::string pol = KeyedPolicy("", "require:\n  - predicate_type: " + std::string(kCdx) + "\n    signed_by: [onprem]\n");
  std::string sbom = SignedEnvelope(Statement(kDigest, kCdx, "{}"), {&builder_});
  d = Decide(pol, {good}, {sbom + "\n[1]\n"});
  ASSERT_TRUE(d.allowed) << Describe(d);
  EXPECT_EQ(Codes(d), std::set<std::string>{"MALFORMED_INPUT"}) << Describe(d);
}

TEST(PolicyUtf8, InvalidUtf8PolicyIsRefusedAtLoad) {
  auto p = ParsePolicy("version: 1\nbuilders: []\nsources:\n  - repo: https://git.example/\xff\xfe\n");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(p.error().message().find("UTF-8"), std::string::npos);
  // Overlong encoding and a lone continuation byte in a comment are refused too.
  EXPECT_FALSE(ParsePolicy("# \xc0\xaf\nversion: 1\nbuilders: []\nsources: []\n").ok());
  EXPECT_FALSE(ParsePolicy("# \x80\nversion: 1\nbuilders: []\nsources: []\n").ok());
}

// ---- Item 27: an empty subject is unusable input. ----

TEST(SubjectParsing, EmptySubjectIsMalformedNotMutable) {
  auto s = ParseSubjectDigest("");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().finding(), findings::kMalformedInput);
  s = ParseSubjectDigest(std::string("@sha256:") + kDigest);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().finding(), findings::kMalformedInput);
  auto ref = ParseImageRef("");
  ASSERT_FALSE(ref.ok());
  EXPECT_EQ(ref.error().code(), ErrorCode::kInvalidArgument);
}

// ---- The command lines: gate and sign agree. ----

std::string Cli() { return signet::testing::EnvOr("SIGNET_CLI", "signet"); }

int Signet(const std::string& args, std::string* out) {
  out->clear();
  return signet::testing::RunCommand(Cli() + " " + args + " 2>&1", out, false);
}

TEST_F(GateReview, CliGateRefusesLintFailingPolicyEmptySubjectAndNonUtf8Policy) {
  std::string prov = dir_.Write("prov.json", SignedEnvelope(KeyedProv(), {&builder_}));
  std::string out;
  ASSERT_EQ(Signet("gate --policy " + KeyedPolicy() + " --subject " + Subject() + " --provenance " + prov, &out), 0)
      << out;
  // An exception without owner and expiry fails `policy check`; `sign` refused it, and now so
  // does `gate` (it evaluated it before).
  std::string lint_fails = KeyedPolicy("", std::string("exceptions:\n  - finding: VULN_SEVERITY\n    subject: sha256:") +
                                               kDigest + "\n    match: CVE-1\n");
  EXPECT_EQ(Signet("gate --policy " + lint_fails + " --subject " + Subject() + " --provenance " + prov, &out), 2)
      << out;
  EXPECT_NE(out.find("lint"), std::string::npos) << out;
  EXPECT_EQ(Signet("gate --policy " + KeyedPolicy() + " --subject '' --provenance " + prov, &out), 2) << out;
  std::string non_utf8 = dir_.Write("bad-utf8.yaml", testutil::ReadText(KeyedPolicy()) + "# \xff\n");
  EXPECT_EQ(Signet("gate --policy " + non_utf8 + " --subject " + Subject() + " --provenance " + prov, &out), 2)
      << out;
  EXPECT_EQ(Signet("policy check " + non_utf8, &out), 2) << out;
  // The image name check: the same decision as `signet sign` makes.
  EXPECT_EQ(Signet("gate --policy " + KeyedPolicy() + " --subject ghcr.io/evil/api@" + Subject() +
                       " --provenance " + prov,
                   &out),
            1)
      << out;
  EXPECT_NE(out.find("IMAGE_NOT_ALLOWED"), std::string::npos) << out;
  // Lint recommends max_age on requirements and pinned source ids.
  std::string pol = KeyedPolicy("", "require:\n  - predicate_type: " + std::string(kCdx) + "\n    signed_by: [onprem]\n");
  EXPECT_EQ(Signet("policy check " + pol, &out), 0) << out;
  EXPECT_NE(out.find("warning NO_MAX_AGE require[0].max_age"), std::string::npos) << out;
  EXPECT_NE(out.find("warning NO_SOURCE_IDS sources[0]"), std::string::npos) << out;
}

// `signet sign --annotation` keys come from the policy; an unlisted key or invalid UTF-8 is
// unusable input (2), refused before the key is opened and before any audit entry.
TEST_F(GateReview, CliSignRefusesUnlistedAnnotationBeforeAnyDecision) {
  std::string prov = dir_.Write("prov.json", SignedEnvelope(KeyedProv(), {&builder_}));
  std::string pol = KeyedPolicy("", "annotations: [team]\n");
  const std::string log = dir_.path() + "/audit.log";
  const std::string base = "sign --key 'pkcs11:token=none;object=none' --module /nonexistent.so --policy " + pol +
                           " --image ghcr.io/acme/api@" + Subject() + " --provenance " + prov + " --out " +
                           dir_.path() + "/out --audit-log " + log;
  std::string out;
  EXPECT_EQ(Signet(base + " --annotation approved-by=me", &out), 2) << out;
  EXPECT_NE(out.find("approved-by is not listed"), std::string::npos) << out;
  EXPECT_EQ(Signet(base + " --annotation \"team=$(printf '\\377')\"", &out), 2) << out;
  EXPECT_NE(out.find("UTF-8"), std::string::npos) << out;
  // Item 27: an empty --image is unusable input too (it was logged as a MUTABLE_REFERENCE deny).
  const std::string empty_image = "sign --key 'pkcs11:token=none;object=none' --module /nonexistent.so --policy " +
                                  pol + " --image '' --provenance " + prov + " --out " + dir_.path() +
                                  "/out --audit-log " + log;
  EXPECT_EQ(Signet(empty_image, &out), 2) << out;
  EXPECT_FALSE(std::filesystem::exists(log));
}

}  // namespace
}  // namespace signet::policy
