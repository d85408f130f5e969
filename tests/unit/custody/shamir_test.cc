// Shamir over GF(2^8)/0x11d: field known answers, round trips, every negative path, and both
// directions against Debian's libgfshare command-line tools (gfsplit, gfcombine).
#include "signet/custody/shamir.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "test_env.h"

namespace signet::custody {
namespace {

// Reference arithmetic through log/exp tables of the generator 2 (test-only: tables are fine
// when nothing is secret).
struct Tables {
  uint8_t exp[512];
  uint8_t log[256];
  Tables() {
    unsigned x = 1;
    for (int i = 0; i < 255; ++i) {
      exp[i] = static_cast<uint8_t>(x);
      log[x] = static_cast<uint8_t>(i);
      x <<= 1;
      if (x & 0x100) x ^= 0x11d;
    }
    for (int i = 255; i < 512; ++i) exp[i] = exp[i - 255];
  }
  uint8_t Mul(uint8_t a, uint8_t b) const { return a == 0 || b == 0 ? 0 : exp[log[a] + log[b]]; }
};

SecretBytes Secret(std::string_view s) { return SecretBytes::FromString(s); }

TEST(GfTest, KnownAnswers) {
  EXPECT_EQ(GfMul(2, 0x80), 0x1d);   // x * x^7 = x^8 = x^4 + x^3 + x^2 + 1
  EXPECT_EQ(GfMul(2, 0x8e), 0x01);   // so 0x8e is the inverse of 2
  EXPECT_EQ(GfInv(2), 0x8e);
  EXPECT_EQ(GfInv(1), 0x01);
  EXPECT_EQ(GfInv(0), 0x00);
  EXPECT_EQ(GfMul(0, 0xff), 0x00);
}

TEST(GfTest, MatchesLogExpReferenceForEveryPair) {
  Tables t;
  for (unsigned a = 0; a < 256; ++a) {
    for (unsigned b = 0; b < 256; ++b) {
      ASSERT_EQ(GfMul(static_cast<uint8_t>(a), static_cast<uint8_t>(b)),
                t.Mul(static_cast<uint8_t>(a), static_cast<uint8_t>(b)))
          << a << " * " << b;
    }
    if (a != 0) {
      ASSERT_EQ(GfMul(static_cast<uint8_t>(a), GfInv(static_cast<uint8_t>(a))), 1) << a;
    }
  }
}

// A frozen vector: secret 0x42, polynomial 0x42 + 0x01 x (threshold 2): shares (1, 0x43), (2, 0x40),
// (3, 0x41); and a threshold-3 vector 0x42 + 0x01 x + 0x01 x^2 at x = 1, 2, 3: 0x42, 0x44, 0x44
// (3 * 3 = x^2 + 1 = 0x05 in GF(2^8)).
TEST(ShamirTest, KnownVectorsCombine) {
  auto one = [](uint8_t x, uint8_t y) { return Share{x, SecretBytes(ByteView(&y, 1))}; };
  std::vector<Share> t2;
  t2.push_back(one(1, 0x43));
  t2.push_back(one(3, 0x41));
  auto s = Combine(t2);
  ASSERT_TRUE(s.ok()) << s.error().ToString();
  EXPECT_EQ(s->Reveal()[0], 0x42);
  std::vector<Share> t3;
  t3.push_back(one(1, 0x42));
  t3.push_back(one(2, 0x44));
  t3.push_back(one(3, 0x44));
  s = Combine(t3);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->Reveal()[0], 0x42);
}

TEST(ShamirTest, EveryThresholdSubsetRecovers) {
  SecretBytes secret = Secret("0123456789abcdef0123456789abcdef");
  auto shares = Split(secret, 3, 5);
  ASSERT_TRUE(shares.ok()) << shares.error().ToString();
  ASSERT_EQ(shares->size(), 5u);
  for (int a = 0; a < 5; ++a) {
    for (int b = a + 1; b < 5; ++b) {
      for (int c = b + 1; c < 5; ++c) {
        std::vector<Share> pick;
        for (int i : {a, b, c}) pick.push_back(Share{(*shares)[i].index, SecretBytes((*shares)[i].bytes.Reveal())});
        auto got = Combine(pick);
        ASSERT_TRUE(got.ok());
        EXPECT_TRUE(got->Equals(secret));
      }
    }
    EXPECT_EQ((*shares)[a].index, a + 1);
  }
  // Two of a 3-of-5 give some other value.
  std::vector<Share> two;
  two.push_back(Share{(*shares)[0].index, SecretBytes((*shares)[0].bytes.Reveal())});
  two.push_back(Share{(*shares)[1].index, SecretBytes((*shares)[1].bytes.Reveal())});
  auto wrong = Combine(two);
  ASSERT_TRUE(wrong.ok());
  EXPECT_FALSE(wrong->Equals(secret));
}

TEST(ShamirTest, SplitRefusesBadParameters) {
  SecretBytes secret = Secret("k");
  EXPECT_EQ(Split(secret, 1, 3).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(Split(secret, 4, 3).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(Split(secret, 2, 256).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(Split(secret, 2, 1).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(Split(SecretBytes(), 2, 3).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(Split(SecretBytes(Bytes(kMaxSecretBytes + 1, 7)), 2, 3).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(Split(secret, 255, 255).ok());
}

TEST(ShamirTest, CombineRefusesBadShares) {
  auto make = [](uint8_t x, std::string_view y) { return Share{x, SecretBytes::FromString(y)}; };
  std::vector<Share> v;
  v.push_back(make(1, "ab"));
  EXPECT_EQ(Combine(v).error().code(), ErrorCode::kInvalidArgument);  // one share
  v.push_back(make(1, "cd"));
  EXPECT_EQ(Combine(v).error().code(), ErrorCode::kInvalidArgument);  // duplicate index
  v[1] = make(0, "cd");
  EXPECT_EQ(Combine(v).error().code(), ErrorCode::kInvalidArgument);  // index 0
  v[1] = make(2, "cde");
  EXPECT_EQ(Combine(v).error().code(), ErrorCode::kInvalidArgument);  // lengths differ
  std::vector<Share> empty;
  empty.push_back(make(1, ""));
  empty.push_back(make(2, ""));
  EXPECT_EQ(Combine(empty).error().code(), ErrorCode::kInvalidArgument);
}

// Cross-tests with libgfshare (Debian libgfshare-bin, scripts/setup).
class GfshareTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(signet::testing::RunCommand("command -v gfsplit && command -v gfcombine"), 0)
        << "gfsplit/gfcombine missing: run scripts/setup (libgfshare-bin)";
    dir_ = signet::testing::MakeTempDir();
  }
  void TearDown() override { signet::testing::RemoveTree(dir_); }
  static std::string Read(const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }
  static void Write(const std::string& p, ByteView b) {
    std::ofstream out(p, std::ios::binary);
    out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
  }
  std::string dir_;
};

TEST_F(GfshareTest, GfsplitSharesCombineHere) {
  const std::string secret = "a 32-byte wrapping key for tests";
  Write(dir_ + "/secret", AsBytes(secret));
  ASSERT_EQ(signet::testing::RunCommand("cd " + dir_ + " && gfsplit -n 3 -m 5 secret part"), 0);
  std::vector<Share> shares;
  for (const auto& e : std::filesystem::directory_iterator(dir_)) {
    const std::string name = e.path().filename();
    if (name.rfind("part.", 0) != 0) continue;
    shares.push_back(Share{static_cast<uint8_t>(std::stoi(name.substr(5))), SecretBytes::FromString(Read(e.path()))});
  }
  ASSERT_EQ(shares.size(), 5u);
  std::vector<Share> three;
  for (int i : {0, 2, 4}) three.push_back(Share{shares[i].index, SecretBytes(shares[i].bytes.Reveal())});
  auto got = Combine(three);
  ASSERT_TRUE(got.ok()) << got.error().ToString();
  EXPECT_EQ(AsString(got->Reveal()), secret);
}

TEST_F(GfshareTest, SharesFromHereCombineWithGfcombine) {
  const std::string secret = "another secret, 31 bytes long..";
  auto shares = Split(SecretBytes::FromString(secret), 2, 3);
  ASSERT_TRUE(shares.ok());
  for (const Share& s : *shares) {
    char name[32];
    std::snprintf(name, sizeof(name), "/mine.%03d", s.index);
    Write(dir_ + name, s.bytes.Reveal());
  }
  ASSERT_EQ(signet::testing::RunCommand("cd " + dir_ + " && gfcombine -o out mine.001 mine.003"), 0);
  EXPECT_EQ(Read(dir_ + "/out"), secret);
  ASSERT_EQ(signet::testing::RunCommand("cd " + dir_ + " && gfcombine -o out2 mine.002 mine.003"), 0);
  EXPECT_EQ(Read(dir_ + "/out2"), secret);
}

}  // namespace
}  // namespace signet::custody
