#include "signet/service/log.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "signet/core/json.h"

namespace signet::service {
namespace {

TEST(LogTest, OneJsonObjectPerLine) {
  std::vector<std::string> lines;
  auto logger = Logger::ToFunction("t", [&](std::string_view l) { lines.emplace_back(l); });
  logger->Info("request", {LogField("request_id", "abc"), LogField("status", 200), LogField("latency_ms", 1.5),
                           LogField("findings", std::vector<std::string>{"A", "B"}), LogField("mtls", true)});
  ASSERT_EQ(lines.size(), 1u);
  Result<JsonValue> v = ParseJson(lines[0]);
  ASSERT_TRUE(v.ok()) << lines[0];
  EXPECT_EQ(*v->GetString("level"), "info");
  EXPECT_EQ(*v->GetString("msg"), "request");
  EXPECT_EQ(*v->GetString("request_id"), "abc");
  EXPECT_EQ(*v->GetInt64("status"), 200);
  EXPECT_EQ((*v->GetArray("findings"))->size(), 2u);
  EXPECT_TRUE(*v->GetBool("mtls"));
  EXPECT_EQ(v->GetString("ts")->back(), 'Z');
}

TEST(LogTest, HostileStringsStayInsideTheirField) {
  std::vector<std::string> lines;
  auto logger = Logger::ToFunction("t", [&](std::string_view l) { lines.emplace_back(l); });
  logger->Warn("x\ny", {LogField("route", "a\"}\n{\"level\":\"error\""), LogField("bad", "\xff\xfe\xc0\xaf"),
                        LogField("level", "forged")});
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].find('\n'), std::string::npos);
  Result<JsonValue> v = ParseJson(lines[0]);
  ASSERT_TRUE(v.ok()) << lines[0];
  EXPECT_EQ(*v->GetString("level"), "warning");  // a field cannot shadow the frame
  EXPECT_EQ(*v->GetString("route"), "a\"}\n{\"level\":\"error\"");
  EXPECT_TRUE(ValidateUtf8(*v->GetString("bad")));
}

TEST(LogTest, SanitizeUtf8) {
  EXPECT_EQ(SanitizeUtf8("ok \xc3\xa9"), "ok \xc3\xa9");
  EXPECT_EQ(SanitizeUtf8("a\xff" "b"), "a\xEF\xBF\xBD" "b");
  EXPECT_EQ(SanitizeUtf8("\xed\xa0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // a surrogate
  EXPECT_TRUE(ValidateUtf8(SanitizeUtf8("\xf4\x90\x80\x80 \xc3")));
}

}  // namespace
}  // namespace signet::service
