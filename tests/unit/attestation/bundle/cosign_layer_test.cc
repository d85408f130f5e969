// BundleFromCosignLayer: the real container vector converts; every malformed input is refused.
#include "signet/attestation/cosign_layer.h"

#include <gtest/gtest.h>

#include "signet/core/findings.h"
#include "signet/core/json.h"
#include "test_util.h"

namespace signet::attestation {
namespace {

struct Layer {
  std::string layer, bundle, cert;
};

Layer Load() {
  const std::string dir = "vectors/accept/gha-container-generator-v2.1.0/";
  auto manifest = ParseJson(testutil::Shared(dir + "cosign-atts-manifest.json"));
  const JsonValue& ann = *manifest->Find("layers")->array().at(0).Find("annotations");
  return Layer{testutil::Shared(dir + "dsse-layer.json"), ann.Find("dev.sigstore.cosign/bundle")->string_value(),
               ann.Find("dev.sigstore.cosign/certificate")->string_value()};
}

std::string EditBundle(const std::string& bundle, const std::string& path, JsonValue value) {
  auto doc = ParseJson(bundle);
  *testutil::JsonAt(*doc, path) = std::move(value);
  return WriteJson(*doc);
}

TEST(CosignLayerTest, ConvertsTheContainerVector) {
  Layer l = Load();
  auto b = BundleFromCosignLayer(l.layer, l.bundle, l.cert);
  ASSERT_TRUE(b.ok()) << b.error().ToString();
  EXPECT_EQ(b->version, BundleVersion::kV01);
  EXPECT_EQ(b->material, MaterialKind::kCertificate);
  ASSERT_EQ(b->tlog_entries.size(), 1u);
  EXPECT_EQ(b->tlog_entries[0].kind, "dsse");
  EXPECT_EQ(b->tlog_entries[0].version, "0.0.1");
  EXPECT_TRUE(b->tlog_entries[0].signed_entry_timestamp.has_value());
  EXPECT_FALSE(b->tlog_entries[0].inclusion_proof.has_value());
  EXPECT_TRUE(b->dsse_envelope.has_value());
}

TEST(CosignLayerTest, RefusesMalformedInput) {
  Layer l = Load();
  const std::pair<std::string, Layer> bad[] = {
      {"layer", Layer{"{}", l.bundle, l.cert}},
      {"cert", Layer{l.layer, l.bundle, "not pem"}},
      {"two certs", Layer{l.layer, l.bundle, l.cert + l.cert}},
      {"bundle json", Layer{l.layer, "{", l.cert}},
      {"set", Layer{l.layer, EditBundle(l.bundle, "SignedEntryTimestamp", JsonValue::String("%")), l.cert}},
      {"body", Layer{l.layer, EditBundle(l.bundle, "Payload.body", JsonValue::String("e30=")), l.cert}},
      {"time", Layer{l.layer, EditBundle(l.bundle, "Payload.integratedTime", JsonValue::Int(-1)), l.cert}},
      {"index", Layer{l.layer, EditBundle(l.bundle, "Payload.logIndex", JsonValue::Int(-1)), l.cert}},
      {"log id", Layer{l.layer, EditBundle(l.bundle, "Payload.logID", JsonValue::String("ABCD")), l.cert}},
      {"log id type", Layer{l.layer, EditBundle(l.bundle, "Payload.logID", JsonValue::Int(1)), l.cert}},
  };
  for (const auto& [what, in] : bad) {
    auto b = BundleFromCosignLayer(in.layer, in.bundle, in.cert);
    ASSERT_FALSE(b.ok()) << what;
    EXPECT_EQ(b.error().finding(), findings::kMalformedInput) << what;
  }
}

}  // namespace
}  // namespace signet::attestation
