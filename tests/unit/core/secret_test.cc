#include "signet/core/secret.h"

#include <cstdint>
#include <fstream>
#include <string>

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

// Each secret has pages of its own, locked in RAM when RLIMIT_MEMLOCK allows (it does for the
// test user here: root, 8 MiB), and gives them back when it goes.
TEST(SecretBytesTest, LivesInLockedPagesOfItsOwn) {
  auto locked_kb = [] {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line)) {
      if (line.rfind("VmLck:", 0) == 0) return std::stol(line.substr(6));
    }
    return -1L;
  };
  long before = locked_kb();
  {
    SecretBytes pin = SecretBytes::FromString("123456");
    std::string big(10000, 'k');
    SecretBytes large = SecretBytes::FromString(big);
    EXPECT_EQ(AsString(large.Reveal()), big);
    EXPECT_EQ(AsString(pin.Reveal()), "123456");
    EXPECT_EQ(reinterpret_cast<uintptr_t>(pin.Reveal().data()) % 4096, 0u);
    EXPECT_GE(locked_kb(), before + 4 + 12);
  }
  EXPECT_EQ(locked_kb(), before);
}

}  // namespace
}  // namespace signet
