// verifierd's optional `attestation` section (issue 14): the issue's example, defaults, and every
// refusal.
#include <gtest/gtest.h>

#include "signet/core/yaml.h"
#include "signet/verifierd/config.h"

namespace signet::verifierd {
namespace {

Result<VerifierdConfig> Parse(const std::string& yaml) {
  auto root = ParseYaml("policies: {default: p.yaml}\n" + yaml);
  if (!root.ok()) return root.error();
  return ParseVerifierdConfig(*root, "/etc/verifierd");
}

TEST(AttestationConfig, TheIssueExample) {
  auto c = Parse(R"(attestation: {tcti: "swtpm:host=127.0.0.1,port=2321", ak: ak.json, event_log: /run/signet/boot-log.json, pcr: 23, batch_window: 50ms, max_batch: 4096}
)");
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  ASSERT_TRUE(c->attestation.has_value());
  EXPECT_EQ(c->attestation->tcti, "swtpm:host=127.0.0.1,port=2321");
  EXPECT_EQ(c->attestation->ak, "/etc/verifierd/ak.json");
  EXPECT_EQ(c->attestation->event_log, "/run/signet/boot-log.json");
  EXPECT_EQ(c->attestation->pcr, 23u);
  EXPECT_EQ(c->attestation->batch_window, std::chrono::milliseconds(50));
  EXPECT_EQ(c->attestation->max_batch, 4096u);
  EXPECT_EQ(c->attestation->min_quote_interval, std::chrono::milliseconds(0));
}

TEST(AttestationConfig, DefaultsAndAbsence) {
  auto c = Parse("");
  ASSERT_TRUE(c.ok());
  EXPECT_FALSE(c->attestation.has_value());
  c = Parse("attestation: {tcti: t, ak: a, event_log: l, min_quote_interval: 50ms}\n");
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  EXPECT_EQ(c->attestation->pcr, 23u);
  EXPECT_EQ(c->attestation->batch_window, std::chrono::milliseconds(50));
  EXPECT_EQ(c->attestation->max_batch, 4096u);
  EXPECT_EQ(c->attestation->min_quote_interval, std::chrono::milliseconds(50));
}

TEST(AttestationConfig, Refusals) {
  for (const std::string bad : {
           "attestation: {ak: a, event_log: l}\n",
           "attestation: {tcti: t, event_log: l}\n",
           "attestation: {tcti: t, ak: a}\n",
           "attestation: {tcti: \"\", ak: a, event_log: l}\n",
           "attestation: {tcti: t, ak: a, event_log: l, pcr: 24}\n",
           "attestation: {tcti: t, ak: a, event_log: l, pcr: -1}\n",
           "attestation: {tcti: t, ak: a, event_log: l, max_batch: 0}\n",
           "attestation: {tcti: t, ak: a, event_log: l, max_batch: 65537}\n",
           "attestation: {tcti: t, ak: a, event_log: l, batch_window: 50}\n",
           "attestation: {tcti: t, ak: a, event_log: l, batch_window: 11s}\n",
           "attestation: {tcti: t, ak: a, event_log: l, min_quote_interval: soon}\n",
           "attestation: {tcti: t, ak: a, event_log: l, window: 50ms}\n",
           "attestation: [t]\n",
       }) {
    EXPECT_FALSE(Parse(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace signet::verifierd
