#include "signet/ops/exit_codes.h"

#include <gtest/gtest.h>

namespace signet::ops {
namespace {

TEST(ExitCodesTest, MapsEveryErrorClass) {
  EXPECT_EQ(ExitCodeFor(VerificationFailed("X", "y")), kExitDenied);
  EXPECT_EQ(ExitCodeFor(InvalidArgument("x")), kExitUsage);
  EXPECT_EQ(ExitCodeFor(NotFound("x")), kExitUsage);
  EXPECT_EQ(ExitCodeFor(PermissionDenied("x")), kExitUsage);
  EXPECT_EQ(ExitCodeFor(FailedPrecondition("x")), kExitUsage);
  EXPECT_EQ(ExitCodeFor(Unavailable("x")), kExitInternal);
  EXPECT_EQ(ExitCodeFor(Internal("x")), kExitInternal);
  EXPECT_EQ(ExitCodeFor(ResourceExhausted("x")), kExitInternal);
  EXPECT_EQ(kExitOk, 0);
  EXPECT_EQ(kExitDenied, 1);
  EXPECT_EQ(kExitUsage, 2);
  EXPECT_EQ(kExitInternal, 3);
}

}  // namespace
}  // namespace signet::ops
