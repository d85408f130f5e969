// The TLS-key-in-the-TPM pieces without a TPM (issue 14 part 1): `attest tls-key` on a scripted
// TPM that signs with a software key, the TSS2 PRIVATE KEY encoding, `tls.key: tpm2:...` config
// parsing, and the channel binding a served certificate gives. The real TPM, tpm2-openssl and
// verifierd are exercised by tests/integration/tpm_tls on swtpm.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "fw_mocks.h"
#include "signet/attester/tls_key.h"
#include "signet/core/encoding.h"
#include "signet/core/hash.h"
#include "signet/core/ossl.h"
#include "signet/core/yaml.h"
#include "signet/service/config.h"
#include "signet/service/server.h"
#include "soft_tpm.h"

namespace signet {
namespace {

using ::testing::_;
using ::testing::HasSubstr;
using ::testing::NiceMock;
using ::testing::Return;

constexpr uint32_t kTlsKeyAttributes = 0x00040072;  // fixedTPM|fixedParent|sensitiveDataOrigin|userWithAuth|sign

ossl::UniquePtr<EVP_PKEY> NewP256() {
  return ossl::UniquePtr<EVP_PKEY>(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
}

// SignDigest makes the TPMT_SIGNATURE a TPM2_Sign over `digest` returns.
Bytes SignDigest(EVP_PKEY* key, ByteView digest) {
  ossl::UniquePtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new(key, nullptr));
  size_t len = 0;
  EVP_PKEY_sign_init(ctx.get());
  EVP_PKEY_sign(ctx.get(), nullptr, &len, digest.data(), digest.size());
  Bytes der(len);
  EVP_PKEY_sign(ctx.get(), der.data(), &len, digest.data(), digest.size());
  const uint8_t* p = der.data();
  ossl::UniquePtr<ECDSA_SIG> sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(len)));
  Bytes r(32), s(32);
  BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), r.data(), 32);
  BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), s.data(), 32);
  return testing::Marshal().U16(attestation::kTpmAlgEcdsa).U16(attestation::kTpmAlgSha256).Tpm2b(r).Tpm2b(s).b;
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class TlsKeyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("signet-tpmtls-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    key_ = NewP256();
    opts_.out = (dir_ / "key.tss2").string();
    opts_.csr = (dir_ / "server.csr").string();
    opts_.subject = "/CN=localhost/O=Signet";
    opts_.sans = {"IP:127.0.0.1", "DNS:localhost"};
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Opener returns a scripted TPM whose TLS key is key_ with `attributes`.
  attester::TpmOpener Opener(uint32_t attributes = kTlsKeyAttributes, bool corrupt_signature = false) {
    return [this, attributes, corrupt_signature]() -> Result<std::unique_ptr<fw::Tpm>> {
      auto tpm = std::make_unique<NiceMock<testing::MockTpm>>();
      fw::TlsKeyBlob blob;
      blob.public_area = testing::EccAkPublic(key_.get(), attributes);
      blob.private_area = Bytes{0x00, 0x04, 1, 2, 3, 4};
      EXPECT_CALL(*tpm, CreateTlsKey()).WillOnce(Return(blob));
      EVP_PKEY* key = key_.get();
      ON_CALL(*tpm, SignWithTlsKey(_, _)).WillByDefault([key, corrupt_signature](const fw::TlsKeyBlob&, ByteView d) {
        Bytes digest(d.begin(), d.end());
        if (corrupt_signature) digest[0] ^= 1;
        return Result<Bytes>(SignDigest(key, digest));
      });
      return std::unique_ptr<fw::Tpm>(std::move(tpm));
    };
  }

  std::filesystem::path dir_;
  ossl::UniquePtr<EVP_PKEY> key_;
  attester::TlsKeyOpts opts_;
};

TEST_F(TlsKeyTest, WritesATss2KeyAndACsrSignedByTheKey) {
  Result<attester::TlsKeyResult> r = attester::MakeTlsKey(opts_, Opener());
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  Result<Bytes> spki = ossl::PublicKeyToDer(key_.get());
  ASSERT_TRUE(spki.ok());
  EXPECT_EQ(r->spki_der, *spki);
  EXPECT_EQ(r->spki_sha256, Sha256(ByteView(*spki)));

  EXPECT_THAT(Slurp(opts_.out), HasSubstr("-----BEGIN TSS2 PRIVATE KEY-----"));
  EXPECT_EQ(std::filesystem::status(opts_.out).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  std::string csr_pem = Slurp(opts_.csr);
  ossl::UniquePtr<BIO> bio(BIO_new_mem_buf(csr_pem.data(), static_cast<int>(csr_pem.size())));
  X509_REQ* req = PEM_read_bio_X509_REQ(bio.get(), nullptr, nullptr, nullptr);
  ASSERT_NE(req, nullptr);
  EXPECT_EQ(X509_REQ_verify(req, key_.get()), 1);
  EXPECT_EQ(X509_REQ_get_signature_nid(req), NID_ecdsa_with_SHA256);
  char cn[64] = {};
  X509_NAME_get_text_by_NID(X509_REQ_get_subject_name(req), NID_commonName, cn, sizeof(cn));
  EXPECT_STREQ(cn, "localhost");
  STACK_OF(X509_EXTENSION)* exts = X509_REQ_get_extensions(req);
  ASSERT_NE(exts, nullptr);
  EXPECT_EQ(sk_X509_EXTENSION_num(exts), 1);
  EXPECT_EQ(OBJ_obj2nid(X509_EXTENSION_get_object(sk_X509_EXTENSION_value(exts, 0))), NID_subject_alt_name);
  sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
  X509_REQ_free(req);
}

TEST_F(TlsKeyTest, RefusesBadInputsBeforeTheTpm) {
  bool opened = false;
  attester::TpmOpener never = [&opened]() -> Result<std::unique_ptr<fw::Tpm>> {
    opened = true;
    return Internal("must not be opened");
  };
  for (const char* subject : {"", "CN=x", "/CN=", "/=x", "/CN=a\\/b", "/NOSUCHATTR=x", "/CN"}) {
    attester::TlsKeyOpts o = opts_;
    o.subject = subject;
    Result<attester::TlsKeyResult> r = attester::MakeTlsKey(o, never);
    ASSERT_FALSE(r.ok()) << subject;
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument) << subject;
  }
  for (const char* san : {"URI:https://x", "IP:300.1.1.1", "IP:", "DNS:", "DNS:a b", "dns:x"}) {
    attester::TlsKeyOpts o = opts_;
    o.sans = {san};
    Result<attester::TlsKeyResult> r = attester::MakeTlsKey(o, never);
    ASSERT_FALSE(r.ok()) << san;
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument) << san;
  }
  attester::TlsKeyOpts same = opts_;
  same.csr = same.out;
  EXPECT_EQ(attester::MakeTlsKey(same, never).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_FALSE(opened);
  EXPECT_FALSE(std::filesystem::exists(opts_.out));
}

TEST_F(TlsKeyTest, RefusesAKeyTheTpmCouldDuplicateOrDecryptWith) {
  for (uint32_t attrs : {kTlsKeyAttributes & ~0x2u, kTlsKeyAttributes & ~0x10u, kTlsKeyAttributes & ~0x20u,
                         kTlsKeyAttributes | (1u << 17), kTlsKeyAttributes | (1u << 16)}) {
    Result<attester::TlsKeyResult> r = attester::MakeTlsKey(opts_, Opener(attrs));
    ASSERT_FALSE(r.ok()) << attrs;
    EXPECT_EQ(r.error().code(), ErrorCode::kInternal);
    EXPECT_FALSE(std::filesystem::exists(opts_.out));
  }
}

TEST_F(TlsKeyTest, RefusesACsrSignatureThatDoesNotVerify) {
  Result<attester::TlsKeyResult> r = attester::MakeTlsKey(opts_, Opener(kTlsKeyAttributes, true));
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message(), HasSubstr("does not verify"));
  EXPECT_FALSE(std::filesystem::exists(opts_.out));
  EXPECT_FALSE(std::filesystem::exists(opts_.csr));
}

TEST_F(TlsKeyTest, PassesTpmErrorsThrough) {
  attester::TpmOpener failing = []() -> Result<std::unique_ptr<fw::Tpm>> {
    auto tpm = std::make_unique<NiceMock<testing::MockTpm>>();
    EXPECT_CALL(*tpm, CreateTlsKey()).WillOnce(Return(Error(ErrorCode::kUnavailable, "TPM busy")));
    return std::unique_ptr<fw::Tpm>(std::move(tpm));
  };
  EXPECT_EQ(attester::MakeTlsKey(opts_, failing).error().code(), ErrorCode::kUnavailable);
  EXPECT_FALSE(std::filesystem::exists(opts_.out));
}

// The exact DER tpm2-openssl's TSSPRIVKEY template reads (src/tpm2-provider-pkey.c).
TEST(Tss2PrivateKeyTest, EncodesTheLoadableKeyStructure) {
  fw::TlsKeyBlob blob{Bytes{0x00, 0x02, 0xaa, 0xbb}, Bytes(300, 0x11)};
  Result<std::string> pem = attester::EncodeTss2PrivateKeyPem(blob);
  ASSERT_TRUE(pem.ok());
  ossl::UniquePtr<BIO> bio(BIO_new_mem_buf(pem->data(), static_cast<int>(pem->size())));
  char* name = nullptr;
  char* header = nullptr;
  unsigned char* data = nullptr;
  long len = 0;
  ASSERT_EQ(PEM_read_bio(bio.get(), &name, &header, &data, &len), 1);
  EXPECT_STREQ(name, "TSS2 PRIVATE KEY");
  std::string hex = HexEncode(ByteView(data, static_cast<size_t>(len)));
  OPENSSL_free(name);
  OPENSSL_free(header);
  OPENSSL_free(data);
  // SEQUENCE (long form), OID 2.23.133.10.1.3, [0] { BOOLEAN TRUE }, INTEGER 0x40000001,
  // OCTET STRING (4), OCTET STRING (300, long form).
  EXPECT_EQ(hex.substr(0, 8), "30820149");
  EXPECT_EQ(hex.substr(8, 16), "06066781050a0103");
  EXPECT_EQ(hex.substr(24, 10), "a0030101ff");
  EXPECT_EQ(hex.substr(34, 12), "020440000001");
  EXPECT_EQ(hex.substr(46, 12), "04040002aabb");
  EXPECT_EQ(hex.substr(58, 8), "0482012c");
  EXPECT_EQ(hex.size(), 2u * (4 + 0x149));
  EXPECT_FALSE(attester::EncodeTss2PrivateKeyPem(fw::TlsKeyBlob{}).ok());
}

Result<service::ServerConfig> ParseConfig(std::string_view tls) {
  Result<YamlNode> root = ParseYaml("listen: 127.0.0.1:0\ntls: " + std::string(tls) + "\n");
  if (!root.ok()) return std::move(root).error();
  return service::ParseServerSection(*root, "/etc/signet");
}

TEST(TpmTlsConfigTest, KeyForms) {
  auto c = ParseConfig("{certificate: s.pem, key: \"tpm2:tls.tss2\", tcti: \"device:/dev/tpmrm0\"}");
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  EXPECT_TRUE(c->tls.key_in_tpm);
  EXPECT_EQ(c->tls.key, "/etc/signet/tls.tss2");
  EXPECT_EQ(c->tls.tcti, "device:/dev/tpmrm0");
  c = ParseConfig("{certificate: s.pem, key: \"tpm2:/abs/tls.tss2\"}");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->tls.key, "/abs/tls.tss2");
  EXPECT_EQ(c->tls.tcti, "");
  c = ParseConfig("{certificate: s.pem, key: \"tpm2:handle:0x81000010\"}");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->tls.key, "handle:0x81000010");
  c = ParseConfig("{certificate: s.pem, key: \"tpm2:object:k.obj\", tcti: \"tabrmd:bus_name=com.x.T1,bus_type=session\"}");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->tls.key, "object:/etc/signet/k.obj");
  c = ParseConfig("{certificate: s.pem, key: s.key}");
  ASSERT_TRUE(c.ok());
  EXPECT_FALSE(c->tls.key_in_tpm);
  EXPECT_EQ(c->tls.key, "/etc/signet/s.key");
}

TEST(TpmTlsConfigTest, Refusals) {
  for (const char* bad : {
           "{certificate: s.pem, key: \"tpm2:\"}",
           "{certificate: s.pem, key: \"tpm2:handle:0x01000000\"}",
           "{certificate: s.pem, key: \"tpm2:handle:0x8100001\"}",
           "{certificate: s.pem, key: \"tpm2:handle:0x81zz0010\"}",
           "{certificate: s.pem, key: \"tpm2:object:\"}",
           "{certificate: s.pem, key: s.key, tcti: \"device:/dev/tpmrm0\"}",
           "{certificate: s.pem, key: \"tpm2:k\", tcti: \"\"}",
           "{certificate: s.pem, key: \"tpm2:k\", tcti: \"swtpm:port=1$x\"}",
           "{certificate: s.pem, key: \"tpm2:k\", tcti: \"a\\\"b\"}",
           "{certificate: s.pem, key: \"tpm2:k\", tcti: [a]}",
       }) {
    auto c = ParseConfig(bad);
    ASSERT_FALSE(c.ok()) << bad;
    EXPECT_EQ(c.error().code(), ErrorCode::kInvalidArgument) << bad;
    EXPECT_THAT(c.error().message(), HasSubstr("tls")) << bad;
    EXPECT_THAT(c.error().message(), ::testing::Not(HasSubstr("$x"))) << bad;
  }
}

// A self-signed certificate for `key`, DER.
Bytes SelfSigned(EVP_PKEY* key) {
  ossl::UniquePtr<X509> cert(X509_new());
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
  X509_NAME_add_entry_by_txt(X509_get_subject_name(cert.get()), "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("t"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), X509_get_subject_name(cert.get()));
  X509_set_pubkey(cert.get(), key);
  X509_sign(cert.get(), key, EVP_sha256());
  Result<Bytes> der = ossl::CertificateToDer(cert.get());
  return der.ok() ? *der : Bytes{};
}

TEST(ChannelBindingTest, IsTheSha256OfTheCertificatesSpkiInLowerCaseHex) {
  auto key = NewP256();
  Bytes der = SelfSigned(key.get());
  ASSERT_FALSE(der.empty());
  Result<std::string> binding = service::CertificateChannelBinding(der);
  ASSERT_TRUE(binding.ok()) << binding.error().ToString();
  Result<Bytes> spki = ossl::PublicKeyToDer(key.get());
  ASSERT_TRUE(spki.ok());
  EXPECT_EQ(*binding, HexEncode(Sha256(ByteView(*spki))));
  EXPECT_EQ(binding->size(), 64u);
  EXPECT_EQ(binding->find_first_not_of("0123456789abcdef"), std::string::npos);
  // Another certificate for the same key binds the same; another key does not.
  EXPECT_EQ(*service::CertificateChannelBinding(SelfSigned(key.get())), *binding);
  auto other = NewP256();
  EXPECT_NE(*service::CertificateChannelBinding(SelfSigned(other.get())), *binding);
  Bytes truncated(der.begin(), der.end() - 1);
  EXPECT_FALSE(service::CertificateChannelBinding(truncated).ok());
  EXPECT_FALSE(service::CertificateChannelBinding(Bytes{}).ok());
}

}  // namespace
}  // namespace signet
