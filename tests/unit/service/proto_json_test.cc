#include "signet/service/proto_json.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/wrappers.pb.h>

#include "service/proto/error.pb.h"

namespace signet::service {
namespace {

using ::testing::HasSubstr;

TEST(ProtoJsonTest, PrintsEveryField) {
  v1::ErrorBody empty;
  EXPECT_EQ(*PrintProtoJson(empty), R"({"code":"","message":""})");
  google::protobuf::ListValue list;  // an empty repeated field prints as []
  EXPECT_EQ(*PrintProtoJson(list), "[]");
  google::protobuf::BoolValue f;
  EXPECT_EQ(*PrintProtoJson(f), "false");
}

TEST(ProtoJsonTest, RoundTrip) {
  v1::ErrorBody in;
  in.set_code("CONT-PROV-MUTABLE-TAG");
  in.set_message("tag \"v1\" \xc3\xa9");
  std::string text = *PrintProtoJson(in);
  v1::ErrorBody out;
  ASSERT_TRUE(ParseProtoJson(text, &out).ok());
  EXPECT_EQ(out.code(), in.code());
  EXPECT_EQ(out.message(), in.message());
}

TEST(ProtoJsonTest, AcceptsProtoNamesAndMissingFields) {
  v1::ErrorBody out;
  ASSERT_TRUE(ParseProtoJson(R"({"code":"A"})", &out).ok());
  EXPECT_EQ(out.code(), "A");
  EXPECT_EQ(out.message(), "");
  ASSERT_TRUE(ParseProtoJson(" {} ", &out).ok());
  EXPECT_EQ(out.code(), "");  // cleared first
}

TEST(ProtoJsonTest, Strict) {
  const char* cases[] = {
      R"({"code":"A","code":"B"})",       // duplicate key
      R"({"code":"A","unknown":1})",      // unknown field
      R"({"code":"A"} {"code":"B"})",     // trailing data
      R"({"code":"A"}x)",                 // trailing garbage
      "{\"code\":\"\xff\"}",              // invalid UTF-8
      R"({"code":"\ud800"})",             // unpaired surrogate
      R"({"code":1})",                    // wrong type
      R"(["code"])",                      // not an object
      R"("code")",
      "",
      "{",
      R"({"code":"A",})",
  };
  for (const char* c : cases) {
    v1::ErrorBody out;
    Status s = ParseProtoJson(c, &out);
    EXPECT_FALSE(s.ok()) << c;
    if (!s.ok()) {
      EXPECT_EQ(s.error().code(), ErrorCode::kInvalidArgument);
    }
    EXPECT_EQ(out.code(), "") << "a refused body left data behind: " << c;
  }
}

TEST(ProtoJsonTest, DepthLimit) {
  std::string deep(100, '[');
  deep = R"({"code":"A","x":)" + deep + std::string(100, ']') + "}";
  v1::ErrorBody out;
  Status s = ParseProtoJson(deep, &out);
  ASSERT_FALSE(s.ok());
  JsonLimits tiny;
  tiny.max_bytes = 4;
  EXPECT_FALSE(ParseProtoJson(R"({"code":"A"})", &out, tiny).ok());
}

TEST(ProtoHandlerTest, ParsesRunsAndPrints) {
  Handler h = ProtoHandler<v1::ErrorBody, v1::ErrorBody>(
      [](const v1::ErrorBody& req, const Request&, LogFields* log) -> Result<v1::ErrorBody> {
        log->verdict = "allow";
        if (req.code() == "deny") return VerificationFailed("CONT-PROV-SCAN-MISSING", "no scan");
        v1::ErrorBody out;
        out.set_code(req.code() + "!");
        return out;
      });
  Request r;
  r.body = R"({"code":"hi"})";
  Result<Response> ok = h(r);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(ok->body, R"({"code":"hi!","message":""})");
  EXPECT_EQ(ok->log.verdict, "allow");

  r.body = R"({"code":"hi","x":1})";
  Result<Response> bad = h(r);
  ASSERT_TRUE(bad.ok());
  EXPECT_EQ(bad->status, 400);
  EXPECT_THAT(bad->body, HasSubstr("MALFORMED_REQUEST"));

  r.body = R"({"code":"deny"})";
  Result<Response> deny = h(r);
  ASSERT_TRUE(deny.ok());
  EXPECT_EQ(deny->status, 422);
  EXPECT_THAT(deny->body, HasSubstr("CONT-PROV-SCAN-MISSING"));
  EXPECT_EQ(deny->log.verdict, "allow");
}

}  // namespace
}  // namespace signet::service
