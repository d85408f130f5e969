#include "signet/registry/manifest.h"

#include <gtest/gtest.h>

namespace signet::registry {
namespace {

const std::string kDigestA = "sha256:" + std::string(64, 'a');
const std::string kDigestB = "sha256:" + std::string(64, 'b');

std::string OciManifest() {
  return R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",)"
         R"("artifactType":"application/vnd.dev.sigstore.bundle.v0.3+json",)"
         R"("config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":")" + kDigestA + R"(","size":2},)"
         R"("layers":[{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","digest":")" + kDigestB +
         R"(","size":10,"annotations":{"dev.cosignproject.cosign/signature":"MEUC"}}],)"
         R"("subject":{"mediaType":"application/vnd.oci.image.index.v1+json","digest":")" + kDigestA + R"(","size":500},)"
         R"("annotations":{"org.opencontainers.image.created":"2026-12-02T00:00:00Z"}})";
}

TEST(ManifestTest, ParsesAnOciArtifactManifest) {
  std::string bytes = OciManifest();
  auto m = ParseManifest(bytes, "application/vnd.oci.image.manifest.v1+json");
  ASSERT_TRUE(m.ok()) << m.error().message();
  EXPECT_FALSE(m->is_index);
  EXPECT_EQ(m->digest, DigestOf(bytes));
  EXPECT_EQ(m->bytes, bytes);
  EXPECT_EQ(m->artifact_type, "application/vnd.dev.sigstore.bundle.v0.3+json");
  ASSERT_EQ(m->layers.size(), 1u);
  EXPECT_EQ(m->layers[0].annotations.at("dev.cosignproject.cosign/signature"), "MEUC");
  ASSERT_TRUE(m->subject.has_value());
  EXPECT_EQ(m->subject->digest, kDigestA);
  EXPECT_EQ(m->config.media_type, kOciEmptyJson);
}

TEST(ManifestTest, ParsesAnIndexWithPlatforms) {
  std::string bytes = R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[)"
                      R"({"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":")" + kDigestA +
                      R"(","size":1,"platform":{"os":"linux","architecture":"amd64"}},)"
                      R"({"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":")" + kDigestB +
                      R"(","size":1,"platform":{"os":"linux","architecture":"arm64","variant":"v8"}}]})";
  auto m = ParseManifest(bytes, "");
  ASSERT_TRUE(m.ok()) << m.error().message();
  EXPECT_TRUE(m->is_index);
  ASSERT_EQ(m->manifests.size(), 2u);
  EXPECT_EQ(m->manifests[1].platform->architecture, "arm64");
  EXPECT_EQ(m->manifests[1].platform->variant, "v8");
}

TEST(ManifestTest, AnIndexMayOmitItsMediaType) {
  auto m = ParseManifest(R"({"schemaVersion":2,"manifests":[]})", "application/json");
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE(m->is_index);
}

TEST(ManifestTest, DockerManifestList) {
  auto m = ParseManifest(R"({"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.list.v2+json","manifests":[]})",
                         "application/vnd.docker.distribution.manifest.list.v2+json");
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE(m->is_index);
}

TEST(ManifestTest, Refusals) {
  const std::string config = R"("config":{"mediaType":"x","digest":")" + kDigestA + R"(","size":1})";
  for (const std::string& bad : std::vector<std::string>{
           "", "[]", "{", R"({"schemaVersion":1,"manifests":[]})", R"({"manifests":[]})",
           R"({"schemaVersion":2,"mediaType":"text/plain","manifests":[]})",
           R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","layers":[]})",
           R"({"schemaVersion":2,)" + config + "}",
           R"({"schemaVersion":2,"config":{"mediaType":"x","digest":"sha256:ABC","size":1},"layers":[]})",
           R"({"schemaVersion":2,"config":{"mediaType":"x","digest":"sha512:)" + std::string(128, 'a') +
               R"(","size":1},"layers":[]})",
           R"({"schemaVersion":2,"config":{"mediaType":"x","digest":")" + kDigestA + R"(","size":-1},"layers":[]})",
           R"({"schemaVersion":2,)" + config + R"(,"layers":[],"annotations":{"a":1}})",
           R"({"schemaVersion":2,)" + config + R"(,"layers":[],"schemaVersion":2})",  // duplicate key
       }) {
    EXPECT_FALSE(ParseManifest(bad, "").ok()) << bad;
  }
  // The header and the document disagree about the type.
  EXPECT_FALSE(ParseManifest(OciManifest(), std::string(kOciIndex)).ok());
}

TEST(NamesTest, Digests) {
  EXPECT_TRUE(IsDigest(kDigestA));
  EXPECT_FALSE(IsDigest("sha256:" + std::string(63, 'a')));
  EXPECT_FALSE(IsDigest("sha256:" + std::string(64, 'A')));
  EXPECT_FALSE(IsDigest("sha384:" + std::string(64, 'a')));
  EXPECT_EQ(DigestOf(""), "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(NamesTest, Repositories) {
  for (const char* good : {"team/app", "a", "a.b/c_d/e__f/g-h/i--j", "127/x"}) EXPECT_TRUE(IsValidRepository(good)) << good;
  for (const char* bad : {"", "Team/app", "team//app", "/team", "team/", "a..b", "a-", "-a", "a___b", "a_-b", "a-.b",
                          "a b", "a/../b"}) {
    EXPECT_FALSE(IsValidRepository(bad)) << bad;
  }
  EXPECT_FALSE(IsValidRepository(std::string(256, 'a')));
}

TEST(NamesTest, Tags) {
  EXPECT_TRUE(IsValidTag("1.0"));
  EXPECT_TRUE(IsValidTag("sha256-abc.sig"));
  EXPECT_TRUE(IsValidTag("_x"));
  EXPECT_FALSE(IsValidTag(""));
  EXPECT_FALSE(IsValidTag(".x"));
  EXPECT_FALSE(IsValidTag("-x"));
  EXPECT_FALSE(IsValidTag("a/b"));
  EXPECT_FALSE(IsValidTag("a:b"));
  EXPECT_FALSE(IsValidTag(std::string(129, 'a')));
}

TEST(NamesTest, CosignAndReferrersTags) {
  EXPECT_EQ(*CosignTag(kDigestA, "sig"), "sha256-" + std::string(64, 'a') + ".sig");
  EXPECT_EQ(*CosignTag(kDigestA, "att"), "sha256-" + std::string(64, 'a') + ".att");
  EXPECT_EQ(*CosignTag(kDigestA, "sbom"), "sha256-" + std::string(64, 'a') + ".sbom");
  EXPECT_FALSE(CosignTag(kDigestA, "exe").ok());
  EXPECT_FALSE(CosignTag("sha256:abc", "sig").ok());
  EXPECT_EQ(*ReferrersTag(kDigestB), "sha256-" + std::string(64, 'b'));
}

}  // namespace
}  // namespace signet::registry
