#include "signet/core/secret.h"

#include <sstream>

#include <gtest/gtest.h>

namespace signet {
namespace {

TEST(SecretBytesTest, HoldsAndRedacts) {
  SecretBytes s = SecretBytes::FromString("1234");
  EXPECT_EQ(s.size(), 4u);
  EXPECT_EQ(AsString(s.Reveal()), "1234");
  std::ostringstream os;
  os << s;
  EXPECT_EQ(os.str(), "<redacted 4 bytes>");
  EXPECT_EQ(s.DebugString().find("1234"), std::string::npos);
}

TEST(SecretBytesTest, MoveAndCompare) {
  SecretBytes a = SecretBytes::FromString("pin");
  SecretBytes b = std::move(a);
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): moved-from is defined empty
  EXPECT_TRUE(b.Equals(SecretBytes::FromString("pin")));
  EXPECT_FALSE(b.Equals(SecretBytes::FromString("pim")));
  EXPECT_FALSE(b.Equals(SecretBytes::FromString("pin2")));
  SecretBytes c;
  c = std::move(b);
  EXPECT_EQ(AsString(c.Reveal()), "pin");
  EXPECT_TRUE(SecretBytes().empty());
  static_assert(!std::is_copy_constructible_v<SecretBytes>);
  static_assert(!std::is_copy_assignable_v<SecretBytes>);
}

}  // namespace
}  // namespace signet
