// The same ESAPI backend through a resource manager (tpm2-abrmd on a private D-Bus), selected
// only by the TCTI string: AK creation, credential activation and a quote.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "signet/attestation/tpm_structs.h"
#include "signet/tpm/esys_tpm.h"
#include "test_env.h"

namespace signet {
namespace {

namespace att = attestation;

TEST(TabrmdTest, EnrollAndQuoteThroughTheResourceManager) {
  ASSERT_TRUE(testing::LoadFixtureEnv("swtpm"));
  ASSERT_TRUE(testing::LoadFixtureEnv("abrmd"));
  const char* tcti = std::getenv("SIGNET_TEST_TABRMD_TCTI");
  ASSERT_NE(tcti, nullptr);
  ASSERT_EQ(std::string(tcti).rfind("tabrmd:", 0), 0u) << tcti;
  auto tpm = tpm::OpenTpm(tcti);
  ASSERT_TRUE(tpm.ok()) << tpm.error().ToString();
  auto ek = att::ParseTpm2bPublic(*(*tpm)->CreateEkPublic());
  ASSERT_TRUE(ek.ok());
  auto ak = (*tpm)->CreateAk(SignatureAlgorithm::kEcdsaP256Sha256);
  ASSERT_TRUE(ak.ok()) << ak.error().ToString();
  const Bytes secret(32, 3);
  auto mc = att::MakeCredential(*ek, ak->name, secret, Bytes(32, 4));
  ASSERT_TRUE(mc.ok());
  auto got = (*tpm)->ActivateCredential(*ak, {mc->credential_blob, mc->encrypted_secret});
  ASSERT_TRUE(got.ok()) << got.error().ToString();
  EXPECT_EQ(*got, secret);
  for (int i = 0; i < 4; ++i) {
    auto q = (*tpm)->Quote(*ak, Bytes(32, static_cast<uint8_t>(i)), {23});
    ASSERT_TRUE(q.ok()) << q.error().ToString();
  }
}

}  // namespace
}  // namespace signet
