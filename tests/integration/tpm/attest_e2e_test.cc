// End to end on the swtpm fixture, through the `signet` CLI: enroll an AK, `signet launch` a
// program with measured files, quote with a fresh nonce, verify; tpm2_checkquote and the
// openssl CLI accept the quote; and every negative case of issue 6 is refused with its finding.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>

#include "signet/attestation/event_log.h"
#include "signet/core/encoding.h"
#include "signet/core/file.h"
#include "signet/core/hash.h"
#include "signet/core/json.h"
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
    Spit(dir_ + "/app.sh", "#!/bin/sh\necho launched > \"$1\"\n");
    Spit(dir_ + "/app.conf", "listen = 127.0.0.1:8443\n");
    Spit(dir_ + "/policy.json", "{\"builders\":[\"on-prem\"]}\n");
    ASSERT_EQ(Run("attest enroll --tcti " + tcti_ + " --out " + dir_ + "/ak.json"), 0) << out_;
    ASSERT_EQ(Run("attest reference --measure binary=" + dir_ + "/app.sh --measure config=" +
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
  static int LaunchGood(const std::string& log, bool reset, const std::string& binary = "") {
    const std::string bin = binary.empty() ? dir_ + "/app.sh" : binary;
    return Run("launch --tcti " + tcti_ + " --pcr 23 --event-log " + log +
               (reset ? " --reset-pcr" : "") + " --measure binary=" + bin +
               " --measure config=" + dir_ + "/app.conf --measure policy=" + dir_ +
               "/policy.json -- /bin/sh " + bin + " " + dir_ + "/launched.txt");
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
  static int Verify(const std::string& evidence, const std::string& nonce,
                    const std::string& cb = "", const std::string& roots = "",
                    const std::string& ref = "") {
    const std::string result = dir_ + "/result.json";
    std::filesystem::remove(result);
    int rc = Run("attest verify --evidence " + evidence + " --nonce " + nonce +
                 (cb.empty() ? "" : " --channel-binding " + cb) + " --ek-roots " +
                 (roots.empty() ? roots_ : roots) + " --reference " +
                 (ref.empty() ? dir_ + "/ref.json" : ref) + " --out " + result);
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
  const std::string n = RandomHex32(), cb = RandomHex32();
  ASSERT_EQ(Quote(dir_ + "/ak-rsa.json", FreshLog("log-rsa.json"), n, cb, dir_ + "/ev-rsa.json"),
            0)
      << out_;
  EXPECT_EQ(Verify(dir_ + "/ev-rsa.json", n, cb), 0) << out_;
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
  Spit(dir_ + "/app-changed.sh", app);
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
  // A second AK quotes; the attacker attaches the first AK's enrollment record.
  ASSERT_EQ(Run("attest enroll --tcti " + tcti_ + " --out " + dir_ + "/ak2.json"), 0) << out_;
  const std::string n = RandomHex32();
  ASSERT_EQ(Quote(dir_ + "/ak2.json", FreshLog("log-ak2.json"), n, "", dir_ + "/ev-ak2.json"), 0)
      << out_;
  ASSERT_EQ(Verify(dir_ + "/ev-ak2.json", n), 0) << out_;  // with its own record it passes
  auto ak1 = ParseJson(Slurp(dir_ + "/ak.json"));
  ASSERT_TRUE(ak1.ok());
  JsonValue ev = *ParseJson(Slurp(dir_ + "/ev-ak2.json"));
  ev.Set("enrollment", *ak1->Find("enrollment"));
  Spit(dir_ + "/ev-ak2-swapped.json", WriteJson(ev));
  EXPECT_EQ(Verify(dir_ + "/ev-ak2-swapped.json", n), 1);
  EXPECT_EQ(finding_, "AK_NOT_ENROLLED");
  // And with no enrollment record at all.
  JsonValue::Object kept;
  for (auto& m : ev.mutable_object()) {
    if (m.first != "enrollment") kept.push_back(m);
  }
  Spit(dir_ + "/ev-ak2-none.json", WriteJson(JsonValue::MakeObject(kept)));
  EXPECT_EQ(Verify(dir_ + "/ev-ak2-none.json", n), 1);
  EXPECT_EQ(finding_, "AK_NOT_ENROLLED");
  // A verifier that kept its own record of AK 1 refuses AK 2 even with AK 2's own record.
  EXPECT_EQ(Run("attest verify --evidence " + dir_ + "/ev-ak2.json --nonce " + n +
                " --ek-roots " + roots_ + " --reference " + dir_ + "/ref.json --enrollment " +
                dir_ + "/ak.json"),
            1);
  EXPECT_NE(out_.find("AK_NOT_ENROLLED"), std::string::npos) << out_;
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
                "/x.json --measure binary=" + dir_ + "/app.sh -- /bin/true"),
            2);
  EXPECT_EQ(Run("launch --tcti " + tcti_ + " --pcr 23 --event-log " + dir_ +
                "/x.json --measure binary=" + dir_ + "/missing -- /bin/true"),
            2);
  EXPECT_EQ(Run("attest quote --tcti " + tcti_ + " --ak " + dir_ + "/ak.json --nonce abcd" +
                " --event-log " + dir_ + "/log.json --out " + dir_ + "/x.json"),
            2);
}

}  // namespace
}  // namespace signet
