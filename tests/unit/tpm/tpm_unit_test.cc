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

TEST(OpenTpmTest, GarbageTctiIsInvalidArgumentNotHardwareError) {
  // The operator's typo is exit 2 (usage), not exit 3 (hardware): an unknown module, a
  // configuration the module refuses, or a string that is not NAME[:CONFIG].
  setenv("TSS2_LOG", "all+NONE", 1);
  for (const char* tcti : {"nonsense:::", "no-such-tcti-module:x", ":::", "swtpm:host=::::,port=abc",
                           "mssim:port=notanumber", "dev ice:/dev/tpm0"}) {
    auto r = tpm::OpenTpm(tcti);
    ASSERT_FALSE(r.ok()) << tcti;
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument) << tcti << ": " << r.error().ToString();
  }
  auto unknown = tpm::OpenTpm("no-such-tcti-module:x");
  EXPECT_EQ(unknown.error().domain(), "tss2");
  EXPECT_NE(unknown.error().native_code(), 0);
}

TEST(OpenTpmTest, UnreachableTpmIsUnavailable) {
  setenv("TSS2_LOG", "all+NONE", 1);
  auto dev = tpm::OpenTpm("device:/nonexistent/tpmrm0");
  ASSERT_FALSE(dev.ok());
  EXPECT_EQ(dev.error().code(), ErrorCode::kUnavailable);
  auto closed = tpm::OpenTpm("swtpm:host=127.0.0.1,port=1");
  ASSERT_FALSE(closed.ok());
  EXPECT_EQ(closed.error().code(), ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace signet
