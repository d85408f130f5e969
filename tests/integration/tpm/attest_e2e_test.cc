// End to end on the swtpm fixture, through the `signet` CLI: create an AK, enroll it from the
// verifier's side (challenge/activate/accept), `signet launch` a program with measured files,
// quote with a fresh nonce, verify; tpm2_checkquote and the openssl CLI accept the quote; every
// negative case of issues 6 and 12 is refused with its finding or exit code.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <functional>
#include <thread>
#include <vector>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>

#include "signet/attestation/event_log.h"
#include "signet/attestation/tpm_evidence.h"
#include "signet/attestation/tpm_structs.h"
#include "signet/core/encoding.h"
#include "signet/core/file.h"
#include "signet/core/hash.h"
#include "signet/core/json.h"
#include "soft_tpm.h"
#include "test_env.h"

namespace signet {
namespace {

namespace att = attestation;
using testing::RunCommand;

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? std::string() : std::string(v);
}

std::string Slurp(const std::string& path) {
  auto r = ReadFile(path);
  return r.ok() ? *r : std::string();
}

void Spit(const std::string& path, const std::string& data) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << data;
}

void SpitExecutable(const std::string& path, const std::string& data) {
  Spit(path, data);
  ::chmod(path.c_str(), 0755);
}

std::string RandomHex32() {
  std::string out;
  EXPECT_EQ(RunCommand("openssl rand -hex 32", &out, false), 0);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

class AttestE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ASSERT_TRUE(testing::LoadFixtureEnv("swtpm")) << "swtpm fixture did not run";
    cli_ = Env("SIGNET_CLI");
    tcti_ = Env("SIGNET_TEST_TCTI");
    roots_ = Env("SIGNET_TEST_EK_ROOTS");
    dir_ = testing::MakeTempDir();
    SpitExecutable(dir_ + "/app.sh", "#!/bin/sh\necho launched > \"$1\"\n");
    Spit(dir_ + "/app.conf", "listen = 127.0.0.1:8443\n");
    Spit(dir_ + "/policy.json", "{\"builders\":[\"on-prem\"]}\n");
    ASSERT_EQ(Run("attest enroll --tcti " + tcti_ + " --out " + dir_ + "/ak.json"), 0) << out_;
    ASSERT_EQ(EnrollFromVerifier(dir_ + "/ak.json", "enr"), 0) << out_;
    ASSERT_EQ(Run("attest reference --pcr 23 --measure binary=" + dir_ + "/app.sh --measure config=" +
                  dir_ + "/app.conf --measure policy=" + dir_ + "/policy.json --out " + dir_ +
                  "/ref.json"),
              0)
        << out_;
    ASSERT_EQ(LaunchGood(dir_ + "/log.json", /*reset=*/true), 0) << out_;
    nonce_ = RandomHex32();
    ASSERT_EQ(Quote(dir_ + "/ak.json", dir_ + "/log.json", nonce_, "", dir_ + "/ev.json"), 0)
        << out_;
  }
  static void TearDownTestSuite() { testing::RemoveTree(dir_); }

  static int Run(const std::string& args) {
    out_.clear();
    return RunCommand(cli_ + " " + args, &out_);
  }
  // EnrollFromVerifier runs the verifier-driven enrollment of `ak`; the record is
  // <dir>/<tag>.json (state, challenge and response beside it).
  static int EnrollFromVerifier(const std::string& ak, const std::string& tag) {
    const std::string d = dir_ + "/" + tag;
    int rc = Run("attest challenge --ak " + ak + " --ek-roots " + roots_ + " --out " + d +
                 "-challenge.json --state " + d + "-state.json");
    if (rc != 0) return rc;
    rc = Run("attest activate --tcti " + tcti_ + " --ak " + ak + " --challenge " + d +
             "-challenge.json --out " + d + "-response.json");
    if (rc != 0) return rc;
    return Run("attest accept --state " + d + "-state.json --response " + d +
               "-response.json --out " + d + ".json");
  }
  static int LaunchGood(const std::string& log, bool reset, const std::string& binary = "",
                        const std::string& tcti = "") {
    const std::string bin = binary.empty() ? dir_ + "/app.sh" : binary;
    return Run("launch --tcti " + (tcti.empty() ? tcti_ : tcti) + " --pcr 23 --event-log " + log +
               (reset ? " --reset-pcr" : "") + " --measure binary=" + bin +
               " --measure config=" + dir_ + "/app.conf --measure policy=" + dir_ +
               "/policy.json -- " + bin + " " + dir_ + "/launched.txt");
  }
  // FreshLog resets PCR 23 and launches the good files again, so a test does not depend on
  // what earlier tests did to the PCR.
  static std::string FreshLog(const std::string& name) {
    const std::string log = dir_ + "/" + name;
    EXPECT_EQ(LaunchGood(log, /*reset=*/true), 0) << out_;
    return log;
  }
  static int Quote(const std::string& ak, const std::string& log, const std::string& nonce,
                   const std::string& cb, const std::string& out) {
    return Run("attest quote --tcti " + tcti_ + " --ak " + ak + " --nonce " + nonce +
               (cb.empty() ? "" : " --channel-binding " + cb) + " --event-log " + log +
               " --out " + out);
  }
  // Verify returns the exit code; `finding_` holds the refusal's finding (or "").
  // The test verifier allows PCR 23 (see ResettablePcrIsRefusedWithoutTheFlag).
  static int Verify(const std::string& evidence, const std::string& nonce,
                    const std::string& cb = "", const std::string& roots = "",
                    const std::string& ref = "", const std::string& enrollment = "",
                    const std::string& extra = " --allow-resettable-pcr") {
    const std::string result = dir_ + "/result.json";
    std::filesystem::remove(result);
    int rc = Run("attest verify --evidence " + evidence + " --nonce " + nonce +
                 (cb.empty() ? "" : " --channel-binding " + cb) + " --ek-roots " +
                 (roots.empty() ? roots_ : roots) + " --reference " +
                 (ref.empty() ? dir_ + "/ref.json" : ref) + " --enrollment " +
                 (enrollment.empty() ? dir_ + "/enr.json" : enrollment) + extra + " --out " +
                 result);
    finding_.clear();
    auto json = ParseJson(Slurp(result));
    if (json.ok()) {
      if (const JsonValue* f = json->Find("finding")) finding_ = f->string_value();
      result_ = std::move(json).value();
    }
    return rc;
  }
  // Mutate rewrites a copy of ev.json through `fn` and returns its path.
  template <typename Fn>
  static std::string Mutate(const std::string& name, Fn fn) {
    auto json = ParseJson(Slurp(dir_ + "/ev.json"));
    EXPECT_TRUE(json.ok());
    JsonValue v = std::move(json).value();
    fn(v);
    const std::string path = dir_ + "/" + name;
    Spit(path, WriteJson(v, 2));
    return path;
  }
  static std::string FlipBit(const std::string& b64, size_t byte_from_end) {
    Bytes b = *Base64Decode(b64);
    b[b.size() - 1 - byte_from_end] ^= 0x01;
    return Base64Encode(b);
  }
  // EventsOf returns a mutable reference to the event array of an evidence document.
  static JsonValue::Array& EventsOf(JsonValue& ev) {
    for (auto& [k, val] : ev.mutable_object()) {
      if (k == "event_log") {
        for (auto& [k2, val2] : val.mutable_object()) {
          if (k2 == "events") return val2.mutable_array();
        }
      }
    }
    std::abort();
  }
  static void Renumber(JsonValue::Array& events) {
    for (size_t i = 0; i < events.size(); ++i) events[i].Set("seq", JsonValue::Uint(i));
  }

  static inline std::string cli_, tcti_, roots_, dir_, nonce_, out_, finding_;
  static inline JsonValue result_;
};

TEST_F(AttestE2eTest, EnrollLaunchQuoteVerifyPasses) {
  EXPECT_EQ(Slurp(dir_ + "/launched.txt"), "launched\n") << "signet launch did not exec";
  ASSERT_EQ(Verify(dir_ + "/ev.json", nonce_), 0) << out_;
  EXPECT_EQ(result_.Find("result")->string_value(), "pass");
  ASSERT_EQ(result_.Find("claims")->array().size(), 9u);
  for (const auto& c : result_.Find("claims")->array()) {
    EXPECT_EQ(c.Find("result")->string_value(), "pass");
  }
  EXPECT_EQ(result_.Find("matched_reference_ids")->array().size(), 3u);
  const JsonValue* tpm = result_.Find("tpm");
  // Endorsement-hierarchy AK: clockInfo is not obfuscated (obfuscated values are huge).
  EXPECT_LT(*tpm->Find("reset_count")->AsUint64(), 1000u);
  EXPECT_LT(*tpm->Find("restart_count")->AsUint64(), 1000u);
  EXPECT_FALSE(tpm->Find("manufacturer")->string_value().empty());
  if (Env("SIGNET_TEST_REAL_HARDWARE").empty()) {
    EXPECT_EQ(tpm->Find("manufacturer")->string_value(), "IBM");  // libtpms
  }
}

TEST_F(AttestE2eTest, RsaAkWithChannelBindingPasses) {
  ASSERT_EQ(Run("attest enroll --algorithm rsa-2048 --tcti " + tcti_ + " --out " + dir_ +
                "/ak-rsa.json"),
            0)
      << out_;
  ASSERT_EQ(EnrollFromVerifier(dir_ + "/ak-rsa.json", "enr-rsa"), 0) << out_;
  const std::string n = RandomHex32(), cb = RandomHex32();
  ASSERT_EQ(Quote(dir_ + "/ak-rsa.json", FreshLog("log-rsa.json"), n, cb, dir_ + "/ev-rsa.json"),
            0)
      << out_;
  EXPECT_EQ(Verify(dir_ + "/ev-rsa.json", n, cb, "", "", dir_ + "/enr-rsa.json"), 0) << out_;
}

// CheckInterop exports `evidence` and has tpm2_checkquote and the openssl CLI verify it.
void CheckInterop(const std::string& evidence, const std::string& x);

TEST_F(AttestE2eTest, Tpm2CheckquoteAndOpensslAcceptTheQuote) {
  CheckInterop(dir_ + "/ev.json", dir_ + "/export");
}

TEST_F(AttestE2eTest, Tpm2CheckquoteAndOpensslAcceptAnRsaQuoteWithChannelBinding) {
  ASSERT_EQ(Run("attest enroll --algorithm rsa-2048 --tcti " + tcti_ + " --out " + dir_ +
                "/ak-rsa2.json"),
            0)
      << out_;
  ASSERT_EQ(Quote(dir_ + "/ak-rsa2.json", FreshLog("log-rsa2.json"), RandomHex32(), RandomHex32(),
                  dir_ + "/ev-rsa2.json"),
            0)
      << out_;
  CheckInterop(dir_ + "/ev-rsa2.json", dir_ + "/export-rsa");
}

void CheckInterop(const std::string& evidence, const std::string& x) {
  std::string cli_out;
  std::filesystem::create_directories(x);
  ASSERT_EQ(RunCommand(std::string(std::getenv("SIGNET_CLI")) + " attest export --evidence " +
                           evidence + " --dir " + x,
                       &cli_out),
            0)
      << cli_out;
  std::string list = Slurp(x + "/pcr-list.txt"), qual = Slurp(x + "/qualification.hex");
  list.pop_back();
  qual.pop_back();
  EXPECT_EQ(list, "sha256:23");
  std::string out;
  const std::string checkquote = "TSS2_LOG=all+NONE tpm2_checkquote -u " + x + "/ak.tpm2b.pub -m " +
                                 x + "/quote.msg -s " + x + "/quote.sig -f " + x +
                                 "/pcrs.bin -F values -g sha256 -l " + list + " -q ";
  EXPECT_EQ(RunCommand(checkquote + qual, &out), 0) << out;
  // Its own negative: another qualification is refused (exit code only, per its docs).
  std::string other = qual;
  other[0] = other[0] == '0' ? '1' : '0';
  EXPECT_NE(RunCommand(checkquote + other, &out), 0) << out;
  EXPECT_EQ(RunCommand("openssl dgst -sha256 -verify " + x + "/ak.pub.pem -signature " + x +
                           "/quote.sig.der " + x + "/quote.msg",
                       &out),
            0)
      << out;
  EXPECT_NE(out.find("Verified OK"), std::string::npos);
}

TEST_F(AttestE2eTest, BitFlipInAttestIsRefused) {
  auto p = Mutate("ev-attest-flip.json", [](JsonValue& v) {
    v.Set("attest", JsonValue::String(FlipBit(v.Find("attest")->string_value(), 40)));
  });
  EXPECT_EQ(Verify(p, nonce_), 1);
  EXPECT_EQ(finding_, "QUOTE_SIGNATURE_INVALID");
}

TEST_F(AttestE2eTest, BitFlipInSignatureIsRefused) {
  auto p = Mutate("ev-sig-flip.json", [](JsonValue& v) {
    v.Set("signature", JsonValue::String(FlipBit(v.Find("signature")->string_value(), 3)));
  });
  EXPECT_EQ(Verify(p, nonce_), 1);
  EXPECT_EQ(finding_, "QUOTE_SIGNATURE_INVALID");
}

TEST_F(AttestE2eTest, WrongNonceIsRefused) {
  EXPECT_EQ(Verify(dir_ + "/ev.json", RandomHex32()), 1);
  EXPECT_EQ(finding_, "NONCE_MISMATCH");
}

TEST_F(AttestE2eTest, WrongChannelBindingIsRefused) {
  const std::string n = RandomHex32(), cb = RandomHex32();
  ASSERT_EQ(Quote(dir_ + "/ak.json", FreshLog("log-cb.json"), n, cb, dir_ + "/ev-cb.json"), 0)
      << out_;
  EXPECT_EQ(Verify(dir_ + "/ev-cb.json", n, RandomHex32()), 1);
  EXPECT_EQ(finding_, "CHANNEL_BINDING_MISMATCH");
  EXPECT_EQ(Verify(dir_ + "/ev-cb.json", n), 1);  // binding dropped by the verifier's side
  EXPECT_EQ(finding_, "CHANNEL_BINDING_MISMATCH");
}

TEST_F(AttestE2eTest, ReplayedQuoteWithOldNonceIsRefused) {
  // An attacker replays yesterday's quote and rewrites the claimed nonce to today's: only the
  // signed extraData can tell.
  const std::string today = RandomHex32();
  auto p = Mutate("ev-replay.json",
                  [&](JsonValue& v) { v.Set("nonce", JsonValue::String(today)); });
  EXPECT_EQ(Verify(p, today), 1);
  EXPECT_EQ(finding_, "EXTRA_DATA_MISMATCH");
}

TEST_F(AttestE2eTest, ReorderedEventLogIsRefused) {
  auto p = Mutate("ev-reorder.json", [](JsonValue& v) {
    auto& ev = EventsOf(v);
    std::swap(ev[0], ev[1]);
    Renumber(ev);
  });
  EXPECT_EQ(Verify(p, nonce_), 1);
  EXPECT_EQ(finding_, "EVENT_LOG_REPLAY_MISMATCH");
  auto q = Mutate("ev-reorder-seq.json", [](JsonValue& v) {
    auto& ev = EventsOf(v);
    std::swap(ev[0], ev[1]);
  });
  EXPECT_EQ(Verify(q, nonce_), 1);
  EXPECT_EQ(finding_, "EVENT_LOG_SEQUENCE_INVALID");
}

TEST_F(AttestE2eTest, DroppedEventIsRefused) {
  auto p = Mutate("ev-drop.json", [](JsonValue& v) {
    auto& ev = EventsOf(v);
    ev.erase(ev.begin() + 1);
    Renumber(ev);
  });
  EXPECT_EQ(Verify(p, nonce_), 1);
  EXPECT_EQ(finding_, "EVENT_LOG_REPLAY_MISMATCH");
}

TEST_F(AttestE2eTest, AddedEventIsRefused) {
  auto p = Mutate("ev-add.json", [](JsonValue& v) {
    auto& ev = EventsOf(v);
    JsonValue extra = ev[0];
    ev.insert(ev.begin() + 1, extra);
    Renumber(ev);
  });
  EXPECT_EQ(Verify(p, nonce_), 1);
  EXPECT_EQ(finding_, "EVENT_LOG_REPLAY_MISMATCH");
}

TEST_F(AttestE2eTest, UnknownEventKindIsRefused) {
  // Something other than signet extended the PCR with an event kind Signet never writes. The
  // log replays (the TPM really holds these events), so the refusal is the kind itself.
  att::EventLog log;
  auto bin = HashFile(HashAlgorithm::kSha256, dir_ + "/app.sh");
  ASSERT_TRUE(bin.ok());
  log.events.push_back(att::EventRecord{0, 23, "binary", dir_ + "/app.sh", *bin});
  log.events.push_back(att::EventRecord{1, 23, "firmware", "/boot/x", *bin});
  log.events.push_back(att::MakeSeparator(2, 23));
  std::string out;
  ASSERT_EQ(RunCommand("TSS2_LOG=all+NONE tpm2_pcrreset -T " + tcti_ + " 23", &out), 0) << out;
  for (const auto& e : log.events) {
    ASSERT_EQ(RunCommand("TSS2_LOG=all+NONE tpm2_pcrextend -T " + tcti_ + " 23:sha256=" +
                             HexEncode(att::EventDigest(e)),
                         &out),
              0)
        << out;
  }
  Spit(dir_ + "/log-unknown.json", att::SerializeEventLog(log));
  const std::string n = RandomHex32();
  ASSERT_EQ(Quote(dir_ + "/ak.json", dir_ + "/log-unknown.json", n, "", dir_ + "/ev-unk.json"), 0)
      << out_;
  EXPECT_EQ(Verify(dir_ + "/ev-unk.json", n), 1);
  EXPECT_EQ(finding_, "EVENT_KIND_UNKNOWN");
}

TEST_F(AttestE2eTest, EventAfterSeparatorIsRefused) {
  // A second launch in the same boot appends after the first launch's separator.
  const std::string log = dir_ + "/log-twice.json";
  ASSERT_EQ(LaunchGood(log, /*reset=*/true), 0) << out_;
  ASSERT_EQ(LaunchGood(log, /*reset=*/false), 0) << out_;
  const std::string n = RandomHex32();
  ASSERT_EQ(Quote(dir_ + "/ak.json", log, n, "", dir_ + "/ev-twice.json"), 0) << out_;
  EXPECT_EQ(Verify(dir_ + "/ev-twice.json", n), 1);
  EXPECT_EQ(finding_, "EVENT_AFTER_SEPARATOR");
}

TEST_F(AttestE2eTest, BinaryDifferingFromReferenceIsRefused) {
  std::string app = Slurp(dir_ + "/app.sh");
  app[app.find("launched") + 7] ^= 0x01;  // one byte of the measured binary: "launchee"
  SpitExecutable(dir_ + "/app-changed.sh", app);
  const std::string log = dir_ + "/log-changed.json";
  ASSERT_EQ(LaunchGood(log, /*reset=*/true, dir_ + "/app-changed.sh"), 0) << out_;
  const std::string n = RandomHex32();
  ASSERT_EQ(Quote(dir_ + "/ak.json", log, n, "", dir_ + "/ev-changed.json"), 0) << out_;
  EXPECT_EQ(Verify(dir_ + "/ev-changed.json", n), 1);
  EXPECT_EQ(finding_, "REFERENCE_DIGEST_MISMATCH");
}

TEST_F(AttestE2eTest, EkCertificateFromUntrustedCaIsRefused) {
  const std::string ca = dir_ + "/other-ca.pem";
  std::string out;
  ASSERT_EQ(RunCommand("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
                       "-keyout " + dir_ + "/other-ca.key -out " + ca +
                       " -subj /CN=not-the-tpm-vendor -days 2",
                       &out),
            0)
      << out;
  EXPECT_EQ(Verify(dir_ + "/ev.json", nonce_, "", ca), 1);
  EXPECT_EQ(finding_, "EK_CHAIN_UNTRUSTED");
}

TEST_F(AttestE2eTest, AkThatIsNotRestrictedIsRefused) {
  // Clear TPMA_OBJECT.restricted in the AK public area: a non-restricted key could sign a
  // forged TPMS_ATTEST, so the verifier refuses it before it ever looks at the signature.
  auto p = Mutate("ev-unrestricted.json", [](JsonValue& v) {
    Bytes pub = *Base64Decode(v.Find("ak_public")->string_value());
    pub[2 + 2 + 2 + 1] &= static_cast<uint8_t>(~0x01);  // TPMA_OBJECT bit 16 (restricted)
    v.Set("ak_public", JsonValue::String(Base64Encode(pub)));
  });
  EXPECT_EQ(Verify(p, nonce_), 1);
  EXPECT_EQ(finding_, "AK_ATTRIBUTES_INVALID");
}

TEST_F(AttestE2eTest, AkNeverEnrolledIsRefused) {
  // A second AK of the same TPM quotes; the verifier enrolled only the first.
  ASSERT_EQ(Run("attest enroll --tcti " + tcti_ + " --out " + dir_ + "/ak2.json"), 0) << out_;
  const std::string n = RandomHex32();
  ASSERT_EQ(Quote(dir_ + "/ak2.json", FreshLog("log-ak2.json"), n, "", dir_ + "/ev-ak2.json"), 0)
      << out_;
  EXPECT_EQ(Verify(dir_ + "/ev-ak2.json", n), 1);
  EXPECT_EQ(finding_, "AK_NOT_ENROLLED");
  // Once the verifier enrolls it too, its own record for AK 2 makes it pass.
  ASSERT_EQ(EnrollFromVerifier(dir_ + "/ak2.json", "enr-ak2"), 0) << out_;
  EXPECT_EQ(Verify(dir_ + "/ev-ak2.json", n, "", "", "", dir_ + "/enr-ak2.json"), 0) << out_;
}

TEST_F(AttestE2eTest, ReferenceForAnotherPcrIsRefused) {
  std::string ref = Slurp(dir_ + "/ref.json");
  auto pos = ref.find("\"pcr\": 23");
  ASSERT_NE(pos, std::string::npos);
  ref.replace(pos, 9, "\"pcr\": 16");
  Spit(dir_ + "/ref16.json", ref);
  EXPECT_EQ(Verify(dir_ + "/ev.json", nonce_, "", "", dir_ + "/ref16.json"), 1);
  EXPECT_EQ(finding_, "PCR_SELECTION_MISMATCH");
}

TEST_F(AttestE2eTest, LaunchRefusesBadInput) {
  EXPECT_EQ(Run("launch --tcti " + tcti_ + " --pcr 23 --event-log " + dir_ +
                "/x.json --measure firmware=" + dir_ + "/app.sh -- /bin/true"),
            2);
  EXPECT_EQ(Run("launch --tcti " + tcti_ + " --pcr 10 --reset-pcr --event-log " + dir_ +
                "/x.json --measure binary=" + dir_ + "/app.sh -- " + dir_ + "/app.sh"),
            2);
  EXPECT_NE(out_.find("16 and 23"), std::string::npos) << out_;
  EXPECT_EQ(Run("launch --tcti " + tcti_ + " --pcr 23 --event-log " + dir_ +
                "/x.json --measure binary=" + dir_ + "/missing -- " + dir_ + "/missing"),
            2);
  EXPECT_EQ(Run("attest quote --tcti " + tcti_ + " --ak " + dir_ + "/ak.json --nonce abcd" +
                " --event-log " + dir_ + "/log.json --out " + dir_ + "/x.json"),
            2);
}

// ----- issue 12 ----------------------------------------------------------------------------

// ForgeEvidence builds what an attacker without the TPM can: the genuine EK certificate, a
// software P-256 key with the AK attribute bits, a quote signed in software over the verifier's
// nonce and a good log, and a self-consistent enrollment record for that key.
std::string ForgeEvidence(const std::string& dir, const std::string& ak_json,
                          const std::string& log_json, const std::string& nonce_hex,
                          EVP_PKEY* soft) {
  auto ak = ParseJson(Slurp(ak_json));
  EXPECT_TRUE(ak.ok());
  att::TpmEvidence ev;
  ev.ek_certificate = *Base64Decode(ak->Find("ek_certificate")->string_value());
  auto log = att::ParseEventLog(Slurp(log_json));
  EXPECT_TRUE(log.ok());
  ev.nonce = *HexDecode(nonce_hex);
  testing::QuoteParams qp;
  qp.extra_data = *att::QualifyingData(ev.nonce, {});
  qp.pcr_digest = testing::PcrDigestFor(*log, 23);
  Bytes body = testing::TpmsAttest(qp);
  ev.attest = testing::Marshal().Tpm2b(body).b;
  ev.signature = testing::EcdsaTpmSignature(soft, body);
  ev.ak_public = testing::EccAkPublic(soft);
  att::EnrollmentRecord rec;
  auto cert = ossl::ParseCertificateDer(ev.ek_certificate);
  rec.ek_spki_sha256 = Sha256(ByteView(*ossl::PublicKeyToDer(X509_get0_pubkey(cert->get()))));
  rec.ak_name = *att::ComputeName(*att::ParseTpm2bPublic(ev.ak_public));
  rec.enrolled_at = "2026-12-01T00:00:00Z";
  ev.enrollment = rec;
  ev.event_log = att::EventLogToJson(*log);
  ev.tpm_manufacturer = "IBM";
  Spit(dir + "/forged.json", att::SerializeTpmEvidence(ev));
  // The attacker's own record, as the old CLI accepted it: an ak.json carrying it, and bare.
  JsonValue fake_ak = *ak;
  fake_ak.Set("ak_public", JsonValue::String(Base64Encode(ev.ak_public)));
  fake_ak.Set("ak_name", JsonValue::String(HexEncode(rec.ak_name)));
  fake_ak.Set("enrollment", att::EnrollmentRecordToJson(rec));
  Spit(dir + "/attacker-ak.json", WriteJson(fake_ak, 2));
  Spit(dir + "/attacker-record.json", WriteJson(att::EnrollmentRecordToJson(rec), 2));
  return dir + "/forged.json";
}

TEST_F(AttestE2eTest, ForgedSoftwareAkOnRealEkCertificateIsRefused) {
  ossl::UniquePtr<EVP_PKEY> soft(EVP_EC_gen("P-256"));
  const std::string n = RandomHex32();
  const std::string forged = ForgeEvidence(dir_, dir_ + "/ak.json", FreshLog("log-forge.json"),
                                           n, soft.get());
  const std::string base = "attest verify --evidence " + forged + " --nonce " + n +
                           " --ek-roots " + roots_ + " --reference " + dir_ +
                           "/ref.json --allow-resettable-pcr";
  // No --enrollment: the carried record is no longer trusted; the message says how to enroll.
  EXPECT_EQ(Run(base), 2) << out_;
  EXPECT_NE(out_.find("attest challenge"), std::string::npos) << out_;
  EXPECT_NE(out_.find("attest activate"), std::string::npos) << out_;
  EXPECT_NE(out_.find("attest accept"), std::string::npos) << out_;
  // The attacker's own record, as an ak.json or bare: not a record the verifier made.
  EXPECT_EQ(Run(base + " --enrollment " + dir_ + "/attacker-ak.json"), 2) << out_;
  EXPECT_EQ(Run(base + " --enrollment " + dir_ + "/attacker-record.json"), 2) << out_;
  // The verifier's own record of the genuine AK refuses the forgery.
  EXPECT_EQ(Verify(forged, n), 1) << out_;
  EXPECT_EQ(finding_, "AK_NOT_ENROLLED");
  // And the attacker cannot enroll the software key: the verifier's challenge for its Name can
  // be answered only by a TPM holding the EK and an object with that Name.
  EXPECT_EQ(Run("attest challenge --ak " + dir_ + "/attacker-ak.json --ek-roots " + roots_ +
                " --out " + dir_ + "/soft-challenge.json --state " + dir_ + "/soft-state.json"),
            0)
      << out_;
  EXPECT_NE(Run("attest activate --tcti " + tcti_ + " --ak " + dir_ +
                "/attacker-ak.json --challenge " + dir_ + "/soft-challenge.json --out " + dir_ +
                "/soft-response.json"),
            0);
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/soft-response.json"));
}

TEST_F(AttestE2eTest, SoftwareKeyLoadedAsExternalObjectCannotAnswerTheChallenge) {
  // The attacker's next move: load the software key's *public* area into the genuine TPM with
  // TPM2_LoadExternal and the AK attribute bits (the TPM accepts fixedTPM on a public-only
  // load), so that an object with the software key's Name exists next to the EK, then answer
  // the verifier's challenge with TPM2_ActivateCredential. A public-only object cannot be
  // authorised (TPM_RC_AUTH_UNAVAILABLE), neither by authValue nor by a policy it names; and
  // with a sensitive area LoadExternal refuses fixedTPM. This guards that assumption.
  const std::string d = dir_ + "/ext", t = " -T " + tcti_;
  std::filesystem::create_directories(d);
  std::string o;
  auto tool = [&](const std::string& cmd) {
    o.clear();
    return RunCommand("{ export TSS2_LOG=all+NONE; " + cmd + "; }", &o);
  };
  ASSERT_EQ(tool("openssl ecparam -name prime256v1 -genkey -noout -out " + d + "/soft.pem && "
                 "openssl ec -in " + d + "/soft.pem -pubout -out " + d + "/softpub.pem"),
            0)
      << o;
  ASSERT_EQ(tool("tpm2_startauthsession" + t + " -S " + d + "/trial.ctx && tpm2_policycommandcode" +
                 t + " -S " + d + "/trial.ctx -L " + d + "/pol.dig TPM2_CC_ActivateCredential && "
                 "tpm2_flushcontext" + t + " " + d + "/trial.ctx"),
            0)
      << o;
  const std::string variants[] = {
      "-a 'fixedtpm|fixedparent|sensitivedataorigin|userwithauth|restricted|sign'",
      "-L " + d + "/pol.dig -a 'fixedtpm|fixedparent|sensitivedataorigin|adminwithpolicy|"
      "restricted|sign'"};
  int i = 0;
  for (const auto& attrs : variants) {
    const std::string v = d + "/v" + std::to_string(i++);
    ASSERT_EQ(tool("tpm2_loadexternal" + t + " -C n -G ecc256:ecdsa-sha256:null -u " + d +
                   "/softpub.pem " + attrs + " -c " + v + ".ctx -n " + v + ".name && " +
                   "tpm2_readpublic" + t + " -c " + v + ".ctx -o " + v + ".pub"),
              0)
        << o;
    JsonValue fake = *ParseJson(Slurp(dir_ + "/ak.json"));
    fake.Set("ak_public", JsonValue::String(Base64Encode(ToBytes(Slurp(v + ".pub")))));
    fake.Set("ak_name", JsonValue::String(HexEncode(ToBytes(Slurp(v + ".name")))));
    Spit(v + "-ak.json", WriteJson(fake, 2));
    ASSERT_EQ(Run("attest challenge --ak " + v + "-ak.json --ek-roots " + roots_ + " --out " + v +
                  "-challenge.json --state " + v + "-state.json"),
              0)
        << out_;
    // tpm2-tools' credential file: magic, version, TPM2B_ID_OBJECT, TPM2B_ENCRYPTED_SECRET.
    JsonValue c = *ParseJson(Slurp(v + "-challenge.json"));
    Bytes blob = {0xba, 0xdc, 0xc0, 0xde, 0, 0, 0, 1};
    for (const char* m : {"credential_blob", "encrypted_secret"}) {
      Bytes part = *Base64Decode(c.Find(m)->string_value());
      blob.insert(blob.end(), part.begin(), part.end());
    }
    Spit(v + ".cred", ToString(blob));
    // tpm2-tools leaves loaded objects behind; swtpm has 3 slots. The saved contexts reload.
    const int rc = tool(
        "tpm2_flushcontext" + t + " -t && tpm2_flushcontext" + t + " -s && "
        "tpm2_startauthsession" + t + " --policy-session -S " + v + "-ek.ctx && tpm2_policysecret" +
        t + " -S " + v + "-ek.ctx -c e && tpm2_startauthsession" + t + " --policy-session -S " + v +
        "-ak.ctx && tpm2_policycommandcode" + t + " -S " + v +
        "-ak.ctx TPM2_CC_ActivateCredential && tpm2_activatecredential" + t + " -c " + v +
        ".ctx -C 0x81010001 -i " + v + ".cred -o " + v + ".secret -p " +
        (i == 1 ? std::string("''") : "session:" + v + "-ak.ctx") + " -P session:" + v + "-ek.ctx");
    const std::string activate_out = o;
    (void)tool("tpm2_flushcontext" + t + " -t; tpm2_flushcontext" + t + " -s");
    EXPECT_NE(rc, 0) << activate_out;
    EXPECT_NE(activate_out.find("0x12F"), std::string::npos) << activate_out;
    EXPECT_FALSE(std::filesystem::exists(v + ".secret"));
  }
}

TEST_F(AttestE2eTest, EnrollmentStateIsPrivateAndHoldsTheOnlySecret) {
  const std::string d = dir_ + "/priv";
  ASSERT_EQ(Run("attest challenge --ak " + dir_ + "/ak.json --ek-roots " + roots_ + " --out " +
                d + "-challenge.json --state " + d + "-state.json"),
            0)
      << out_;
  const std::string challenge_out = out_;
  struct stat st;
  ASSERT_EQ(::stat((d + "-state.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto state = ParseJson(Slurp(d + "-state.json"));
  auto challenge = ParseJson(Slurp(d + "-challenge.json"));
  ASSERT_TRUE(state.ok() && challenge.ok());
  const std::string secret = state->Find("secret")->string_value();
  EXPECT_EQ(challenge->Find("secret"), nullptr);
  EXPECT_EQ(Slurp(d + "-challenge.json").find(secret), std::string::npos);
  EXPECT_EQ(challenge_out.find(secret), std::string::npos);
  ASSERT_EQ(Run("attest activate --tcti " + tcti_ + " --ak " + dir_ + "/ak.json --challenge " +
                d + "-challenge.json --out " + d + "-response.json"),
            0)
      << out_;
  EXPECT_EQ(out_.find(secret), std::string::npos);
  ASSERT_EQ(::stat((d + "-response.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(Run("attest accept --state " + d + "-state.json --response " + d +
                "-response.json --out " + d + ".json"),
            0)
      << out_;
  EXPECT_EQ(out_.find(secret), std::string::npos);
  EXPECT_EQ(Slurp(d + ".json").find(secret), std::string::npos);
}

TEST_F(AttestE2eTest, WrongOrReplayedEnrollmentResponseIsRefused) {
  const std::string d = dir_ + "/re";
  // Yesterday's round: challenge A answered by the TPM.
  ASSERT_EQ(EnrollFromVerifier(dir_ + "/ak.json", "re-a"), 0) << out_;
  // Today's challenge B; the attacker replays A's genuine response.
  ASSERT_EQ(Run("attest challenge --ak " + dir_ + "/ak.json --ek-roots " + roots_ + " --out " +
                d + "-b-challenge.json --state " + d + "-b-state.json"),
            0)
      << out_;
  EXPECT_EQ(Run("attest accept --state " + d + "-b-state.json --response " + dir_ +
                "/re-a-response.json --out " + d + "-b.json"),
            1)
      << out_;
  EXPECT_NE(out_.find("ENROLLMENT_RESPONSE_MISMATCH"), std::string::npos) << out_;
  // A's response with B's challenge id pasted in: the secret still differs.
  JsonValue replay = *ParseJson(Slurp(dir_ + "/re-a-response.json"));
  JsonValue b_challenge = *ParseJson(Slurp(d + "-b-challenge.json"));
  replay.Set("challenge_id", *b_challenge.Find("challenge_id"));
  Spit(d + "-replay.json", WriteJson(replay, 2));
  EXPECT_EQ(Run("attest accept --state " + d + "-b-state.json --response " + d +
                "-replay.json --out " + d + "-b.json"),
            1)
      << out_;
  EXPECT_NE(out_.find("CREDENTIAL_ACTIVATION_FAILED"), std::string::npos) << out_;
  EXPECT_FALSE(std::filesystem::exists(d + "-b.json"));
  // The genuine answer to B passes.
  ASSERT_EQ(Run("attest activate --tcti " + tcti_ + " --ak " + dir_ + "/ak.json --challenge " +
                d + "-b-challenge.json --out " + d + "-b-response.json"),
            0)
      << out_;
  EXPECT_EQ(Run("attest accept --state " + d + "-b-state.json --response " + d +
                "-b-response.json --out " + d + "-b.json"),
            0)
      << out_;
  // A challenge for another AK is refused by activate as unusable input.
  ASSERT_EQ(Run("attest enroll --tcti " + tcti_ + " --out " + dir_ + "/ak3.json"), 0) << out_;
  ASSERT_EQ(Run("attest challenge --ak " + dir_ + "/ak3.json --ek-roots " + roots_ + " --out " +
                d + "-c-challenge.json --state " + d + "-c-state.json"),
            0)
      << out_;
  EXPECT_EQ(Run("attest activate --tcti " + tcti_ + " --ak " + dir_ + "/ak.json --challenge " +
                d + "-c-challenge.json --out " + d + "-c-response.json"),
            2)
      << out_;
  // An EK CA the verifier does not trust: no challenge at all.
  const std::string ca = dir_ + "/enr-other-ca.pem";
  std::string o;
  ASSERT_EQ(RunCommand("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
                       "-keyout " + dir_ + "/enr-other-ca.key -out " + ca +
                       " -subj /CN=not-the-tpm-vendor -days 2", &o),
            0)
      << o;
  EXPECT_EQ(Run("attest challenge --ak " + dir_ + "/ak.json --ek-roots " + ca + " --out " + d +
                "-x-challenge.json --state " + d + "-x-state.json"),
            1)
      << out_;
  EXPECT_FALSE(std::filesystem::exists(d + "-x-state.json"));
}

TEST_F(AttestE2eTest, ResettablePcrIsRefusedWithoutTheFlag) {
  EXPECT_EQ(Verify(dir_ + "/ev.json", nonce_, "", "", "", "", ""), 1);
  EXPECT_EQ(finding_, "PCR_RESETTABLE");
  // `attest reference` has no default PCR any more.
  EXPECT_EQ(Run("attest reference --measure binary=" + dir_ + "/app.sh --out " + dir_ +
                "/ref-nopcr.json"),
            2);
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/ref-nopcr.json"));
}

TEST_F(AttestE2eTest, MeasurementAtAnotherPathThanTheReferenceIsRefused) {
  // The reference says the binary runs from /opt/signet/app.sh; the appliance measured (and ran)
  // the same bytes from somewhere else.
  ASSERT_EQ(Run("attest reference --pcr 23 --measure binary=" + dir_ +
                "/app.sh=/opt/signet/app.sh --measure config=" + dir_ +
                "/app.conf --measure policy=" + dir_ + "/policy.json --out " + dir_ +
                "/ref-installed.json"),
            0)
      << out_;
  auto ref = ParseJson(Slurp(dir_ + "/ref-installed.json"));
  ASSERT_TRUE(ref.ok());
  EXPECT_EQ(ref->Find("measurements")->array()[0].Find("path")->string_value(),
            "/opt/signet/app.sh");
  EXPECT_EQ(Verify(dir_ + "/ev.json", nonce_, "", "", dir_ + "/ref-installed.json"), 1);
  EXPECT_EQ(finding_, "REFERENCE_PATH_MISMATCH");
}

TEST_F(AttestE2eTest, EvidenceReportsWhetherTheEkCertificateHasAnEku) {
  ASSERT_EQ(Verify(dir_ + "/ev.json", nonce_), 0) << out_;
  ASSERT_NE(result_.Find("ek_eku_present"), nullptr);
  EXPECT_TRUE(result_.Find("ek_eku_present")->is_bool());
}

TEST_F(AttestE2eTest, LaunchScrubsThePinVariable) {
  SpitExecutable(dir_ + "/envdump.sh", "#!/bin/sh\nenv > \"$1\"\n");
  const std::string log = dir_ + "/log-env.json", dump = dir_ + "/env.txt";
  EXPECT_EQ(RunCommand("SIGNET_TEST_PIN=4711-secret-pin " + cli_ + " launch --tcti " + tcti_ +
                    " --pcr 23 --reset-pcr --event-log " + log + " --pin-env SIGNET_TEST_PIN" +
                    " --measure binary=" + dir_ + "/envdump.sh -- " + dir_ + "/envdump.sh " +
                    dump,
                &out_),
            0)
      << out_;
  const std::string env = Slurp(dump);
  ASSERT_FALSE(env.empty()) << "the launched program did not run";
  EXPECT_EQ(env.find("SIGNET_TEST_PIN"), std::string::npos);
  EXPECT_EQ(env.find("4711-secret-pin"), std::string::npos);
  EXPECT_EQ(out_.find("4711-secret-pin"), std::string::npos);
}

TEST_F(AttestE2eTest, LaunchRunsTheBytesItMeasured) {
  // The program hashes the file it was started from ($0: /dev/fd/N for an fd-executed script,
  // the very file description that was measured) and reports it.
  SpitExecutable(dir_ + "/selfhash.sh", "#!/bin/sh\nsha256sum < \"$0\" | cut -c1-64 > \"$1\"\n");
  const std::string log = dir_ + "/log-self.json", report = dir_ + "/selfhash.txt";
  ASSERT_EQ(Run("launch --tcti " + tcti_ + " --pcr 23 --reset-pcr --event-log " + log +
                " --measure binary=" + dir_ + "/selfhash.sh -- " + dir_ + "/selfhash.sh " + report),
            0)
      << out_;
  auto parsed = att::ParseEventLog(Slurp(log));
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(Slurp(report), HexEncode(parsed->events[0].sha256) + "\n");
  // A measured file that cannot be executed is refused before anything is extended.
  Spit(dir_ + "/noexec.sh", "#!/bin/sh\n");
  EXPECT_EQ(Run("launch --tcti " + tcti_ + " --pcr 23 --reset-pcr --event-log " + dir_ +
                "/log-noexec.json --measure binary=" + dir_ + "/noexec.sh -- " + dir_ +
                "/noexec.sh"),
            2);
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/log-noexec.json"));
  // The command must be the measured binary: an unmeasured interpreter is refused.
  EXPECT_EQ(Run("launch --tcti " + tcti_ + " --pcr 23 --reset-pcr --event-log " + log +
                " --measure binary=" + dir_ + "/selfhash.sh -- /bin/sh " + dir_ + "/selfhash.sh " +
                report),
            2);
}

// SwapProxy forwards 127.0.0.1:port() -> target_port and port()+1 -> target_port+1 (the swtpm
// command and control channels). Before it forwards the first connection it runs `hook`: for
// `signet launch`, whose first TPM connection comes after it hashed its files and before it
// execs, this is exactly the window between measurement and exec.
class SwapProxy {
 public:
  SwapProxy(int target_port, std::function<void()> hook)
      : target_(target_port), hook_(std::move(hook)) {
    for (int attempt = 0; attempt < 50 && port_ == 0; ++attempt) {
      int a = Listen(0);
      if (a < 0) continue;
      sockaddr_in addr{};
      socklen_t len = sizeof addr;
      ::getsockname(a, reinterpret_cast<sockaddr*>(&addr), &len);
      const int p = ntohs(addr.sin_port);
      int b = p < 65535 ? Listen(p + 1) : -1;
      if (b < 0) {
        ::close(a);
        continue;
      }
      listen_[0] = a;
      listen_[1] = b;
      port_ = p;
    }
    if (::pipe(stop_) != 0) port_ = 0;
    if (port_ != 0) thread_ = std::thread([this] { Loop(); });
  }
  ~SwapProxy() {
    if (thread_.joinable()) {
      (void)!::write(stop_[1], "x", 1);
      thread_.join();
    }
    for (int fd : {listen_[0], listen_[1], stop_[0], stop_[1]}) {
      if (fd >= 0) ::close(fd);
    }
  }
  int port() const { return port_; }
  bool hook_ran() const { return hook_ran_; }

 private:
  static int Listen(int port) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(fd, 8) != 0) {
      if (fd >= 0) ::close(fd);
      return -1;
    }
    return fd;
  }
  static int Connect(int port) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      if (fd >= 0) ::close(fd);
      return -1;
    }
    return fd;
  }
  void Loop() {
    std::vector<std::pair<int, int>> pairs;  // (client, upstream), both directions forwarded
    while (true) {
      std::vector<pollfd> fds = {{stop_[0], POLLIN, 0}, {listen_[0], POLLIN, 0},
                                 {listen_[1], POLLIN, 0}};
      for (auto& [c, u] : pairs) {
        fds.push_back({c, POLLIN, 0});
        fds.push_back({u, POLLIN, 0});
      }
      if (::poll(fds.data(), fds.size(), 1000) < 0) continue;
      if (fds[0].revents != 0) break;
      // Only the pairs that were polled have entries in fds; pairs accepted below wait for the
      // next round (indexing fds for them read past its end, found by ASan).
      const size_t polled = pairs.size();
      for (int i = 0; i < 2; ++i) {
        if ((fds[static_cast<size_t>(i) + 1].revents & POLLIN) == 0) continue;
        int c = ::accept4(listen_[i], nullptr, nullptr, SOCK_CLOEXEC);
        if (c < 0) continue;
        if (!hook_ran_) {
          hook_();
          hook_ran_ = true;
        }
        int u = Connect(target_ + i);
        if (u < 0) {
          ::close(c);
          continue;
        }
        pairs.emplace_back(c, u);
      }
      std::vector<std::pair<int, int>> alive;
      for (size_t k = 0; k < pairs.size(); ++k) {
        bool open = true;
        for (int dir = 0; dir < 2 && open && k < polled; ++dir) {
          const pollfd& p = fds[3 + 2 * k + static_cast<size_t>(dir)];
          if (p.revents == 0) continue;
          int from = dir == 0 ? pairs[k].first : pairs[k].second;
          int to = dir == 0 ? pairs[k].second : pairs[k].first;
          char buf[8192];
          ssize_t n = ::read(from, buf, sizeof buf);
          if (n <= 0 || ::send(to, buf, static_cast<size_t>(n), MSG_NOSIGNAL) != n) open = false;
        }
        if (open) {
          alive.push_back(pairs[k]);
        } else {
          ::close(pairs[k].first);
          ::close(pairs[k].second);
        }
      }
      pairs = std::move(alive);
    }
    for (auto& [c, u] : pairs) {
      ::close(c);
      ::close(u);
    }
  }

  int target_;
  std::function<void()> hook_;
  int listen_[2] = {-1, -1};
  int stop_[2] = {-1, -1};
  int port_ = 0;
  std::atomic<bool> hook_ran_{false};
  std::thread thread_;
};

TEST_F(AttestE2eTest, LaunchExecutesTheMeasuredFileNotItsReplacement) {
  // Between hashing and exec the file at the measured path is replaced (rename, as an attacker
  // with write access to the directory would). A path-based exec would run the replacement
  // while the PCR says the original ran; launch executes the descriptor it hashed.
  const std::string port = Env("SIGNET_TEST_SWTPM_PORT");
  ASSERT_FALSE(port.empty()) << "needs the swtpm fixture's TCP port to interpose on";
  const std::string app = dir_ + "/swap-app.sh", evil = dir_ + "/swap-evil.sh";
  const std::string ran = dir_ + "/swap-ran.txt";
  SpitExecutable(app, "#!/bin/sh\necho measured > \"$1\"\n");
  SpitExecutable(evil, "#!/bin/sh\necho replacement > \"$1\"\n");
  SwapProxy proxy(std::stoi(port), [&] { std::filesystem::rename(evil, app); });
  ASSERT_NE(proxy.port(), 0);
  const std::string tcti = "swtpm:host=127.0.0.1,port=" + std::to_string(proxy.port());
  ASSERT_EQ(Run("launch --tcti " + tcti + " --pcr 23 --reset-pcr --event-log " + dir_ +
                "/log-swap.json --measure binary=" + app + " -- " + app + " " + ran),
            0)
      << out_;
  EXPECT_TRUE(proxy.hook_ran());
  EXPECT_EQ(Slurp(app), "#!/bin/sh\necho replacement > \"$1\"\n");  // the swap happened
  EXPECT_EQ(Slurp(ran), "measured\n");
}

TEST_F(AttestE2eTest, LaunchPassesArgumentsAfterDashDashUnchanged) {
  SpitExecutable(dir_ + "/args.sh",
                 "#!/bin/sh\nout=$1; shift; for a in \"$@\"; do printf '%s\\n' \"$a\"; done > "
                 "\"$out\"\n");
  const std::string dump = dir_ + "/args.txt";
  ASSERT_EQ(Run("launch --tcti " + tcti_ + " --pcr 23 --reset-pcr --event-log " + dir_ +
                "/log-args.json --measure binary=" + dir_ + "/args.sh -- " + dir_ + "/args.sh " +
                dump + " --serve -x -- --help --measure=binary=/x --pcr 5"),
            0)
      << out_;
  EXPECT_EQ(Slurp(dump), "--serve\n-x\n--\n--help\n--measure=binary=/x\n--pcr\n5\n");
  // Other commands take nothing after "--".
  EXPECT_EQ(Run("attest reference --pcr 23 --measure binary=" + dir_ + "/app.sh --out " + dir_ +
                "/ref-dd.json -- extra"),
            2);
}

TEST_F(AttestE2eTest, FifosAndDevicesAreRefusedNotBlockedOn) {
  const std::string fifo = dir_ + "/input.fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  // `timeout` turns a hang (the old behaviour) into exit 124 instead of a stuck test.
  auto run = [&](const std::string& args) {
    return RunCommand("timeout 30 " + cli_ + " " + args, &out_);
  };
  const std::string verify = "attest verify --nonce " + nonce_ + " --allow-resettable-pcr ";
  const std::string ev = " --evidence " + dir_ + "/ev.json", ref = " --reference " + dir_ +
                         "/ref.json", roots = " --ek-roots " + roots_, enr = " --enrollment " +
                         dir_ + "/enr.json";
  EXPECT_EQ(run(verify + "--evidence " + fifo + ref + roots + enr), 2) << out_;
  EXPECT_EQ(run(verify + ev + " --reference " + fifo + roots + enr), 2) << out_;
  EXPECT_EQ(run(verify + ev + ref + " --ek-roots " + fifo + enr), 2) << out_;
  EXPECT_EQ(run(verify + ev + ref + roots + " --enrollment " + fifo), 2) << out_;
  EXPECT_EQ(run("attest quote --tcti " + tcti_ + " --ak " + fifo + " --nonce " + nonce_ +
                " --event-log " + dir_ + "/log.json --out " + dir_ + "/x.json"),
            2)
      << out_;
  EXPECT_EQ(run("attest challenge --ak " + fifo + roots + " --out " + dir_ + "/x1.json --state " +
                dir_ + "/x2.json"),
            2)
      << out_;
  EXPECT_EQ(run("attest accept --state " + fifo + " --response " + dir_ +
                "/enr-response.json --out " + dir_ + "/x3.json"),
            2)
      << out_;
  EXPECT_EQ(run("attest reference --pcr 23 --measure binary=" + fifo + " --out " + dir_ +
                "/x4.json"),
            2)
      << out_;
  EXPECT_EQ(run("attest reference --pcr 23 --measure binary=/dev/zero --out " + dir_ +
                "/x5.json"),
            2)
      << out_;
  EXPECT_EQ(run("launch --tcti " + tcti_ + " --pcr 23 --reset-pcr --event-log " + dir_ +
                "/x6.json --measure binary=/dev/zero -- /dev/zero"),
            2)
      << out_;
  EXPECT_EQ(run("launch --tcti " + tcti_ + " --pcr 23 --reset-pcr --event-log " + dir_ +
                "/x7.json --measure binary=" + dir_ + "/app.sh --measure config=" + fifo +
                " -- " + dir_ + "/app.sh " + dir_ + "/x.txt"),
            2)
      << out_;
  EXPECT_EQ(run("launch --tcti " + tcti_ + " --pcr 23 --event-log " + fifo +
                " --measure binary=" + dir_ + "/app.sh -- " + dir_ + "/app.sh " + dir_ +
                "/x.txt"),
            2)
      << out_;
  EXPECT_EQ(run("attest export --evidence " + fifo + " --dir " + dir_), 2) << out_;
  // A directory is no better.
  EXPECT_EQ(run(verify + "--evidence " + dir_ + ref + roots + enr), 2) << out_;
}

TEST_F(AttestE2eTest, EnrollToDevFullIsRefusedAndTheDeviceStays) {
  // The temp-file-then-rename writer once replaced whatever stood at --out: this turned
  // /dev/full into a regular file. Only a regular file may be replaced (exit 2, nothing written).
  struct stat before {};
  ASSERT_EQ(::stat("/dev/full", &before), 0);
  ASSERT_TRUE(S_ISCHR(before.st_mode));
  EXPECT_EQ(Run("attest enroll --tcti " + tcti_ + " --out /dev/full"), 2) << out_;
  struct stat after {};
  ASSERT_EQ(::lstat("/dev/full", &after), 0);
  EXPECT_TRUE(S_ISCHR(after.st_mode));
  EXPECT_EQ(after.st_rdev, before.st_rdev);
  // A symbolic link at --out is refused too, and its target is left alone.
  Spit(dir_ + "/target.json", "keep");
  std::filesystem::create_symlink(dir_ + "/target.json", dir_ + "/link.json");
  EXPECT_EQ(Run("attest enroll --tcti " + tcti_ + " --out " + dir_ + "/link.json"), 2) << out_;
  EXPECT_TRUE(std::filesystem::is_symlink(dir_ + "/link.json"));
  EXPECT_EQ(Slurp(dir_ + "/target.json"), "keep");
}

TEST_F(AttestE2eTest, GarbageTctiIsUsageError) {
  EXPECT_EQ(Run("attest quote --tcti 'nonsense:::' --ak " + dir_ + "/ak.json --nonce " + nonce_ +
                " --event-log " + dir_ + "/log.json --out " + dir_ + "/x.json"),
            2)
      << out_;
  EXPECT_EQ(Run("attest enroll --tcti ':::' --out " + dir_ + "/x.json"), 2) << out_;
  EXPECT_EQ(Run("attest enroll --tcti 'swtpm:host=::::,port=abc' --out " + dir_ + "/x.json"), 2)
      << out_;
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/x.json"));
}

TEST_F(AttestE2eTest, TamperedAkFileIsUsageError) {
  auto ak = ParseJson(Slurp(dir_ + "/ak.json"));
  ASSERT_TRUE(ak.ok());
  auto variant = [&](const std::string& name, const std::function<void(JsonValue&)>& fn) {
    JsonValue v = *ak;
    fn(v);
    Spit(dir_ + "/" + name, WriteJson(v, 2));
    return dir_ + "/" + name;
  };
  std::vector<std::string> bad;
  Spit(dir_ + "/ak-badjson.json", Slurp(dir_ + "/ak.json").substr(0, 40));
  bad.push_back(dir_ + "/ak-badjson.json");
  bad.push_back(variant("ak-badb64.json", [](JsonValue& v) {
    v.Set("ak_public", JsonValue::String("%%%not base64%%%"));
  }));
  bad.push_back(variant("ak-badpub.json", [](JsonValue& v) {
    Bytes pub = *Base64Decode(v.Find("ak_public")->string_value());
    pub.resize(pub.size() / 2);
    v.Set("ak_public", JsonValue::String(Base64Encode(pub)));
  }));
  bad.push_back(variant("ak-badname.json", [](JsonValue& v) {
    std::string name = v.Find("ak_name")->string_value();
    name[name.size() - 1] = name[name.size() - 1] == '0' ? '1' : '0';
    v.Set("ak_name", JsonValue::String(name));
  }));
  bad.push_back(variant("ak-badpriv.json", [](JsonValue& v) {
    v.Set("ak_private", JsonValue::String(Base64Encode(ToBytes("garbage"))));
  }));
  for (const auto& path : bad) {
    EXPECT_EQ(Run("attest quote --tcti " + tcti_ + " --ak " + path + " --nonce " + nonce_ +
                  " --event-log " + dir_ + "/log.json --out " + dir_ + "/x-tampered.json"),
              2)
        << path << ": " << out_;
    EXPECT_EQ(Run("attest activate --tcti " + tcti_ + " --ak " + path + " --challenge " + dir_ +
                  "/enr-challenge.json --out " + dir_ + "/x-tampered.json"),
              2)
        << path << ": " << out_;
  }
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/x-tampered.json"));
}

}  // namespace
}  // namespace signet
