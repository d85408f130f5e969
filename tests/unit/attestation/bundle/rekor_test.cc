// Rekor bodies (every supported kind) and signed entry timestamps.
#include "signet/attestation/rekor.h"

#include <gtest/gtest.h>

#include "signet/core/findings.h"
#include "signet/core/encoding.h"
#include "signet/core/hash.h"
#include "signet/core/json.h"
#include "test_util.h"

namespace signet::attestation {
namespace {

struct Loaded {
  Bundle bundle;
  SignedContent content;
};

// Load parses a conformance bundle and describes its content as the verifier would.
Loaded Load(const char* name) {
  const std::string artifact = testutil::Shared("conformance/bundle-verify/a.txt");
  auto b = ParseBundle(testutil::Conformance(name));
  if (!b.ok()) std::abort();
  Loaded l{std::move(b).value(), {}};
  l.content.signer_is_certificate = l.bundle.material != MaterialKind::kPublicKey;
  if (l.content.signer_is_certificate) l.content.signer_der = l.bundle.certificates.front();
  if (l.bundle.message_signature) {
    l.content.message = &*l.bundle.message_signature;
    l.content.artifact_sha256 = Sha256(AsBytes(artifact));
  } else {
    l.content.envelope = &*l.bundle.dsse_envelope;
  }
  return l;
}

void ExpectMismatch(const TlogEntry& entry, const SignedContent& content, const char* what) {
  Status st = MatchRekorBody(entry, content);
  ASSERT_FALSE(st.ok()) << what;
  EXPECT_EQ(st.error().finding(), findings::kTlogBodyMismatch) << what;
  EXPECT_EQ(st.error().code(), ErrorCode::kVerificationFailed) << what;
}

TEST(RekorBodyTest, ParsesEveryKind) {
  struct Case { const char* name; const char* kind; const char* version; };
  for (const Case& c : {Case{"happy-path-v0.3", "hashedrekord", "0.0.1"},
                        Case{"rekor2-happy-path", "hashedrekord", "0.0.2"},
                        Case{"happy-path-intoto-in-dsse-v3", "dsse", "0.0.1"},
                        Case{"intoto-with-custom-trust-root", "intoto", "0.0.2"},
                        Case{"rekor2-dsse-happy-path", "hashedrekord", "0.0.2"}}) {
    Loaded l = Load(c.name);
    auto body = ParseRekorBody(l.bundle.tlog_entries[0].canonicalized_body);
    ASSERT_TRUE(body.ok()) << c.name << " " << body.error().ToString();
    EXPECT_EQ(body->kind, c.kind);
    EXPECT_EQ(body->api_version, c.version);
    ASSERT_FALSE(body->signatures.empty());
    EXPECT_TRUE(body->signatures[0].verifier.is_certificate);
  }
}

TEST(RekorBodyTest, ParsesDsseV002) {
  // Rekor v2 dsse entries (rekor-tiles DSSELogEntryV002), built here since no vector has one.
  Loaded l = Load("happy-path-intoto-in-dsse-v3");
  const DsseEnvelope& env = *l.content.envelope;
  auto make = [&](const Bytes& payload_hash, const Bytes& sig) {
    JsonValue verifier = JsonValue::MakeObject();
    JsonValue cert = JsonValue::MakeObject();
    cert.Set("rawBytes", JsonValue::String(Base64Encode(l.content.signer_der)));
    verifier.Set("x509Certificate", std::move(cert));
    verifier.Set("keyDetails", JsonValue::String("PKIX_ECDSA_P256_SHA_256"));
    JsonValue s = JsonValue::MakeObject();
    s.Set("content", JsonValue::String(Base64Encode(sig)));
    s.Set("verifier", std::move(verifier));
    JsonValue ph = JsonValue::MakeObject();
    ph.Set("algorithm", JsonValue::String("SHA2_256"));
    ph.Set("digest", JsonValue::String(Base64Encode(payload_hash)));
    JsonValue inner = JsonValue::MakeObject();
    inner.Set("payloadHash", std::move(ph));
    inner.Set("signatures", JsonValue::MakeArray({std::move(s)}));
    JsonValue spec = JsonValue::MakeObject();
    spec.Set("dsseV002", std::move(inner));
    JsonValue body = JsonValue::MakeObject();
    body.Set("apiVersion", JsonValue::String("0.0.2"));
    body.Set("kind", JsonValue::String("dsse"));
    body.Set("spec", std::move(spec));
    TlogEntry e;
    e.kind = "dsse";
    e.version = "0.0.2";
    e.canonicalized_body = ToBytes(WriteCanonicalJson(body).value());
    return e;
  };
  TlogEntry good = make(Sha256(env.payload), env.signatures[0].sig);
  EXPECT_TRUE(MatchRekorBody(good, l.content).ok());
  ExpectMismatch(make(testutil::Flip(Sha256(env.payload)), env.signatures[0].sig), l.content, "payload hash");
  ExpectMismatch(make(Sha256(env.payload), testutil::Flip(env.signatures[0].sig)), l.content, "signature");
}

TEST(MatchRekorBodyTest, HashedRekordV001) {
  Loaded l = Load("happy-path-v0.3");
  const TlogEntry& e = l.bundle.tlog_entries[0];
  ASSERT_TRUE(MatchRekorBody(e, l.content).ok());
  SignedContent other_artifact = l.content;
  other_artifact.artifact_sha256 = Sha256(AsBytes("other"));
  ExpectMismatch(e, other_artifact, "artifact");
  MessageSignature sig = *l.content.message;
  sig.signature = testutil::Flip(sig.signature);
  SignedContent other_sig = l.content;
  other_sig.message = &sig;
  ExpectMismatch(e, other_sig, "signature");
  SignedContent other_signer = l.content;
  other_signer.signer_der = testutil::Flip(other_signer.signer_der, 100);
  ExpectMismatch(e, other_signer, "signer");
  SignedContent as_key = l.content;
  as_key.signer_is_certificate = false;
  ExpectMismatch(e, as_key, "key vs certificate");
  TlogEntry wrong_kind = e;
  wrong_kind.version = "0.0.2";
  ExpectMismatch(wrong_kind, l.content, "kindVersion");
  TlogEntry corrupted = e;
  corrupted.canonicalized_body = testutil::Flip(corrupted.canonicalized_body, 5);
  ExpectMismatch(corrupted, l.content, "corrupted body");
}

TEST(MatchRekorBodyTest, HashedRekordV002ForMessageAndDsse) {
  Loaded msg = Load("rekor2-happy-path");
  EXPECT_TRUE(MatchRekorBody(msg.bundle.tlog_entries[0], msg.content).ok());
  SignedContent wrong = msg.content;
  wrong.artifact_sha256 = Sha256(AsBytes("x"));
  ExpectMismatch(msg.bundle.tlog_entries[0], wrong, "artifact");

  Loaded dsse = Load("rekor2-dsse-happy-path");
  EXPECT_TRUE(MatchRekorBody(dsse.bundle.tlog_entries[0], dsse.content).ok());
  DsseEnvelope env = *dsse.content.envelope;
  env.payload.push_back(' ');
  SignedContent changed = dsse.content;
  changed.envelope = &env;
  ExpectMismatch(dsse.bundle.tlog_entries[0], changed, "PAE digest");
  for (const char* bad : {"rekor2-dsse-mismatch-envelope_fail", "rekor2-dsse-mismatch-sig_fail"}) {
    Loaded l = Load(bad);
    ExpectMismatch(l.bundle.tlog_entries[0], l.content, bad);
  }
}

TEST(MatchRekorBodyTest, DsseAndIntotoBodies) {
  for (const char* good : {"happy-path-intoto-in-dsse-v3", "intoto-with-custom-trust-root"}) {
    Loaded l = Load(good);
    EXPECT_TRUE(MatchRekorBody(l.bundle.tlog_entries[0], l.content).ok()) << good;
    DsseEnvelope env = *l.content.envelope;
    env.signatures[0].sig = testutil::Flip(env.signatures[0].sig);
    SignedContent c = l.content;
    c.envelope = &env;
    ExpectMismatch(l.bundle.tlog_entries[0], c, "signature");
    DsseEnvelope env2 = *l.content.envelope;
    env2.payload.push_back('\n');
    c.envelope = &env2;
    ExpectMismatch(l.bundle.tlog_entries[0], c, "payload");
    DsseEnvelope env3 = *l.content.envelope;
    env3.signatures.push_back(env3.signatures[0]);
    c.envelope = &env3;
    ExpectMismatch(l.bundle.tlog_entries[0], c, "signature count");
    // A message signature can never match a DSSE entry.
    MessageSignature ms{std::nullopt, l.content.envelope->signatures[0].sig};
    SignedContent as_message = l.content;
    as_message.envelope = nullptr;
    as_message.message = &ms;
    as_message.artifact_sha256 = Sha256(l.content.envelope->payload);
    ExpectMismatch(l.bundle.tlog_entries[0], as_message, "message vs dsse");
  }
  for (const char* bad : {"dsse-mismatch-envelope_fail", "dsse-mismatch-sig_fail"}) {
    Loaded l = Load(bad);
    ExpectMismatch(l.bundle.tlog_entries[0], l.content, bad);
  }
}

TEST(SetTest, PayloadIsCanonicalJson) {
  Loaded l = Load("happy-path-v0.3");
  auto payload = SetPayload(l.bundle.tlog_entries[0]);
  ASSERT_TRUE(payload.ok());
  EXPECT_EQ(payload->rfind("{\"body\":\"eyJhcGlWZXJzaW9uIjoiMC4wLjEi", 0), 0u);
  EXPECT_NE(payload->find("\"integratedTime\":1710869186,\"logID\":\"c0d23d6ad406973f9559f3ba2d1ca01f84147d8ffc5b8445c224f98b9591801d\",\"logIndex\":79571823}"),
            std::string::npos);
}

// SetPayloadByWriter is the SET payload as the general canonical-JSON writer renders it.
std::string SetPayloadByWriter(const TlogEntry& e) {
  JsonValue obj = JsonValue::MakeObject();
  obj.Set("body", JsonValue::String(Base64Encode(e.canonicalized_body)));
  obj.Set("integratedTime", JsonValue::Int(*e.integrated_time));
  obj.Set("logID", JsonValue::String(HexEncode(e.log_id)));
  obj.Set("logIndex", JsonValue::Uint(e.log_index));
  return WriteCanonicalJson(obj).value();
}

// SetPayload writes the four members directly when the numbers are exact in a double, and
// through the general writer (ECMAScript rendering of the double) when they are not.
TEST(SetTest, PayloadEqualsTheCanonicalWriterAtEveryMagnitude) {
  Loaded l = Load("happy-path-v0.3");
  TlogEntry e = l.bundle.tlog_entries[0];
  EXPECT_EQ(*SetPayload(e), SetPayloadByWriter(e));
  const int64_t exact = int64_t{1} << 53;
  for (int64_t t : {int64_t{0}, exact - 1, exact, exact + 1, int64_t{9'000'000'000'000'000'000}}) {
    for (uint64_t index : {uint64_t{0}, uint64_t(exact), uint64_t(exact) + 1, ~uint64_t{0}}) {
      e.integrated_time = t;
      e.log_index = index;
      EXPECT_EQ(*SetPayload(e), SetPayloadByWriter(e)) << t << " " << index;
    }
  }
}

// Rekor v1 verifiers are base64(PEM). The canonical layout is decoded directly; any other layout
// PEM_read_bio accepts gives the same DER, and what it refuses stays refused.
TEST(RekorBodyTest, PemVerifierLayouts) {
  Loaded l = Load("happy-path-intoto-in-dsse-v3");
  const Bytes& raw = l.bundle.tlog_entries[0].canonicalized_body;
  JsonValue body = ParseJson(AsString(raw)).value();
  auto with_pem = [&body](const std::string& pem) {
    JsonValue b = body;
    for (auto& [k, v] : b.mutable_object()) {
      if (k != "spec") continue;
      for (auto& [sk, sv] : v.mutable_object()) {
        if (sk != "signatures") continue;
        for (auto& [fk, fv] : sv.mutable_array()[0].mutable_object()) {
          if (fk == "verifier") fv = JsonValue::String(Base64Encode(AsBytes(pem)));
        }
      }
    }
    return ParseRekorBody(AsBytes(WriteJson(b)));
  };
  auto original = ParseRekorBody(raw);
  ASSERT_TRUE(original.ok()) << original.error().ToString();
  const Bytes der = original->signatures[0].verifier.der;
  ASSERT_TRUE(original->signatures[0].verifier.is_certificate);
  EXPECT_EQ(der, l.bundle.certificates.front());

  const std::string b64 = Base64Encode(der);
  std::string canonical = "-----BEGIN CERTIFICATE-----\n";
  for (size_t i = 0; i < b64.size(); i += 64) canonical += b64.substr(i, 64) + "\n";
  canonical += "-----END CERTIFICATE-----\n";
  std::string crlf;
  for (char c : canonical) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
  for (const std::string& pem : {canonical, canonical.substr(0, canonical.size() - 1),
                                 canonical + "\n \t", crlf}) {
    auto parsed = with_pem(pem);
    ASSERT_TRUE(parsed.ok()) << pem << parsed.error().ToString();
    EXPECT_TRUE(parsed->signatures[0].verifier.is_certificate);
    EXPECT_EQ(parsed->signatures[0].verifier.der, der);
  }
  for (const std::string& pem : {canonical + "x", canonical + canonical,
                                 std::string("-----BEGIN X509 CRL-----\n") + b64.substr(0, 64) +
                                     "\n-----END X509 CRL-----\n"}) {
    auto parsed = with_pem(pem);
    ASSERT_FALSE(parsed.ok()) << pem;
    EXPECT_EQ(parsed.error().finding(), findings::kTlogBodyMismatch);
  }
}

TEST(SetTest, VerifiesAndRefusesEveryMutation) {
  auto root = TrustedRoot::Parse(testutil::PublicGoodRoot());
  ASSERT_TRUE(root.ok());
  Loaded l = Load("happy-path-v0.3");
  const TlogEntry& e = l.bundle.tlog_entries[0];
  const TransparencyLog* log = root->FindTlog(e.log_id);
  ASSERT_NE(log, nullptr);
  ASSERT_TRUE(VerifySet(e, *log).ok());
  TlogEntry flipped_set = e;
  flipped_set.signed_entry_timestamp = testutil::Flip(*e.signed_entry_timestamp, 12);
  TlogEntry other_time = e;
  *other_time.integrated_time += 1;
  TlogEntry other_index = e;
  other_index.log_index += 1;
  TlogEntry other_body = e;
  other_body.canonicalized_body = testutil::Flip(e.canonicalized_body, 40);
  TlogEntry no_set = e;
  no_set.signed_entry_timestamp.reset();
  TlogEntry no_time = e;
  no_time.integrated_time.reset();
  for (const TlogEntry* m : {&flipped_set, &other_time, &other_index, &other_body, &no_set, &no_time}) {
    Status st = VerifySet(*m, *log);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().finding(), findings::kSetInvalid);
  }
  // The conformance case with a corrupted SET.
  Loaded bad = Load("set-invalid-signature_fail");
  EXPECT_FALSE(VerifySet(bad.bundle.tlog_entries[0], *log).ok());
}

}  // namespace
}  // namespace signet::attestation
