// DSSE: PAE byte-exactness, strict envelope parsing, threshold of distinct keys, keyid ignored.
#include "signet/attestation/dsse.h"

#include <gtest/gtest.h>

#include "signet/core/findings.h"
#include "signet/core/encoding.h"
#include "signet/core/json.h"
#include "test_util.h"

namespace signet::attestation {
namespace {

using testutil::NewKey;
using testutil::Public;
using testutil::Sign;

TEST(PaeTest, MatchesTheProtocolExample) {
  // DSSE protocol.md test vector.
  Bytes pae = Pae("http://example.com/HelloWorld", AsBytes("hello world"));
  EXPECT_EQ(ToString(pae), "DSSEv1 29 http://example.com/HelloWorld 11 hello world");
}

TEST(PaeTest, EmptyTypeAndBodyAndBinaryBody) {
  EXPECT_EQ(ToString(Pae("", {})), "DSSEv1 0  0 ");
  Bytes body = {0x00, 0xff, ' ', '\n'};
  Bytes want = ToBytes("DSSEv1 1 t 4 ");
  want.insert(want.end(), body.begin(), body.end());
  EXPECT_EQ(Pae("t", body), want);
  // Multi-byte UTF-8 types count bytes, not characters.
  EXPECT_EQ(ToString(Pae("\xc3\xa9", AsBytes("x"))), "DSSEv1 2 \xc3\xa9 1 x");
}

std::string Envelope(std::string_view type, std::string_view payload, const std::vector<Bytes>& sigs,
                     Base64Alphabet alphabet = Base64Alphabet::kStandard) {
  JsonValue env = JsonValue::MakeObject();
  env.Set("payload", JsonValue::String(Base64Encode(AsBytes(payload), alphabet)));
  env.Set("payloadType", JsonValue::String(std::string(type)));
  JsonValue arr = JsonValue::MakeArray();
  for (const Bytes& s : sigs) {
    JsonValue o = JsonValue::MakeObject();
    o.Set("keyid", JsonValue::String(""));
    o.Set("sig", JsonValue::String(Base64Encode(s, alphabet)));
    arr.Push(std::move(o));
  }
  env.Set("signatures", std::move(arr));
  return WriteJson(env);
}

TEST(ParseDsseEnvelopeTest, AcceptsStandardAndUrlSafeBase64) {
  std::vector<Bytes> sigs = {Bytes{0xfb, 0xff, 0xfe}};
  for (auto alphabet : {Base64Alphabet::kStandard, Base64Alphabet::kUrlSafe}) {
    auto env = ParseDsseEnvelope(Envelope("t", "\xfb\xff payload", sigs, alphabet));
    ASSERT_TRUE(env.ok()) << env.error().ToString();
    EXPECT_EQ(env->payload_type, "t");
    EXPECT_EQ(ToString(env->payload), "\xfb\xff payload");
    EXPECT_EQ(env->signatures[0].sig, sigs[0]);
  }
  // Unpadded is allowed too.
  auto env = ParseDsseEnvelope(R"({"payload":"YQ","payloadType":"t","signatures":[{"sig":"YQ"}]})");
  ASSERT_TRUE(env.ok());
  EXPECT_EQ(ToString(env->payload), "a");
}

TEST(ParseDsseEnvelopeTest, RefusesMalformedEnvelopes) {
  const char* bad[] = {
      R"([])",
      R"({"payload":"YQ==","payloadType":"t"})",                                  // no signatures
      R"({"payload":"YQ==","payloadType":"t","signatures":[]})",                  // empty list
      R"({"payloadType":"t","signatures":[{"sig":"YQ=="}]})",                     // no payload
      R"({"payload":"YQ==","signatures":[{"sig":"YQ=="}]})",                      // no type
      R"({"payload":"YQ==","payloadType":1,"signatures":[{"sig":"YQ=="}]})",      // type not string
      R"({"payload":"Y Q==","payloadType":"t","signatures":[{"sig":"YQ=="}]})",   // whitespace
      R"({"payload":"+_8=","payloadType":"t","signatures":[{"sig":"YQ=="}]})",    // mixed alphabets
      R"({"payload":"YQ=","payloadType":"t","signatures":[{"sig":"YQ=="}]})",     // partial padding
      R"({"payload":"YQ==","payloadType":"t","signatures":[{"sig":""}]})",        // empty sig
      R"({"payload":"YQ==","payloadType":"t","signatures":[{"keyid":"k"}]})",     // no sig
      R"({"payload":"YQ==","payloadType":"t","signatures":[{"sig":"YQ==","keyid":3}]})",
      R"({"payload":"YQ==","payloadType":"t","signatures":[{"sig":"YQ==","extra":1}]})",
      R"({"payload":"YQ==","payloadType":"t","signatures":[{"sig":"YQ=="}],"x":1})",
      R"({"payload":"YQ==","payload":"Yg==","payloadType":"t","signatures":[{"sig":"YQ=="}]})",
      R"({"payload":"YQ==","payloadType":"t","signatures":[{"sig":"YQ=="}]} {})",
      R"({"payload":"YQ==","payloadType":"t","signatures":["YQ=="]})",
  };
  for (const char* json : bad) {
    auto env = ParseDsseEnvelope(json);
    ASSERT_FALSE(env.ok()) << json;
    EXPECT_EQ(env.error().finding(), findings::kMalformedInput) << json;
    EXPECT_EQ(env.error().code(), ErrorCode::kInvalidArgument);
  }
}

class VerifyEnvelopeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    for (const char* t : {"P-256", "P-384", "ED25519", "RSA"}) keys_.push_back(NewKey(t).release());
  }
  static void TearDownTestSuite() {
    for (EVP_PKEY* k : keys_) EVP_PKEY_free(k);
    keys_.clear();
  }
  static DsseEnvelope Make(const std::vector<EVP_PKEY*>& signers, std::string type = "application/x") {
    DsseEnvelope env;
    env.payload_type = std::move(type);
    env.payload = ToBytes("{\"hello\":1}");
    for (EVP_PKEY* k : signers) {
      env.signatures.push_back(DsseSignature{"", Sign(k, Pae(env.payload_type, env.payload))});
    }
    return env;
  }
  static TrustedKey Trusted(size_t i) { return TrustedKey{"k" + std::to_string(i), Public(keys_[i])}; }
  static inline std::vector<EVP_PKEY*> keys_;
};

TEST_F(VerifyEnvelopeTest, EveryAllowedSchemeVerifiesOverPae) {
  for (size_t i = 0; i < keys_.size(); ++i) {
    auto v = VerifyEnvelope(Make({keys_[i]}), {Trusted(i)}, 1);
    ASSERT_TRUE(v.ok()) << i << " " << v.error().ToString();
    EXPECT_EQ(ToString(v->payload()), "{\"hello\":1}");
    EXPECT_EQ(v->key_names(), std::vector<std::string>{"k" + std::to_string(i)});
  }
}

TEST_F(VerifyEnvelopeTest, SignatureOverRawPayloadIsRefused) {
  DsseEnvelope env = Make({});
  env.signatures.push_back(DsseSignature{"", Sign(keys_[0], env.payload)});
  auto v = VerifyEnvelope(env, {Trusted(0)}, 1);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().finding(), findings::kSignatureInvalid);
}

TEST_F(VerifyEnvelopeTest, TamperedTypePayloadOrSignatureIsRefused) {
  DsseEnvelope env = Make({keys_[0]});
  DsseEnvelope t1 = env;
  t1.payload_type = "application/y";
  DsseEnvelope t2 = env;
  t2.payload.push_back(' ');
  DsseEnvelope t3 = env;
  t3.signatures[0].sig = testutil::Flip(t3.signatures[0].sig, 10);
  for (const DsseEnvelope* e : {&t1, &t2, &t3}) {
    auto v = VerifyEnvelope(*e, {Trusted(0)}, 1);
    ASSERT_FALSE(v.ok());
    EXPECT_EQ(v.error().finding(), findings::kSignatureInvalid);
  }
}

TEST_F(VerifyEnvelopeTest, ThresholdCountsDistinctKeys) {
  std::vector<TrustedKey> trusted = {Trusted(0), Trusted(1), Trusted(2)};
  EXPECT_TRUE(VerifyEnvelope(Make({keys_[0], keys_[2]}), trusted, 2).ok());
  auto one = VerifyEnvelope(Make({keys_[0]}), trusted, 2);
  ASSERT_FALSE(one.ok());
  EXPECT_EQ(one.error().finding(), findings::kThresholdNotMet);
  // The same key signing twice counts once.
  auto twice = VerifyEnvelope(Make({keys_[0], keys_[0]}), trusted, 2);
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().finding(), findings::kThresholdNotMet);
  // The same key pinned twice under two names counts once, and cannot make a threshold of 2.
  TrustedKey alias{"alias", Public(keys_[0])};
  auto dup = VerifyEnvelope(Make({keys_[0], keys_[0]}), {Trusted(0), alias}, 2);
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code(), ErrorCode::kInvalidArgument);
  // An untrusted signer adds nothing.
  auto untrusted = VerifyEnvelope(Make({keys_[3], keys_[0]}), {Trusted(0), Trusted(1)}, 2);
  ASSERT_FALSE(untrusted.ok());
  EXPECT_EQ(untrusted.error().finding(), findings::kThresholdNotMet);
}

TEST_F(VerifyEnvelopeTest, ThresholdZeroOrAboveKeyCountIsAUsageError) {
  EXPECT_EQ(VerifyEnvelope(Make({keys_[0]}), {Trusted(0)}, 0).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(VerifyEnvelope(Make({keys_[0]}), {Trusted(0)}, 2).error().code(), ErrorCode::kInvalidArgument);
}

TEST_F(VerifyEnvelopeTest, KeyidIsNeverASourceOfTrust) {
  // keyid naming the trusted key does not make an untrusted signature count...
  DsseEnvelope env = Make({keys_[1]});
  env.signatures[0].keyid = "k0";
  auto v = VerifyEnvelope(env, {Trusted(0)}, 1);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().finding(), findings::kSignatureInvalid);
  // ...and a misleading keyid does not stop a trusted signature from counting.
  DsseEnvelope env2 = Make({keys_[0]});
  env2.signatures[0].keyid = "k1";
  EXPECT_TRUE(VerifyEnvelope(env2, {Trusted(1), Trusted(0)}, 1).ok());
}

// Real-world envelopes: Google Cloud Build provenance signed with KMS keys (URL-safe base64).
Result<DsseEnvelope> GcbEnvelope(const std::string& file, size_t index) {
  auto doc = ParseJson(testutil::Shared(file));
  if (!doc.ok()) return doc.error();
  const JsonValue* prov = testutil::JsonAt(*doc, "provenance_summary.provenance");
  return ParseDsseEnvelopeJson(*prov->array().at(index).Find("envelope"));
}

TrustedKey PemKey(const std::string& file) {
  auto key = PublicKey::FromPem(testutil::Shared(file));
  if (!key.ok()) std::abort();
  return TrustedKey{file, *key};
}

TEST(GcbVectorsTest, PaeSignedProvenanceVerifies) {
  auto v1 = GcbEnvelope("vectors/accept/gcb/v1.0-gcloud-container-github-v1.0-valid.json", 0);
  ASSERT_TRUE(v1.ok()) << v1.error().ToString();
  EXPECT_TRUE(VerifyEnvelope(*v1, {PemKey("vectors/trust/gcb/global-pae-google-hosted-worker_1.pem")}, 1).ok());
  auto v01 = GcbEnvelope("vectors/accept/gcb/v0.1-gcloud-container-global-pae-signing-key-successful.json", 0);
  ASSERT_TRUE(v01.ok());
  EXPECT_TRUE(VerifyEnvelope(*v01, {PemKey("vectors/trust/gcb/global-pae-provenanceSigner_1.pem")}, 1).ok());
  // The wrong pinned key refuses.
  auto wrong = VerifyEnvelope(*v01, {PemKey("vectors/trust/gcb/global-pae-google-hosted-worker_1.pem")}, 1);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().finding(), findings::kSignatureInvalid);
}

TEST(GcbVectorsTest, NonPaeLegacySignatureIsRefused) {
  auto env = GcbEnvelope("vectors/reject/other/gcb-legacy-nonPAE-payloadtype-changed.json", 0);
  ASSERT_TRUE(env.ok());
  auto key = PemKey("vectors/trust/gcb/global-builtByGCB_1.pem");
  // The signature is a valid ECDSA signature over SHA-256(payload)...
  EXPECT_TRUE(key.key.Verify(env->payload, env->signatures[0].sig).ok());
  // ...which DSSE must never accept.
  auto v = VerifyEnvelope(*env, {key}, 1);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().finding(), findings::kSignatureInvalid);
}

}  // namespace
}  // namespace signet::attestation
