#include "signet/core/result.h"

#include <gtest/gtest.h>

namespace signet {
namespace {

Result<int> Half(int x) {
  if (x % 2 != 0) return InvalidArgument("odd");
  return x / 2;
}

Result<int> Quarter(int x) {
  SIGNET_ASSIGN_OR_RETURN(int h, Half(x));
  SIGNET_ASSIGN_OR_RETURN(int q, Half(h));
  return q;
}

Status CheckEven(int x) {
  SIGNET_RETURN_IF_ERROR(Half(x));
  return OkStatus();
}

TEST(ResultTest, ValueAndError) {
  Result<int> ok = Half(4);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, 2);
  Result<int> bad = Half(3);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(bad.error().message(), "odd");
}

TEST(ResultTest, MacrosPropagate) {
  EXPECT_EQ(*Quarter(8), 2);
  EXPECT_FALSE(Quarter(6).ok());  // 6 -> 3 -> odd
  EXPECT_TRUE(CheckEven(2).ok());
  EXPECT_EQ(CheckEven(1).error().message(), "odd");
}

TEST(ResultTest, ErrorDecorations) {
  Error e = VerificationFailed("SIGNATURE_INVALID", "signature did not verify");
  EXPECT_EQ(e.code(), ErrorCode::kVerificationFailed);
  EXPECT_EQ(e.finding(), "SIGNATURE_INVALID");
  Error d = Unavailable("token gone").WithDomain("pkcs11", 0x30).Prefix("signing");
  EXPECT_EQ(d.message(), "signing: token gone");
  EXPECT_EQ(d.domain(), "pkcs11");
  EXPECT_EQ(d.native_code(), 0x30);
  EXPECT_EQ(d.ToString(), "UNAVAILABLE: signing: token gone [pkcs11 0x30]");
  EXPECT_EQ(e.ToString(), "VERIFICATION_FAILED SIGNATURE_INVALID: signature did not verify");
}

TEST(ResultTest, AllCodesHaveNames) {
  for (int c = 0; c <= static_cast<int>(ErrorCode::kVerificationFailed); ++c) {
    EXPECT_NE(ErrorCodeName(static_cast<ErrorCode>(c)), "UNKNOWN");
  }
  EXPECT_EQ(NotFound("x").code(), ErrorCode::kNotFound);
  EXPECT_EQ(AlreadyExists("x").code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(PermissionDenied("x").code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(FailedPrecondition("x").code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(ResourceExhausted("x").code(), ErrorCode::kResourceExhausted);
  EXPECT_EQ(Unimplemented("x").code(), ErrorCode::kUnimplemented);
  EXPECT_EQ(Internal("x").code(), ErrorCode::kInternal);
  EXPECT_EQ(DataLoss("x").code(), ErrorCode::kDataLoss);
}

TEST(ResultDeathTest, ValueOfErrorAborts) {
  Result<int> bad = Half(3);
  EXPECT_DEATH((void)bad.value(), "");
  Result<int> good = Half(2);
  EXPECT_DEATH((void)good.error(), "");
}

}  // namespace
}  // namespace signet
