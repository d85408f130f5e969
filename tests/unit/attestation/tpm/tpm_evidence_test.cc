// VerifyTpmEvidence with software-made quotes: the passing case and every finding, each
// reached with otherwise-valid (signed, replaying) evidence so the step under test is the one
// that refuses.
#include "signet/attestation/tpm_evidence.h"

#include <gtest/gtest.h>
#include <openssl/pem.h>

#include <functional>
#include <string>

#include "signet/core/encoding.h"
#include "signet/core/file.h"
#include "soft_tpm.h"
#include "test_env.h"

namespace signet::attestation {
namespace {

namespace tf = findings;
using testing::EccAkPublic;
using testing::Marshal;
using testing::QuoteParams;

// Knobs describe one evidence document; Build() signs whatever they say.
// The verifier's own enrollment record (TpmVerifyOptions::trusted_enrollment) is the genuine
// AK's; `carried` is what the evidence itself claims (never trusted).
struct Knobs {
  EventLog log;
  QuoteParams qp;
  Bytes ak_public;
  EVP_PKEY* signer = nullptr;
  bool carried = true;  // the evidence carries a record consistent with its own AK
  Bytes nonce, cb;      // claimed by the attester
  std::function<void(Bytes&)> edit_signature;
};

class TpmEvidenceTest : public ::testing::Test {
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
    run("openssl x509 -req -in " + d + "ek.csr -CA " + d + "ca.pem -CAkey " + d +
        "ca.key -CAcreateserial -days 3650 -outform DER -out " + d + "ek.der");
    // The same EK key certified three more times: with the TCG EK EKU, with a wrong EKU, and
    // with a malformed (empty) EKU extension.
    Spit(d + "eku-ok.ext", "extendedKeyUsage=2.23.133.8.1\n");
    Spit(d + "eku-bad.ext", "extendedKeyUsage=serverAuth\n");
    for (const char* kind : {"ok", "bad"}) {
      run("openssl x509 -req -in " + d + "ek.csr -CA " + d + "ca.pem -CAkey " + d +
          "ca.key -CAcreateserial -days 3650 -outform DER -extfile " + d + "eku-" + kind +
          ".ext -out " + d + "ek-eku-" + kind + ".der");
    }
    ek_cert_eku_ok_ = ToBytes(*ReadFile(d + "ek-eku-ok.der"));
    ek_cert_eku_bad_ = ToBytes(*ReadFile(d + "ek-eku-bad.der"));
    roots_ = *ReadFile(d + "ca.pem");
    other_roots_ = *ReadFile(d + "other.pem");
    std::string ek_der = *ReadFile(d + "ek.der");
    ek_cert_ = ToBytes(ek_der);
    auto cert = ossl::ParseCertificateDer(ek_cert_);
    ek_spki_hash_ = Sha256(ByteView(*ossl::PublicKeyToDer(X509_get0_pubkey(cert->get()))));
    ak_ = EVP_EC_gen("P-256");
    other_ak_ = EVP_EC_gen("P-256");
    nonce_ = Bytes(32, 0xab);
    bin_ = Sha256(std::string_view("signet binary"));
    conf_ = Sha256(std::string_view("signet config"));
  }
  static void TearDownTestSuite() {
    EVP_PKEY_free(ak_);
    EVP_PKEY_free(other_ak_);
    testing::RemoveTree(dir_);
  }

  static void Spit(const std::string& path, const std::string& data) {
    ASSERT_TRUE(WriteFileAtomic(path, data).ok());
  }
  static ReferenceValues Reference() {
    ReferenceValues ref;
    ref.pcr = 23;
    ref.measurements.push_back({"binary:signet", "binary", "/opt/signet/bin/signet", bin_});
    ref.measurements.push_back(
        {"config:signet.yaml", "config", "/etc/signet/signet.yaml", conf_});
    return ref;
  }
  // GenuineRecord is what the verifier's own enrollment of the genuine AK produced.
  static EnrollmentRecord GenuineRecord() {
    EnrollmentRecord r;
    r.ek_spki_sha256 = ek_spki_hash_;
    r.ak_name = *ComputeName(*ParseTpm2bPublic(EccAkPublic(ak_)));
    r.enrolled_at = "2026-11-25T00:00:00Z";
    return r;
  }
  // Options are a test verifier's: PCR 23 is allowed here (the resettable-PCR test says why
  // production refuses it).
  static TpmVerifyOptions Options() {
    TpmVerifyOptions o;
    o.nonce = nonce_;
    o.ek_roots_pem = roots_;
    o.reference = Reference();
    o.trusted_enrollment = GenuineRecord();
    o.allow_resettable_pcr = true;
    return o;
  }
  static Knobs Default() {
    Knobs k;
    k.log = testing::StandardLog(bin_, conf_);
    k.ak_public = EccAkPublic(ak_);
    k.signer = ak_;
    k.nonce = nonce_;
    return k;
  }
  // Build makes evidence from knobs. extraData and pcrDigest default to the correct values.
  static TpmEvidence Build(const Knobs& k) {
    TpmEvidence ev;
    QuoteParams qp = k.qp;
    if (qp.extra_data.empty()) qp.extra_data = *QualifyingData(k.nonce, k.cb);
    if (qp.pcr_digest.empty()) qp.pcr_digest = testing::PcrDigestFor(k.log, 23);
    Bytes body = testing::TpmsAttest(qp);
    ev.attest = Marshal().Tpm2b(body).b;
    ev.signature = testing::EcdsaTpmSignature(k.signer, body);
    if (k.edit_signature) k.edit_signature(ev.signature);
    ev.ak_public = k.ak_public;
    ev.ek_certificate = ek_cert_;
    if (k.carried) {
      EnrollmentRecord r;
      r.ek_spki_sha256 = ek_spki_hash_;
      auto pub = ParseTpm2bPublic(k.ak_public);
      r.ak_name = pub.ok() ? *ComputeName(*pub) : Bytes(34, 0);
      r.enrolled_at = "2026-11-25T00:00:00Z";
      ev.enrollment = r;
    }
    ev.event_log = EventLogToJson(k.log);
    ev.nonce = k.nonce;
    ev.channel_binding = k.cb;
    ev.tpm_manufacturer = "SOFT";
    return ev;
  }
  static std::string Finding(const TpmEvidence& ev, const TpmVerifyOptions& o = Options()) {
    auto r = VerifyTpmEvidence(ev, o);
    EXPECT_TRUE(r.ok()) << r.error().ToString();
    if (!r.ok()) return "error";
    if (r->trusted) return "trusted";
    return r->finding;
  }
  static std::string Finding(const std::function<void(Knobs&)>& edit) {
    Knobs k = Default();
    edit(k);
    return Finding(Build(k));
  }

  static inline std::string dir_, roots_, other_roots_;
  static inline Bytes ek_cert_, ek_cert_eku_ok_, ek_cert_eku_bad_, ek_spki_hash_, nonce_, bin_,
      conf_;
  static inline EVP_PKEY* ak_ = nullptr;
  static inline EVP_PKEY* other_ak_ = nullptr;
};

TEST_F(TpmEvidenceTest, ValidEvidenceIsTrusted) {
  auto r = VerifyTpmEvidence(Build(Default()), Options());
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->trusted) << r->finding;
  ASSERT_EQ(r->claims.size(), 9u);
  for (const auto& c : r->claims) EXPECT_EQ(c.result, "pass") << c.claim;
  EXPECT_EQ(r->reset_count, 3u);
  EXPECT_EQ(r->restart_count, 1u);
  ASSERT_EQ(r->measurements.size(), 3u);
  EXPECT_EQ(r->measurements[0].reference_id, "binary:signet");
  EXPECT_EQ(r->matched_reference_ids.size(), 2u);
  JsonValue j = AttestationResultToJson(*r);
  EXPECT_EQ(j.Find("result")->string_value(), "pass");
  EXPECT_EQ(j.Find("finding"), nullptr);
}

TEST_F(TpmEvidenceTest, SerializationRoundTrips) {
  TpmEvidence ev = Build(Default());
  auto back = ParseTpmEvidence(SerializeTpmEvidence(ev));
  ASSERT_TRUE(back.ok()) << back.error().ToString();
  EXPECT_EQ(Finding(*back), "trusted");
  EXPECT_EQ(back->attest, ev.attest);
  EXPECT_FALSE(ParseTpmEvidence(SerializeTpmEvidence(ev) + "x").ok());
  std::string extra = SerializeTpmEvidence(ev);
  extra.insert(1, "\"surprise\":1,");
  EXPECT_FALSE(ParseTpmEvidence(extra).ok());
}

TEST_F(TpmEvidenceTest, Step1UntrustedEkCa) {
  TpmVerifyOptions o = Options();
  o.ek_roots_pem = other_roots_;
  auto r = VerifyTpmEvidence(Build(Default()), o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->finding, tf::kEkChainUntrusted);
  EXPECT_EQ(r->claims[0].result, "fail");
  for (size_t i = 1; i < r->claims.size(); ++i) EXPECT_EQ(r->claims[i].result, "not_checked");
  TpmEvidence ev = Build(Default());
  ev.ek_certificate.push_back(0);  // not DER
  EXPECT_EQ(Finding(ev), tf::kEkChainUntrusted);
}

// Roots parsed once (ParseEkRoots) decide exactly as the PEM does: trusted with the right roots,
// EK_CHAIN_UNTRUSTED with others (the PEM member is then not read), and the enrollment check
// still compares the EK's key.
TEST_F(TpmEvidenceTest, ParsedEkRootsDecideAsThePem) {
  TpmVerifyOptions o = Options();
  auto roots = ParseEkRoots(roots_);
  ASSERT_TRUE(roots.ok()) << roots.error().ToString();
  o.ek_roots = *roots;
  o.ek_roots_pem = "not read";
  auto r = VerifyTpmEvidence(Build(Default()), o);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_TRUE(r->trusted) << r->finding;
  auto others = ParseEkRoots(other_roots_);
  ASSERT_TRUE(others.ok());
  o.ek_roots = *others;
  EXPECT_EQ(Finding(Build(Default()), o), tf::kEkChainUntrusted);
  o.ek_roots = *roots;
  o.trusted_enrollment->ek_spki_sha256 = Bytes(32, 1);
  EXPECT_EQ(Finding(Build(Default()), o), tf::kEkNotEnrolledEk);
  EXPECT_FALSE(ParseEkRoots("not pem").ok());
}

TEST_F(TpmEvidenceTest, Step2EnrollmentAgainstAnotherEk) {
  TpmVerifyOptions o = Options();
  o.trusted_enrollment->ek_spki_sha256 = Bytes(32, 1);
  EXPECT_EQ(Finding(Build(Default()), o), tf::kEkNotEnrolledEk);
  o.trusted_enrollment.reset();
  EXPECT_EQ(Finding(Build(Default()), o), tf::kAkNotEnrolled);
}

TEST_F(TpmEvidenceTest, ForgedSelfConsistentEnrollmentIsRefused) {
  // The attacker's software AK on the genuine EK certificate, carrying a record the attacker
  // wrote for it: consistent in every field. A verifier without its own record refuses it
  // (before the fix the carried record was trusted and this passed)...
  Knobs k = Default();
  k.ak_public = EccAkPublic(other_ak_);
  k.signer = other_ak_;
  TpmEvidence forged = Build(k);
  TpmVerifyOptions none = Options();
  none.trusted_enrollment.reset();
  EXPECT_EQ(Finding(forged, none), tf::kAkNotEnrolled);
  // ...even the genuine AK's evidence is refused without the verifier's own record...
  EXPECT_EQ(Finding(Build(Default()), none), tf::kAkNotEnrolled);
  // ...and against the verifier's record of the genuine AK the forgery is refused while the
  // genuine evidence passes, with or without a carried record.
  EXPECT_EQ(Finding(forged), tf::kAkNotEnrolled);
  EXPECT_EQ(Finding(Build(Default())), "trusted");
  Knobs bare = Default();
  bare.carried = false;
  EXPECT_EQ(Finding(Build(bare)), "trusted");
}

TEST_F(TpmEvidenceTest, Step3AkAttributesAndName) {
  // Not restricted.
  EXPECT_EQ(Finding([](Knobs& k) { k.ak_public = EccAkPublic(ak_, 0x00040072); }),
            tf::kAkAttributesInvalid);
  // A decrypting key.
  EXPECT_EQ(Finding([](Knobs& k) { k.ak_public = EccAkPublic(ak_, 0x00070072); }),
            tf::kAkAttributesInvalid);
  // Not fixedTPM (duplicable).
  EXPECT_EQ(Finding([](Knobs& k) { k.ak_public = EccAkPublic(ak_, 0x00050070); }),
            tf::kAkAttributesInvalid);
  TpmVerifyOptions o = Options();
  o.trusted_enrollment->ak_name = Bytes(34, 7);
  EXPECT_EQ(Finding(Build(Default()), o), tf::kAkNotEnrolled);
  EXPECT_EQ(Finding([](Knobs& k) { k.ak_public.pop_back(); }), tf::kAkPublicMalformed);
}

TEST_F(TpmEvidenceTest, Step4Signature) {
  EXPECT_EQ(Finding([](Knobs& k) { k.signer = other_ak_; }), tf::kQuoteSignatureInvalid);
  EXPECT_EQ(Finding([](Knobs& k) {
              k.edit_signature = [](Bytes& s) { s.back() ^= 1; };
            }),
            tf::kQuoteSignatureInvalid);
  EXPECT_EQ(Finding([](Knobs& k) {
              k.edit_signature = [](Bytes& s) { s.push_back(0); };
            }),
            tf::kSignatureMalformed);
  EXPECT_EQ(Finding([](Knobs& k) {
              k.edit_signature = [](Bytes& s) { s[3] = static_cast<uint8_t>(kTpmAlgSha384); };
            }),
            tf::kSignatureAlgorithmNotAllowed);
  EXPECT_EQ(Finding([](Knobs& k) {
              k.edit_signature = [](Bytes& s) { s[1] = static_cast<uint8_t>(kTpmAlgRsassa); };
            }),
            tf::kSignatureMalformed);  // RSASSA layout does not parse over ECDSA bytes
  TpmEvidence ev = Build(Default());
  ev.attest[ev.attest.size() - 5] ^= 0x10;
  EXPECT_EQ(Finding(ev), tf::kQuoteSignatureInvalid);
  ev = Build(Default());
  ev.attest.push_back(0);  // TPM2B_ATTEST size no longer covers the bytes
  EXPECT_EQ(Finding(ev), tf::kAttestMalformed);
}

TEST_F(TpmEvidenceTest, Step5AttestStructure) {
  EXPECT_EQ(Finding([](Knobs& k) { k.qp.magic = 0xff544348; }), tf::kAttestMagicInvalid);
  EXPECT_EQ(Finding([](Knobs& k) { k.qp.type = 0x8017; }), tf::kAttestTypeInvalid);
  EXPECT_EQ(Finding([](Knobs& k) { k.qp.trailing = {0}; }), tf::kAttestMalformed);
}

TEST_F(TpmEvidenceTest, Step6Freshness) {
  TpmVerifyOptions o = Options();
  o.nonce = Bytes(32, 0xcd);
  EXPECT_EQ(Finding(Build(Default()), o), tf::kNonceMismatch);
  // Replay: the claimed nonce is rewritten to the verifier's, the signed extraData is old.
  Knobs k = Default();
  k.qp.extra_data = *QualifyingData(Bytes(32, 0x01), {});
  EXPECT_EQ(Finding(Build(k)), tf::kExtraDataMismatch);
  // Channel binding expected but absent, present but different.
  o = Options();
  o.channel_binding = Bytes(32, 0x44);
  EXPECT_EQ(Finding(Build(Default()), o), tf::kChannelBindingMismatch);
  k = Default();
  k.cb = Bytes(32, 0x45);
  EXPECT_EQ(Finding(Build(k), o), tf::kChannelBindingMismatch);
  k.cb = Bytes(32, 0x44);
  EXPECT_EQ(Finding(Build(k), o), "trusted");
}

TEST_F(TpmEvidenceTest, Step7PcrSelection) {
  EXPECT_EQ(Finding([](Knobs& k) { k.qp.pcrs = {16, 23}; }), tf::kPcrSelectionMismatch);
  EXPECT_EQ(Finding([](Knobs& k) { k.qp.bank = 0x0004; }), tf::kPcrSelectionMismatch);
  EXPECT_EQ(Finding([](Knobs& k) { k.qp.pcrs = {}; }), tf::kPcrSelectionMismatch);
}

TEST_F(TpmEvidenceTest, Step8Replay) {
  // Quote over the standard log, evidence carrying a log with one event dropped.
  Knobs k = Default();
  k.qp.pcr_digest = testing::PcrDigestFor(k.log, 23);
  k.log.events.erase(k.log.events.begin() + 1);
  k.log.events[1].seq = 1;
  EXPECT_EQ(Finding(Build(k)), tf::kEventLogReplayMismatch);
  EXPECT_EQ(Finding([](Knobs& k2) { std::swap(k2.log.events[0], k2.log.events[1]); }),
            tf::kEventLogSequenceInvalid);
  EXPECT_EQ(Finding([](Knobs& k2) { k2.log.events[1].pcr = 16; }), tf::kEventPcrNotQuoted);
  TpmEvidence ev = Build(Default());
  ev.event_log = JsonValue::MakeObject();
  EXPECT_EQ(Finding(ev), tf::kEventLogMalformed);
}

TEST_F(TpmEvidenceTest, Step9TypedEventsAndReferences) {
  EXPECT_EQ(Finding([](Knobs& k) { k.log.events[1].kind = "firmware"; }), tf::kEventKindUnknown);
  EXPECT_EQ(Finding([](Knobs& k) {
              k.log.events.push_back({3, 23, "binary", "/tmp/evil", bin_});
            }),
            tf::kEventAfterSeparator);
  EXPECT_EQ(Finding([](Knobs& k) { k.log.events.pop_back(); }), tf::kSeparatorMissing);
  EXPECT_EQ(Finding([](Knobs& k) { k.log.events[0].sha256[0] ^= 1; }),
            tf::kReferenceDigestMismatch);
  // Kind matters, not only the digest: the config digest measured as a binary.
  EXPECT_EQ(Finding([](Knobs& k) { k.log.events[0].sha256 = conf_; }),
            tf::kReferenceDigestMismatch);
  EXPECT_EQ(Finding([](Knobs& k) {
              k.log.events.erase(k.log.events.begin() + 1);
              k.log.events[1].seq = 1;
            }),
            tf::kReferenceMissing);
  EXPECT_EQ(Finding([](Knobs& k) { k.log.events[2].path = "/x"; }), tf::kEventLogMalformed);
}

TEST_F(TpmEvidenceTest, ResettablePcrIsRefusedUnlessAllowed) {
  // Anyone who can talk to the TPM can reset PCR 16/23 and replay good extends.
  TpmVerifyOptions o = Options();
  o.allow_resettable_pcr = false;
  auto r = VerifyTpmEvidence(Build(Default()), o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->finding, tf::kPcrResettable);
  EXPECT_EQ(r->claims[6].result, "fail");
  // PCR 16 likewise.
  Knobs k16 = Default();
  for (auto& e : k16.log.events) e.pcr = 16;
  k16.qp.pcrs = {16};
  k16.qp.pcr_digest = testing::PcrDigestFor(k16.log, 16);
  o.reference.pcr = 16;
  EXPECT_EQ(Finding(Build(k16), o), tf::kPcrResettable);
  o.allow_resettable_pcr = true;
  EXPECT_EQ(Finding(Build(k16), o), "trusted");
  // A PCR the boot chain owns (here 10) needs no flag.
  Knobs k10 = Default();
  for (auto& e : k10.log.events) e.pcr = 10;
  k10.qp.pcrs = {10};
  k10.qp.pcr_digest = testing::PcrDigestFor(k10.log, 10);
  o = Options();
  o.allow_resettable_pcr = false;
  o.reference.pcr = 10;
  EXPECT_EQ(Finding(Build(k10), o), "trusted");
}

TEST_F(TpmEvidenceTest, EventAtAnotherPathThanTheReferenceIsRefused) {
  // The right bytes, measured (and extended) at another path: the path is bound, not advisory.
  EXPECT_EQ(Finding([](Knobs& k) { k.log.events[0].path = "/tmp/evil/signet"; }),
            tf::kReferencePathMismatch);
  TpmVerifyOptions o = Options();
  o.reference.measurements[1].path = "/etc/other.yaml";
  EXPECT_EQ(Finding(Build(Default()), o), tf::kReferencePathMismatch);
}

TEST_F(TpmEvidenceTest, EkCertificateWithWrongEkuIsRefused) {
  TpmEvidence ev = Build(Default());
  ev.ek_certificate = ek_cert_eku_bad_;
  auto r = VerifyTpmEvidence(ev, Options());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->finding, tf::kEkEkuInvalid);
  EXPECT_TRUE(r->ek_eku_present);
  EXPECT_EQ(r->claims[0].result, "fail");
  // The TCG EK EKU passes and is reported; no EKU at all passes and is reported absent.
  ev.ek_certificate = ek_cert_eku_ok_;
  r = VerifyTpmEvidence(ev, Options());
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->trusted) << r->finding;
  EXPECT_TRUE(r->ek_eku_present);
  EXPECT_TRUE(AttestationResultToJson(*r).Find("ek_eku_present")->bool_value());
  r = VerifyTpmEvidence(Build(Default()), Options());
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->trusted);
  EXPECT_FALSE(r->ek_eku_present);
  EXPECT_FALSE(AttestationResultToJson(*r).Find("ek_eku_present")->bool_value());
}

TEST_F(TpmEvidenceTest, BadOptionsAreErrorsNotFindings) {
  TpmVerifyOptions o = Options();
  o.ek_roots_pem = "not pem";
  EXPECT_FALSE(VerifyTpmEvidence(Build(Default()), o).ok());
  o = Options();
  o.nonce = Bytes(16, 1);
  EXPECT_EQ(VerifyTpmEvidence(Build(Default()), o).error().code(), ErrorCode::kInvalidArgument);
  o = Options();
  o.channel_binding = Bytes(5, 1);
  EXPECT_FALSE(VerifyTpmEvidence(Build(Default()), o).ok());
}

TEST(QualifyingDataTest, IsDomainSeparatedSha256) {
  Bytes nonce(32, 1), cb(32, 2);
  Bytes msg = ToBytes("signet-attest-v1");
  msg.insert(msg.end(), nonce.begin(), nonce.end());
  msg.insert(msg.end(), cb.begin(), cb.end());
  EXPECT_EQ(*QualifyingData(nonce, cb), Sha256(ByteView(msg)));
  EXPECT_NE(*QualifyingData(nonce, {}), *QualifyingData(nonce, cb));
  EXPECT_FALSE(QualifyingData(Bytes(31, 1), {}).ok());
}

TEST(EnrollmentRecordTest, ParsesStrictly) {
  EnrollmentRecord r;
  r.ek_spki_sha256 = Bytes(32, 1);
  r.ak_name = Bytes(34, 2);
  r.enrolled_at = "2026-11-25T00:00:00Z";
  JsonValue j = EnrollmentRecordToJson(r);
  auto back = ParseEnrollmentRecord(j);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->ak_name, r.ak_name);
  j.Set("method", JsonValue::String("trust-me"));
  EXPECT_FALSE(ParseEnrollmentRecord(j).ok());
}

}  // namespace
}  // namespace signet::attestation
