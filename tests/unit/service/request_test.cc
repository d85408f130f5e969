#include <gtest/gtest.h>

#include <set>

#include "signet/service/http.h"

namespace signet::service {
namespace {

TEST(RequestIdTest, Validation) {
  EXPECT_TRUE(IsValidRequestId("a"));
  EXPECT_TRUE(IsValidRequestId("trace-42.a_B"));
  EXPECT_TRUE(IsValidRequestId(std::string(64, 'x')));
  EXPECT_FALSE(IsValidRequestId(""));
  EXPECT_FALSE(IsValidRequestId(std::string(65, 'x')));
  for (const char* bad : {"a b", "a\"b", "a\nb", "a/b", "a:b", "a{b}", "\xc3\xa9", "a\tb", "a;b", "a,b"}) {
    EXPECT_FALSE(IsValidRequestId(bad)) << bad;
  }
}

TEST(RequestIdTest, GeneratedIdsAreValidAndDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    std::string id = NewRequestId();
    EXPECT_EQ(id.size(), 32u);
    EXPECT_TRUE(IsValidRequestId(id));
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 100u);
}

Limits Small() {
  Limits l;
  l.max_body = 16;
  l.max_header = 1024;
  return l;
}

TEST(ParseRawRequestTest, DecodesAGoodRequest) {
  ParsedRequest p = ParseRawRequest(
      "POST /v1/verify?x=1 HTTP/1.1\r\nHost: a\r\nContent-Type: Application/JSON; charset=utf-8\r\n"
      "X-Request-Id: abc\r\nContent-Length: 2\r\n\r\n{}",
      Small());
  ASSERT_EQ(p.status, 0) << p.error_code;
  EXPECT_EQ(p.request.method, "POST");
  EXPECT_EQ(p.request.path, "/v1/verify");
  EXPECT_EQ(p.request.query, "x=1");
  EXPECT_EQ(p.request.content_type, "application/json");
  EXPECT_EQ(p.request.request_id, "abc");
  EXPECT_EQ(p.request.body, "{}");
  EXPECT_TRUE(p.keep_alive);
}

TEST(ParseRawRequestTest, InvalidRequestIdIsReplaced) {
  ParsedRequest p = ParseRawRequest("GET / HTTP/1.1\r\nHost: a\r\nX-Request-Id: a b\r\n\r\n", Small());
  ASSERT_EQ(p.status, 0);
  EXPECT_NE(p.request.request_id, "a b");
  EXPECT_TRUE(IsValidRequestId(p.request.request_id));
}

TEST(ParseRawRequestTest, ChunkedBodyWithinLimit) {
  ParsedRequest p = ParseRawRequest(
      "POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n", Small());
  ASSERT_EQ(p.status, 0) << p.error_code;
  EXPECT_EQ(p.request.body, "{}");
}

struct Bad {
  std::string raw;
  int status;
};

TEST(ParseRawRequestTest, RefusesWithTheRightStatus) {
  const Bad cases[] = {
      {"GARBAGE\r\n\r\n", 400},
      {"", 400},
      {"GET / HTTP/1.1\r\nHost: a\r\n", 400},  // incomplete
      {"GET http://a/ HTTP/1.1\r\nHost: a\r\n\r\n", 400},
      {"GET * HTTP/1.1\r\nHost: a\r\n\r\n", 400},
      {"GET / HTTP/2.0\r\nHost: a\r\n\r\n", 400},
      {"GET / HTTP/1.1\r\nBad Header: a\r\n\r\n", 400},
      {"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", 400},
      {"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400},
      {"POST / HTTP/1.1\r\nContent-Length: 17\r\n\r\n" + std::string(17, 'a'), 413},
      {"POST / HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n", 413},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n" + std::string(16, 'a') + "\r\n1\r\na\r\n0\r\n\r\n", 413},
      {"GET / HTTP/1.1\r\nX-Big: " + std::string(2000, 'a') + "\r\n\r\n", 431},
  };
  for (const auto& c : cases) {
    ParsedRequest p = ParseRawRequest(c.raw, Small());
    EXPECT_EQ(p.status, c.status) << c.raw.substr(0, 60);
    EXPECT_FALSE(p.error_code.empty());
  }
}

}  // namespace
}  // namespace signet::service
