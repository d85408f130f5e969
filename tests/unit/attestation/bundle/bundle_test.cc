// Bundle parsing: versions, media types, material variants, strict proto3 JSON.
#include "signet/attestation/bundle.h"

#include <gtest/gtest.h>

#include "signet/core/findings.h"
#include "signet/core/json.h"
#include "test_util.h"

namespace signet::attestation {
namespace {

TEST(ParseBundleTest, ParsesEveryVersionAndMediaType) {
  struct Case { const char* name; BundleVersion version; MaterialKind material; bool dsse; };
  const Case cases[] = {
      {"happy-path-v0.1", BundleVersion::kV01, MaterialKind::kCertificateChain, false},
      {"happy-path-v0.2", BundleVersion::kV02, MaterialKind::kCertificateChain, false},
      {"happy-path-v0.3", BundleVersion::kV03, MaterialKind::kCertificate, false},
      {"happy-path-v0.3-new-mediaType", BundleVersion::kV03, MaterialKind::kCertificate, false},
      {"happy-path-intoto-in-dsse-v3", BundleVersion::kV03, MaterialKind::kCertificate, true},
      {"managed-key-happy-path", BundleVersion::kV03, MaterialKind::kPublicKey, false},
      {"rekor2-happy-path", BundleVersion::kV03, MaterialKind::kCertificate, false},
  };
  for (const Case& c : cases) {
    auto b = ParseBundle(testutil::Conformance(c.name));
    ASSERT_TRUE(b.ok()) << c.name << ": " << b.error().ToString();
    EXPECT_EQ(b->version, c.version) << c.name;
    EXPECT_EQ(b->material, c.material) << c.name;
    EXPECT_EQ(b->dsse_envelope.has_value(), c.dsse) << c.name;
    EXPECT_EQ(b->message_signature.has_value(), !c.dsse) << c.name;
    ASSERT_EQ(b->tlog_entries.size(), 1u);
  }
  auto v1 = ParseBundle(testutil::Conformance("happy-path-v0.1"));
  const TlogEntry& e = v1->tlog_entries[0];
  EXPECT_EQ(e.log_index, 27246492u);
  EXPECT_EQ(e.kind, "hashedrekord");
  EXPECT_EQ(e.version, "0.0.1");
  EXPECT_EQ(e.integrated_time, 1689177396);
  ASSERT_TRUE(e.inclusion_proof.has_value());
  EXPECT_EQ(e.inclusion_proof->tree_size, 23083062u);
  EXPECT_EQ(e.inclusion_proof->hashes.size(), 10u);
  EXPECT_FALSE(e.inclusion_proof->checkpoint.empty());
  auto v2 = ParseBundle(testutil::Conformance("rekor2-happy-path"));
  EXPECT_FALSE(v2->tlog_entries[0].integrated_time.has_value());
  EXPECT_FALSE(v2->tlog_entries[0].signed_entry_timestamp.has_value());
  EXPECT_EQ(v2->rfc3161_timestamps.size(), 1u);
}

std::string Mutated(const char* name, const std::string& path, JsonValue value) {
  auto doc = ParseJson(testutil::Conformance(name));
  *testutil::JsonAt(*doc, path) = std::move(value);
  return WriteJson(*doc);
}

std::string WithMember(const char* name, const std::string& path, const std::string& key, JsonValue value) {
  auto doc = ParseJson(testutil::Conformance(name));
  testutil::JsonAt(*doc, path)->Set(key, std::move(value));
  return WriteJson(*doc);
}

TEST(ParseBundleTest, RefusesMalformedBundles) {
  const char* v3 = "happy-path-v0.3";
  const char* dsse = "happy-path-intoto-in-dsse-v3";
  auto two_sigs = ParseJson(testutil::Conformance(dsse));
  JsonValue* sigs = testutil::JsonAt(*two_sigs, "dsseEnvelope.signatures");
  sigs->Push(sigs->array()[0]);
  const std::string bad[] = {
      "{",
      testutil::Conformance("bundle-malformed-json_fail"),
      testutil::Conformance("bundle-negative-log-index_fail"),
      testutil::Conformance("bundle-invalid-base64-signature_fail"),
      testutil::Conformance("bundle-empty-certificate-chain_fail"),
      WithMember(v3, "", "extra", JsonValue::Int(1)),
      WithMember(v3, "verificationMaterial", "publicKey", JsonValue::MakeObject()),
      WithMember(v3, "", "dsseEnvelope", *ParseJson(testutil::Conformance(dsse))->Find("dsseEnvelope")),
      WithMember(v3, "verificationMaterial.tlogEntries.0", "surprise", JsonValue::Bool(true)),
      Mutated(v3, "verificationMaterial.tlogEntries.0.logIndex", JsonValue::String("-1")),
      Mutated(v3, "verificationMaterial.tlogEntries.0.logIndex", JsonValue::String("0012")),
      Mutated(v3, "verificationMaterial.tlogEntries.0.logIndex", JsonValue::String("12a")),
      Mutated(v3, "verificationMaterial.tlogEntries.0.inclusionProof.treeSize", JsonValue::String("-5")),
      Mutated(v3, "verificationMaterial.tlogEntries.0.inclusionProof.hashes.0", JsonValue::String("%%%")),
      Mutated(v3, "verificationMaterial.tlogEntries.0.canonicalizedBody", JsonValue::String("")),
      Mutated(v3, "verificationMaterial.tlogEntries.0.logId.keyId", JsonValue::Int(3)),
      Mutated(v3, "verificationMaterial.certificate.rawBytes", JsonValue::String("a b")),
      Mutated(v3, "messageSignature.messageDigest.digest", JsonValue::String("AAAA")),
      Mutated(v3, "messageSignature.signature", JsonValue::String("")),
      Mutated(dsse, "dsseEnvelope.payloadType", JsonValue::Int(1)),
      WriteJson(*two_sigs),
  };
  for (const std::string& json : bad) {
    auto b = ParseBundle(json);
    ASSERT_FALSE(b.ok()) << json.substr(0, 300);
    EXPECT_EQ(b.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(b.error().finding(), findings::kMalformedInput);
  }
}

TEST(ParseBundleTest, UnknownVersionAndDigestAlgorithmAreUnsupported) {
  auto b = ParseBundle(testutil::Conformance("bundle-unknown-version_fail"));
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().finding(), findings::kUnsupported);
  auto md = ParseBundle(Mutated("happy-path-v0.3", "messageSignature.messageDigest.algorithm", JsonValue::String("MD5")));
  ASSERT_FALSE(md.ok());
  EXPECT_EQ(md.error().finding(), findings::kUnsupported);
}

TEST(ParseBundleTest, Int64FieldsAcceptNumbersAndLineWrappedBase64) {
  auto b = ParseBundle(Mutated("happy-path-v0.3", "verificationMaterial.tlogEntries.0.logIndex", JsonValue::Int(7)));
  ASSERT_TRUE(b.ok()) << b.error().ToString();
  EXPECT_EQ(b->tlog_entries[0].log_index, 7u);
  // `base64` wraps at 76 columns; proto3 JSON parsers skip the line breaks.
  auto wrapped = ParseBundle(testutil::Conformance("rekor2-timestamp-with-incorrect-time_fail"));
  ASSERT_TRUE(wrapped.ok()) << wrapped.error().ToString();
  EXPECT_EQ(wrapped->rfc3161_timestamps.size(), 1u);
}

}  // namespace
}  // namespace signet::attestation
