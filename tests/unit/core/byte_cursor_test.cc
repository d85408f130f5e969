#include "signet/core/byte_cursor.h"

#include <cstdint>

#include <gtest/gtest.h>

namespace signet {
namespace {

// kBytes: 01 | 0203 | 040506 | 0708090a | 0b0c0d0e0f101112
const Bytes kBytes = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09,
                      0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12};

TEST(ByteCursorTest, ReadsBigEndianIntegersInOrder) {
  ByteCursor c(kBytes);
  uint8_t a = 0;
  uint16_t b = 0;
  uint32_t d = 0, e = 0;
  uint64_t f = 0;
  ASSERT_TRUE(c.ReadU8(&a));
  ASSERT_TRUE(c.ReadU16(&b));
  ASSERT_TRUE(c.ReadU24(&d));
  ASSERT_TRUE(c.ReadU32(&e));
  ASSERT_TRUE(c.ReadU64(&f));
  EXPECT_EQ(a, 0x01);
  EXPECT_EQ(b, 0x0203);
  EXPECT_EQ(d, 0x040506u);
  EXPECT_EQ(e, 0x0708090au);
  EXPECT_EQ(f, 0x0b0c0d0e0f101112ull);
  EXPECT_TRUE(c.Empty());
  EXPECT_EQ(c.Remaining(), 0u);
  EXPECT_EQ(c.Position(), kBytes.size());
}

TEST(ByteCursorTest, EmptyInputIsEmpty) {
  ByteCursor c(ByteView{});
  EXPECT_TRUE(c.Empty());
  uint8_t v = 7;
  EXPECT_FALSE(c.ReadU8(&v));
  EXPECT_EQ(v, 7);
  ByteView out;
  EXPECT_TRUE(c.Take(0, &out));  // taking nothing from nothing is fine
  EXPECT_TRUE(out.empty());
  EXPECT_FALSE(c.Take(1, &out));
  EXPECT_FALSE(c.Skip(1));
  EXPECT_FALSE(c.ReadU8Prefixed(&out));
}

// Every integer width refuses every truncation, leaves the cursor and the output untouched.
TEST(ByteCursorTest, EveryIntegerTruncationFailsWithoutMoving) {
  for (size_t width : {1u, 2u, 3u, 4u, 8u}) {
    for (size_t have = 0; have < width; ++have) {
      SCOPED_TRACE("width " + std::to_string(width) + " have " + std::to_string(have));
      ByteCursor c(ByteView(kBytes).first(have));
      bool ok = true;
      switch (width) {
        case 1: {
          uint8_t v = 0xaa;
          ok = c.ReadU8(&v);
          EXPECT_EQ(v, 0xaa);
          break;
        }
        case 2: {
          uint16_t v = 0xaaaa;
          ok = c.ReadU16(&v);
          EXPECT_EQ(v, 0xaaaa);
          break;
        }
        case 3: {
          uint32_t v = 0xaaaa;
          ok = c.ReadU24(&v);
          EXPECT_EQ(v, 0xaaaau);
          break;
        }
        case 4: {
          uint32_t v = 0xaaaa;
          ok = c.ReadU32(&v);
          EXPECT_EQ(v, 0xaaaau);
          break;
        }
        default: {
          uint64_t v = 0xaaaa;
          ok = c.ReadU64(&v);
          EXPECT_EQ(v, 0xaaaau);
          break;
        }
      }
      EXPECT_FALSE(ok);
      EXPECT_EQ(c.Position(), 0u);
      EXPECT_EQ(c.Remaining(), have);
    }
  }
}

TEST(ByteCursorTest, TakeAndSkipRefuseToReadPastTheEnd) {
  ByteCursor c(ByteView(kBytes).first(4));
  ByteView out;
  EXPECT_FALSE(c.Take(5, &out));
  EXPECT_FALSE(c.Skip(5));
  EXPECT_EQ(c.Position(), 0u);
  ASSERT_TRUE(c.Skip(1));
  ASSERT_TRUE(c.Take(3, &out));
  EXPECT_EQ(Bytes(out.begin(), out.end()), (Bytes{0x02, 0x03, 0x04}));
  EXPECT_TRUE(c.Empty());
  EXPECT_FALSE(c.Take(1, &out));
  // A huge n never wraps around.
  ByteCursor d(kBytes);
  EXPECT_FALSE(d.Take(SIZE_MAX, &out));
  EXPECT_FALSE(d.Skip(SIZE_MAX));
  EXPECT_EQ(d.Position(), 0u);
}

TEST(ByteCursorTest, RestViewsWithoutConsuming) {
  ByteCursor c(kBytes);
  ASSERT_TRUE(c.Skip(16));
  EXPECT_EQ(Bytes(c.Rest().begin(), c.Rest().end()), (Bytes{0x11, 0x12}));
  EXPECT_EQ(c.Remaining(), 2u);
}

// Builds prefix(width, n) || n bytes of 0x5a.
Bytes Prefixed(size_t width, size_t n) {
  Bytes out;
  for (size_t i = width; i > 0; --i) out.push_back(static_cast<uint8_t>(n >> (8 * (i - 1))));
  out.insert(out.end(), n, 0x5a);
  return out;
}

bool ReadPrefixed(ByteCursor& c, size_t width, ByteView* out, size_t max = ByteCursor::kNoMax) {
  switch (width) {
    case 1:
      return c.ReadU8Prefixed(out, max);
    case 2:
      return c.ReadU16Prefixed(out, max);
    case 3:
      return c.ReadU24Prefixed(out, max);
    default:
      return c.ReadU32Prefixed(out, max);
  }
}

TEST(ByteCursorTest, PrefixedSlicesRead) {
  for (size_t width : {1u, 2u, 3u, 4u}) {
    SCOPED_TRACE(width);
    Bytes data = Prefixed(width, 3);
    data.push_back(0x99);  // trailing byte stays unread
    ByteCursor c(data);
    ByteView out;
    ASSERT_TRUE(ReadPrefixed(c, width, &out));
    EXPECT_EQ(Bytes(out.begin(), out.end()), (Bytes{0x5a, 0x5a, 0x5a}));
    EXPECT_EQ(c.Remaining(), 1u);
    EXPECT_FALSE(c.Empty());
    // A zero-length slice is valid.
    Bytes zero = Prefixed(width, 0);
    ByteCursor z(zero);
    ASSERT_TRUE(ReadPrefixed(z, width, &out));
    EXPECT_TRUE(out.empty());
    EXPECT_TRUE(z.Empty());
  }
}

// Every truncation of a prefixed slice (inside the prefix or inside the body) fails and leaves
// the cursor where it was, the prefix unconsumed.
TEST(ByteCursorTest, EveryPrefixedTruncationFailsWithoutMoving) {
  for (size_t width : {1u, 2u, 3u, 4u}) {
    const Bytes full = Prefixed(width, 5);
    for (size_t have = 0; have < full.size(); ++have) {
      SCOPED_TRACE("width " + std::to_string(width) + " have " + std::to_string(have));
      ByteCursor c(ByteView(full).first(have));
      ByteView out;
      EXPECT_FALSE(ReadPrefixed(c, width, &out));
      EXPECT_EQ(c.Position(), 0u);
    }
    ByteCursor c(full);
    ByteView out;
    EXPECT_TRUE(ReadPrefixed(c, width, &out));
    EXPECT_EQ(out.size(), 5u);
  }
}

TEST(ByteCursorTest, PrefixedLengthAboveMaxFails) {
  for (size_t width : {1u, 2u, 3u, 4u}) {
    SCOPED_TRACE(width);
    const Bytes data = Prefixed(width, 5);
    ByteCursor c(data);
    ByteView out;
    EXPECT_FALSE(ReadPrefixed(c, width, &out, 4));
    EXPECT_EQ(c.Position(), 0u);
    EXPECT_TRUE(ReadPrefixed(c, width, &out, 5));
    EXPECT_TRUE(c.Empty());
  }
}

TEST(ByteCursorTest, HugeU32PrefixNeverWraps) {
  const Bytes data = {0xff, 0xff, 0xff, 0xff, 0x00};
  ByteCursor c(data);
  ByteView out;
  EXPECT_FALSE(c.ReadU32Prefixed(&out));
  EXPECT_EQ(c.Position(), 0u);
}

}  // namespace
}  // namespace signet
