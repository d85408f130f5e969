// tpm/ and the fw::Tpm value types without a TPM: argument checks that never reach hardware.
#include <gtest/gtest.h>

#include <cstdlib>

#include "signet/firmware_iface/signing_key.h"
#include "signet/firmware_iface/tpm.h"
#include "signet/tpm/esys_tpm.h"

namespace signet {
namespace {

TEST(AkAlgorithmTest, NamesRoundTrip) {
  for (auto alg : {SignatureAlgorithm::kEcdsaP256Sha256, SignatureAlgorithm::kRsa2048Pkcs1Sha256}) {
    auto back = fw::ParseAttestationKeyAlgorithm(SignatureAlgorithmName(alg));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, alg);
  }
  EXPECT_EQ(SignatureAlgorithmName(SignatureAlgorithm::kEcdsaP256Sha256), "ecdsa-p256");
  EXPECT_EQ(fw::ParseAttestationKeyAlgorithm("ecdsa-p384").error().code(), ErrorCode::kInvalidArgument);
  EXPECT_FALSE(fw::ParseAttestationKeyAlgorithm("").ok());
  EXPECT_FALSE(fw::ParseAttestationKeyAlgorithm("RSA-2048").ok());
}

// A TPM AK and an HSM key speak the one SignatureAlgorithm vocabulary; each interface says which
// profiles it supports, and the parse functions refuse the others with the CLI's wording.
TEST(AkAlgorithmTest, ProfilesComeFromTheOneVocabulary) {
  EXPECT_TRUE(fw::IsAttestationKeyAlgorithm(SignatureAlgorithm::kRsa2048Pkcs1Sha256));
  EXPECT_FALSE(fw::IsAttestationKeyAlgorithm(SignatureAlgorithm::kRsa3072PssSha256));
  EXPECT_FALSE(fw::IsAttestationKeyAlgorithm(SignatureAlgorithm::kEd25519));
  auto ak = fw::ParseAttestationKeyAlgorithm("rsa-3072");
  ASSERT_FALSE(ak.ok());
  EXPECT_EQ(ak.error().message(), "unsupported attestation key type \"rsa-3072\" (use ecdsa-p256 or rsa-2048)");
  for (SignatureAlgorithm alg : fw::kSigningKeyAlgorithms) {
    auto back = fw::ParseSigningKeyAlgorithm(SignatureAlgorithmName(alg));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, alg);
    EXPECT_TRUE(fw::IsSigningKeyAlgorithm(alg));
  }
  EXPECT_FALSE(fw::IsSigningKeyAlgorithm(SignatureAlgorithm::kRsa2048Pkcs1Sha256));
  EXPECT_FALSE(fw::IsSigningKeyAlgorithm(SignatureAlgorithm::kRsaPssSha256));
  auto key = fw::ParseSigningKeyAlgorithm("rsa-2048");
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(key.error().message(),
            "unsupported key type \"rsa-2048\" (use ecdsa-p256, ecdsa-p384, ed25519 or rsa-3072)");
  EXPECT_FALSE(fw::ParseSigningKeyAlgorithm("rsa-pss-sha256").ok());
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
