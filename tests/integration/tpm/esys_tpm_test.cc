// tpm::OpenTpm against the swtpm fixture: PCRs, EK certificate and template, AK creation,
// credential activation with the pure-OpenSSL MakeCredential, quotes, and no leaked transient
// objects (swtpm has three slots, so a leak fails within a few iterations).
#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "signet/attestation/tpm_evidence.h"
#include "signet/attestation/tpm_structs.h"
#include "signet/core/hash.h"
#include "signet/core/ossl.h"
#include "signet/tpm/esys_tpm.h"
#include "test_env.h"

namespace signet {
namespace {

namespace att = attestation;

class EsysTpmTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(testing::LoadFixtureEnv("swtpm"));
    auto t = tpm::OpenTpm(std::getenv("SIGNET_TEST_TCTI"));
    ASSERT_TRUE(t.ok()) << t.error().ToString();
    tpm_ = std::move(t).value();
  }
  std::unique_ptr<fw::Tpm> tpm_;
};

TEST_F(EsysTpmTest, ResetExtendReadFollowsTheExtendRule) {
  ASSERT_TRUE(tpm_->ResetPcr(23).ok());
  auto zero = tpm_->ReadPcr(23);
  ASSERT_TRUE(zero.ok());
  EXPECT_EQ(*zero, Bytes(32, 0));
  Bytes d = Sha256(std::string_view("event"));
  ASSERT_TRUE(tpm_->ExtendPcr(23, d).ok());
  Bytes expect = Bytes(32, 0);
  expect.insert(expect.end(), d.begin(), d.end());
  EXPECT_EQ(*tpm_->ReadPcr(23), Sha256(ByteView(expect)));
}

TEST_F(EsysTpmTest, PcrArgumentsAreChecked) {
  EXPECT_EQ(tpm_->ResetPcr(10).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(tpm_->ReadPcr(24).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(tpm_->ExtendPcr(23, Bytes(20, 1)).error().code(), ErrorCode::kInvalidArgument);
  // PCR 0 is not resettable at locality 0 even for a caller who bypasses the check above:
  // the refusal comes from our own guard, before any TPM command.
  EXPECT_EQ(tpm_->ResetPcr(0).error().code(), ErrorCode::kInvalidArgument);
}

TEST_F(EsysTpmTest, EkCertificatesAreReadAndTheTemplateEkMatches) {
  auto rsa = tpm_->ReadEkCertificate(fw::EkType::kRsa2048);
  ASSERT_TRUE(rsa.ok()) << rsa.error().ToString();
  auto ecc = tpm_->ReadEkCertificate(fw::EkType::kEccP384);
  ASSERT_TRUE(ecc.ok()) << ecc.error().ToString();
  auto cert = ossl::ParseCertificateDer(*rsa);
  ASSERT_TRUE(cert.ok()) << cert.error().ToString();
  auto ecc_cert = ossl::ParseCertificateDer(*ecc);
  ASSERT_TRUE(ecc_cert.ok()) << ecc_cert.error().ToString();
  EXPECT_EQ(EVP_PKEY_get_bits(X509_get0_pubkey(ecc_cert->get())), 384);

  auto ek1 = tpm_->CreateEkPublic();
  auto ek2 = tpm_->CreateEkPublic();
  ASSERT_TRUE(ek1.ok() && ek2.ok());
  EXPECT_EQ(*ek1, *ek2) << "the template EK is deterministic";
  auto pub = att::ParseTpm2bPublic(*ek1);
  ASSERT_TRUE(pub.ok()) << pub.error().ToString();
  auto key = att::TpmPublicToKey(*pub);
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(*ossl::PublicKeyToDer(key->get()),
            *ossl::PublicKeyToDer(X509_get0_pubkey(cert->get())));
}

TEST_F(EsysTpmTest, CreateAkRefusesProfilesThatAreNotAttestationKeys) {
  for (SignatureAlgorithm alg : {SignatureAlgorithm::kEd25519, SignatureAlgorithm::kRsa3072PssSha256,
                                 SignatureAlgorithm::kEcdsaP384Sha384}) {
    auto ak = tpm_->CreateAk(alg);
    ASSERT_FALSE(ak.ok());
    EXPECT_EQ(ak.error().code(), ErrorCode::kInvalidArgument);
  }
}

TEST_F(EsysTpmTest, ActivateCredentialReleasesTheSecretOnlyForTheRightName) {
  auto ek_pub = att::ParseTpm2bPublic(*tpm_->CreateEkPublic());
  ASSERT_TRUE(ek_pub.ok());
  auto ak = tpm_->CreateAk(SignatureAlgorithm::kEcdsaP256Sha256);
  ASSERT_TRUE(ak.ok()) << ak.error().ToString();
  const Bytes secret(32, 0x5a), seed(32, 0x11);
  auto mc = att::MakeCredential(*ek_pub, ak->name, secret, seed);
  ASSERT_TRUE(mc.ok()) << mc.error().ToString();
  auto got = tpm_->ActivateCredential(*ak, {mc->credential_blob, mc->encrypted_secret});
  ASSERT_TRUE(got.ok()) << got.error().ToString();
  EXPECT_EQ(*got, secret);

  // A credential made for another Name fails the TPM's integrity check.
  Bytes other_name = ak->name;
  other_name.back() ^= 1;
  auto wrong = att::MakeCredential(*ek_pub, other_name, secret, seed);
  ASSERT_TRUE(wrong.ok());
  auto refused = tpm_->ActivateCredential(*ak, {wrong->credential_blob, wrong->encrypted_secret});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().domain(), "tss2");
}

TEST_F(EsysTpmTest, QuotesRepeatWithoutLeakingTransientSlots) {
  auto ak = tpm_->CreateAk(SignatureAlgorithm::kEcdsaP256Sha256);
  ASSERT_TRUE(ak.ok());
  Bytes qd(32, 7);
  for (int i = 0; i < 8; ++i) {
    auto q = tpm_->Quote(*ak, qd, {23});
    ASSERT_TRUE(q.ok()) << "iteration " << i << ": " << q.error().ToString();
    auto body = att::ParseTpm2bAttestBody(q->attest);
    ASSERT_TRUE(body.ok());
    auto parsed = att::ParseTpmsAttestQuote(*body);
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(parsed->extra_data, qd);
  }
  EXPECT_EQ(tpm_->Quote(*ak, Bytes(65, 0), {23}).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(tpm_->Quote(*ak, qd, {}).error().code(), ErrorCode::kInvalidArgument);
}

TEST_F(EsysTpmTest, ACorruptedAkBlobDoesNotLoad) {
  auto ak = tpm_->CreateAk(SignatureAlgorithm::kRsa2048Pkcs1Sha256);
  ASSERT_TRUE(ak.ok());
  fw::AkBlob bad = *ak;
  bad.private_area[bad.private_area.size() - 1] ^= 1;
  auto q = tpm_->Quote(bad, Bytes(32, 0), {23});
  ASSERT_FALSE(q.ok());
  EXPECT_EQ(q.error().domain(), "tss2");
  bad.private_area.push_back(0);  // trailing byte: refused before the TPM sees it
  EXPECT_EQ(tpm_->Quote(bad, Bytes(32, 0), {23}).error().code(), ErrorCode::kInvalidArgument);
}

TEST_F(EsysTpmTest, QuoteFallsBackToTheTemplateEkWithoutAPersistentEk) {
  auto ak = tpm_->CreateAk(SignatureAlgorithm::kEcdsaP256Sha256);
  ASSERT_TRUE(ak.ok());
  const std::string tcti = std::getenv("SIGNET_TEST_TCTI");
  const std::string tools = "TSS2_LOG=all+NONE TPM2TOOLS_TCTI=" + tcti + " ";
  // On a real TPM the provisioned EK is left alone: there the test only proves the quote works
  // through whichever parent path the TPM offers.
  const bool swtpm = std::getenv("SIGNET_TEST_REAL_HARDWARE") == nullptr;
  tpm_.reset();  // swtpm serves one client: let tpm2-tools in
  std::string out;
  if (swtpm) {
    ASSERT_EQ(testing::RunCommand(tools + "tpm2_evictcontrol -C o -c 0x81010001", &out), 0) << out;
  }
  auto reopened = tpm::OpenTpm(tcti);
  ASSERT_TRUE(reopened.ok());
  auto q = (*reopened)->Quote(*ak, Bytes(32, 1), {23});
  EXPECT_TRUE(q.ok()) << q.error().ToString();
  reopened->reset();
  // Put the EK back where the fixture had it (the same key: it derives from the seed).
  if (swtpm) {
    EXPECT_EQ(testing::RunCommand(tools + "tpm2_createek -c 0x81010001 -G rsa", &out), 0) << out;
  }
}

TEST_F(EsysTpmTest, InfoNamesTheManufacturer) {
  auto info = tpm_->Info();
  ASSERT_TRUE(info.ok());
  EXPECT_FALSE(info->manufacturer.empty());
  if (std::getenv("SIGNET_TEST_REAL_HARDWARE") == nullptr) {
    EXPECT_EQ(info->manufacturer, "IBM");  // libtpms
  }
  EXPECT_NE(info->firmware_version, 0u);
}

TEST(EsysTpmOpenTest, RefusesEmptyAndUnreachableTcti) {
  EXPECT_EQ(tpm::OpenTpm("").error().code(), ErrorCode::kInvalidArgument);
  setenv("TSS2_LOG", "all+NONE", 1);
  auto r = tpm::OpenTpm("swtpm:host=127.0.0.1,port=1");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace signet
