#include "signet/attestation/sct.h"

#include <algorithm>
#include <chrono>

#include <gtest/gtest.h>

#include <optional>

#include "case_data.h"
#include "signet/core/encoding.h"
#include "signet/core/hash.h"
#include "synthetic_pki.h"

namespace signet::attestation {
namespace {

bool IsSctFailure(const Status& s) {
  return !s.ok() && s.error().code() == ErrorCode::kVerificationFailed &&
         s.error().finding() == "SCT_INVALID";
}

// Leaf is a conformance case's Fulcio certificate with its issuer from the trusted root.
struct Leaf {
  testdata::Case c;
  ossl::UniquePtr<X509> cert;
  X509* issuer = nullptr;
};

Leaf LoadLeaf(const char* name) {
  Leaf l{testdata::LoadCase(name), nullptr, nullptr};
  l.cert = ossl::ParseCertificateDer(l.c.LeafDer()).value();
  l.issuer = l.c.root.IssuerOf(l.cert.get());
  return l;
}

// SctListBytes returns the TLS SignedCertificateTimestampList from the leaf's extension.
Bytes SctListBytes(X509* cert) {
  int idx = X509_get_ext_by_NID(cert, NID_ct_precert_scts, -1);
  EXPECT_GE(idx, 0);
  const ASN1_OCTET_STRING* data = X509_EXTENSION_get_data(X509_get_ext(cert, idx));
  const unsigned char* p = ASN1_STRING_get0_data(data);
  ossl::UniquePtr<ASN1_STRING> inner(d2i_ASN1_OCTET_STRING(nullptr, &p, ASN1_STRING_length(data)));
  const unsigned char* b = ASN1_STRING_get0_data(inner.get());
  return Bytes(b, b + ASN1_STRING_length(inner.get()));
}

// FirstSctTime reads the first SCT's timestamp (list len 2, sct len 2, version 1, log id 32).
Timestamp FirstSctTime(X509* cert) {
  Bytes list = SctListBytes(cert);
  uint64_t ms = 0;
  for (size_t i = 0; i < 8; ++i) ms = (ms << 8) | list[2 + 2 + 1 + 32 + i];
  return Timestamp(std::chrono::milliseconds(static_cast<int64_t>(ms)));
}

// Mutate replaces the byte at `offset` inside the DER encoding of the SCT list with f(byte)
// and re-parses the certificate (its own signature is then broken, which SCT checks ignore).
ossl::UniquePtr<X509> MutateSctList(X509* cert, size_t offset, uint8_t xor_mask) {
  Bytes der = ossl::CertificateToDer(cert).value();
  Bytes list = SctListBytes(cert);
  auto at = std::search(der.begin(), der.end(), list.begin(), list.end());
  EXPECT_NE(at, der.end());
  der[static_cast<size_t>(at - der.begin()) + offset] ^= xor_mask;
  auto parsed = ossl::ParseCertificateDer(der);
  EXPECT_TRUE(parsed.ok());
  return parsed.ok() ? std::move(parsed).value() : nullptr;
}

// ReencodedTbs is the precert TBS the way OpenSSL rebuilds it: a copy of the leaf without its
// SCT list, re-encoded. PrecertTbs must give exactly these bytes.
Bytes ReencodedTbs(X509* leaf) {
  ossl::UniquePtr<X509> copy(X509_dup(leaf));
  EXPECT_NE(copy, nullptr);
  int idx = X509_get_ext_by_NID(copy.get(), NID_ct_precert_scts, -1);
  EXPECT_GE(idx, 0);
  ossl::UniquePtr<X509_EXTENSION> gone(X509_delete_ext(copy.get(), idx));
  unsigned char* der = nullptr;
  int n = i2d_re_X509_tbs(copy.get(), &der);
  EXPECT_GT(n, 0);
  Bytes out(der, der + n);
  OPENSSL_free(der);
  return out;
}

class ConformanceSctTest : public ::testing::TestWithParam<const char*> {};

TEST_P(ConformanceSctTest, PrecertTbsIsTheReencodedTbs) {
  Leaf l = LoadLeaf(GetParam());
  auto tbs = PrecertTbs(l.cert.get());
  ASSERT_TRUE(tbs.ok()) << tbs.error().ToString();
  EXPECT_EQ(*tbs, ReencodedTbs(l.cert.get()));
}

TEST_P(ConformanceSctTest, GenuineSctVerifies) {
  Leaf l = LoadLeaf(GetParam());
  ASSERT_NE(l.issuer, nullptr);
  Status s = VerifyEmbeddedScts(l.cert.get(), l.issuer, l.c.root.CtLogKeys());
  EXPECT_TRUE(s.ok()) << s.error().ToString();
}

INSTANTIATE_TEST_SUITE_P(Cases, ConformanceSctTest,
                         ::testing::Values("happy-path-v0.3",              // public good
                                           "rekor2-happy-path",            // staging
                                           "bundle-with-sct-with-extensions",
                                           "intoto-with-custom-trust-root"));  // mock CT log

TEST(SctTest, WrongCtKeyCaseFails) {
  Leaf l = LoadLeaf("invalid-ct-key_fail");
  ASSERT_NE(l.issuer, nullptr);
  EXPECT_TRUE(IsSctFailure(VerifyEmbeddedScts(l.cert.get(), l.issuer, l.c.root.CtLogKeys())));
}

class SctMutationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    l_ = std::make_unique<Leaf>(LoadLeaf("rekor2-happy-path"));
    ASSERT_NE(l_->issuer, nullptr);
    logs_ = l_->c.root.CtLogKeys();
    ASSERT_TRUE(VerifyEmbeddedScts(l_->cert.get(), l_->issuer, logs_).ok());
    list_ = SctListBytes(l_->cert.get());
  }
  Status Verify(X509* cert) { return VerifyEmbeddedScts(cert, l_->issuer, logs_); }
  std::unique_ptr<Leaf> l_;
  std::vector<CtLogKey> logs_;
  Bytes list_;
};

TEST_F(SctMutationTest, FlippedSignatureByteFails) {
  auto bad = MutateSctList(l_->cert.get(), list_.size() - 1, 0x01);
  EXPECT_TRUE(IsSctFailure(Verify(bad.get())));
}

TEST_F(SctMutationTest, FlippedTimestampOrLogIdFails) {
  auto ts = MutateSctList(l_->cert.get(), 2 + 2 + 1 + 32 + 7, 0x01);
  EXPECT_TRUE(IsSctFailure(Verify(ts.get())));
  auto id = MutateSctList(l_->cert.get(), 2 + 2 + 1 + 3, 0x01);
  EXPECT_TRUE(IsSctFailure(Verify(id.get())));
}

TEST_F(SctMutationTest, MalformedListFails) {
  // Wrong version, broken outer and inner lengths.
  for (size_t off : {size_t{4}, size_t{1}, size_t{3}}) {
    auto bad = MutateSctList(l_->cert.get(), off, 0x01);
    EXPECT_TRUE(IsSctFailure(Verify(bad.get()))) << off;
  }
}

TEST_F(SctMutationTest, ChangedCertificateContentFails) {
  // The SCT signs the TBS (minus the SCT list): a changed SAN byte must break it.
  Bytes der = ossl::CertificateToDer(l_->cert.get()).value();
  std::string san = "extremely-dangerous";
  auto at = std::search(der.begin(), der.end(), san.begin(), san.end());
  ASSERT_NE(at, der.end());
  *at = 'E';
  auto bad = ossl::ParseCertificateDer(der).value();
  EXPECT_TRUE(IsSctFailure(Verify(bad.get())));
}

TEST_F(SctMutationTest, WrongIssuerFails) {
  // The issuer key hash is part of the signed entry; the root is not the issuer.
  X509* other = nullptr;
  for (const auto& ca : l_->c.root.cas) {
    for (const auto& cert : ca.certs) {
      if (cert.get() != l_->issuer) other = cert.get();
    }
  }
  ASSERT_NE(other, nullptr);
  EXPECT_TRUE(IsSctFailure(VerifyEmbeddedScts(l_->cert.get(), other, logs_)));
}

TEST_F(SctMutationTest, LogWindowIsInclusive) {
  Timestamp t = FirstSctTime(l_->cert.get());
  std::vector<CtLogKey> windowed = logs_;
  for (CtLogKey& k : windowed) {
    k.valid_from = t;
    k.valid_to = t;
  }
  EXPECT_TRUE(VerifyEmbeddedScts(l_->cert.get(), l_->issuer, windowed).ok());
  for (CtLogKey& k : windowed) k.valid_from = t + std::chrono::milliseconds(1);
  EXPECT_TRUE(IsSctFailure(VerifyEmbeddedScts(l_->cert.get(), l_->issuer, windowed)));
  for (CtLogKey& k : windowed) {
    k.valid_from.reset();
    k.valid_to = t - std::chrono::milliseconds(1);
  }
  EXPECT_TRUE(IsSctFailure(VerifyEmbeddedScts(l_->cert.get(), l_->issuer, windowed)));
}

TEST_F(SctMutationTest, NoTrustedLogOrWrongKeyFails) {
  EXPECT_TRUE(IsSctFailure(VerifyEmbeddedScts(l_->cert.get(), l_->issuer, {})));
  std::vector<CtLogKey> swapped = logs_;
  ossl::UniquePtr<EVP_PKEY> stranger(EVP_EC_gen("P-256"));
  for (CtLogKey& k : swapped) k.key = stranger.get();
  EXPECT_TRUE(IsSctFailure(VerifyEmbeddedScts(l_->cert.get(), l_->issuer, swapped)));
  std::vector<CtLogKey> nulls = logs_;
  for (CtLogKey& k : nulls) k.key = nullptr;
  EXPECT_TRUE(IsSctFailure(VerifyEmbeddedScts(l_->cert.get(), l_->issuer, nulls)));
  EXPECT_TRUE(IsSctFailure(VerifyEmbeddedScts(nullptr, l_->issuer, logs_)));
  EXPECT_TRUE(IsSctFailure(VerifyEmbeddedScts(l_->cert.get(), nullptr, logs_)));
}

TEST_F(SctMutationTest, CertificateWithoutSctsFails) {
  // The issuing CA certificate carries no SCT list.
  EXPECT_TRUE(IsSctFailure(VerifyEmbeddedScts(l_->issuer, l_->issuer, logs_)));
}

}  // namespace
}  // namespace signet::attestation

// ---- Synthetic precertificates: SCTs signed here by logs of every supported key type ------

namespace signet::attestation {
namespace {

struct SctSpec {
  EVP_PKEY* log_key = nullptr;
  Bytes log_id;
  uint64_t timestamp_ms = 1'735'689'600'000;  // 2025-01-01
  Bytes extensions;
  uint8_t version = 0;
  uint8_t hash_alg = 4;
  uint8_t sig_alg = 3;
};

void PutInt(Bytes& out, uint64_t v, size_t n) {
  for (size_t i = n; i > 0; --i) out.push_back(static_cast<uint8_t>(v >> (8 * (i - 1))));
}

Bytes SignWith(EVP_PKEY* key, ByteView data) {
  ossl::UniquePtr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
  const EVP_MD* md = EVP_PKEY_get_base_id(key) == EVP_PKEY_ED25519 ? nullptr : EVP_sha256();
  size_t len = 0;
  EXPECT_EQ(EVP_DigestSignInit(ctx.get(), nullptr, md, nullptr, key), 1);
  EXPECT_EQ(EVP_DigestSign(ctx.get(), nullptr, &len, data.data(), data.size()), 1);
  Bytes sig(len);
  EXPECT_EQ(EVP_DigestSign(ctx.get(), sig.data(), &len, data.data(), data.size()), 1);
  sig.resize(len);
  return sig;
}

// SerializeSct writes one RFC 6962 §3.2 SCT over the precert entry (issuer key hash, tbs).
Bytes SerializeSct(const SctSpec& s, ByteView issuer_key_hash, ByteView tbs) {
  Bytes signed_data{0, 0};
  PutInt(signed_data, s.timestamp_ms, 8);
  PutInt(signed_data, 1, 2);
  signed_data.insert(signed_data.end(), issuer_key_hash.begin(), issuer_key_hash.end());
  PutInt(signed_data, tbs.size(), 3);
  signed_data.insert(signed_data.end(), tbs.begin(), tbs.end());
  PutInt(signed_data, s.extensions.size(), 2);
  signed_data.insert(signed_data.end(), s.extensions.begin(), s.extensions.end());
  Bytes sig = SignWith(s.log_key, signed_data);
  Bytes out{s.version};
  out.insert(out.end(), s.log_id.begin(), s.log_id.end());
  PutInt(out, s.timestamp_ms, 8);
  PutInt(out, s.extensions.size(), 2);
  out.insert(out.end(), s.extensions.begin(), s.extensions.end());
  out.push_back(s.hash_alg);
  out.push_back(s.sig_alg);
  PutInt(out, sig.size(), 2);
  out.insert(out.end(), sig.begin(), sig.end());
  return out;
}

Bytes OctetStringDer(ByteView content) {
  ossl::UniquePtr<ASN1_STRING> os(ASN1_OCTET_STRING_new());
  ASN1_OCTET_STRING_set(os.get(), content.data(), static_cast<int>(content.size()));
  unsigned char* der = nullptr;
  int n = i2d_ASN1_OCTET_STRING(os.get(), &der);
  Bytes out(der, der + n);
  OPENSSL_free(der);
  return out;
}

class SyntheticSctTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ca_key_ = testpki::NewP256();
    leaf_key_ = testpki::NewP256();
    testpki::CertSpec ca;
    ca.common_name = "Test Fulcio";
    ca.subject_key = ca_key_.get();
    ca.not_before = ParseRfc3339("2024-01-01T00:00:00Z").value();
    ca.not_after = ParseRfc3339("2030-01-01T00:00:00Z").value();
    ca.ca = true;
    ca_ = testpki::MakeCert(ca);
    ec_log_ = testpki::NewP256();
    ed_log_.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
    // RSA key generation dominates the run time, so one key serves every test.
    static EVP_PKEY* shared_rsa = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048});
    ASSERT_NE(shared_rsa, nullptr);
    ASSERT_EQ(EVP_PKEY_up_ref(shared_rsa), 1);
    rsa_log_.reset(shared_rsa);
    ASSERT_TRUE(ec_log_ && ed_log_ && rsa_log_);
    for (EVP_PKEY* k : {ec_log_.get(), ed_log_.get(), rsa_log_.get()}) {
      logs_.push_back(CtLogKey{Sha256(ossl::PublicKeyToDer(k).value()), k, {}, {}});
    }
  }

  // Leaf builds a precertificate-derived leaf: TBS first (with a placeholder SCT list, which
  // the precert entry excludes), SCTs signed over it, then the real list put in and re-signed.
  ossl::UniquePtr<X509> Leaf(const std::vector<SctSpec>& scts, std::optional<Bytes> raw_list = {},
                             bool trailing_after_octets = false) {
    testpki::CertSpec spec;
    spec.common_name = "";
    spec.subject_key = leaf_key_.get();
    spec.issuer = ca_.get();
    spec.issuer_key = ca_key_.get();
    spec.not_before = ParseRfc3339("2025-01-01T00:00:00Z").value();
    spec.not_after = spec.not_before + std::chrono::minutes(10);
    spec.subject_alt_name = "email:dev@example.com";
    spec.extra = {testpki::RawExtension{"1.3.6.1.4.1.11129.2.4.2", OctetStringDer(Bytes{0, 0})}};
    auto cert = testpki::MakeCert(spec);

    ossl::UniquePtr<X509> stripped(X509_dup(cert.get()));
    int idx = X509_get_ext_by_NID(stripped.get(), NID_ct_precert_scts, -1);
    ossl::UniquePtr<X509_EXTENSION> gone(X509_delete_ext(stripped.get(), idx));
    unsigned char* der = nullptr;
    int n = i2d_re_X509_tbs(stripped.get(), &der);
    Bytes tbs(der, der + n);
    OPENSSL_free(der);
    unsigned char* spki = nullptr;
    int sn = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(ca_.get()), &spki);
    Bytes issuer_hash = Sha256(ByteView(spki, static_cast<size_t>(sn)));
    OPENSSL_free(spki);

    Bytes list;
    if (raw_list) {
      list = *raw_list;
    } else {
      Bytes items;
      for (const SctSpec& s : scts) {
        Bytes one = SerializeSct(s, issuer_hash, tbs);
        PutInt(items, one.size(), 2);
        items.insert(items.end(), one.begin(), one.end());
      }
      PutInt(list, items.size(), 2);
      list.insert(list.end(), items.begin(), items.end());
    }
    Bytes value = OctetStringDer(list);
    if (trailing_after_octets) value.push_back(0);
    X509_EXTENSION* ext = X509_get_ext(cert.get(), X509_get_ext_by_NID(cert.get(), NID_ct_precert_scts, -1));
    ossl::UniquePtr<ASN1_STRING> data(ASN1_OCTET_STRING_new());
    ASN1_OCTET_STRING_set(data.get(), value.data(), static_cast<int>(value.size()));
    EXPECT_EQ(X509_EXTENSION_set_data(ext, data.get()), 1);
    EXPECT_GT(X509_sign(cert.get(), ca_key_.get(), EVP_sha256()), 0);
    return cert;
  }
  static SctSpec Make(EVP_PKEY* key, const Bytes& id) {
    SctSpec s;
    s.log_key = key;
    s.log_id = id;
    return s;
  }
  SctSpec Ec() { return Make(ec_log_.get(), logs_[0].log_id); }
  SctSpec Ed() {
    SctSpec s = Make(ed_log_.get(), logs_[1].log_id);
    s.hash_alg = 8;
    s.sig_alg = 7;
    return s;
  }
  SctSpec Rsa() {
    SctSpec s = Make(rsa_log_.get(), logs_[2].log_id);
    s.sig_alg = 1;
    return s;
  }
  Status Verify(X509* leaf) { return VerifyEmbeddedScts(leaf, ca_.get(), logs_); }

  ossl::UniquePtr<EVP_PKEY> ca_key_, leaf_key_, ec_log_, ed_log_, rsa_log_;
  ossl::UniquePtr<X509> ca_;
  std::vector<CtLogKey> logs_;
};

TEST_F(SyntheticSctTest, EveryKeyTypeVerifies) {
  for (const SctSpec& s : {Ec(), Ed(), Rsa()}) {
    auto leaf = Leaf({s});
    Status st = Verify(leaf.get());
    EXPECT_TRUE(st.ok()) << int{s.sig_alg} << ": " << (st.ok() ? "" : st.error().ToString());
  }
  SctSpec with_ext = Ec();
  with_ext.extensions = {0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00, 0x2A};
  auto leaf = Leaf({with_ext});
  EXPECT_TRUE(Verify(leaf.get()).ok());
}

TEST_F(SyntheticSctTest, AlgorithmMustMatchKeyType) {
  SctSpec ec_as_rsa = Ec();
  ec_as_rsa.sig_alg = 1;
  SctSpec rsa_as_ec = Rsa();
  rsa_as_ec.sig_alg = 3;
  SctSpec ed_as_sha256 = Ed();
  ed_as_sha256.hash_alg = 4;
  SctSpec ec_sha1 = Ec();
  ec_sha1.hash_alg = 2;
  for (const SctSpec& s : {ec_as_rsa, rsa_as_ec, ed_as_sha256, ec_sha1}) {
    auto leaf = Leaf({s});
    EXPECT_TRUE(IsSctFailure(Verify(leaf.get())));
  }
}

TEST_F(SyntheticSctTest, OneGoodSctAmongUnknownOrUnparsableSuffices) {
  SctSpec unknown_log = Ec();
  unknown_log.log_id = Bytes(32, 0x77);
  SctSpec v2 = Rsa();
  v2.version = 1;
  auto leaf = Leaf({unknown_log, v2, Ed()});
  EXPECT_TRUE(Verify(leaf.get()).ok());
  auto none = Leaf({unknown_log, v2});
  EXPECT_TRUE(IsSctFailure(Verify(none.get())));
}

TEST_F(SyntheticSctTest, TimestampBeyondRepresentableRangeFails) {
  SctSpec far = Ec();
  far.timestamp_ms = 9'000'000'000'001;
  auto leaf = Leaf({far});
  EXPECT_TRUE(IsSctFailure(Verify(leaf.get())));
  SctSpec max = Ec();
  max.timestamp_ms = UINT64_MAX;
  auto leaf2 = Leaf({max});
  EXPECT_TRUE(IsSctFailure(Verify(leaf2.get())));
}

TEST_F(SyntheticSctTest, MalformedListEncodingsFail) {
  auto good = Leaf({Ec()});
  Bytes list;  // recover the good list to derive broken ones from it
  {
    int idx = X509_get_ext_by_NID(good.get(), NID_ct_precert_scts, -1);
    const ASN1_OCTET_STRING* d = X509_EXTENSION_get_data(X509_get_ext(good.get(), idx));
    const unsigned char* p = ASN1_STRING_get0_data(d);
    ossl::UniquePtr<ASN1_STRING> inner(d2i_ASN1_OCTET_STRING(nullptr, &p, ASN1_STRING_length(d)));
    const unsigned char* b = ASN1_STRING_get0_data(inner.get());
    list.assign(b, b + ASN1_STRING_length(inner.get()));
  }
  Bytes trailing = list;
  trailing.push_back(0);
  Bytes short_list(list.begin(), list.end() - 1);
  Bytes empty_list{0, 0};
  Bytes empty_sct{0, 2, 0, 0};
  for (const Bytes& raw : {trailing, short_list, empty_list, empty_sct, Bytes{}}) {
    auto leaf = Leaf({}, raw);
    EXPECT_TRUE(IsSctFailure(Verify(leaf.get())));
  }
  auto trailing_der = Leaf({Ec()}, std::nullopt, /*trailing_after_octets=*/true);
  EXPECT_TRUE(IsSctFailure(Verify(trailing_der.get())));
}

TEST_F(SyntheticSctTest, DuplicateSctListExtensionFails) {
  auto leaf = Leaf({Ec()});
  int idx = X509_get_ext_by_NID(leaf.get(), NID_ct_precert_scts, -1);
  ossl::UniquePtr<X509_EXTENSION> copy(X509_EXTENSION_dup(X509_get_ext(leaf.get(), idx)));
  ASSERT_EQ(X509_add_ext(leaf.get(), copy.get(), -1), 1);
  EXPECT_TRUE(IsSctFailure(Verify(leaf.get())));
}

// ParseSctList and PrecertTbs are public so fuzzers reach them without a chain; their contract
// is checked here on its own.
TEST_F(SyntheticSctTest, ParseSctListDirectly) {
  auto good = Leaf({Ec(), Ec()});
  Bytes list = SctListBytes(good.get());
  auto parsed = ParseSctList(list);
  ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
  ASSERT_EQ(parsed->size(), 2u);
  EXPECT_EQ((*parsed)[0].log_id.size(), 32u);
  EXPECT_FALSE((*parsed)[0].signature.empty());

  Bytes trailing = list;
  trailing.push_back(0);
  for (const Bytes& raw : {trailing, Bytes(list.begin(), list.end() - 1), Bytes{0, 0}, Bytes{0, 2, 0, 0}, Bytes{}}) {
    auto r = ParseSctList(raw);
    EXPECT_FALSE(r.ok());
    if (!r.ok()) {
      EXPECT_EQ(r.error().finding(), "SCT_INVALID");
    }
  }
  // An SCT of an unknown version is skipped, not an error, and yields nothing to verify.
  Bytes v2 = list;
  v2[4] = 1;  // list length (2) + first SCT length (2), then the version byte
  auto skipped = ParseSctList(v2);
  ASSERT_TRUE(skipped.ok());
  EXPECT_EQ(skipped->size(), 1u);
}

// PrecertTbs cuts the list out of the leaf's DER; wherever the list sits, and when it is the
// only extension (the cut declines and OpenSSL re-encodes), the bytes are OpenSSL's.
TEST_F(SyntheticSctTest, PrecertTbsIsTheReencodedTbsWhereverTheListSits) {
  auto leaf = Leaf({Ec()});
  auto last = PrecertTbs(leaf.get());
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(*last, ReencodedTbs(leaf.get()));

  int idx = X509_get_ext_by_NID(leaf.get(), NID_ct_precert_scts, -1);
  ossl::UniquePtr<X509_EXTENSION> list(X509_delete_ext(leaf.get(), idx));
  ASSERT_EQ(X509_add_ext(leaf.get(), list.get(), 0), 1);
  auto modified = PrecertTbs(leaf.get());  // an edited X509 is encoded afresh, not from its cache
  ASSERT_TRUE(modified.ok());
  EXPECT_EQ(*modified, ReencodedTbs(leaf.get()));
  ASSERT_EQ(X509_sign(leaf.get(), ca_key_.get(), EVP_sha256()) > 0, true);
  Bytes der = ossl::CertificateToDer(leaf.get()).value();
  auto first_leaf = ossl::ParseCertificateDer(der).value();
  auto first = PrecertTbs(first_leaf.get());
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(*first, ReencodedTbs(first_leaf.get()));
  EXPECT_EQ(*first, *last);  // same extensions but the list, in the same order

  while (X509_get_ext_count(leaf.get()) > 1) {
    X509_EXTENSION_free(X509_delete_ext(leaf.get(), X509_get_ext_count(leaf.get()) - 1));
  }
  ASSERT_EQ(X509_sign(leaf.get(), ca_key_.get(), EVP_sha256()) > 0, true);
  der = ossl::CertificateToDer(leaf.get()).value();
  auto alone_leaf = ossl::ParseCertificateDer(der).value();
  auto alone = PrecertTbs(alone_leaf.get());
  ASSERT_TRUE(alone.ok());
  EXPECT_EQ(*alone, ReencodedTbs(alone_leaf.get()));
}

TEST_F(SyntheticSctTest, PrecertTbsDirectly) {
  auto leaf = Leaf({Ec()});
  auto tbs = PrecertTbs(leaf.get());
  ASSERT_TRUE(tbs.ok()) << tbs.error().ToString();
  // The rebuilt TBS no longer carries the SCT list's OID (1.3.6.1.4.1.11129.2.4.2).
  const Bytes oid{0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0xd6, 0x79, 0x02, 0x04, 0x02};
  EXPECT_EQ(std::search(tbs->begin(), tbs->end(), oid.begin(), oid.end()), tbs->end());
  Bytes der = ossl::CertificateToDer(leaf.get()).value();
  EXPECT_NE(std::search(der.begin(), der.end(), oid.begin(), oid.end()), der.end());

  int idx = X509_get_ext_by_NID(leaf.get(), NID_ct_precert_scts, -1);
  ossl::UniquePtr<X509_EXTENSION> copy(X509_EXTENSION_dup(X509_get_ext(leaf.get(), idx)));
  ASSERT_EQ(X509_add_ext(leaf.get(), copy.get(), -1), 1);
  EXPECT_FALSE(PrecertTbs(leaf.get()).ok());  // two lists: which one was signed is ambiguous
  X509_EXTENSION_free(X509_delete_ext(leaf.get(), X509_get_ext_by_NID(leaf.get(), NID_ct_precert_scts, -1)));
  X509_EXTENSION_free(X509_delete_ext(leaf.get(), X509_get_ext_by_NID(leaf.get(), NID_ct_precert_scts, -1)));
  EXPECT_FALSE(PrecertTbs(leaf.get()).ok());  // none
}

}  // namespace
}  // namespace signet::attestation
