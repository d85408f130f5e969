// RFC 7512 URI parser: attributes, percent-encoding, malformed input.
#include "signet/hsm/uri.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace signet::hsm {
namespace {

using ::testing::HasSubstr;

TEST(UriTest, ParsesEveryPathAttribute) {
  auto uri = ParsePkcs11Uri(
      "pkcs11:token=My%20Token;manufacturer=ACME;serial=0123;model=M1;library-manufacturer=L;"
      "library-description=D;library-version=2.6;slot-description=S;slot-manufacturer=SM;slot-id=42;"
      "object=release%2Fkey;id=%01%02%FF;type=private");
  ASSERT_TRUE(uri.ok()) << uri.error().ToString();
  EXPECT_EQ(*uri->token, "My Token");
  EXPECT_EQ(*uri->manufacturer, "ACME");
  EXPECT_EQ(*uri->serial, "0123");
  EXPECT_EQ(*uri->model, "M1");
  EXPECT_EQ(*uri->library_manufacturer, "L");
  EXPECT_EQ(*uri->library_description, "D");
  EXPECT_EQ(*uri->library_version, "2.6");
  EXPECT_EQ(*uri->slot_description, "S");
  EXPECT_EQ(*uri->slot_manufacturer, "SM");
  EXPECT_EQ(*uri->slot_id, 42u);
  EXPECT_EQ(*uri->object, "release/key");
  EXPECT_EQ(*uri->id, (Bytes{0x01, 0x02, 0xFF}));
  EXPECT_EQ(*uri->type, ObjectType::kPrivate);
  EXPECT_TRUE(uri->HasKeySelector());
}

TEST(UriTest, ParsesQueryAttributes) {
  auto uri = ParsePkcs11Uri("pkcs11:token=t?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=file:/run/pin");
  ASSERT_TRUE(uri.ok()) << uri.error().ToString();
  EXPECT_EQ(*uri->module_path, "/usr/lib/softhsm/libsofthsm2.so");
  EXPECT_EQ(*uri->pin_source, "file:/run/pin");
  EXPECT_FALSE(uri->pin_value.has_value());
  EXPECT_FALSE(uri->HasKeySelector());
}

TEST(UriTest, PinValueIsSecretAndNeverFormatted) {
  auto uri = ParsePkcs11Uri("pkcs11:token=t?pin-value=12%2534&module-name=softhsm2");
  ASSERT_TRUE(uri.ok());
  ASSERT_TRUE(uri->pin_value.has_value());
  EXPECT_EQ(AsString(uri->pin_value->Reveal()), "12%34");
  EXPECT_EQ(uri->Format(), "pkcs11:token=t?module-name=softhsm2");
}

TEST(UriTest, EmptyAndSchemeOnly) {
  auto uri = ParsePkcs11Uri("pkcs11:");
  ASSERT_TRUE(uri.ok());
  EXPECT_FALSE(uri->token.has_value());
  EXPECT_TRUE(ParsePkcs11Uri("PKCS11:token=x").ok());  // scheme is case-insensitive
}

TEST(UriTest, IdMayHoldAnyByteIncludingNul) {
  auto uri = ParsePkcs11Uri("pkcs11:id=%00%3B%3D");
  ASSERT_TRUE(uri.ok());
  EXPECT_EQ(*uri->id, (Bytes{0x00, 0x3B, 0x3D}));
}

TEST(UriTest, VendorAttributesAreIgnored) {
  auto uri = ParsePkcs11Uri("pkcs11:x-vendor=1;token=t?x-q=2");
  ASSERT_TRUE(uri.ok());
  EXPECT_EQ(*uri->token, "t");
}

TEST(UriTest, FormatRoundTrips) {
  Pkcs11Uri u;
  u.token = "Signet token; #1";
  u.serial = "ab/cd";
  u.slot_id = 3;
  u.object = "release key=ok?";
  u.id = Bytes{0x00, 0x41, 0xFE};
  u.type = ObjectType::kPrivate;
  u.module_path = "/opt/my module/lib.so";
  u.pin_source = "/run/pin&x";
  const std::string text = u.Format();
  EXPECT_EQ(text.find(' '), std::string::npos);
  auto back = ParsePkcs11Uri(text);
  ASSERT_TRUE(back.ok()) << text << ": " << back.error().ToString();
  EXPECT_EQ(back->token, u.token);
  EXPECT_EQ(back->serial, u.serial);
  EXPECT_EQ(back->slot_id, u.slot_id);
  EXPECT_EQ(back->object, u.object);
  EXPECT_EQ(back->id, u.id);
  EXPECT_EQ(back->type, u.type);
  EXPECT_EQ(back->module_path, u.module_path);
  EXPECT_EQ(back->pin_source, u.pin_source);
  EXPECT_EQ(back->Format(), text);
}

TEST(UriTest, FormatEscapesIdFully) {
  Pkcs11Uri u;
  u.id = Bytes{'a', 'b'};
  EXPECT_EQ(u.Format(), "pkcs11:id=%61%62");
}

TEST(UriTest, PercentEncodeKeepsUnreserved) {
  EXPECT_EQ(PercentEncode(AsBytes("aZ0-._~ /;")), "aZ0-._~%20%2F%3B");
}

struct Bad {
  const char* uri;
  const char* why;
};

class MalformedUriTest : public ::testing::TestWithParam<Bad> {};

TEST_P(MalformedUriTest, IsRejected) {
  auto uri = ParsePkcs11Uri(GetParam().uri);
  ASSERT_FALSE(uri.ok()) << GetParam().uri;
  EXPECT_EQ(uri.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(uri.error().message(), HasSubstr(GetParam().why)) << GetParam().uri;
}

INSTANTIATE_TEST_SUITE_P(
    Rfc7512, MalformedUriTest,
    ::testing::Values(Bad{"", "must start with"}, Bad{"pkcs12:token=a", "must start with"},
                      Bad{"token=a", "must start with"}, Bad{"pkcs11:token", "name=value"},
                      Bad{"pkcs11:=a", "name=value"}, Bad{"pkcs11:token=a;;object=b", "empty attribute"},
                      Bad{"pkcs11:token=a;", "empty attribute"}, Bad{"pkcs11:token=a;token=b", "appears twice"},
                      Bad{"pkcs11:id=%4", "truncated"}, Bad{"pkcs11:id=%", "truncated"},
                      Bad{"pkcs11:id=%zz", "bad %-escape"}, Bad{"pkcs11:object=a b", "not allowed"},
                      Bad{"pkcs11:object=a?b=c", "unknown query attribute"}, Bad{"pkcs11:object=a/b", "not allowed"},
                      Bad{"pkcs11:object=%00", "NUL"}, Bad{"pkcs11:slot-id=x1", "decimal"},
                      Bad{"pkcs11:slot-id=", "decimal"}, Bad{"pkcs11:slot-id=99999999999999999999", "decimal"},
                      Bad{"pkcs11:type=key", "type must be"}, Bad{"pkcs11:colour=red", "unknown path attribute"},
                      Bad{"pkcs11:token=a?", "empty query"}, Bad{"pkcs11:token=a?pin-value=1&pin-value=2", "twice"},
                      Bad{"pkcs11:token=a?pin-source=/f&pin-value=1", "mutually exclusive"},
                      Bad{"pkcs11:token=a?module-path=/a&module-path=/b", "twice"},
                      Bad{"pkcs11:token=a#frag", "fragments"}, Bad{"pkcs11:token=a?pin-value=a b", "not allowed"},
                      Bad{"pkcs11:library-version=", "M or M.N"}, Bad{"pkcs11:library-version=v2", "M or M.N"},
                      Bad{"pkcs11:library-version=2.", "M or M.N"}, Bad{"pkcs11:library-version=.6", "M or M.N"},
                      Bad{"pkcs11:library-version=2.6.1", "M or M.N"},
                      Bad{"pkcs11:library-version=99999999999999999999", "M or M.N"}));

TEST(UriTest, PinValueNeverAppearsInErrors) {
  auto uri = ParsePkcs11Uri("pkcs11:token=a?pin-value=secret%zz");
  ASSERT_FALSE(uri.ok());
  EXPECT_THAT(uri.error().message(), ::testing::Not(HasSubstr("secret")));
}

// Issue 12 item 27: `key check` printed the URI as given, pin-value and all. Every URI shown
// goes through RedactPkcs11Uri, which also works on text that does not parse.
TEST(UriTest, RedactRemovesEveryPinValue) {
  EXPECT_EQ(RedactPkcs11Uri("pkcs11:token=t?module-path=/m.so&pin-value=4711"),
            "pkcs11:token=t?module-path=/m.so&pin-value=<redacted>");
  EXPECT_EQ(RedactPkcs11Uri("pkcs11:token=t?pin-value=47%3B11;x&module-path=/m.so"),
            "pkcs11:token=t?pin-value=<redacted>&module-path=/m.so");
  EXPECT_EQ(RedactPkcs11Uri("key \"pkcs11:object=k?pin-value=secret pin\" is weak\nnext line"),
            "key \"pkcs11:object=k?pin-value=<redacted>\nnext line");
  EXPECT_EQ(RedactPkcs11Uri("pkcs11:a?pin-value=1&pin-value=2#f"), "pkcs11:a?pin-value=<redacted>&pin-value=<redacted>#f");
  EXPECT_EQ(RedactPkcs11Uri("pkcs11:token=t?pin-source=/run/pin"), "pkcs11:token=t?pin-source=/run/pin");
  EXPECT_EQ(RedactPkcs11Uri("pin-value="), "pin-value=<redacted>");
  EXPECT_EQ(RedactPkcs11Uri(""), "");
}

TEST(UriTest, TooLong) {
  std::string long_uri = "pkcs11:object=" + std::string(5000, 'a');
  auto uri = ParsePkcs11Uri(long_uri);
  ASSERT_FALSE(uri.ok());
  EXPECT_THAT(uri.error().message(), HasSubstr("4096"));
}

}  // namespace
}  // namespace signet::hsm
