#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdexcept>

#include "signet/core/json.h"
#include "signet/service/http.h"

namespace signet::service {
namespace {

using ::testing::HasSubstr;

Request Req(std::string method, std::string path, std::string content_type = "", std::string body = "") {
  Request r;
  r.method = std::move(method);
  r.path = std::move(path);
  r.content_type = std::move(content_type);
  r.body = std::move(body);
  r.request_id = "t";
  return r;
}

Router MakeRouter() {
  Router router;
  EXPECT_TRUE(router
                  .Add({"POST", "/v1/echo", std::string(kJsonContentType),
                        [](const Request& r) -> Result<Response> { return Response::Json(200, r.body); }})
                  .ok());
  EXPECT_TRUE(router
                  .Add({"GET", "/v1/echo", "", [](const Request&) -> Result<Response> {
                          return Response::Json(200, "{}");
                        }})
                  .ok());
  EXPECT_TRUE(router
                  .Add({"GET", "/v1/fail", "", [](const Request&) -> Result<Response> {
                          return VerificationFailed("CONT-PROV-MUTABLE-TAG", "the reference is a tag");
                        }})
                  .ok());
  EXPECT_TRUE(router
                  .Add({"GET", "/v1/internal", "", [](const Request&) -> Result<Response> {
                          return Internal("pkcs11 slot 3 said CKR_PIN_INCORRECT for token secret-label");
                        }})
                  .ok());
  EXPECT_TRUE(router
                  .Add({"GET", "/v1/throws", "", [](const Request&) -> Result<Response> {
                          throw std::runtime_error("boom");
                        }})
                  .ok());
  return router;
}

void ExpectErrorBody(const Response& r, std::string_view code) {
  Result<JsonValue> body = ParseJson(r.body);
  ASSERT_TRUE(body.ok()) << r.body;
  EXPECT_EQ(*body->GetString("code"), code);
  EXPECT_TRUE(body->GetString("message").ok());
  EXPECT_EQ(r.content_type, kJsonContentType);
}

TEST(RouterTest, DispatchesExactMethodAndPath) {
  Router router = MakeRouter();
  std::string label;
  Response r = router.Dispatch(Req("POST", "/v1/echo", "application/json", R"({"a":1})"), &label);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"a":1})");
  EXPECT_EQ(label, "/v1/echo");
  EXPECT_EQ(router.Dispatch(Req("GET", "/v1/echo")).status, 200);
}

TEST(RouterTest, UnknownPathIs404WithUnmatchedLabel) {
  Router router = MakeRouter();
  std::string label;
  for (const char* path : {"/v1/echo/", "/v1/ECHO", "/", "/v1/echo2", "/v1"}) {
    Response r = router.Dispatch(Req("GET", path), &label);
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_EQ(label, kUnmatchedRoute);
    ExpectErrorBody(r, kCodeNotFound);
  }
}

TEST(RouterTest, WrongMethodIs405WithAllow) {
  Router router = MakeRouter();
  Response r = router.Dispatch(Req("DELETE", "/v1/echo"));
  EXPECT_EQ(r.status, 405);
  ExpectErrorBody(r, kCodeMethodNotAllowed);
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].first, "Allow");
  EXPECT_EQ(r.headers[0].second, "GET, POST");
  EXPECT_EQ(router.Dispatch(Req("post", "/v1/echo", "application/json")).status, 405);  // case-sensitive
}

TEST(RouterTest, WrongContentTypeIs415) {
  Router router = MakeRouter();
  for (const char* ct : {"", "text/plain", "application/jsonx", "application/x-www-form-urlencoded"}) {
    Response r = router.Dispatch(Req("POST", "/v1/echo", ct, "{}"));
    EXPECT_EQ(r.status, 415) << ct;
    ExpectErrorBody(r, kCodeUnsupportedMedia);
  }
}

TEST(RouterTest, ErrorsGoThroughTheOneTable) {
  Router router = MakeRouter();
  Response fail = router.Dispatch(Req("GET", "/v1/fail"));
  EXPECT_EQ(fail.status, 422);
  ExpectErrorBody(fail, "CONT-PROV-MUTABLE-TAG");
  Response internal = router.Dispatch(Req("GET", "/v1/internal"));
  EXPECT_EQ(internal.status, 500);
  ExpectErrorBody(internal, kCodeInternal);
  EXPECT_THAT(internal.body, ::testing::Not(HasSubstr("secret-label")));  // 500s never leak internals
  Response thrown = router.Dispatch(Req("GET", "/v1/throws"));
  EXPECT_EQ(thrown.status, 500);
  ExpectErrorBody(thrown, kCodeInternal);
}

TEST(RouterTest, StatusTable) {
  EXPECT_EQ(HttpStatusFor(ErrorCode::kInvalidArgument), 400);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kPermissionDenied), 403);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kNotFound), 404);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kAlreadyExists), 409);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kVerificationFailed), 422);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kResourceExhausted), 429);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kUnavailable), 503);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kFailedPrecondition), 503);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kUnimplemented), 501);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kInternal), 500);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kDataLoss), 500);
  Response bad = ErrorResponseFor(InvalidArgument("image must be pinned"));
  EXPECT_EQ(bad.status, 400);
  ExpectErrorBody(bad, "INVALID_ARGUMENT");
  EXPECT_THAT(bad.body, HasSubstr("image must be pinned"));
}

TEST(RouterTest, ErrorBodyPrintsEveryFieldAndStaysUtf8) {
  Response r = ErrorResponse(400, "X", "");
  EXPECT_EQ(r.body, R"({"code":"X","message":""})");
  Response bad = ErrorResponse(400, "X", "bad \xff byte");
  EXPECT_TRUE(ParseJson(bad.body).ok()) << bad.body;
}

TEST(RouterTest, AddRefusesBadRoutes) {
  Router router = MakeRouter();
  Handler h = [](const Request&) -> Result<Response> { return Response::Json(200, "{}"); };
  EXPECT_FALSE(router.Add({"POST", "/v1/echo", "", h}).ok());  // duplicate
  EXPECT_FALSE(router.Add({"", "/x", "", h}).ok());
  EXPECT_FALSE(router.Add({"get", "/x", "", h}).ok());
  EXPECT_FALSE(router.Add({"GET", "x", "", h}).ok());
  EXPECT_FALSE(router.Add({"GET", "", "", h}).ok());
  EXPECT_FALSE(router.Add({"GET", "/x", "", nullptr}).ok());
  EXPECT_EQ(router.Paths(), (std::vector<std::string>{"/v1/echo", "/v1/fail", "/v1/internal", "/v1/throws"}));
}

}  // namespace
}  // namespace signet::service
