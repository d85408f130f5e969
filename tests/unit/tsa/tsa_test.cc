// tsa/: the chain CreateTsaChain writes, tokens StampData and Respond make (verified with
// attestation::VerifyRfc3161, which is not TSA code), every rejection status, serial numbers
// across authorities and the clock check (through its seam, never the real clock).
#include <openssl/ts.h>
#include <openssl/x509v3.h>
#include <stdlib.h>

#include <filesystem>
#include <set>

#include <gtest/gtest.h>

#include "signet/attestation/rfc3161.h"
#include "signet/core/file.h"
#include "signet/core/findings.h"
#include "signet/core/hash.h"
#include "signet/core/ossl.h"
#include "signet/tsa/authority.h"
#include "soft_p256_key.h"

namespace signet::tsa {
namespace {

namespace fs = std::filesystem;
using testing::SoftP256Key;

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "signet-tsa-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() { fs::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

struct TsRespFree {
  void operator()(TS_RESP* p) const { TS_RESP_free(p); }
};
std::unique_ptr<TS_RESP, TsRespFree> ParseResp(const Bytes& der) {
  const unsigned char* p = der.data();
  return std::unique_ptr<TS_RESP, TsRespFree>(d2i_TS_RESP(nullptr, &p, static_cast<long>(der.size())));
}
long RespStatus(TS_RESP* r) { return ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(TS_RESP_get_status_info(r))); }
bool FailBit(TS_RESP* r, int bit) {
  const ASN1_BIT_STRING* fi = TS_STATUS_INFO_get0_failure_info(TS_RESP_get_status_info(r));
  return fi != nullptr && ASN1_BIT_STRING_get_bit(fi, bit) == 1;
}
uint64_t Serial(TS_RESP* r) {
  uint64_t v = 0;
  EXPECT_EQ(ASN1_INTEGER_get_uint64(&v, TS_TST_INFO_get_serial(TS_RESP_get_tst_info(r))), 1);
  return v;
}

// Query builds a DER TimeStampReq over `digest` with hash `nid`.
Bytes Query(int nid, const Bytes& digest, long nonce = 0, const char* policy = nullptr, bool with_ext = false) {
  TS_REQ* req = TS_REQ_new();
  TS_MSG_IMPRINT* imprint = TS_MSG_IMPRINT_new();
  X509_ALGOR* algo = X509_ALGOR_new();
  X509_ALGOR_set0(algo, OBJ_nid2obj(nid), V_ASN1_NULL, nullptr);
  TS_MSG_IMPRINT_set_algo(imprint, algo);
  TS_MSG_IMPRINT_set_msg(imprint, const_cast<unsigned char*>(digest.data()), static_cast<int>(digest.size()));
  TS_REQ_set_version(req, 1);
  TS_REQ_set_msg_imprint(req, imprint);
  TS_REQ_set_cert_req(req, 1);
  if (nonce != 0) {
    ASN1_INTEGER* n = ASN1_INTEGER_new();
    ASN1_INTEGER_set(n, nonce);
    TS_REQ_set_nonce(req, n);
    ASN1_INTEGER_free(n);
  }
  if (policy != nullptr) {
    ASN1_OBJECT* obj = OBJ_txt2obj(policy, 1);
    TS_REQ_set_policy_id(req, obj);
    ASN1_OBJECT_free(obj);
  }
  if (with_ext) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, nullptr, NID_basic_constraints, "CA:FALSE");
    TS_REQ_add_ext(req, ext, -1);
    X509_EXTENSION_free(ext);
  }
  unsigned char* der = nullptr;
  int len = i2d_TS_REQ(req, &der);
  Bytes out(der, der + len);
  OPENSSL_free(der);
  X509_ALGOR_free(algo);
  TS_MSG_IMPRINT_free(imprint);
  TS_REQ_free(req);
  return out;
}

class TsaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    leaf_ = std::shared_ptr<SoftP256Key>(SoftP256Key::Generate());
    ca_ = SoftP256Key::Generate();
    ASSERT_TRUE(leaf_ && ca_);
    ChainOptions opts;
    opts.name = "tsa.example";
    signet::Status st = CreateTsaChain(dir_.path(), *leaf_, *ca_, clock_, opts);
    ASSERT_TRUE(st.ok()) << st.error().ToString();
  }
  AuthorityOptions Options() {
    AuthorityOptions o;
    o.clock = &clock_;
    o.clock_synchronized = [this]() -> Result<bool> { return synced_; };
    return o;
  }
  std::unique_ptr<TimestampAuthority> OpenTsa(AuthorityOptions o) {
    auto tsa = TimestampAuthority::Open(dir_.path(), leaf_, std::move(o));
    EXPECT_TRUE(tsa.ok()) << tsa.error().ToString();
    return tsa.ok() ? std::move(*tsa) : nullptr;
  }
  std::vector<ossl::UniquePtr<X509>> Chain() {
    auto pem = ReadFile(ChainPath(dir_.path()));
    EXPECT_TRUE(pem.ok());
    auto certs = ossl::ParseCertificatesPem(*pem);
    EXPECT_TRUE(certs.ok());
    return std::move(*certs);
  }
  Result<Timestamp> Verify(const Bytes& token, std::string_view data) {
    auto chain = Chain();
    attestation::TsaTrust trust;
    for (auto& c : chain) trust.chain.push_back(c.get());
    return attestation::VerifyRfc3161(token, AsBytes(data), {trust});
  }

  TempDir dir_;
  FixedClock clock_{FromUnixSeconds(1798000000)};
  bool synced_ = true;
  std::shared_ptr<SoftP256Key> leaf_;
  std::unique_ptr<SoftP256Key> ca_;
};

TEST_F(TsaTest, ChainIsLeafFirstWithOneCriticalTimestampingEku) {
  auto chain = Chain();
  ASSERT_EQ(chain.size(), 2u);
  X509* leaf = chain[0].get();
  X509* ca = chain[1].get();
  EXPECT_EQ(X509_check_issued(ca, leaf), X509_V_OK);
  EXPECT_EQ(X509_check_issued(ca, ca), X509_V_OK);  // self-signed
  EXPECT_EQ(X509_verify(leaf, X509_get0_pubkey(ca)), 1);
  EXPECT_EQ(X509_verify(ca, X509_get0_pubkey(ca)), 1);
  EXPECT_EQ(X509_check_ca(ca), 1);
  EXPECT_EQ(X509_check_ca(leaf), 0);
  int crit = -1;
  auto* eku = static_cast<EXTENDED_KEY_USAGE*>(X509_get_ext_d2i(leaf, NID_ext_key_usage, &crit, nullptr));
  ASSERT_NE(eku, nullptr);
  EXPECT_EQ(crit, 1);
  ASSERT_EQ(sk_ASN1_OBJECT_num(eku), 1);
  EXPECT_EQ(OBJ_obj2nid(sk_ASN1_OBJECT_value(eku, 0)), NID_time_stamp);
  EXTENDED_KEY_USAGE_free(eku);
  EXPECT_EQ(X509_check_purpose(leaf, X509_PURPOSE_TIMESTAMP_SIGN, 0), 1);
}

TEST_F(TsaTest, ChainRefusesAnExistingChainTheSameKeyTwiceAndAnotherCurve) {
  EXPECT_EQ(CreateTsaChain(dir_.path(), *leaf_, *ca_, clock_, {}).error().code(), ErrorCode::kAlreadyExists);
  TempDir other;
  EXPECT_EQ(CreateTsaChain(other.path(), *leaf_, *leaf_, clock_, {}).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_FALSE(fs::exists(ChainPath(other.path())));
}

TEST_F(TsaTest, StampDataVerifiesAgainstTheChainAndNotForOtherData) {
  auto tsa = OpenTsa(Options());
  ASSERT_TRUE(tsa);
  auto token = tsa->StampData(AsBytes(std::string_view("the signature bytes")));
  ASSERT_TRUE(token.ok()) << token.error().ToString();
  auto when = Verify(*token, "the signature bytes");
  ASSERT_TRUE(when.ok()) << when.error().ToString();
  EXPECT_EQ(ToUnixSeconds(*when), 1798000000);
  auto wrong = Verify(*token, "other bytes");
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().finding(), findings::kTimestampInvalid);
  auto resp = ParseResp(*token);
  ASSERT_TRUE(resp);
  TS_TST_INFO* info = TS_RESP_get_tst_info(resp.get());
  EXPECT_EQ(OBJ_obj2nid(TS_TST_INFO_get_policy_id(info)), NID_undef);
  char oid[64];
  OBJ_obj2txt(oid, sizeof oid, TS_TST_INFO_get_policy_id(info), 1);
  EXPECT_STREQ(oid, kDefaultPolicyOid);
  TS_ACCURACY* acc = TS_TST_INFO_get_accuracy(info);
  ASSERT_NE(acc, nullptr);
  EXPECT_EQ(ASN1_INTEGER_get(TS_ACCURACY_get_seconds(acc)), 1);
  EXPECT_NE(TS_TST_INFO_get_nonce(info), nullptr);
}

TEST_F(TsaTest, RespondEchoesTheNonceAndUsesTheConfiguredPolicy) {
  AuthorityOptions o = Options();
  o.policy_oid = "1.2.3.4.5";
  o.accuracy_seconds = 2;
  auto tsa = OpenTsa(o);
  ASSERT_TRUE(tsa);
  auto der = tsa->Respond(Query(NID_sha256, Sha256(AsBytes(std::string_view("x"))), 0x1234567));
  ASSERT_TRUE(der.ok()) << der.error().ToString();
  auto resp = ParseResp(*der);
  ASSERT_TRUE(resp);
  EXPECT_EQ(RespStatus(resp.get()), TS_STATUS_GRANTED);
  TS_TST_INFO* info = TS_RESP_get_tst_info(resp.get());
  EXPECT_EQ(ASN1_INTEGER_get(TS_TST_INFO_get_nonce(info)), 0x1234567);
  char oid[64];
  OBJ_obj2txt(oid, sizeof oid, TS_TST_INFO_get_policy_id(info), 1);
  EXPECT_STREQ(oid, "1.2.3.4.5");
  EXPECT_EQ(ASN1_INTEGER_get(TS_ACCURACY_get_seconds(TS_TST_INFO_get_accuracy(info))), 2);
  EXPECT_TRUE(Verify(*der, "x").ok());
  // A query naming our policy is granted, another policy is not.
  auto same = tsa->Respond(Query(NID_sha256, Sha256(AsBytes(std::string_view("x"))), 0, "1.2.3.4.5"));
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(RespStatus(ParseResp(*same).get()), TS_STATUS_GRANTED);
  auto other = tsa->Respond(Query(NID_sha256, Sha256(AsBytes(std::string_view("x"))), 0, "1.2.3.4.6"));
  ASSERT_TRUE(other.ok());
  auto r = ParseResp(*other);
  EXPECT_EQ(RespStatus(r.get()), TS_STATUS_REJECTION);
  EXPECT_TRUE(FailBit(r.get(), TS_INFO_UNACCEPTED_POLICY));
}

TEST_F(TsaTest, RespondRejectsOtherHashesMalformedQueriesAndExtensions) {
  auto tsa = OpenTsa(Options());
  ASSERT_TRUE(tsa);
  Bytes sha384(48, 0x11);
  auto bad_alg = tsa->Respond(Query(NID_sha384, sha384));
  ASSERT_TRUE(bad_alg.ok());
  auto r = ParseResp(*bad_alg);
  ASSERT_TRUE(r);
  EXPECT_EQ(RespStatus(r.get()), TS_STATUS_REJECTION);
  EXPECT_TRUE(FailBit(r.get(), TS_INFO_BAD_ALG));
  EXPECT_EQ(TS_RESP_get_token(r.get()), nullptr);
  // SHA-256 named with a 20-byte digest.
  auto short_digest = tsa->Respond(Query(NID_sha256, Bytes(20, 1)));
  ASSERT_TRUE(short_digest.ok());
  EXPECT_TRUE(FailBit(ParseResp(*short_digest).get(), TS_INFO_BAD_ALG));
  for (const Bytes& junk : {Bytes{}, Bytes{0x30, 0x00}, Bytes(100, 0x41)}) {
    auto resp = tsa->Respond(junk);
    ASSERT_TRUE(resp.ok());
    auto p = ParseResp(*resp);
    ASSERT_TRUE(p);
    EXPECT_EQ(RespStatus(p.get()), TS_STATUS_REJECTION);
    EXPECT_TRUE(FailBit(p.get(), TS_INFO_BAD_DATA_FORMAT));
  }
  Bytes good = Query(NID_sha256, Bytes(32, 2));
  Bytes trailing = good;
  trailing.push_back(0);
  EXPECT_TRUE(FailBit(ParseResp(*tsa->Respond(trailing)).get(), TS_INFO_BAD_DATA_FORMAT));
  auto ext = tsa->Respond(Query(NID_sha256, Bytes(32, 2), 0, nullptr, true));
  ASSERT_TRUE(ext.ok());
  EXPECT_TRUE(FailBit(ParseResp(*ext).get(), TS_INFO_UNACCEPTED_EXTENSION));
}

TEST_F(TsaTest, ParseTimestampQueryIsStrict) {
  Bytes good = Query(NID_sha256, Bytes(32, 3), 7);
  auto q = ParseTimestampQuery(good);
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->hash_oid, "2.16.840.1.101.3.4.2.1");
  EXPECT_EQ(q->hashed_message, Bytes(32, 3));
  EXPECT_EQ(q->nonce, Bytes{7});
  EXPECT_TRUE(q->cert_req);
  EXPECT_FALSE(q->policy_oid.has_value());
  Bytes trailing = good;
  trailing.push_back(0);
  EXPECT_FALSE(ParseTimestampQuery(trailing).ok());
  EXPECT_FALSE(ParseTimestampQuery(Bytes{}).ok());
  EXPECT_FALSE(ParseTimestampQuery(Bytes(kMaxQueryBytes + 1, 0x30)).ok());
  // BER long-form length for the outer SEQUENCE is not DER.
  ASSERT_LT(good.size(), 128u);
  Bytes ber{0x30, 0x81, static_cast<uint8_t>(good.size() - 2)};
  for (size_t i = 2; i < good.size(); ++i) ber.push_back(good[i]);
  EXPECT_FALSE(ParseTimestampQuery(ber).ok());
}

TEST_F(TsaTest, SerialsAreUniqueAcrossAuthoritiesAndSurviveAReopen) {
  std::set<uint64_t> seen;
  AuthorityOptions o = Options();
  o.serial_block = 3;
  for (int round = 0; round < 3; ++round) {
    auto tsa = OpenTsa(o);  // a fresh process: its unused reserved serials are a gap, never reused
    ASSERT_TRUE(tsa);
    for (int i = 0; i < 4; ++i) {
      auto der = tsa->Respond(Query(NID_sha256, Bytes(32, 4)));
      ASSERT_TRUE(der.ok());
      uint64_t s = Serial(ParseResp(*der).get());
      EXPECT_TRUE(seen.insert(s).second) << "serial " << s << " reused";
    }
  }
  // Two authorities on one directory at once never share a serial.
  auto a = OpenTsa(o), b = OpenTsa(o);
  for (int i = 0; i < 5; ++i) {
    for (auto* t : {a.get(), b.get()}) {
      auto der = t->Respond(Query(NID_sha256, Bytes(32, 5)));
      ASSERT_TRUE(der.ok());
      EXPECT_TRUE(seen.insert(Serial(ParseResp(*der).get())).second);
    }
  }
  auto counter = ReadFile(dir_.path() + "/tsa/serial");
  ASSERT_TRUE(counter.ok());
  EXPECT_GT(std::stoull(*counter), *seen.rbegin());
}

TEST_F(TsaTest, ACorruptSerialCounterIsRefusedAtOpen) {
  ASSERT_TRUE(WriteFileAtomic(dir_.path() + "/tsa/serial", "12x\n", 0600).ok());
  auto tsa = TimestampAuthority::Open(dir_.path(), leaf_, Options());
  ASSERT_FALSE(tsa.ok());
  EXPECT_EQ(tsa.error().code(), ErrorCode::kInvalidArgument);
}

TEST_F(TsaTest, AClockSteppedBackIsRefusedInThisProcessAndTheNext) {
  auto tsa = OpenTsa(Options());
  ASSERT_TRUE(tsa);
  const Timestamp t = clock_.Now();
  ASSERT_TRUE(tsa->StampData(AsBytes(std::string_view("first"))).ok());
  clock_.Set(t - std::chrono::hours(1));
  // The signing path: an error with the finding.
  auto stamp = tsa->StampData(AsBytes(std::string_view("x")));
  ASSERT_FALSE(stamp.ok());
  EXPECT_EQ(stamp.error().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(stamp.error().finding(), findings::kClockSteppedBack);
  // A query: an RFC 3161 rejection, timeNotAvailable.
  auto resp = tsa->Respond(Query(NID_sha256, Bytes(32, 7)));
  ASSERT_TRUE(resp.ok());
  auto r = ParseResp(*resp);
  EXPECT_EQ(RespStatus(r.get()), TS_STATUS_REJECTION);
  EXPECT_TRUE(FailBit(r.get(), TS_INFO_TIME_NOT_AVAILABLE));
  // Another process (a fresh authority) reads the floor stored with the serial reservation.
  auto other = OpenTsa(Options());
  ASSERT_TRUE(other);
  auto again = other->StampData(AsBytes(std::string_view("y")));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().finding(), findings::kClockSteppedBack);
  // Once the clock catches up, both stamp again, and genTime never went back.
  clock_.Set(t + std::chrono::seconds(1));
  auto later = tsa->StampData(AsBytes(std::string_view("later")));
  ASSERT_TRUE(later.ok());
  auto verified = Verify(*later, "later");
  ASSERT_TRUE(verified.ok()) << verified.error().ToString();
  EXPECT_EQ(*verified, t + std::chrono::seconds(1));
  EXPECT_TRUE(other->StampData(AsBytes(std::string_view("z"))).ok());
}

TEST_F(TsaTest, TheSerialCounterTakesAnOptionalTimeStrictly) {
  for (const char* good : {"12\n", "12 1798000000\n", "12 0\n"}) {
    ASSERT_TRUE(WriteFileAtomic(dir_.path() + "/tsa/serial", good, 0600).ok());
    EXPECT_TRUE(TimestampAuthority::Open(dir_.path(), leaf_, Options()).ok()) << good;
  }
  for (const char* bad : {"12 \n", "12 x\n", "12 -5\n", "12 017\n", "12 1 2\n", " 12\n", "12  1\n"}) {
    ASSERT_TRUE(WriteFileAtomic(dir_.path() + "/tsa/serial", bad, 0600).ok());
    auto tsa = TimestampAuthority::Open(dir_.path(), leaf_, Options());
    ASSERT_FALSE(tsa.ok()) << bad;
    EXPECT_EQ(tsa.error().code(), ErrorCode::kInvalidArgument) << bad;
  }
}

TEST_F(TsaTest, AnUnsynchronisedClockRefusesToStamp) {
  auto tsa = OpenTsa(Options());
  ASSERT_TRUE(tsa);
  synced_ = false;
  auto stamp = tsa->StampData(AsBytes(std::string_view("x")));
  ASSERT_FALSE(stamp.ok());
  EXPECT_EQ(stamp.error().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(stamp.error().finding(), findings::kTsaClockUnsynchronized);
  auto resp = tsa->Respond(Query(NID_sha256, Bytes(32, 6)));
  ASSERT_TRUE(resp.ok());
  auto r = ParseResp(*resp);
  EXPECT_EQ(RespStatus(r.get()), TS_STATUS_REJECTION);
  EXPECT_TRUE(FailBit(r.get(), TS_INFO_TIME_NOT_AVAILABLE));
  // The switch (tsa.require_synchronized_clock: false) turns the check off.
  AuthorityOptions off = Options();
  off.require_synchronized_clock = false;
  auto tsa_off = OpenTsa(off);
  ASSERT_TRUE(tsa_off);
  EXPECT_TRUE(tsa_off->StampData(AsBytes(std::string_view("x"))).ok());
  // A probe that cannot tell refuses too.
  AuthorityOptions broken = Options();
  broken.clock_synchronized = []() -> Result<bool> { return Unavailable("no adjtimex"); };
  auto tsa_broken = OpenTsa(broken);
  ASSERT_TRUE(tsa_broken);
  EXPECT_FALSE(tsa_broken->StampData(AsBytes(std::string_view("x"))).ok());
}

TEST_F(TsaTest, OpenRefusesAnotherKeyABadPolicyAndAMissingChain) {
  auto other = std::shared_ptr<SoftP256Key>(SoftP256Key::Generate());
  auto wrong = TimestampAuthority::Open(dir_.path(), other, Options());
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code(), ErrorCode::kInvalidArgument);
  AuthorityOptions o = Options();
  o.policy_oid = "not an oid";
  EXPECT_FALSE(TimestampAuthority::Open(dir_.path(), leaf_, o).ok());
  TempDir empty;
  auto missing = TimestampAuthority::Open(empty.path(), leaf_, Options());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
}

TEST_F(TsaTest, ADeviceFailureOrAWrongSignatureReleasesNothing) {
  auto tsa = OpenTsa(Options());
  ASSERT_TRUE(tsa);
  leaf_->fail_signing = true;
  auto gone = tsa->StampData(AsBytes(std::string_view("x")));
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().code(), ErrorCode::kUnavailable);
  leaf_->fail_signing = false;
  leaf_->corrupt_signatures = true;
  auto bad = tsa->StampData(AsBytes(std::string_view("x")));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), ErrorCode::kInternal);
}

TEST(ClockProbeTest, SystemClockSynchronizedAnswers) {
  // Whatever this machine's state, the kernel answers without privilege.
  EXPECT_TRUE(SystemClockSynchronized().ok());
}

}  // namespace
}  // namespace signet::tsa
