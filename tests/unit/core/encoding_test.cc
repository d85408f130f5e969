#include "signet/core/encoding.h"

#include <gtest/gtest.h>

namespace signet {
namespace {

TEST(HexTest, RoundTrip) {
  Bytes b = {0x00, 0x01, 0xab, 0xff};
  EXPECT_EQ(HexEncode(b), "0001abff");
  EXPECT_EQ(*HexDecode("0001abff"), b);
  EXPECT_TRUE(HexDecode("")->empty());
}

TEST(HexTest, Rejections) {
  EXPECT_FALSE(HexDecode("abc").ok());        // odd length
  EXPECT_FALSE(HexDecode("ABCD").ok());       // uppercase refused by the strict decoder
  EXPECT_FALSE(HexDecode("zz").ok());         // not hex
  EXPECT_FALSE(HexDecode("ab cd").ok());      // whitespace
  EXPECT_FALSE(HexDecode("0x00").ok());       // prefix
  EXPECT_EQ(*HexDecodeAnyCase("ABcd"), (Bytes{0xab, 0xcd}));
  EXPECT_FALSE(HexDecodeAnyCase("AG").ok());
}

TEST(Base64Test, StandardVectors) {
  // RFC 4648 §10.
  const char* plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
  const char* enc[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
  for (int i = 0; i < 7; ++i) {
    EXPECT_EQ(Base64Encode(AsBytes(plain[i])), enc[i]);
    EXPECT_EQ(ToString(*Base64Decode(enc[i])), plain[i]);
  }
}

TEST(Base64Test, UrlSafe) {
  Bytes b = {0xfb, 0xff, 0xfe};
  EXPECT_EQ(Base64Encode(b), "+//+");
  EXPECT_EQ(Base64Encode(b, Base64Alphabet::kUrlSafe), "-__-");
  EXPECT_EQ(*Base64Decode("-__-", Base64Alphabet::kUrlSafe), b);
  EXPECT_FALSE(Base64Decode("-__-").ok());                              // URL chars in standard
  EXPECT_FALSE(Base64Decode("+//+", Base64Alphabet::kUrlSafe).ok());    // standard chars in URL
  EXPECT_EQ(Base64Encode(AsBytes("f"), Base64Alphabet::kUrlSafe, false), "Zg");
}

TEST(Base64Test, PaddingModes) {
  EXPECT_FALSE(Base64Decode("Zg").ok());  // padding required by default
  EXPECT_EQ(ToString(*Base64Decode("Zg", Base64Alphabet::kStandard, Base64Padding::kForbidden)), "f");
  EXPECT_FALSE(Base64Decode("Zg==", Base64Alphabet::kStandard, Base64Padding::kForbidden).ok());
  EXPECT_EQ(ToString(*Base64Decode("Zg==", Base64Alphabet::kStandard, Base64Padding::kOptional)), "f");
  EXPECT_EQ(ToString(*Base64Decode("Zg", Base64Alphabet::kStandard, Base64Padding::kOptional)), "f");
  EXPECT_FALSE(Base64Decode("Zg=", Base64Alphabet::kStandard, Base64Padding::kOptional).ok());  // partial
}

TEST(Base64Test, Rejections) {
  EXPECT_FALSE(Base64Decode("Zm9v\n").ok());     // whitespace
  EXPECT_FALSE(Base64Decode(" Zm9v").ok());
  EXPECT_FALSE(Base64Decode("Zm9").ok());        // missing padding
  EXPECT_FALSE(Base64Decode("Z===").ok());       // too much padding
  EXPECT_FALSE(Base64Decode("Z").ok());          // impossible length
  EXPECT_FALSE(Base64Decode("Zm=v").ok());       // padding in the middle
  EXPECT_FALSE(Base64Decode("Zh==").ok());       // non-zero trailing bits (non-canonical)
  EXPECT_FALSE(Base64Decode("Zm9=").ok());       // non-canonical 2-byte tail
  EXPECT_FALSE(Base64Decode("Zm9v====").ok());
  EXPECT_FALSE(Base64Decode("Zm9v*").ok());
}

// Every length and tail shape round-trips in both alphabets, padded or not, and a bad
// character is reported at its own offset wherever it sits in a 4-character group.
TEST(Base64Test, RoundTripsEveryLengthAndNamesTheBadOffset) {
  Bytes data;
  for (size_t n = 0; n < 50; ++n) {
    for (Base64Alphabet a : {Base64Alphabet::kStandard, Base64Alphabet::kUrlSafe}) {
      const std::string padded = Base64Encode(data, a);
      EXPECT_EQ(padded.size() % 4, 0u);
      EXPECT_EQ(*Base64Decode(padded, a), data) << n;
      const std::string bare = Base64Encode(data, a, false);
      EXPECT_EQ(bare, padded.substr(0, padded.find('=')));
      EXPECT_EQ(*Base64Decode(bare, a, Base64Padding::kOptional), data) << n;
      EXPECT_EQ(*Base64DecodeStdOrUrl(bare), data) << n;
    }
    const std::string text = Base64Encode(data);
    for (size_t bad = 0; bad < text.size() && text[bad] != '='; ++bad) {
      std::string broken = text;
      broken[bad] = '*';
      auto r = Base64Decode(broken);
      ASSERT_FALSE(r.ok());
      EXPECT_NE(r.error().message().find("offset " + std::to_string(bad)), std::string::npos)
          << r.error().message();
    }
    data.push_back(static_cast<uint8_t>(n * 37 + 11));
  }
}

TEST(Base64Test, StdOrUrl) {
  EXPECT_EQ(*Base64DecodeStdOrUrl("+//+"), (Bytes{0xfb, 0xff, 0xfe}));
  EXPECT_EQ(*Base64DecodeStdOrUrl("-__-"), (Bytes{0xfb, 0xff, 0xfe}));
  EXPECT_EQ(ToString(*Base64DecodeStdOrUrl("Zg")), "f");
  EXPECT_FALSE(Base64DecodeStdOrUrl("+_").ok());  // mixed alphabets
  EXPECT_FALSE(Base64DecodeStdOrUrl("Zg=").ok());
}

TEST(ConstantTimeEqualTest, Basics) {
  EXPECT_TRUE(ConstantTimeEqual(AsBytes("abc"), AsBytes("abc")));
  EXPECT_FALSE(ConstantTimeEqual(AsBytes("abc"), AsBytes("abd")));
  EXPECT_FALSE(ConstantTimeEqual(AsBytes("abc"), AsBytes("ab")));
  EXPECT_TRUE(ConstantTimeEqual(ByteView(), ByteView()));
}

}  // namespace
}  // namespace signet
