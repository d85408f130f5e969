// Verifier-driven enrollment (tpm_enrollment.h) without a TPM: the appliance's
// TPM2_ActivateCredential is played in software with the EK's private key (RSA-OAEP "IDENTITY",
// KDFa, HMAC, AES-128-CFB per TPM 2.0 Part 1 §24), which also checks MakeCredential's output
// against an independent implementation of the TPM's side.
#include "signet/attestation/tpm_enrollment.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include <memory>
#include <string>

#include "signet/attestation/tpm_structs.h"
#include "signet/core/encoding.h"
#include "signet/core/file.h"
#include "signet/core/hash.h"
#include "soft_tpm.h"
#include "test_env.h"

namespace signet::attestation {
namespace {

namespace tf = findings;

class TpmEnrollmentTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = testing::MakeTempDir();
    std::string out;
    auto run = [&](const std::string& cmd) { ASSERT_EQ(testing::RunCommand(cmd, &out), 0) << out; };
    const std::string d = dir_ + "/";
    run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout " + d +
        "ca.key -out " + d + "ca.pem -subj /CN=test-ek-ca -days 3650");
    run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout " + d +
        "other.key -out " + d + "other.pem -subj /CN=other-ca -days 3650");
    run("openssl req -newkey rsa:2048 -nodes -keyout " + d + "ek.key -subj /CN=ek -out " + d +
        "ek.csr");
    ASSERT_TRUE(WriteFileAtomic(d + "eku-bad.ext", "extendedKeyUsage=codeSigning\n").ok());
    run("openssl x509 -req -in " + d + "ek.csr -CA " + d + "ca.pem -CAkey " + d +
        "ca.key -CAcreateserial -days 3650 -outform DER -out " + d + "ek.der");
    run("openssl x509 -req -in " + d + "ek.csr -CA " + d + "ca.pem -CAkey " + d +
        "ca.key -CAcreateserial -days 3650 -outform DER -extfile " + d + "eku-bad.ext -out " + d +
        "ek-eku-bad.der");
    run("openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout " + d +
        "ecek.key -subj /CN=ecek -out " + d + "ecek.csr");
    run("openssl x509 -req -in " + d + "ecek.csr -CA " + d + "ca.pem -CAkey " + d +
        "ca.key -CAcreateserial -days 3650 -outform DER -out " + d + "ecek.der");
    roots_ = *ReadFile(d + "ca.pem");
    other_roots_ = *ReadFile(d + "other.pem");
    ek_cert_ = ToBytes(*ReadFile(d + "ek.der"));
    ek_cert_eku_bad_ = ToBytes(*ReadFile(d + "ek-eku-bad.der"));
    ec_ek_cert_ = ToBytes(*ReadFile(d + "ecek.der"));
    std::string pem = *ReadFile(d + "ek.key");
    ossl::UniquePtr<BIO> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    ek_key_ = PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
    ASSERT_NE(ek_key_, nullptr);
    ak_ = EVP_EC_gen("P-256");
    ak_public_ = testing::EccAkPublic(ak_);
    ak_name_ = *ComputeName(*ParseTpm2bPublic(ak_public_));
  }
  static void TearDownTestSuite() {
    EVP_PKEY_free(ek_key_);
    EVP_PKEY_free(ak_);
    testing::RemoveTree(dir_);
  }

  static Result<EnrollmentChallengeAndState> Challenge(ByteView ek_cert, ByteView ak_public,
                                                       const std::string& roots,
                                                       uint8_t fill = 0x11) {
    return MakeEnrollmentChallenge(ek_cert, {}, ak_public, roots, 0, Bytes(32, fill),
                                   Bytes(32, 0x5e), Bytes(16, fill), "2026-12-01T00:00:00Z");
  }

  // SoftActivate is TPM2_ActivateCredential with the EK private key and the object's Name.
  static Bytes SoftActivate(const EnrollmentChallenge& c, ByteView name) {
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
      return {};
    }
    seed.resize(seed_len);
    // TPM2B_ID_OBJECT: size || TPM2B_DIGEST(integrity) || encIdentity.
    const Bytes& blob = c.credential_blob;
    const size_t mac_len = static_cast<size_t>(blob[2]) << 8 | blob[3];
    Bytes mac(blob.begin() + 4, blob.begin() + 4 + static_cast<std::ptrdiff_t>(mac_len));
    Bytes enc_identity(blob.begin() + 4 + static_cast<std::ptrdiff_t>(mac_len), blob.end());
    Bytes hmac_key = KdfASha256(seed, "INTEGRITY", {}, {}, 256);
    Bytes mac_in = enc_identity;
    mac_in.insert(mac_in.end(), name.begin(), name.end());
    uint8_t want[32];
    unsigned int want_len = 0;
    HMAC(EVP_sha256(), hmac_key.data(), static_cast<int>(hmac_key.size()), mac_in.data(),
         mac_in.size(), want, &want_len);
    if (!ConstantTimeEqual(mac, ByteView(want, want_len))) return {};  // TPM_RC_INTEGRITY
    Bytes sym = KdfASha256(seed, "STORAGE", name, {}, 128);
    Bytes plain(enc_identity.size());
    const uint8_t iv[16] = {0};
    int n = 0;
    std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> cctx(EVP_CIPHER_CTX_new(),
                                                                  &EVP_CIPHER_CTX_free);
    EVP_DecryptInit_ex(cctx.get(), EVP_aes_128_cfb128(), nullptr, sym.data(), iv);
    EVP_DecryptUpdate(cctx.get(), plain.data(), &n, enc_identity.data(),
                      static_cast<int>(enc_identity.size()));
    return Bytes(plain.begin() + 2, plain.end());
  }

  static EnrollmentResponse Respond(const EnrollmentChallenge& c, ByteView secret) {
    EnrollmentResponse r;
    r.challenge_id = c.challenge_id;
    r.ak_name = c.ak_name;
    r.secret = SecretBytes(secret);
    return r;
  }

  static inline std::string dir_, roots_, other_roots_;
  static inline Bytes ek_cert_, ek_cert_eku_bad_, ec_ek_cert_, ak_public_, ak_name_;
  static inline EVP_PKEY* ek_key_ = nullptr;
  static inline EVP_PKEY* ak_ = nullptr;
};

TEST_F(TpmEnrollmentTest, ChallengeActivateAcceptRoundTrip) {
  auto cs = Challenge(ek_cert_, ak_public_, roots_);
  ASSERT_TRUE(cs.ok()) << cs.error().ToString();
  EXPECT_EQ(cs->challenge.ak_name, ak_name_);
  // Through the documents, as the CLI moves them.
  auto challenge = ParseEnrollmentChallenge(SerializeEnrollmentChallenge(cs->challenge));
  ASSERT_TRUE(challenge.ok()) << challenge.error().ToString();
  auto state = ParseEnrollmentState(SerializeEnrollmentState(cs->state));
  ASSERT_TRUE(state.ok()) << state.error().ToString();
  Bytes released = SoftActivate(*challenge, ak_name_);
  EXPECT_EQ(released, Bytes(32, 0x11));
  auto response = ParseEnrollmentResponse(SerializeEnrollmentResponse(Respond(*challenge, released)));
  ASSERT_TRUE(response.ok()) << response.error().ToString();
  auto record = AcceptEnrollmentResponse(*state, *response, "2026-12-01T00:00:01Z");
  ASSERT_TRUE(record.ok()) << record.error().ToString();
  EXPECT_EQ(record->ak_name, ak_name_);
  auto cert = ossl::ParseCertificateDer(ek_cert_);
  EXPECT_EQ(record->ek_spki_sha256,
            Sha256(ByteView(*ossl::PublicKeyToDer(X509_get0_pubkey(cert->get())))));
  auto again = ParseTrustedEnrollmentRecord(SerializeTrustedEnrollmentRecord(*record));
  ASSERT_TRUE(again.ok()) << again.error().ToString();
  EXPECT_EQ(again->ak_name, record->ak_name);
}

TEST_F(TpmEnrollmentTest, CredentialForAnotherAkNameDoesNotActivate) {
  // A TPM that holds the EK but not an object with the AK's Name cannot recover the secret.
  auto cs = Challenge(ek_cert_, ak_public_, roots_);
  ASSERT_TRUE(cs.ok());
  EXPECT_TRUE(SoftActivate(cs->challenge, Bytes(34, 0x0b)).empty());
}

TEST_F(TpmEnrollmentTest, WrongOrReplayedResponseIsRefused) {
  auto first = Challenge(ek_cert_, ak_public_, roots_, 0x11);
  auto second = Challenge(ek_cert_, ak_public_, roots_, 0x22);
  ASSERT_TRUE(first.ok() && second.ok());
  // A guessed secret.
  auto r = AcceptEnrollmentResponse(second->state, Respond(second->challenge, Bytes(32, 0)), "t");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().finding(), findings::kCredentialActivationFailed);
  // Yesterday's genuine response replayed against today's challenge.
  Bytes old = SoftActivate(first->challenge, ak_name_);
  r = AcceptEnrollmentResponse(second->state, Respond(first->challenge, old), "t");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().finding(), findings::kEnrollmentResponseMismatch);
  // ...with its challenge id rewritten to today's: the secret still differs.
  EnrollmentResponse rewritten = Respond(second->challenge, old);
  r = AcceptEnrollmentResponse(second->state, rewritten, "t");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().finding(), findings::kCredentialActivationFailed);
}

TEST_F(TpmEnrollmentTest, ChallengeChecksTheEkAndTheAk) {
  auto r = Challenge(ek_cert_, ak_public_, other_roots_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().finding(), tf::kEkChainUntrusted);
  r = Challenge(ek_cert_eku_bad_, ak_public_, roots_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().finding(), tf::kEkEkuInvalid);
  r = Challenge(ec_ek_cert_, ak_public_, roots_);  // not the RSA-2048 EK ActivateCredential uses
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
  r = Challenge(ek_cert_, testing::EccAkPublic(ak_, 0x00040072), roots_);  // not restricted
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().finding(), tf::kAkAttributesInvalid);
  Bytes garbage = ak_public_;
  garbage.pop_back();
  r = Challenge(ek_cert_, garbage, roots_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
  r = Challenge(ek_cert_, ak_public_, "not pem");
  EXPECT_FALSE(r.ok());
}

TEST_F(TpmEnrollmentTest, DocumentsParseStrictly) {
  auto cs = Challenge(ek_cert_, ak_public_, roots_);
  ASSERT_TRUE(cs.ok());
  std::string c = SerializeEnrollmentChallenge(cs->challenge);
  std::string s = SerializeEnrollmentState(cs->state);
  std::string r = SerializeEnrollmentResponse(Respond(cs->challenge, Bytes(32, 1)));
  for (const std::string* doc : {&c, &s, &r}) {
    std::string extra = *doc;
    extra.insert(1, "\"surprise\":1,");
    EXPECT_FALSE(ParseEnrollmentChallenge(extra).ok());
    EXPECT_FALSE(ParseEnrollmentState(extra).ok());
    EXPECT_FALSE(ParseEnrollmentResponse(extra).ok());
    EXPECT_FALSE(ParseEnrollmentState(*doc + "x").ok());
  }
  // Each parser takes only its own document.
  EXPECT_FALSE(ParseEnrollmentState(c).ok());
  EXPECT_FALSE(ParseEnrollmentResponse(s).ok());
  EXPECT_FALSE(ParseEnrollmentChallenge(r).ok());
  // A secret of the wrong size.
  auto short_secret = Respond(cs->challenge, Bytes(16, 1));
  EXPECT_FALSE(ParseEnrollmentResponse(SerializeEnrollmentResponse(short_secret)).ok());
  // The trusted record is only the document `accept` writes: not a bare record (as carried in
  // evidence or in an older ak.json).
  EnrollmentRecord rec;
  rec.ek_spki_sha256 = Bytes(32, 1);
  rec.ak_name = ak_name_;
  rec.enrolled_at = "2026-12-01T00:00:00Z";
  EXPECT_TRUE(ParseTrustedEnrollmentRecord(SerializeTrustedEnrollmentRecord(rec)).ok());
  EXPECT_FALSE(ParseTrustedEnrollmentRecord(WriteJson(EnrollmentRecordToJson(rec))).ok());
}

}  // namespace
}  // namespace signet::attestation
