// ceremony.yaml: the issue's example and every refusal.
#include "signet/custody/ceremony_config.h"

#include <gtest/gtest.h>

#include "custody_test_util.h"
#include "signet/core/file.h"
#include "test_env.h"

namespace signet::custody {
namespace {

class CeremonyConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = signet::testing::MakeTempDir();
    for (const char* n : {"alice", "bob", "carol"}) {
      ASSERT_TRUE(WriteFileAtomic(dir_ + "/" + n + ".pub", testing::FreshPublicPem("EC", "P-256")).ok());
    }
    ASSERT_TRUE(WriteFileAtomic(dir_ + "/ed.pub", testing::FreshPublicPem("ED25519", nullptr)).ok());
  }
  void TearDown() override { signet::testing::RemoveTree(dir_); }
  Result<CeremonyConfig> Load(const std::string& yaml) {
    EXPECT_TRUE(WriteFileAtomic(dir_ + "/ceremony.yaml", yaml).ok());
    return LoadCeremonyConfig(dir_ + "/ceremony.yaml");
  }
  std::string dir_;
};

const char kIssueExample[] = R"(token: "pkcs11:token=release?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=user.pin"
so_pin_file: so.pin
threshold: 2
custodians:
  - {name: alice, public_key: alice.pub}
  - {name: bob, public_key: bob.pub}
  - {name: carol, public_key: carol.pub}
keys:
  - {label: release-2026, type: ecdsa-p256, purpose: release, backup: true}
  - {label: log-2026, type: ed25519, purpose: log}
  - {label: tsa-2026, type: ecdsa-p256, purpose: tsa}
)";

TEST_F(CeremonyConfigTest, TheIssueExample) {
  auto c = Load(kIssueExample);
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  EXPECT_EQ(c->threshold, 2);
  ASSERT_EQ(c->custodians.size(), 3u);
  EXPECT_EQ(c->custodians[1].name, "bob");
  EXPECT_EQ(c->custodian_key_files[2], dir_ + "/carol.pub");
  EXPECT_EQ(c->so_pin_file, dir_ + "/so.pin");
  ASSERT_EQ(c->keys.size(), 3u);
  EXPECT_TRUE(c->keys[0].backup);
  EXPECT_FALSE(c->keys[1].backup);
  EXPECT_EQ(c->keys[1].type, "ed25519");
}

TEST_F(CeremonyConfigTest, Refusals) {
  const std::string base = "threshold: 2\ncustodians:\n  - {name: alice, public_key: alice.pub}\n  - {name: bob, public_key: bob.pub}\n";
  EXPECT_TRUE(Load(base).ok());
  for (const std::string& bad : std::vector<std::string>{
           std::string("threshold: 1\ncustodians:\n  - {name: alice, public_key: alice.pub}\n  - {name: bob, public_key: bob.pub}\n"),
           std::string("threshold: 3\ncustodians:\n  - {name: alice, public_key: alice.pub}\n  - {name: bob, public_key: bob.pub}\n"),
           std::string("threshold: two\ncustodians:\n  - {name: alice, public_key: alice.pub}\n"),
           base + "extra: 1\n",
           "threshold: 2\ncustodians:\n  - {name: alice, public_key: alice.pub}\n  - {name: alice, public_key: bob.pub}\n",
           "threshold: 2\ncustodians:\n  - {name: alice, public_key: alice.pub}\n  - {name: bob, public_key: alice.pub}\n",
           "threshold: 2\ncustodians:\n  - {name: alice, public_key: alice.pub}\n  - {name: bob, public_key: ed.pub}\n",
           "threshold: 2\ncustodians:\n  - {name: alice, public_key: alice.pub}\n  - {name: bob, public_key: bob.pub, x: 1}\n",
           base + "keys:\n  - {label: k, type: dsa, purpose: release}\n",
           base + "keys:\n  - {label: k, type: ed25519, purpose: release, backup: maybe}\n",
           base + "keys:\n  - {label: k, type: ed25519, purpose: release}\n  - {label: k, type: ed25519, purpose: log}\n",
           std::string("threshold: 2\ncustodians: []\n")}) {
    auto c = Load(bad);
    EXPECT_FALSE(c.ok()) << bad;
    if (!c.ok()) {
      EXPECT_EQ(c.error().code(), ErrorCode::kInvalidArgument) << bad;
    }
  }
  auto missing = Load("threshold: 2\ncustodians:\n  - {name: alice, public_key: alice.pub}\n  - {name: bob, public_key: nope.pub}\n");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace signet::custody
