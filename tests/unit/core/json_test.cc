#include "signet/core/json.h"

#include <gtest/gtest.h>

namespace signet {
namespace {

void ExpectReject(std::string_view text, std::string_view why_substring, const JsonLimits& limits = {}) {
  auto r = ParseJson(text, limits);
  ASSERT_FALSE(r.ok()) << "accepted: " << text;
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(r.error().message().find(why_substring), std::string::npos) << r.error().message();
}

TEST(JsonReaderTest, ParsesAllTypes) {
  auto v = ParseJson(R"( {"n":null,"t":true,"f":false,"i":-12,"d":1.50e+3,"s":"a\"\\\/\b\f\n\r\t\u00e9","a":[1,[]],"o":{}} )");
  ASSERT_TRUE(v.ok()) << v.error().ToString();
  EXPECT_TRUE(v->Find("n")->is_null());
  EXPECT_TRUE(v->Find("t")->bool_value());
  EXPECT_FALSE(v->Find("f")->bool_value());
  EXPECT_EQ(*v->Find("i")->AsInt64(), -12);
  EXPECT_EQ(v->Find("d")->number_text(), "1.50e+3");  // exact text kept
  EXPECT_DOUBLE_EQ(*v->Find("d")->AsDouble(), 1500.0);
  EXPECT_EQ(v->Find("s")->string_value(), "a\"\\/\b\f\n\r\t\xc3\xa9");
  EXPECT_EQ(v->Find("a")->array().size(), 2u);
  EXPECT_TRUE(v->Find("o")->object().empty());
  EXPECT_EQ(v->Find("missing"), nullptr);
  // Member order is the document's.
  EXPECT_EQ(v->object()[0].first, "n");
  EXPECT_EQ(v->object()[7].first, "o");
}

TEST(JsonReaderTest, SurrogatePairsDecode) {
  auto v = ParseJson(R"("\ud83d\ude00")");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->string_value(), "\xf0\x9f\x98\x80");
}

TEST(JsonReaderTest, IntegerAccessors) {
  EXPECT_EQ(*ParseJson("9223372036854775807")->AsInt64(), INT64_MAX);
  EXPECT_FALSE(ParseJson("9223372036854775808")->AsInt64().ok());
  EXPECT_EQ(*ParseJson("18446744073709551615")->AsUint64(), UINT64_MAX);
  EXPECT_FALSE(ParseJson("-1")->AsUint64().ok());
  EXPECT_FALSE(ParseJson("1.0")->AsInt64().ok());
  EXPECT_FALSE(ParseJson("1e2")->AsInt64().ok());
  EXPECT_FALSE(ParseJson("\"1\"")->AsInt64().ok());
  EXPECT_FALSE(ParseJson("1e999")->AsDouble().ok());
}

TEST(JsonReaderTest, TypedGetters) {
  auto v = *ParseJson(R"({"s":"x","o":{},"a":[],"i":3,"b":true})");
  EXPECT_EQ(*v.GetString("s"), "x");
  EXPECT_TRUE(v.GetObject("o").ok());
  EXPECT_TRUE(v.GetArray("a").ok());
  EXPECT_EQ(*v.GetInt64("i"), 3);
  EXPECT_TRUE(*v.GetBool("b"));
  EXPECT_FALSE(v.GetString("i").ok());
  EXPECT_FALSE(v.GetObject("a").ok());
  EXPECT_FALSE(v.GetArray("o").ok());
  EXPECT_FALSE(v.GetInt64("s").ok());
  EXPECT_FALSE(v.GetBool("i").ok());
  EXPECT_NE(v.GetString("nope").error().message().find("missing field \"nope\""), std::string::npos);
  EXPECT_FALSE(ParseJson("[]")->GetMember("x").ok());
}

// Each rejection class of the strict reader.
// Strings are read in runs (eight bytes at a time on long ones): every kind of byte that ends a
// run, at every offset around the word boundaries, is still decoded or refused as before.
TEST(JsonReaderTest, StringRunsEndAtEveryOffset) {
  for (size_t at = 0; at < 40; ++at) {
    const std::string pad(at, 'a');
    const std::string tail(19, 'z');
    auto escaped = ParseJson("\"" + pad + "\\n" + tail + "\"");
    ASSERT_TRUE(escaped.ok()) << at;
    EXPECT_EQ(escaped->string_value(), pad + "\n" + tail);
    auto utf8 = ParseJson("\"" + pad + "\xc3\xa9" + tail + "\"");
    ASSERT_TRUE(utf8.ok()) << at;
    EXPECT_EQ(utf8->string_value(), pad + "\xc3\xa9" + tail);
    auto del = ParseJson("\"" + pad + "\x7f" + tail + "\"");  // DEL is plain text in JSON
    ASSERT_TRUE(del.ok()) << at;
    EXPECT_EQ(del->string_value(), pad + "\x7f" + tail);
    EXPECT_FALSE(ParseJson("\"" + pad + "\x01" + tail + "\"").ok()) << at;
    EXPECT_FALSE(ParseJson("\"" + pad + "\xff" + tail + "\"").ok()) << at;
    EXPECT_FALSE(ParseJson("\"" + pad + tail).ok()) << at;  // unterminated
    auto quoted = ParseJson("[\"" + pad + "\",\"" + tail + "\"]");
    ASSERT_TRUE(quoted.ok()) << at;
    EXPECT_EQ(quoted->array()[0].string_value(), pad);
    EXPECT_EQ(WriteJson(JsonValue::String(pad + "\"\x01\xc3\xa9" + tail)),
              "\"" + pad + "\\\"\\u0001\xc3\xa9" + tail + "\"");
  }
}

TEST(JsonRejectTest, DuplicateKeys) {
  ExpectReject(R"({"a":1,"a":2})", "duplicate object key");
  ExpectReject(R"({"a":1,"\u0061":2})", "duplicate object key");  // same after unescaping
  ExpectReject(R"({"x":{"b":1,"c":2,"b":3}})", "duplicate object key");
}

TEST(JsonRejectTest, TrailingData) {
  ExpectReject("{} {}", "trailing data");
  ExpectReject("1 2", "trailing data");
  ExpectReject("[1],", "trailing data");
  ExpectReject(std::string_view("{}\0", 3), "trailing data");
  EXPECT_TRUE(ParseJson(" {} \n\t\r").ok());
}

TEST(JsonRejectTest, InvalidUtf8) {
  ExpectReject("\"\xff\"", "invalid UTF-8");
  ExpectReject("\"\xc0\xaf\"", "invalid UTF-8");              // overlong '/'
  ExpectReject("\"\xe0\x80\xaf\"", "invalid UTF-8");          // overlong 3-byte
  ExpectReject("\"\xed\xa0\x80\"", "invalid UTF-8");          // encoded surrogate
  ExpectReject("\"\xf4\x90\x80\x80\"", "invalid UTF-8");      // > U+10FFFF
  ExpectReject("\"\xe2\x82\"", "invalid UTF-8");              // truncated sequence
  ExpectReject("\"\x80\"", "invalid UTF-8");                  // lone continuation
  ExpectReject(R"("\ud800")", "unpaired high surrogate");
  ExpectReject(R"("\udc00")", "unpaired low surrogate");
  ExpectReject(R"("\ud800\u0041")", "unpaired high surrogate");
  EXPECT_TRUE(ValidateUtf8("h\xc3\xa9llo \xf0\x9f\x98\x80"));
  EXPECT_FALSE(ValidateUtf8("\xc3"));
}

TEST(JsonRejectTest, DepthLimit) {
  JsonLimits limits;
  limits.max_depth = 3;
  EXPECT_TRUE(ParseJson("[[[1]]]", limits).ok());
  ExpectReject("[[[[1]]]]", "depth limit", limits);
  ExpectReject(R"({"a":{"b":{"c":{}}}})", "depth limit", limits);
  std::string deep(100000, '[');  // default limit protects the stack
  ExpectReject(deep, "depth limit");
}

TEST(JsonRejectTest, SizeLimit) {
  JsonLimits limits;
  limits.max_bytes = 8;
  EXPECT_TRUE(ParseJson("[1,2,3]", limits).ok());
  ExpectReject("[1,2,3,4]", "size limit", limits);
}

TEST(JsonRejectTest, Syntax) {
  ExpectReject("", "unexpected end");
  ExpectReject("{", "expected object key");
  ExpectReject("{\"a\"}", "expected ':'");
  ExpectReject("{\"a\":1,}", "expected object key");
  ExpectReject("[1,]", "unexpected character");
  ExpectReject("[1 2]", "expected ','");
  ExpectReject("{\"a\":1 \"b\":2}", "expected ','");
  ExpectReject("{a:1}", "expected object key");
  ExpectReject("'a'", "unexpected character");
  ExpectReject("tru", "invalid literal");
  ExpectReject("nul", "invalid literal");
  ExpectReject("fals", "invalid literal");
  ExpectReject("[", "unexpected end");
  ExpectReject("[1", "unterminated array");
  ExpectReject("{\"a\":1", "unterminated object");
  ExpectReject("\"abc", "unterminated string");
  ExpectReject("\"a\x01\"", "control character");
  ExpectReject(R"("\x")", "invalid escape");
  ExpectReject(R"("\u12g4")", "invalid \\u escape");
  ExpectReject(R"("\u12")", "truncated \\u escape");
  ExpectReject("\xef\xbb\xbf{}", "byte-order mark");
  ExpectReject("\"a\\", "unterminated escape");
}

TEST(JsonRejectTest, Numbers) {
  ExpectReject("01", "leading zero");
  ExpectReject("-01", "leading zero");
  ExpectReject("+1", "unexpected character");
  ExpectReject(".5", "unexpected character");
  ExpectReject("1.", "invalid fraction");
  ExpectReject("1e", "invalid exponent");
  ExpectReject("1e+", "invalid exponent");
  ExpectReject("-", "invalid number");
  ExpectReject("NaN", "unexpected character");
  ExpectReject("Infinity", "unexpected character");
  EXPECT_TRUE(ParseJson("-0").ok());
  EXPECT_TRUE(ParseJson("0.0e-0").ok());
}

TEST(JsonWriterTest, CompactKeepsOrderAndText) {
  auto v = *ParseJson(R"({"b":1.50,"a":[true,null,"x\u0001y"]})");
  EXPECT_EQ(WriteJson(v), R"({"b":1.50,"a":[true,null,"x\u0001y"]})");
}

TEST(JsonWriterTest, PrettyPrint) {
  JsonValue v;
  v.Set("a", JsonValue::Int(1)).Set("b", JsonValue::MakeArray({JsonValue::String("x")}));
  EXPECT_EQ(WriteJson(v, 2), "{\n  \"a\": 1,\n  \"b\": [\n    \"x\"\n  ]\n}");
}

TEST(JsonWriterTest, CanonicalSortsAndNormalises) {
  // RFC 8785 §3.2.3: sort by UTF-16 code units. U+1F600 (surrogates D83D..) sorts before U+FB33.
  auto v = *ParseJson("{\"\xef\xac\xb3\":1,\"\xf0\x9f\x98\x80\":2,\"b\":[1.0,2e1,1e21,1e-7,-0,0.000001],\"a\":\"\xc3\xa9\\u001f\"}");
  EXPECT_EQ(WriteCanonicalJson(v).value(),
            "{\"a\":\"\xc3\xa9\\u001f\",\"b\":[1,20,1e+21,1e-7,0,0.000001],\"\xf0\x9f\x98\x80\":2,\"\xef\xac\xb3\":1}");
  EXPECT_EQ(WriteCanonicalJson(*ParseJson("[123456789012345680000, 4.5, -1.25e-3, 333333333.33333329]")).value(),
            "[123456789012345680000,4.5,-0.00125,333333333.3333333]");
}

// Issue 12: 1e400 was written as null and 1e-400 as 0, so a canonical (signed) document said
// something other than its source. Numbers a double cannot hold have no canonical form.
TEST(JsonWriterTest, CanonicalRefusesOverflowingNumber) {
  for (const char* text : {"1e400", "-1e400", "[1, {\"a\": 1E+999}]", "1.8e308", "-17976931348623159e292"}) {
    auto v = ParseJson(text);
    ASSERT_TRUE(v.ok()) << text;
    auto canonical = WriteCanonicalJson(*v);
    EXPECT_FALSE(canonical.ok()) << text << " -> " << (canonical.ok() ? *canonical : "");
    if (!canonical.ok()) {
      EXPECT_EQ(canonical.error().code(), ErrorCode::kInvalidArgument);
    }
  }
}

TEST(JsonWriterTest, CanonicalRefusesUnderflowingNumber) {
  for (const char* text : {"1e-400", "-2.5e-350", "{\"x\":[0.1e-330]}"}) {
    auto v = ParseJson(text);
    ASSERT_TRUE(v.ok()) << text;
    auto canonical = WriteCanonicalJson(*v);
    EXPECT_FALSE(canonical.ok()) << text << " -> " << (canonical.ok() ? *canonical : "");
  }
  // Zero spelt any way is still zero, and the smallest subnormal is representable.
  EXPECT_EQ(WriteCanonicalJson(*ParseJson("[0e-400, -0.000e999, 0]")).value(), "[0,0,0]");
  EXPECT_EQ(WriteCanonicalJson(*ParseJson("5e-324")).value(), "5e-324");
  EXPECT_EQ(WriteCanonicalJson(*ParseJson("1.7976931348623157e308")).value(), "1.7976931348623157e+308");
}

TEST(JsonValueTest, BuildersAndEquality) {
  JsonValue a;
  a.Set("x", JsonValue::Uint(5)).Set("x", JsonValue::Int(6));  // Set replaces
  EXPECT_EQ(a.object().size(), 1u);
  EXPECT_EQ(*a.Find("x")->AsInt64(), 6);
  JsonValue b = *ParseJson(R"({"x":6})");
  EXPECT_TRUE(a == b);
  JsonValue arr;
  arr.Push(JsonValue::Bool(true)).Push(JsonValue::NumberText("1.5"));
  EXPECT_EQ(WriteJson(arr), "[true,1.5]");
  EXPECT_FALSE(arr == a);
  EXPECT_FALSE(*ParseJson(R"({"x":6,"y":1})") == b);
}

TEST(JsonValueDeathTest, WrongTypeAccessAborts) {
  JsonValue n = JsonValue::Int(1);
  EXPECT_DEATH((void)n.string_value(), "");
  EXPECT_DEATH((void)JsonValue::NumberText("01"), "");
}

}  // namespace
}  // namespace signet
