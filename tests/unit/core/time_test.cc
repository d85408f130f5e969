#include "signet/core/time.h"

#include <gtest/gtest.h>

namespace signet {
namespace {

TEST(Rfc3339Test, ParsesAndFormats) {
  auto t = ParseRfc3339("2026-11-25T10:00:00Z");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(ToUnixSeconds(*t), 1795600800);
  EXPECT_EQ(FormatRfc3339(*t), "2026-11-25T10:00:00Z");
  EXPECT_EQ(FormatRfc3339(*ParseRfc3339("2026-11-25T10:00:00.500Z")), "2026-11-25T10:00:00.5Z");
  EXPECT_EQ(FormatRfc3339(*ParseRfc3339("2026-11-25t12:30:00+02:30")), "2026-11-25T10:00:00Z");
  EXPECT_EQ(FormatRfc3339(*ParseRfc3339("2026-11-25T09:00:00-01:00")), "2026-11-25T10:00:00Z");
  EXPECT_EQ(FormatRfc3339(*ParseRfc3339("1970-01-01T00:00:00.000000001Z")), "1970-01-01T00:00:00.000000001Z");
  EXPECT_EQ(FormatRfc3339(FromUnixSeconds(0)), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339(*ParseRfc3339("2024-02-29T23:59:59Z")), "2024-02-29T23:59:59Z");
  EXPECT_EQ(FormatRfc3339(*ParseRfc3339("2261-12-31T23:59:59Z")), "2261-12-31T23:59:59Z");
  EXPECT_EQ(FormatRfc3339(*ParseRfc3339("1678-01-01T00:00:00Z")), "1678-01-01T00:00:00Z");
}

TEST(Rfc3339Test, Rejections) {
  for (const char* bad : {"", "2026-11-25", "2026-11-25 10:00:00Z", "2026-11-25T10:00:00", "2026-13-01T00:00:00Z",
                          "2025-02-29T00:00:00Z", "2026-11-25T24:00:00Z", "2026-11-25T10:60:00Z",
                          "2026-11-25T10:00:60Z", "2026-11-25T10:00:00.Z", "2026-11-25T10:00:00.1234567891Z",
                          "2026-11-25T10:00:00+0200", "2026-11-25T10:00:00+24:00", "2026-11-25T10:00:00Zjunk",
                          "26-11-25T10:00:00Z", "2026-11-25T10:00:00 Z", "2026-1a-25T10:00:00Z",
                          "2262-04-12T00:00:00Z", "9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z"}) {
    EXPECT_FALSE(ParseRfc3339(bad).ok()) << bad;
  }
}

TEST(DurationTest, ParsesAndRejects) {
  EXPECT_EQ(ParseDuration("720h")->count(), 720 * 3600);
  EXPECT_EQ(ParseDuration("1h30m15s")->count(), 5415);
  for (const char* bad : {"", "h", "10", "10d", "-1h", "1.5h", "1h 2m", "99999999999h"}) {
    EXPECT_FALSE(ParseDuration(bad).ok()) << bad;
  }
}

TEST(ClockTest, FixedAndSystem) {
  FixedClock c(FromUnixSeconds(42));
  EXPECT_EQ(ToUnixSeconds(c.Now()), 42);
  c.Set(FromUnixSeconds(43));
  EXPECT_EQ(ToUnixSeconds(c.Now()), 43);
  SystemClock s;
  EXPECT_GT(ToUnixSeconds(s.Now()), 1700000000);
  const Clock& iface = c;
  EXPECT_EQ(ToUnixSeconds(iface.Now()), 43);
}

}  // namespace
}  // namespace signet
