// VerifyBundle: every happy path of the suite, and every check's failure path on mutated copies
// of valid bundles and trusted roots made here.
#include "signet/attestation/verifier.h"

#include <functional>

#include <gtest/gtest.h>

#include "signet/core/findings.h"
#include "signet/core/encoding.h"
#include "signet/core/json.h"
#include "test_util.h"

namespace signet::attestation {
namespace {

constexpr char kSan[] =
    "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/"
    "extremely-dangerous-oidc-beacon.yml@refs/heads/main";
constexpr char kIssuer[] = "https://token.actions.githubusercontent.com";

using BundleEdit = std::function<void(Bundle&)>;
using RootEdit = std::function<void(JsonValue&)>;

struct Case {
  explicit Case(std::string n) : name(std::move(n)) {}
  std::string name;
  BundleEdit edit_bundle;
  RootEdit edit_root;
  std::optional<Timestamp> now;
  bool digest_only = false;
  std::optional<CertificateIdentity> identity;  // default: the suite's identity
  bool use_key = false;                         // key.pub of the case
};

std::string CaseRoot(const std::string& name) {
  std::string path = "conformance/bundle-verify/" + name + "/trusted_root.json";
  const char* dir = std::getenv("SIGNET_SHARED_DIR");
  std::string full = std::string(dir ? dir : "../shared") + "/" + path;
  if (std::FILE* f = std::fopen(full.c_str(), "r")) {
    std::fclose(f);
    return testutil::Shared(path);
  }
  return testutil::PublicGoodRoot();
}

Artifact CaseArtifact(const std::string& name, bool digest_only) {
  std::string path = "conformance/bundle-verify/" + name + "/artifact";
  const char* dir = std::getenv("SIGNET_SHARED_DIR");
  std::string full = std::string(dir ? dir : "../shared") + "/" + path;
  std::string data;
  if (std::FILE* f = std::fopen(full.c_str(), "r")) {
    std::fclose(f);
    data = testutil::Shared(path);
  } else {
    data = testutil::Shared("conformance/bundle-verify/a.txt");
  }
  Artifact a = Artifact::FromBytes(ToBytes(data));
  if (digest_only) a.data.reset();
  return a;
}

Result<VerifiedBundle> RunCase(const Case& c) {
  auto bundle = ParseBundle(testutil::Conformance(c.name));
  if (!bundle.ok()) return bundle.error();
  if (c.edit_bundle) c.edit_bundle(*bundle);
  auto root_doc = ParseJson(CaseRoot(c.name));
  if (c.edit_root) c.edit_root(*root_doc);
  auto root = TrustedRoot::Parse(WriteJson(*root_doc));
  if (!root.ok()) return root.error();
  VerificationPolicy policy;
  if (c.use_key) {
    auto key = PublicKey::FromPem(testutil::Conformance(c.name, "key.pub"));
    if (!key.ok()) return key.error();
    policy.key = *key;
  } else {
    policy.identity = c.identity.value_or(CertificateIdentity{kSan, kIssuer});
  }
  FixedClock clock(c.now.value_or(*ParseRfc3339("2026-11-25T00:00:00Z")));
  return VerifyBundle(*bundle, *root, policy, CaseArtifact(c.name, c.digest_only), clock);
}

void ExpectFinding(const Case& c, const char* finding, const std::string& what) {
  auto r = RunCase(c);
  ASSERT_FALSE(r.ok()) << what;
  EXPECT_EQ(r.error().finding(), finding) << what << ": " << r.error().ToString();
}

void ExpectOk(const Case& c, const std::string& what) {
  auto r = RunCase(c);
  EXPECT_TRUE(r.ok()) << what << ": " << r.error().ToString();
}

std::string Rfc3339(int64_t unix_seconds) { return FormatRfc3339(FromUnixSeconds(unix_seconds)); }

TEST(VerifyBundleTest, EveryHappyPathVerifiesFromFileAndDigest) {
  for (const char* name :
       {"happy-path-v0.1", "happy-path-v0.2", "happy-path-v0.3", "happy-path-v0.3-new-mediaType",
        "happy-path-intoto-in-dsse-v3", "intoto-with-custom-trust-root", "rekor2-happy-path",
        "rekor2-dsse-happy-path", "bundle-with-sct-with-extensions", "rekor2-checkpoint-cosigned",
        "rekor2-timestamp-with-embedded-cert", "rekor2-timestamp-without-embedded-cert",
        "trust-root-tlog-validity-end-inclusive", "trust-root-tsa-validity-end-inclusive"}) {
    for (bool digest_only : {false, true}) {
      Case c{name};
      c.digest_only = digest_only;
      ExpectOk(c, std::string(name) + (digest_only ? " (digest)" : " (file)"));
    }
  }
  for (const char* name : {"managed-key-happy-path", "managed-key-and-trusted-root"}) {
    Case c{name};
    c.use_key = true;
    ExpectOk(c, name);
  }
}

TEST(VerifyBundleTest, ReportsIdentityTimesAndChecks) {
  auto r = RunCase(Case{"happy-path-intoto-in-dsse-v3"});
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  ASSERT_TRUE(r->identity().has_value());
  EXPECT_EQ(r->identity()->san, kSan);
  EXPECT_EQ(r->identity()->issuer, kIssuer);
  ASSERT_EQ(r->times().size(), 1u);
  EXPECT_EQ(r->times()[0].source, "tlog-set");
  EXPECT_EQ(ToUnixSeconds(r->times()[0].time), 1734374576);
  ASSERT_TRUE(r->statement().has_value());
  EXPECT_EQ(r->statement()->predicate_type(), "https://slsa.dev/provenance/v1");
  const auto& checks = r->checks();
  for (const char* want : {"tlog:set", "tlog:inclusion-proof", "tlog:checkpoint", "tlog:body-match",
                           "certificate:chain-at-signing-time", "certificate:sct", "signature:dsse-pae",
                           "content:in-toto-subject", "identity:san-and-issuer"}) {
    EXPECT_NE(std::find(checks.begin(), checks.end(), want), checks.end()) << want;
  }
  JsonValue json = r->ToJson();
  EXPECT_EQ(json.Find("identity")->Find("san")->string_value(), kSan);
  EXPECT_TRUE(json.Find("verified")->bool_value());

  auto tsa = RunCase(Case{"rekor2-happy-path"});
  ASSERT_TRUE(tsa.ok());
  ASSERT_EQ(tsa->times().size(), 1u);
  EXPECT_EQ(tsa->times()[0].source, "rfc3161");
}

// --- Signature, certificate and key material -------------------------------------------------

TEST(VerifyBundleTest, FlippedSignatureIsRefused) {
  Case c{"happy-path-v0.3"};
  c.edit_bundle = [](Bundle& b) { b.message_signature->signature = testutil::Flip(b.message_signature->signature); };
  ExpectFinding(c, findings::kTlogBodyMismatch, "message signature");
  Case d{"happy-path-intoto-in-dsse-v3"};
  d.edit_bundle = [](Bundle& b) { b.dsse_envelope->signatures[0].sig = testutil::Flip(b.dsse_envelope->signatures[0].sig); };
  ExpectFinding(d, findings::kTlogBodyMismatch, "dsse signature");
  Case p{"happy-path-intoto-in-dsse-v3"};
  p.edit_bundle = [](Bundle& b) { b.dsse_envelope->payload_type = "application/json"; };
  ExpectFinding(p, findings::kSignatureInvalid, "payloadType outside the log's view");
}

TEST(VerifyBundleTest, FlippedCertificateIsRefused) {
  Case c{"happy-path-v0.3"};
  // Flip a byte of the certificate's signature: it still parses but is not the logged cert.
  c.edit_bundle = [](Bundle& b) { b.certificates[0] = testutil::Flip(b.certificates[0], -5); };
  ExpectFinding(c, findings::kTlogBodyMismatch, "certificate");
  Case garbage{"happy-path-v0.3"};
  garbage.edit_bundle = [](Bundle& b) { b.certificates[0].resize(20); };
  ExpectFinding(garbage, findings::kMalformedInput, "truncated certificate");
}

TEST(VerifyBundleTest, CertificateMustChainToATrustedCaAtSigningTime) {
  Case other_ca{"happy-path-v0.3"};
  other_ca.edit_root = [](JsonValue& root) {
    auto staging = ParseJson(testutil::Shared("vectors/trust/trusted_root.sigstage-rekor2.json"));
    *testutil::JsonAt(root, "certificateAuthorities") = *staging->Find("certificateAuthorities");
  };
  ExpectFinding(other_ca, findings::kCertChainInvalid, "untrusted CA");
  // CA window: integrated time 1710869186; closed interval.
  for (int64_t delta : {-1, 0}) {
    Case window{"happy-path-v0.3"};
    window.edit_root = [delta](JsonValue& root) {
      testutil::JsonAt(root, "certificateAuthorities.1.validFor")->Set("end", JsonValue::String(Rfc3339(1710869186 + delta)));
    };
    if (delta < 0) {
      ExpectFinding(window, findings::kCertChainInvalid, "CA window ends before signing");
    } else {
      ExpectOk(window, "CA window ends at signing time");
    }
  }
  Case starts_late{"happy-path-v0.3"};
  starts_late.edit_root = [](JsonValue& root) {
    testutil::JsonAt(root, "certificateAuthorities.1.validFor")->Set("start", JsonValue::String(Rfc3339(1710869187)));
  };
  ExpectFinding(starts_late, findings::kCertChainInvalid, "CA window starts after signing");
  ExpectFinding(Case{"bundle-with-root-cert_fail"}, findings::kCertChainInvalid, "root in bundle");
  ExpectFinding(Case{"intoto-set-outside-signing-cert-validity_fail"}, findings::kCertExpiredAtSigning,
                "SET outside the certificate");
  ExpectFinding(Case{"intoto-tsa-timestamp-outside-cert-validity_fail"}, findings::kCertExpiredAtSigning,
                "TSA time outside the certificate");
  ExpectFinding(Case{"rekor2-timestamp-with-incorrect-time_fail"}, findings::kCertExpiredAtSigning,
                "TSA time after the certificate");
}

TEST(VerifyBundleTest, SctMustComeFromATrustedCtLog) {
  Case no_ct{"happy-path-v0.3"};
  no_ct.edit_root = [](JsonValue& root) { *testutil::JsonAt(root, "ctlogs") = JsonValue::MakeArray(); };
  ExpectFinding(no_ct, findings::kSctInvalid, "no CT logs");
  Case wrong_key{"happy-path-v0.3"};
  wrong_key.edit_root = [](JsonValue& root) {
    // The CT log's ID kept, its key replaced by the Rekor key.
    *testutil::JsonAt(root, "ctlogs.1.publicKey.rawBytes") = *testutil::JsonAt(root, "tlogs.0.publicKey.rawBytes");
  };
  ExpectFinding(wrong_key, findings::kSctInvalid, "CT key replaced");
  ExpectFinding(Case{"invalid-ct-key_fail"}, findings::kSctInvalid, "suite case");
}

TEST(VerifyBundleTest, PolicyAndMaterialMustAgree) {
  Case key_for_cert{"happy-path-v0.3"};
  key_for_cert.use_key = false;
  key_for_cert.edit_bundle = [](Bundle& b) {
    b.material = MaterialKind::kPublicKey;
    b.certificates.clear();
  };
  ExpectFinding(key_for_cert, findings::kKeyMismatch, "identity policy, key material");
  Case wrong_key{"managed-key-happy-path"};
  wrong_key.use_key = true;
  wrong_key.edit_bundle = [](Bundle& b) { b.public_key_hint = "ignored"; };
  ExpectOk(wrong_key, "hint is ignored");
  ExpectFinding(Case{"managed-key-no-key_fail"}, findings::kKeyMismatch, "no key given");
}

TEST(VerifyBundleTest, IdentityIsComparedExactly) {
  std::string san = kSan;
  for (const CertificateIdentity& id :
       {CertificateIdentity{san + "x", kIssuer}, CertificateIdentity{san.substr(0, san.size() - 1), kIssuer},
        CertificateIdentity{san, std::string(kIssuer) + "/"}, CertificateIdentity{san, "https://accounts.google.com"}}) {
    Case c{"happy-path-v0.3"};
    c.identity = id;
    ExpectFinding(c, findings::kIdentityMismatch, id.san + " " + id.issuer);
  }
}

// --- Content ----------------------------------------------------------------------------------

TEST(VerifyBundleTest, ArtifactMustBeWhatWasSigned) {
  Case hint{"happy-path-v0.3"};
  hint.edit_bundle = [](Bundle& b) { b.message_signature->digest->digest = testutil::Flip(b.message_signature->digest->digest); };
  ExpectFinding(hint, findings::kArtifactMismatch, "messageDigest hint");
  ExpectFinding(Case{"message-digest-mismatch_fail"}, findings::kArtifactMismatch, "suite case");
  // DSSE: the artifact must be a subject of the verified statement.
  auto bundle = ParseBundle(testutil::Conformance("happy-path-intoto-in-dsse-v3"));
  auto root = TrustedRoot::Parse(testutil::PublicGoodRoot());
  ASSERT_TRUE(bundle.ok() && root.ok());
  VerificationPolicy policy;
  policy.identity = CertificateIdentity{kSan, kIssuer};
  SystemClock clock;
  auto r = VerifyBundle(*bundle, *root, policy, Artifact::FromBytes(ToBytes("other")), clock);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().finding(), findings::kArtifactMismatch);
  auto upper = Artifact::FromDigestString("sha256:A0CFC71271D6E278E57CD332FF957C3F7043FDDA354C4CBB190A30D56EFA01BF");
  EXPECT_FALSE(upper.ok());
  EXPECT_FALSE(Artifact::FromDigestString("sha512:a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf").ok());
  auto digest = Artifact::FromDigestString("sha256:a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf");
  ASSERT_TRUE(digest.ok());
  EXPECT_TRUE(VerifyBundle(*bundle, *root, policy, *digest, clock).ok());
}

// --- Transparency log -------------------------------------------------------------------------

TEST(VerifyBundleTest, SetMustVerify) {
  Case c{"happy-path-v0.3"};
  c.edit_bundle = [](Bundle& b) {
    auto& set = b.tlog_entries[0].signed_entry_timestamp;
    *set = testutil::Flip(*set, 10);
  };
  ExpectFinding(c, findings::kSetInvalid, "flipped SET");
  Case v01_no_set{"happy-path-v0.1"};
  v01_no_set.edit_bundle = [](Bundle& b) { b.tlog_entries[0].signed_entry_timestamp.reset(); };
  ExpectFinding(v01_no_set, findings::kSetInvalid, "v0.1 without SET");
  Case v03_no_set{"happy-path-v0.3"};
  v03_no_set.edit_bundle = [](Bundle& b) { b.tlog_entries[0].signed_entry_timestamp.reset(); };
  ExpectFinding(v03_no_set, findings::kNoVerifiedTime, "proof but no time");
}

TEST(VerifyBundleTest, InclusionProofAndCheckpointMustVerify) {
  Case hash{"happy-path-v0.3"};
  hash.edit_bundle = [](Bundle& b) {
    auto& h = b.tlog_entries[0].inclusion_proof->hashes;
    h[3] = testutil::Flip(h[3], 0);
  };
  ExpectFinding(hash, findings::kInclusionProofInvalid, "flipped proof hash");
  Case dropped_hash{"happy-path-v0.3"};
  dropped_hash.edit_bundle = [](Bundle& b) { b.tlog_entries[0].inclusion_proof->hashes.pop_back(); };
  ExpectFinding(dropped_hash, findings::kInclusionProofInvalid, "short proof");
  Case index{"happy-path-v0.3"};
  index.edit_bundle = [](Bundle& b) { b.tlog_entries[0].inclusion_proof->log_index -= 1; };
  ExpectFinding(index, findings::kInclusionProofInvalid, "wrong index");
  Case dropped{"happy-path-v0.3"};
  dropped.edit_bundle = [](Bundle& b) { b.tlog_entries[0].inclusion_proof.reset(); };
  ExpectFinding(dropped, findings::kInclusionProofInvalid, "dropped proof");
  Case v01_dropped{"happy-path-v0.1"};
  v01_dropped.edit_bundle = [](Bundle& b) { b.tlog_entries[0].inclusion_proof.reset(); };
  ExpectOk(v01_dropped, "v0.1 rests on its SET");
  Case root_hash{"happy-path-v0.3"};
  root_hash.edit_bundle = [](Bundle& b) {
    auto& p = *b.tlog_entries[0].inclusion_proof;
    p.root_hash = testutil::Flip(p.root_hash, 0);
  };
  ExpectFinding(root_hash, findings::kCheckpointInvalid, "proof root differs from checkpoint");
  for (const char* name : {"happy-path-v0.3", "rekor2-happy-path"}) {
    Case sig{name};
    sig.edit_bundle = [](Bundle& b) {
      // Change one base64 character inside the log's signature line.
      std::string& cp = b.tlog_entries[0].inclusion_proof->checkpoint;
      size_t pos = cp.rfind(' ', cp.find('\n', cp.find("\xe2\x80\x94 ")) ) + 12;
      cp[pos] = cp[pos] == 'A' ? 'B' : 'A';
    };
    ExpectFinding(sig, findings::kCheckpointInvalid, std::string(name) + " checkpoint signature");
    Case no_cp{name};
    no_cp.edit_bundle = [](Bundle& b) { b.tlog_entries[0].inclusion_proof->checkpoint.clear(); };
    ExpectFinding(no_cp, findings::kCheckpointInvalid, std::string(name) + " no checkpoint");
  }
  Case rekor2_dropped{"rekor2-happy-path"};
  rekor2_dropped.edit_bundle = [](Bundle& b) { b.tlog_entries[0].inclusion_proof.reset(); };
  ExpectFinding(rekor2_dropped, findings::kInclusionProofInvalid, "rekor v2 dropped proof");
}

TEST(VerifyBundleTest, LogMustBePinnedAndInsideItsWindow) {
  Case unknown{"happy-path-v0.3"};
  unknown.edit_bundle = [](Bundle& b) { b.tlog_entries[0].log_id = testutil::Flip(b.tlog_entries[0].log_id, 0); };
  ExpectFinding(unknown, findings::kTlogEntryInvalid, "unknown log");
  Case none{"happy-path-v0.3"};
  none.edit_bundle = [](Bundle& b) { b.tlog_entries.clear(); };
  ExpectFinding(none, findings::kTlogEntryInvalid, "no entry");
  ExpectFinding(Case{"bundle-from-wrong-instance_fail"}, findings::kTlogEntryInvalid, "staging bundle");
  for (int64_t delta : {-1, 0}) {
    Case window{"happy-path-v0.3"};
    window.edit_root = [delta](JsonValue& root) {
      testutil::JsonAt(root, "tlogs.0.publicKey.validFor")->Set("end", JsonValue::String(Rfc3339(1710869186 + delta)));
    };
    if (delta < 0) {
      ExpectFinding(window, findings::kTlogEntryInvalid, "log window ends before integration");
    } else {
      ExpectOk(window, "log window ends at integration");
    }
  }
}

TEST(VerifyBundleTest, SigningTimeMustNotBeInTheFuture) {
  Case before{"happy-path-v0.3"};
  before.now = FromUnixSeconds(1710869186 - 1);
  ExpectFinding(before, findings::kTimeInFuture, "integrated time after now");
  Case at{"happy-path-v0.3"};
  at.now = FromUnixSeconds(1710869186);
  ExpectOk(at, "integrated time == now");
}

// --- RFC 3161 ---------------------------------------------------------------------------------

TEST(VerifyBundleTest, TimestampsMustVerifyInsideTheTsaWindow) {
  auto ok = RunCase(Case{"rekor2-happy-path"});
  ASSERT_TRUE(ok.ok()) << ok.error().ToString();
  const int64_t gen = ToUnixSeconds(ok->times()[0].time);
  Case flipped{"rekor2-happy-path"};
  flipped.edit_bundle = [](Bundle& b) { b.rfc3161_timestamps[0] = testutil::Flip(b.rfc3161_timestamps[0], -10); };
  ExpectFinding(flipped, findings::kTimestampInvalid, "flipped TSA signature");
  Case dropped{"rekor2-happy-path"};
  dropped.edit_bundle = [](Bundle& b) { b.rfc3161_timestamps.clear(); };
  ExpectFinding(dropped, findings::kNoVerifiedTime, "no time for a Rekor v2 entry");
  Case other_sig{"rekor2-happy-path"};
  other_sig.edit_bundle = [](Bundle& b) { b.rfc3161_timestamps.push_back(b.rfc3161_timestamps[0]); };
  ExpectOk(other_sig, "two good timestamps");
  Case window{"rekor2-happy-path"};
  window.edit_root = [gen](JsonValue& root) {
    for (JsonValue& tsa : testutil::JsonAt(root, "timestampAuthorities")->mutable_array()) {
      testutil::JsonAt(tsa, "validFor")->Set("end", JsonValue::String(Rfc3339(gen - 1)));
    }
  };
  ExpectFinding(window, findings::kTimestampInvalid, "TSA window ends before genTime");
  Case no_tsa{"rekor2-happy-path"};
  no_tsa.edit_root = [](JsonValue& root) { *testutil::JsonAt(root, "timestampAuthorities") = JsonValue::MakeArray(); };
  ExpectFinding(no_tsa, findings::kTimestampInvalid, "no TSA pinned");
  Case future{"rekor2-happy-path"};
  future.now = FromUnixSeconds(gen - 1);
  ExpectFinding(future, findings::kTimeInFuture, "genTime after now");
}

}  // namespace
}  // namespace signet::attestation
