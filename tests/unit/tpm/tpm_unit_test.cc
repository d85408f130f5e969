// tpm/ and the fw::Tpm value types without a TPM: argument checks that never reach hardware.
#include <gtest/gtest.h>

#include <cstdlib>

#include "signet/firmware_iface/tpm.h"
#include "signet/tpm/esys_tpm.h"

namespace signet {
namespace {

TEST(AkAlgorithmTest, NamesRoundTrip) {
  for (auto alg : {fw::AkAlgorithm::kEcdsaP256, fw::AkAlgorithm::kRsa2048}) {
    auto back = fw::ParseAkAlgorithm(fw::AkAlgorithmName(alg));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, alg);
  }
  EXPECT_EQ(fw::AkAlgorithmName(fw::AkAlgorithm::kEcdsaP256), "ecdsa-p256");
  EXPECT_EQ(fw::ParseAkAlgorithm("ecdsa-p384").error().code(), ErrorCode::kInvalidArgument);
  EXPECT_FALSE(fw::ParseAkAlgorithm("").ok());
  EXPECT_FALSE(fw::ParseAkAlgorithm("RSA-2048").ok());
}

TEST(OpenTpmTest, RequiresAnExplicitTcti) {
  auto r = tpm::OpenTpm("");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
}

TEST(OpenTpmTest, UnknownTctiModuleIsUnavailableWithItsReturnCode) {
  setenv("TSS2_LOG", "all+NONE", 1);
  auto r = tpm::OpenTpm("no-such-tcti-module:x");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(r.error().domain(), "tss2");
  EXPECT_NE(r.error().native_code(), 0);
  auto dev = tpm::OpenTpm("device:/nonexistent/tpmrm0");
  ASSERT_FALSE(dev.ok());
  EXPECT_EQ(dev.error().code(), ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace signet
