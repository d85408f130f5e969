// The attester library (attester/) on a scripted TPM (tests/support/fw_mocks.h): the AK file,
// enroll, quote, activate and measure-for-launch, including every refusal that must happen
// before the TPM is opened. The real TPM path is tests/integration/tpm/attest_e2e_test.cc.
#include <sys/stat.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include "fw_mocks.h"
#include "signet/attestation/event_log.h"
#include "signet/attestation/tpm_enrollment.h"
#include "signet/attestation/tpm_evidence.h"
#include "signet/attestation/tpm_structs.h"
#include "signet/attester/ak_file.h"
#include "signet/attester/attester.h"
#include "signet/attester/launch.h"
#include "signet/core/findings.h"
#include "signet/core/encoding.h"
#include "signet/core/file.h"
#include "signet/core/hash.h"
#include "soft_tpm.h"
#include "test_env.h"

namespace signet::attester {
namespace {

namespace att = signet::attestation;
using ::testing::_;
using ::testing::Invoke;
using ::testing::NiceMock;
using ::testing::Return;

EVP_PKEY* ReadKey(const std::string& path) {
  std::string pem = *ReadFile(path);
  ossl::UniquePtr<BIO> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
}

class AttesterTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    suite_dir_ = testing::MakeTempDir();
    std::string out;
    auto run = [&](const std::string& cmd) { ASSERT_EQ(testing::RunCommand(cmd, &out), 0) << out; };
    const std::string d = suite_dir_ + "/";
    run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout " + d +
        "ca.key -out " + d + "ca.pem -subj /CN=test-ek-ca -days 3650");
    for (const char* ek : {"ek", "other-ek"}) {
      run(std::string("openssl req -newkey rsa:2048 -nodes -keyout ") + d + ek + ".key -subj /CN=ek -out " + d +
          ek + ".csr");
      run(std::string("openssl x509 -req -in ") + d + ek + ".csr -CA " + d + "ca.pem -CAkey " + d +
          "ca.key -CAcreateserial -days 3650 -outform DER -out " + d + ek + ".der");
    }
    roots_ = *ReadFile(d + "ca.pem");
    ek_cert_ = ToBytes(*ReadFile(d + "ek.der"));
    other_ek_cert_ = ToBytes(*ReadFile(d + "other-ek.der"));
    ek_key_ = ReadKey(d + "ek.key");
    ASSERT_NE(ek_key_, nullptr);
    ak_key_ = EVP_EC_gen("P-256");
    ak_.algorithm = SignatureAlgorithm::kEcdsaP256Sha256;
    ak_.public_area = testing::EccAkPublic(ak_key_);
    ak_.private_area = testing::Marshal().Tpm2b(Bytes(48, 0x5a)).b;
    ak_.name = *att::ComputeName(*att::ParseTpm2bPublic(ak_.public_area));
  }
  static void TearDownTestSuite() {
    EVP_PKEY_free(ek_key_);
    EVP_PKEY_free(ak_key_);
    testing::RemoveTree(suite_dir_);
  }
  void SetUp() override { dir_ = testing::MakeTempDir(); }
  void TearDown() override { testing::RemoveTree(dir_); }

  // SoftActivate is TPM2_ActivateCredential with the EK private key and the object's Name
  // (TPM 2.0 Part 1 §24: RSA-OAEP "IDENTITY", KDFa, HMAC, AES-128-CFB).
  static Result<Bytes> SoftActivate(const fw::Credential& c, ByteView name) {
    ByteView enc(c.encrypted_secret.data() + 2, c.encrypted_secret.size() - 2);
    ossl::UniquePtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new(ek_key_, nullptr));
    static const char kLabel[] = "IDENTITY";
    auto* label = static_cast<unsigned char*>(OPENSSL_memdup(kLabel, sizeof(kLabel)));
    EXPECT_EQ(EVP_PKEY_decrypt_init(ctx.get()), 1);
    EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_OAEP_PADDING);
    EVP_PKEY_CTX_set_rsa_oaep_md(ctx.get(), EVP_sha256());
    EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), EVP_sha256());
    EVP_PKEY_CTX_set0_rsa_oaep_label(ctx.get(), label, sizeof(kLabel));
    Bytes seed(256);
    size_t seed_len = seed.size();
    if (EVP_PKEY_decrypt(ctx.get(), seed.data(), &seed_len, enc.data(), enc.size()) != 1) {
      return Internal("TPM_RC_VALUE");
    }
    seed.resize(seed_len);
    const Bytes& blob = c.credential_blob;
    const size_t mac_len = static_cast<size_t>(blob[2]) << 8 | blob[3];
    Bytes mac(blob.begin() + 4, blob.begin() + 4 + static_cast<std::ptrdiff_t>(mac_len));
    Bytes enc_identity(blob.begin() + 4 + static_cast<std::ptrdiff_t>(mac_len), blob.end());
    Bytes hmac_key = att::KdfASha256(seed, "INTEGRITY", {}, {}, 256);
    Bytes mac_in = enc_identity;
    mac_in.insert(mac_in.end(), name.begin(), name.end());
    uint8_t want[32];
    unsigned int want_len = 0;
    HMAC(EVP_sha256(), hmac_key.data(), static_cast<int>(hmac_key.size()), mac_in.data(), mac_in.size(), want,
         &want_len);
    if (!ConstantTimeEqual(mac, ByteView(want, want_len))) return Internal("TPM_RC_INTEGRITY");
    Bytes sym = att::KdfASha256(seed, "STORAGE", name, {}, 128);
    Bytes plain(enc_identity.size());
    const uint8_t iv[16] = {0};
    int n = 0;
    std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> cctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
    EVP_DecryptInit_ex(cctx.get(), EVP_aes_128_cfb128(), nullptr, sym.data(), iv);
    EVP_DecryptUpdate(cctx.get(), plain.data(), &n, enc_identity.data(), static_cast<int>(enc_identity.size()));
    return Bytes(plain.begin() + 2, plain.end());
  }

  // EkPublic is the TPM2B_PUBLIC of the certified EK, as TPM2_CreatePrimary(L-1) returns it.
  static Bytes EkPublic() { return testing::RsaPublic(ek_key_, true); }

  // Opener hands out `tpm` once and counts the calls; a test that expects no TPM use checks 0.
  TpmOpener Opener(std::unique_ptr<fw::Tpm> tpm) {
    auto holder = std::make_shared<std::unique_ptr<fw::Tpm>>(std::move(tpm));
    return [this, holder]() -> Result<std::unique_ptr<fw::Tpm>> {
      ++opens_;
      if (!*holder) return Unavailable("the TPM was opened twice");
      return std::move(*holder);
    };
  }
  TpmOpener NoTpm() {
    return [this]() -> Result<std::unique_ptr<fw::Tpm>> {
      ++opens_;
      return Unavailable("no TPM in this test");
    };
  }

  // ScriptEnroll makes `tpm` a healthy TPM holding the test EK.
  static void ScriptEnroll(testing::MockTpm& tpm) {
    Bytes padded = ek_cert_;
    padded.resize(padded.size() + 64, 0);  // NV indices are zero-padded
    ON_CALL(tpm, ReadEkCertificate(fw::EkType::kRsa2048)).WillByDefault(Return(padded));
    ON_CALL(tpm, CreateEkPublic()).WillByDefault(Return(EkPublic()));
    ON_CALL(tpm, CreateAk(_)).WillByDefault(Return(ak_));
    ON_CALL(tpm, ActivateCredential(_, _))
        .WillByDefault(Invoke([](const fw::AkBlob& ak, const fw::Credential& c) { return SoftActivate(c, ak.name); }));
  }

  AkFile TestAkFile() const { return AkFile{ak_, ek_cert_}; }
  std::string WriteAkFile() const {
    const std::string path = dir_ + "/ak.json";
    EXPECT_TRUE(WriteFileAtomic(path, SerializeAkFile(TestAkFile())).ok());
    return path;
  }

  static inline std::string suite_dir_, roots_;
  static inline Bytes ek_cert_, other_ek_cert_;
  static inline EVP_PKEY* ek_key_ = nullptr;
  static inline EVP_PKEY* ak_key_ = nullptr;
  static inline fw::AkBlob ak_;
  std::string dir_;
  int opens_ = 0;
};

// ----- the AK file ----------------------------------------------------------------------------

TEST_F(AttesterTest, AkFileRoundTrips) {
  auto loaded = LoadAkFile(WriteAkFile());
  ASSERT_TRUE(loaded.ok()) << loaded.error().ToString();
  EXPECT_EQ(loaded->ak.public_area, ak_.public_area);
  EXPECT_EQ(loaded->ak.private_area, ak_.private_area);
  EXPECT_EQ(loaded->ak.name, ak_.name);
  EXPECT_EQ(loaded->ek_certificate, ek_cert_);
}

TEST_F(AttesterTest, TamperedAkFilesAreUnusableInput) {
  auto doc = [&](const std::string& key, JsonValue value) {
    JsonValue v = *ParseJson(SerializeAkFile(TestAkFile()));
    if (key == "-ak_public") {
      JsonValue w = JsonValue::MakeObject();
      for (const auto& [k, val] : v.object()) {
        if (k != "ak_public") w.Set(k, val);
      }
      return WriteJson(w, 2);
    }
    v.Set(key, std::move(value));
    return WriteJson(v, 2);
  };
  const Bytes other_name = Sha256(ByteView(ak_.name));
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"version", doc("version", JsonValue::String("signet-tpm-ak-v0"))},
      {"unknown member", doc("extra", JsonValue::String("x"))},
      {"algorithm", doc("algorithm", JsonValue::String("rsa-2048"))},  // ECC public area
      {"unknown algorithm", doc("algorithm", JsonValue::String("dsa"))},
      {"missing member", doc("-ak_public", JsonValue::Null())},
      {"not base64", doc("ak_private", JsonValue::String("!!"))},
      {"name", doc("ak_name", JsonValue::String(HexEncode(other_name)))},
      {"uppercase name", doc("ak_name", JsonValue::String("AB"))},
      {"private", doc("ak_private", JsonValue::String(Base64Encode(Bytes{0x00, 0x05, 0x01})))},
      {"certificate", doc("ek_certificate", JsonValue::String(Base64Encode(Bytes{0x30, 0x03, 0x02, 0x01, 0x01})))},
      {"public", doc("ak_public", JsonValue::String(Base64Encode(Bytes{0x00, 0x01, 0x00})))},
      {"not json", "{"},
  };
  for (const auto& [what, text] : cases) {
    ASSERT_TRUE(WriteFileAtomic(dir_ + "/bad.json", text).ok());
    auto r = LoadAkFile(dir_ + "/bad.json");
    ASSERT_FALSE(r.ok()) << what;
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument) << what << ": " << r.error().ToString();
  }
  // The member the older versions wrote is ignored.
  ASSERT_TRUE(WriteFileAtomic(dir_ + "/old.json", doc("enrollment", JsonValue::String("x"))).ok());
  EXPECT_TRUE(LoadAkFile(dir_ + "/old.json").ok());
  // A FIFO is refused without blocking.
  ASSERT_EQ(mkfifo((dir_ + "/fifo").c_str(), 0600), 0);
  EXPECT_FALSE(LoadAkFile(dir_ + "/fifo").ok());
}

TEST_F(AttesterTest, ChallengeReadsOnlyThePublicMembers) {
  auto v = ParseAkJson(WriteAkFile());
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*B64Member(*v, "ek_certificate", "ak.json"), ek_cert_);
  auto missing = B64Member(*v, "nope", "ak.json");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), ErrorCode::kInvalidArgument);
}

TEST_F(AttesterTest, TrimDerCutsOnlyPadding) {
  Bytes padded = ek_cert_;
  padded.insert(padded.end(), {0x00, 0xff, 0x00});
  EXPECT_EQ(TrimDer(padded), ek_cert_);
  Bytes trailing = ek_cert_;
  trailing.push_back(0x01);
  EXPECT_EQ(TrimDer(trailing), trailing);  // not padding: left for the parser to refuse
  EXPECT_EQ(TrimDer(Bytes{0x30, 0x01}), (Bytes{0x30, 0x01}));
  EXPECT_EQ(TrimDer(Bytes{0x30, 0x7f, 0x00, 0x00}), (Bytes{0x30, 0x7f, 0x00, 0x00}));  // longer than the data
  EXPECT_EQ(TrimDer(Bytes{0x31, 0x02, 0x00, 0x00}), (Bytes{0x31, 0x02, 0x00, 0x00}));  // not a SEQUENCE
}

// ----- enroll -------------------------------------------------------------------------------

TEST_F(AttesterTest, EnrollWritesAnAkFileTheTpmActivated) {
  auto tpm = std::make_unique<NiceMock<testing::MockTpm>>();
  ScriptEnroll(*tpm);
  EXPECT_CALL(*tpm, ActivateCredential(_, _)).Times(1);
  const std::string out = dir_ + "/ak.json";
  auto r = Enroll({out, "ecdsa-p256"}, Opener(std::move(tpm)));
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(opens_, 1);
  EXPECT_EQ(r->ak_name, ak_.name);
  EXPECT_EQ(r->algorithm, SignatureAlgorithm::kEcdsaP256Sha256);
  auto loaded = LoadAkFile(out);
  ASSERT_TRUE(loaded.ok()) << loaded.error().ToString();
  EXPECT_EQ(loaded->ek_certificate, ek_cert_);  // the NV padding is gone
  struct stat st {};
  ASSERT_EQ(stat(out.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(AttesterTest, EnrollRefusesABadAlgorithmBeforeTheTpm) {
  auto r = Enroll({dir_ + "/ak.json", "ecdsa-p521"}, NoTpm());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(opens_, 0);
}

TEST_F(AttesterTest, EnrollPassesTheTpmErrorOn) {
  auto r = Enroll({dir_ + "/ak.json", "ecdsa-p256"}, NoTpm());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable);
  EXPECT_FALSE(ReadFile(dir_ + "/ak.json").ok());
}

TEST_F(AttesterTest, EnrollRefusesAnEkThatIsNotTheCertifiedOne) {
  auto tpm = std::make_unique<NiceMock<testing::MockTpm>>();
  ScriptEnroll(*tpm);
  ON_CALL(*tpm, ReadEkCertificate(_)).WillByDefault(Return(other_ek_cert_));
  EXPECT_CALL(*tpm, CreateAk(_)).Times(0);
  auto r = Enroll({dir_ + "/ak.json", "ecdsa-p256"}, Opener(std::move(tpm)));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kVerificationFailed);
  EXPECT_EQ(r.error().finding(), "EK_CERT_MISMATCH");
  EXPECT_FALSE(ReadFile(dir_ + "/ak.json").ok());
}

TEST_F(AttesterTest, EnrollRefusesATpmThatDoesNotReleaseTheSecret) {
  auto tpm = std::make_unique<NiceMock<testing::MockTpm>>();
  ScriptEnroll(*tpm);
  ON_CALL(*tpm, ActivateCredential(_, _)).WillByDefault(Return(Bytes(32, 0x42)));
  auto r = Enroll({dir_ + "/ak.json", "ecdsa-p256"}, Opener(std::move(tpm)));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().finding(), "CREDENTIAL_ACTIVATION_FAILED");
  EXPECT_FALSE(ReadFile(dir_ + "/ak.json").ok());
}

TEST_F(AttesterTest, EnrollRefusesAnAkWhoseNameIsNotItsPublicArea) {
  auto tpm = std::make_unique<NiceMock<testing::MockTpm>>();
  ScriptEnroll(*tpm);
  fw::AkBlob lying = ak_;
  lying.name.back() ^= 1;
  ON_CALL(*tpm, CreateAk(_)).WillByDefault(Return(lying));
  EXPECT_CALL(*tpm, ActivateCredential(_, _)).Times(0);
  auto r = Enroll({dir_ + "/ak.json", "ecdsa-p256"}, Opener(std::move(tpm)));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kInternal);
}

// ----- quote --------------------------------------------------------------------------------

TEST_F(AttesterTest, QuoteQuotesTheLoggedPcrsOverTheVerifiersNonce) {
  const Bytes nonce(32, 0x11), cb(32, 0x22);
  att::EventLog log = testing::StandardLog(Bytes(32, 1), Bytes(32, 2));
  ASSERT_TRUE(WriteFileAtomic(dir_ + "/log.json", att::SerializeEventLog(log)).ok());
  const Bytes qd = *att::QualifyingData(nonce, cb);
  auto tpm = std::make_unique<NiceMock<testing::MockTpm>>();
  ON_CALL(*tpm, Info()).WillByDefault(Return(fw::TpmInfo{"IBM", 42}));
  EXPECT_CALL(*tpm, Quote(_, _, std::vector<uint32_t>{23}))
      .WillOnce(Invoke([&](const fw::AkBlob& ak, ByteView q, const std::vector<uint32_t>&) -> Result<fw::QuoteResult> {
        EXPECT_EQ(ak.name, ak_.name);
        EXPECT_EQ(Bytes(q.begin(), q.end()), qd);
        return fw::QuoteResult{Bytes{0x00, 0x01, 0xaa}, Bytes{0x00, 0x18}};
      }));
  QuoteOpts o{WriteAkFile(), HexEncode(nonce), HexEncode(cb), dir_ + "/log.json", dir_ + "/evidence.json", ""};
  Status st = Quote(o, Opener(std::move(tpm)));
  ASSERT_TRUE(st.ok()) << st.error().ToString();
  auto ev = att::ParseTpmEvidence(*ReadFile(dir_ + "/evidence.json"));
  ASSERT_TRUE(ev.ok()) << ev.error().ToString();
  EXPECT_EQ(ev->nonce, nonce);
  EXPECT_EQ(ev->channel_binding, cb);
  EXPECT_EQ(ev->ak_public, ak_.public_area);
  EXPECT_EQ(ev->tpm_manufacturer, "IBM");
}

TEST_F(AttesterTest, QuoteRefusesBadLocalInputBeforeTheTpm) {
  att::EventLog empty;
  ASSERT_TRUE(WriteFileAtomic(dir_ + "/empty.json", att::SerializeEventLog(empty)).ok());
  ASSERT_TRUE(WriteFileAtomic(dir_ + "/log.json", att::SerializeEventLog(testing::StandardLog(Bytes(32, 1), Bytes(32, 2)))).ok());
  const std::string ak = WriteAkFile(), nonce = HexEncode(Bytes(32, 0x11));
  const std::vector<QuoteOpts> cases = {
      {ak, "not hex", "", dir_ + "/log.json", dir_ + "/e.json", ""},
      {ak, HexEncode(Bytes(31, 1)), "", dir_ + "/log.json", dir_ + "/e.json", ""},
      {ak, nonce, "zz", dir_ + "/log.json", dir_ + "/e.json", ""},
      {dir_ + "/missing.json", nonce, "", dir_ + "/log.json", dir_ + "/e.json", ""},
      {ak, nonce, "", dir_ + "/empty.json", dir_ + "/e.json", ""},
      {ak, nonce, "", dir_ + "/log.json", dir_ + "/e.json", dir_ + "/log.json"},  // not PEM
  };
  for (const auto& o : cases) {
    Status st = Quote(o, NoTpm());
    EXPECT_FALSE(st.ok());
  }
  EXPECT_EQ(opens_, 0);
  EXPECT_FALSE(ReadFile(dir_ + "/e.json").ok());
}

TEST_F(AttesterTest, QuoteWritesNothingWhenTheTpmFails) {
  ASSERT_TRUE(WriteFileAtomic(dir_ + "/log.json", att::SerializeEventLog(testing::StandardLog(Bytes(32, 1), Bytes(32, 2)))).ok());
  auto tpm = std::make_unique<NiceMock<testing::MockTpm>>();
  ON_CALL(*tpm, Info()).WillByDefault(Return(fw::TpmInfo{"IBM", 42}));
  ON_CALL(*tpm, Quote(_, _, _)).WillByDefault(Return(Internal("TPM_RC_FAILURE")));
  QuoteOpts o{WriteAkFile(), HexEncode(Bytes(32, 0x11)), "", dir_ + "/log.json", dir_ + "/e.json", ""};
  Status st = Quote(o, Opener(std::move(tpm)));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code(), ErrorCode::kInternal);
  EXPECT_FALSE(ReadFile(dir_ + "/e.json").ok());
}

// ----- activate -----------------------------------------------------------------------------

TEST_F(AttesterTest, ActivateAnswersAVerifiersChallenge) {
  auto cs = att::MakeEnrollmentChallenge(ek_cert_, {}, ak_.public_area, roots_, 0, Bytes(32, 0x33), Bytes(32, 0x44),
                                         Bytes(16, 0x55), "2026-12-01T00:00:00Z");
  ASSERT_TRUE(cs.ok()) << cs.error().ToString();
  ASSERT_TRUE(WriteFileAtomic(dir_ + "/challenge.json", att::SerializeEnrollmentChallenge(cs->challenge)).ok());
  auto tpm = std::make_unique<NiceMock<testing::MockTpm>>();
  ScriptEnroll(*tpm);
  Status st = Activate({WriteAkFile(), dir_ + "/challenge.json", dir_ + "/response.json"}, Opener(std::move(tpm)));
  ASSERT_TRUE(st.ok()) << st.error().ToString();
  auto response = att::ParseEnrollmentResponse(*ReadFile(dir_ + "/response.json"));
  ASSERT_TRUE(response.ok()) << response.error().ToString();
  auto record = att::AcceptEnrollmentResponse(cs->state, *response, "2026-12-01T00:00:01Z");
  EXPECT_TRUE(record.ok()) << record.error().ToString();
  struct stat sb {};
  ASSERT_EQ(stat((dir_ + "/response.json").c_str(), &sb), 0);
  EXPECT_EQ(sb.st_mode & 0777, 0600u);
}

TEST_F(AttesterTest, ActivateRefusesAChallengeForAnotherAk) {
  EVP_PKEY* other = EVP_EC_gen("P-256");
  auto cs = att::MakeEnrollmentChallenge(ek_cert_, {}, testing::EccAkPublic(other), roots_, 0, Bytes(32, 0x33),
                                         Bytes(32, 0x44), Bytes(16, 0x55), "2026-12-01T00:00:00Z");
  EVP_PKEY_free(other);
  ASSERT_TRUE(cs.ok()) << cs.error().ToString();
  ASSERT_TRUE(WriteFileAtomic(dir_ + "/challenge.json", att::SerializeEnrollmentChallenge(cs->challenge)).ok());
  Status st = Activate({WriteAkFile(), dir_ + "/challenge.json", dir_ + "/response.json"}, NoTpm());
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(opens_, 0);
}

TEST_F(AttesterTest, ActivateRefusesASecretOfTheWrongSize) {
  auto cs = att::MakeEnrollmentChallenge(ek_cert_, {}, ak_.public_area, roots_, 0, Bytes(32, 0x33), Bytes(32, 0x44),
                                         Bytes(16, 0x55), "2026-12-01T00:00:00Z");
  ASSERT_TRUE(cs.ok());
  ASSERT_TRUE(WriteFileAtomic(dir_ + "/challenge.json", att::SerializeEnrollmentChallenge(cs->challenge)).ok());
  auto tpm = std::make_unique<NiceMock<testing::MockTpm>>();
  ON_CALL(*tpm, ActivateCredential(_, _)).WillByDefault(Return(Bytes(16, 0x01)));
  Status st = Activate({WriteAkFile(), dir_ + "/challenge.json", dir_ + "/response.json"}, Opener(std::move(tpm)));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().finding(), findings::kCredentialActivationFailed);
  EXPECT_FALSE(ReadFile(dir_ + "/response.json").ok());
}

TEST_F(AttesterTest, ExportRefusesSomethingThatIsNotEvidence) {
  ASSERT_TRUE(WriteFileAtomic(dir_ + "/e.json", "{}").ok());
  Status st = Export({dir_ + "/e.json", dir_});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_FALSE(Export({dir_ + "/missing.json", dir_}).ok());
}

// ----- measured launch ----------------------------------------------------------------------

class LaunchTest : public AttesterTest {
 protected:
  void SetUp() override {
    AttesterTest::SetUp();
    bin_ = dir_ + "/app";
    ASSERT_TRUE(WriteFileAtomic(bin_, "#!/bin/sh\nexit 0\n", 0755).ok());
    conf_ = dir_ + "/app.yaml";
    ASSERT_TRUE(WriteFileAtomic(conf_, "x: 1\n").ok());
  }
  LaunchOpts Opts() const {
    LaunchOpts o;
    o.event_log = dir_ + "/log.json";
    o.pcr = 23;
    o.pcr_set = true;
    o.reset_pcr = true;
    o.measures = {"binary=" + bin_, "config=" + conf_};
    o.command = {bin_, "--serve"};
    return o;
  }
  std::string bin_, conf_;
};

TEST_F(LaunchTest, MeasuresEveryFileThenTheSeparator) {
  auto tpm = std::make_unique<NiceMock<testing::MockTpm>>();
  EXPECT_CALL(*tpm, ResetPcr(23)).WillOnce(Return(OkStatus()));
  std::vector<Bytes> extended;
  EXPECT_CALL(*tpm, ExtendPcr(23, _)).Times(3).WillRepeatedly(Invoke([&](uint32_t, ByteView d) {
    extended.emplace_back(d.begin(), d.end());
    return OkStatus();
  }));
  auto exec = MeasureForLaunch(Opts(), Opener(std::move(tpm)));
  ASSERT_TRUE(exec.ok()) << exec.error().ToString();
  EXPECT_TRUE(exec->script);
  EXPECT_GE(exec->fd.get(), 0);
  auto log = att::ParseEventLog(*ReadFile(dir_ + "/log.json"));
  ASSERT_TRUE(log.ok()) << log.error().ToString();
  ASSERT_EQ(log->events.size(), 3u);
  EXPECT_EQ(log->events[0].path, bin_);
  EXPECT_EQ(log->events[0].sha256, Sha256(AsBytes(*ReadFile(bin_))));
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(att::EventDigest(log->events[i]), extended[i]);
  EXPECT_TRUE(att::CheckSequence(*log).ok());
}

TEST_F(LaunchTest, RefusesBadLocalInputBeforeTheTpm) {
  std::vector<LaunchOpts> cases(6, Opts());
  cases[0].pcr = 24;
  cases[1].command.clear();
  cases[2].command = {conf_};                      // not a measured binary
  cases[3].measures = {"binary=" + bin_, "nonsense=" + conf_};
  cases[4].measures = {"config=" + conf_};         // the command is not measured
  cases[5].measures = {"binary=" + dir_ + "/missing", "config=" + conf_};
  for (size_t i = 0; i < cases.size(); ++i) {
    auto r = MeasureForLaunch(cases[i], NoTpm());
    ASSERT_FALSE(r.ok()) << i;
    EXPECT_NE(r.error().code(), ErrorCode::kUnavailable) << i;
  }
  // A measured binary without an execute bit never reaches the PCR.
  ASSERT_EQ(chmod(bin_.c_str(), 0644), 0);
  auto r = MeasureForLaunch(Opts(), NoTpm());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(opens_, 0);
  EXPECT_FALSE(ReadFile(dir_ + "/log.json").ok());
}

TEST_F(LaunchTest, AppendsToTheBootsLogAndRefusesABrokenOne) {
  LaunchOpts o = Opts();
  o.reset_pcr = false;
  ASSERT_TRUE(WriteFileAtomic(o.event_log, att::SerializeEventLog(testing::StandardLog(Bytes(32, 1), Bytes(32, 2)))).ok());
  auto tpm = std::make_unique<NiceMock<testing::MockTpm>>();
  EXPECT_CALL(*tpm, ResetPcr(_)).Times(0);
  ON_CALL(*tpm, ExtendPcr(_, _)).WillByDefault(Return(OkStatus()));
  ASSERT_TRUE(MeasureForLaunch(o, Opener(std::move(tpm))).ok());
  auto log = att::ParseEventLog(*ReadFile(o.event_log));
  ASSERT_TRUE(log.ok());
  EXPECT_EQ(log->events.size(), 6u);

  ASSERT_TRUE(WriteFileAtomic(o.event_log, "not a log").ok());
  EXPECT_FALSE(MeasureForLaunch(o, NoTpm()).ok());
  EXPECT_EQ(opens_, 1);
}

TEST_F(LaunchTest, ATpmErrorStopsTheLaunchAndWritesNoLog) {
  auto tpm = std::make_unique<NiceMock<testing::MockTpm>>();
  ON_CALL(*tpm, ResetPcr(_)).WillByDefault(Return(InvalidArgument("PCR 23 is not resettable here")));
  EXPECT_CALL(*tpm, ExtendPcr(_, _)).Times(0);
  auto r = MeasureForLaunch(Opts(), Opener(std::move(tpm)));
  ASSERT_FALSE(r.ok());
  EXPECT_FALSE(ReadFile(dir_ + "/log.json").ok());
}

TEST_F(LaunchTest, LaunchNeedsPcrAndScrubsThePinFirst) {
  setenv("SIGNET_ATTESTER_TEST_PIN", "123456", 1);
  LaunchOpts o = Opts();
  o.pcr_set = false;
  o.pin_env = "SIGNET_ATTESTER_TEST_PIN";
  Error e = Launch(o, NoTpm());
  EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(std::getenv("SIGNET_ATTESTER_TEST_PIN"), nullptr);
  EXPECT_EQ(opens_, 0);
}

// A script whose interpreter is missing is measured, then cannot run: kNotFound (exit 2), and
// this process is still here to report it.
TEST_F(LaunchTest, AScriptWithoutItsInterpreterIsNotFound) {
  ASSERT_TRUE(WriteFileAtomic(bin_, "#!/nonexistent/signet-interpreter\n", 0755).ok());
  auto tpm = std::make_unique<NiceMock<testing::MockTpm>>();
  ON_CALL(*tpm, ResetPcr(_)).WillByDefault(Return(OkStatus()));
  ON_CALL(*tpm, ExtendPcr(_, _)).WillByDefault(Return(OkStatus()));
  Error e = Launch(Opts(), Opener(std::move(tpm)));
  EXPECT_EQ(e.code(), ErrorCode::kNotFound) << e.ToString();
  EXPECT_TRUE(ReadFile(dir_ + "/log.json").ok());  // the measurement is on record
}

TEST(ParseMeasuresTest, InstalledPathsAndRefusals) {
  auto ms = ParseMeasures({"binary=build/signet=/opt/signet/bin/signet", "config=/etc/x.yaml"}, true);
  ASSERT_TRUE(ms.ok()) << ms.error().ToString();
  EXPECT_EQ((*ms)[0].installed, "/opt/signet/bin/signet");
  EXPECT_EQ((*ms)[0].path, *AbsolutePath("build/signet"));
  EXPECT_EQ((*ms)[1].installed, "/etc/x.yaml");
  // Without allow_installed the whole rest is the path.
  auto launch = ParseMeasures({"binary=/a=/b"}, false);
  ASSERT_TRUE(launch.ok());
  EXPECT_EQ((*launch)[0].path, "/a=/b");
  for (const std::vector<std::string>& bad : std::vector<std::vector<std::string>>{
           {}, {"binary"}, {"=/x"}, {"binary="}, {"kernel=/x"}, {"binary=/x=/opt/../etc/y"}}) {
    auto r = ParseMeasures(bad, true);
    ASSERT_FALSE(r.ok()) << (bad.empty() ? "(none)" : bad[0]);
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace signet::attester
