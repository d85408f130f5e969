// `signet gate` and `signet policy check` end to end: exit codes, the JSON decision and the lint
// output, run on a real vector.
#include <gtest/gtest.h>

#include "gate_test_util.h"
#include "signet/core/json.h"
#include "test_env.h"

namespace signet::policy {
namespace {

using testutil::TempDir;
using testutil::Vec;

std::string Cli() { return signet::testing::EnvOr("SIGNET_CLI", "signet"); }

int Signet(const std::string& args, std::string* out) {
  out->clear();  // RunCommand appends
  return signet::testing::RunCommand(Cli() + " " + args + " 2>/dev/null", out, false);
}

std::string BcrPolicy(const TempDir& dir, const std::string& refs = "[\"refs/tags/v0.0.1\"]") {
  return dir.Write("policy.yaml",
                   "version: 1\ntrusted_root: " + Vec("trust/trusted_root.sigstore-public-good.json") +
                       "\nbuilders:\n  - name: publish-to-bcr\n    keyless:\n      issuer: "
                       "https://token.actions.githubusercontent.com\n      identity: "
                       "https://github.com/bazel-contrib/publish-to-bcr/.github/workflows/publish.yaml\n"
                       "      refs: " + refs + "\n    build_types: [\"https://actions.github.io/buildtypes/workflow/v1\"]\n"
                       "sources:\n  - repo: https://github.com/aspect-build/rules_lint\n"
                       "    refs: [\"refs/heads/publish-to-bcr\"]\nmax_age: 720h\n");
}

constexpr char kBcrDigest[] = "sha256:06ce330900a7d6403bc8d88e5dfad6aeeb8ae40179f66bb89e69c8bf6f6b1a0b";

TEST(GateCli, AllowedDeniedAndUnusable) {
  TempDir dir;
  std::string policy = BcrPolicy(dir);
  std::string bundle = Vec("accept/gh-attest-bcr/MODULE.bazel.sigstore.json");
  std::string out;
  int rc = Signet("gate --policy " + policy + " --subject " + kBcrDigest + " --provenance " + bundle +
                   " --at 2025-04-01T00:00:00Z",
               &out);
  ASSERT_EQ(rc, 0) << out;
  auto j = ParseJson(out);
  ASSERT_TRUE(j.ok()) << out;
  EXPECT_TRUE(j->Find("allowed")->bool_value());
  EXPECT_EQ(j->Find("subject")->string_value(), kBcrDigest);
  EXPECT_EQ(j->Find("policy_digest")->string_value(), testutil::FileDigest(policy));
  EXPECT_TRUE(j->Find("findings")->array().empty());
  const JsonValue* p = j->Find("verified")->Find("provenance");
  EXPECT_EQ(p->Find("builder")->string_value(), "publish-to-bcr");
  EXPECT_EQ(p->Find("signer")->Find("ref")->string_value(), "refs/tags/v0.0.1");
  EXPECT_EQ(p->Find("signer")->Find("kind")->string_value(), "keyless");
  EXPECT_EQ(p->Find("source")->Find("ref")->string_value(), "refs/heads/publish-to-bcr");
  EXPECT_EQ(p->Find("trusted_time")->string_value(), "2025-03-26T23:47:30Z");

  // Denied: the forged builder claim. Exit 1 with the finding and its input.
  rc = Signet("gate --policy " + policy + " --subject " + kBcrDigest + " --provenance " +
               Vec("reject/other/bcr-MODULE-wrong-signer.sigstore.json") + " --at 2025-04-01T00:00:00Z",
           &out);
  EXPECT_EQ(rc, 1) << out;
  j = ParseJson(out);
  ASSERT_TRUE(j.ok()) << out;
  EXPECT_FALSE(j->Find("allowed")->bool_value());
  ASSERT_FALSE(j->Find("findings")->array().empty());
  EXPECT_EQ(j->Find("findings")->array()[0].Find("code")->string_value(), "BUILDER_NOT_APPROVED");
  EXPECT_TRUE(j->Find("verified")->Find("provenance")->is_null());

  // Unusable: malformed subject, unreadable file, missing policy, bad --at, missing flags.
  EXPECT_EQ(Signet("gate --policy " + policy + " --subject sha256:ABC --provenance " + bundle, &out), 2);
  EXPECT_EQ(Signet("gate --policy " + policy + " --subject " + kBcrDigest + " --provenance /nonexistent", &out), 2);
  EXPECT_EQ(Signet(std::string("gate --policy /nonexistent --subject ") + kBcrDigest + " --provenance " + bundle, &out), 2);
  EXPECT_EQ(Signet("gate --policy " + policy + " --subject " + kBcrDigest + " --provenance " + bundle + " --at yesterday", &out), 2);
  EXPECT_EQ(Signet("gate --policy " + policy + " --subject " + kBcrDigest, &out), 2);
  std::string junk = dir.Write("junk.json", "{\"hello\":1}");
  EXPECT_EQ(Signet("gate --policy " + policy + " --subject " + kBcrDigest + " --provenance " + junk, &out), 2);
  // A tag is a refusal (1), not unusable input.
  EXPECT_EQ(Signet("gate --policy " + policy + " --subject ghcr.io/acme/api:v1 --provenance " + bundle, &out), 1);
  // A policy whose trusted root is broken is a configuration error.
  std::string bad_root = dir.Write("root.json", "{}");
  std::string p2 = dir.Write("p2.yaml", "version: 1\ntrusted_root: root.json\nbuilders: []\nsources: []\n");
  EXPECT_EQ(Signet("gate --policy " + p2 + " --subject " + kBcrDigest + " --provenance " + bundle, &out), 2);
}

TEST(GateCli, PolicyCheck) {
  TempDir dir;
  std::string out;
  EXPECT_EQ(Signet("policy check " + BcrPolicy(dir), &out), 0) << out;
  EXPECT_NE(out.find("ok sha256:"), std::string::npos) << out;
  std::string bad = dir.Write("bad.yaml",
      "version: 1\ntrusted_root: " + Vec("trust/trusted_root.sigstore-public-good.json") + "\nbuilders:\n  - name: a\n    keyless:\n      issuer: https://token.actions.githubusercontent.com\n"
      "      identity: https://github.com/acme/.*\n  - name: k\n    keys: [k.pub]\n    builder_ids: []\n"
      "sources: []\nexceptions:\n  - finding: VULN_SEVERITY\n    subject: sha256:" + std::string(64, '0') +
      "\n    match: CVE-1\n");
  dir.Write("k.pub", "");
  // The key file is empty: the policy does not load (2).
  EXPECT_EQ(Signet("policy check " + bad, &out), 2);
  std::string key = testutil::MakeKey(dir, "k").pub_path;
  (void)key;
  EXPECT_EQ(Signet("policy check " + bad, &out), 1) << out;
  for (const char* code : {"UNANCHORED_IDENTITY", "KEYLESS_WITHOUT_REFS", "EMPTY_ALLOW_LIST",
                           "EXCEPTION_NO_OWNER", "EXCEPTION_NO_EXPIRY"}) {
    EXPECT_NE(out.find(code), std::string::npos) << code << "\n" << out;
  }
  EXPECT_EQ(Signet("policy check --json " + bad, &out), 1);
  auto j = ParseJson(out);
  ASSERT_TRUE(j.ok()) << out;
  EXPECT_FALSE(j->Find("ok")->bool_value());
  EXPECT_GE(j->Find("findings")->array().size(), 5u);
  std::string unparsable = dir.Write("u.yaml", "version: 1\nbuilders: [\n");
  EXPECT_EQ(Signet("policy check " + unparsable, &out), 2);
  EXPECT_EQ(Signet("policy check", &out), 2);
  // A policy whose trusted root does not parse does not pass the check.
  dir.Write("root.json", "{}");
  std::string p2 = dir.Write("p2.yaml", "version: 1\ntrusted_root: root.json\nbuilders: []\nsources: []\n");
  EXPECT_EQ(Signet("policy check " + p2, &out), 2);
}

}  // namespace
}  // namespace signet::policy
