#include "keyless_fixture.h"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "signet/attestation/dsse.h"
#include "signet/core/encoding.h"
#include "signet/core/hash.h"
#include "signet/core/json.h"
#include "synthetic_pki.h"

namespace signet::policy::testutil {
namespace {

namespace testpki = attestation::testpki;

Bytes SignWith(EVP_PKEY* key, ByteView data) {
  ossl::UniquePtr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
  size_t len = 0;
  EXPECT_EQ(EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key), 1);
  EXPECT_EQ(EVP_DigestSign(ctx.get(), nullptr, &len, data.data(), data.size()), 1);
  Bytes sig(len);
  EXPECT_EQ(EVP_DigestSign(ctx.get(), sig.data(), &len, data.data(), data.size()), 1);
  sig.resize(len);
  return sig;
}

void PutInt(Bytes& out, uint64_t v, size_t n) {
  for (size_t i = n; i > 0; --i) out.push_back(static_cast<uint8_t>(v >> (8 * (i - 1))));
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

Bytes CertDer(X509* cert) {
  unsigned char* der = nullptr;
  int n = i2d_X509(cert, &der);
  Bytes out(der, der + n);
  OPENSSL_free(der);
  return out;
}

std::string CertPem(X509* cert) {
  ossl::UniquePtr<BIO> bio(BIO_new(BIO_s_mem()));
  EXPECT_EQ(PEM_write_bio_X509(bio.get(), cert), 1);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

std::string LogJson(const char* url, const Bytes& spki, const Bytes& id) {
  return std::string(R"({"baseUrl":")") + url +
         R"(","hashAlgorithm":"SHA2_256","publicKey":{"rawBytes":")" + Base64Encode(spki) +
         R"(","keyDetails":"PKIX_ECDSA_P256_SHA_256","validFor":{"start":"2020-01-01T00:00:00Z"}},"logId":{"keyId":")" +
         Base64Encode(id) + R"("}})";
}

}  // namespace

KeylessPki::KeylessPki(const TempDir& dir) {
  ca_key_ = testpki::NewP256();
  ct_key_ = testpki::NewP256();
  rekor_key_ = testpki::NewP256();
  testpki::CertSpec ca;
  ca.common_name = "Test Fulcio";
  ca.subject_key = ca_key_.get();
  ca.not_before = ParseRfc3339("2020-01-01T00:00:00Z").value();
  ca.not_after = ParseRfc3339("2040-01-01T00:00:00Z").value();
  ca.ca = true;
  ca_ = testpki::MakeCert(ca);
  tsa_root_key_ = testpki::NewP256();
  tsa_key_ = testpki::NewP256();
  testpki::CertSpec tr;
  tr.common_name = "Test TSA root";
  tr.subject_key = tsa_root_key_.get();
  tr.not_before = ca.not_before;
  tr.not_after = ca.not_after;
  tr.ca = true;
  tsa_root_ = testpki::MakeCert(tr);
  testpki::CertSpec tl;
  tl.common_name = "Test TSA";
  tl.subject_key = tsa_key_.get();
  tl.issuer = tsa_root_.get();
  tl.issuer_key = tsa_root_key_.get();
  tl.not_before = ca.not_before;
  tl.not_after = ca.not_after;
  tl.extended_key_usage = "critical,timeStamping";
  tsa_ = testpki::MakeCert(tl);
  Bytes ct_spki = ossl::PublicKeyToDer(ct_key_.get()).value();
  Bytes rekor_spki = ossl::PublicKeyToDer(rekor_key_.get()).value();
  ct_log_id_ = Sha256(ct_spki);
  rekor_log_id_ = Sha256(rekor_spki);
  root_path_ = dir.Write(
      "keyless_trusted_root.json",
      R"({"mediaType":"application/vnd.dev.sigstore.trustedroot+json;version=0.1","tlogs":[)" +
          LogJson("https://rekor.test", rekor_spki, rekor_log_id_) +
          R"(],"certificateAuthorities":[{"subject":{"organization":"test","commonName":"fulcio"},"uri":"https://fulcio.test","certChain":{"certificates":[{"rawBytes":")" +
          Base64Encode(CertDer(ca_.get())) +
          R"("}]},"validFor":{"start":"2020-01-01T00:00:00Z"}}],"ctlogs":[)" +
          LogJson("https://ct.test", ct_spki, ct_log_id_) +
          R"(],"timestampAuthorities":[{"subject":{"organization":"test","commonName":"tsa"},"uri":"https://tsa.test","certChain":{"certificates":[{"rawBytes":")" +
          Base64Encode(CertDer(tsa_.get())) + R"("},{"rawBytes":")" + Base64Encode(CertDer(tsa_root_.get())) +
          R"("}]},"validFor":{"start":"2020-01-01T00:00:00Z"}}]})");
}

std::string KeylessPki::Bundle(const std::string& statement, const KeylessCert& spec, int64_t time) {
  // 1. The leaf, first with a placeholder SCT list (RFC 6962 §3.2: the precertificate entry is
  //    the TBS without the SCT extension), then with the real SCT, re-signed by the CA.
  ossl::UniquePtr<EVP_PKEY> leaf_key = testpki::NewP256();
  testpki::CertSpec c;
  c.common_name = "";
  c.subject_key = leaf_key.get();
  c.issuer = ca_.get();
  c.issuer_key = ca_key_.get();
  c.not_before = FromUnixSeconds(time - 60);
  c.not_after = FromUnixSeconds(time + 540);
  c.no_expiry = spec.no_expiry;
  c.extended_key_usage = "codeSigning";
  c.subject_alt_name = "URI:" + spec.san;
  c.extra.push_back({"1.3.6.1.4.1.57264.1.8", testpki::Utf8Der(spec.issuer)});
  for (const auto& [n, value] : spec.extensions) {
    c.extra.push_back({"1.3.6.1.4.1.57264.1." + std::to_string(n), testpki::Utf8Der(value)});
  }
  c.extra.push_back({"1.3.6.1.4.1.11129.2.4.2", OctetStringDer(Bytes{0, 0})});
  ossl::UniquePtr<X509> leaf = testpki::MakeCert(c);

  ossl::UniquePtr<X509> stripped(X509_dup(leaf.get()));
  ossl::UniquePtr<X509_EXTENSION> gone(
      X509_delete_ext(stripped.get(), X509_get_ext_by_NID(stripped.get(), NID_ct_precert_scts, -1)));
  unsigned char* der = nullptr;
  int n = i2d_re_X509_tbs(stripped.get(), &der);
  Bytes tbs(der, der + n);
  OPENSSL_free(der);
  unsigned char* spki = nullptr;
  int sn = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(ca_.get()), &spki);
  Bytes issuer_hash = Sha256(ByteView(spki, static_cast<size_t>(sn)));
  OPENSSL_free(spki);
  const uint64_t sct_ms = static_cast<uint64_t>(time - 30) * 1000;
  Bytes signed_data{0, 0};
  PutInt(signed_data, sct_ms, 8);
  PutInt(signed_data, 1, 2);  // precert_entry
  signed_data.insert(signed_data.end(), issuer_hash.begin(), issuer_hash.end());
  PutInt(signed_data, tbs.size(), 3);
  signed_data.insert(signed_data.end(), tbs.begin(), tbs.end());
  PutInt(signed_data, 0, 2);  // no extensions
  Bytes sct_sig = SignWith(ct_key_.get(), signed_data);
  Bytes sct{0};
  sct.insert(sct.end(), ct_log_id_.begin(), ct_log_id_.end());
  PutInt(sct, sct_ms, 8);
  PutInt(sct, 0, 2);
  sct.push_back(4);  // sha256
  sct.push_back(3);  // ecdsa
  PutInt(sct, sct_sig.size(), 2);
  sct.insert(sct.end(), sct_sig.begin(), sct_sig.end());
  Bytes list;
  PutInt(list, sct.size() + 2, 2);
  PutInt(list, sct.size(), 2);
  list.insert(list.end(), sct.begin(), sct.end());
  Bytes value = OctetStringDer(list);
  X509_EXTENSION* ext = X509_get_ext(leaf.get(), X509_get_ext_by_NID(leaf.get(), NID_ct_precert_scts, -1));
  ossl::UniquePtr<ASN1_STRING> data(ASN1_OCTET_STRING_new());
  ASN1_OCTET_STRING_set(data.get(), value.data(), static_cast<int>(value.size()));
  EXPECT_EQ(X509_EXTENSION_set_data(ext, data.get()), 1);
  EXPECT_GT(X509_sign(leaf.get(), ca_key_.get(), EVP_sha256()), 0);

  // 2. The signature and its log entry.
  Bytes sig = SignWith(leaf_key.get(), attestation::Pae("application/vnd.in-toto+json", AsBytes(statement)));
  return Logged(statement, sig, CertPem(leaf.get()),
                R"("x509CertificateChain":{"certificates":[{"rawBytes":")" + Base64Encode(CertDer(leaf.get())) + R"("}]})",
                time, std::nullopt);
}

std::string KeylessPki::KeyedBundle(const std::string& statement, const TestKey& signer, int64_t log_time,
                                    std::optional<int64_t> tsa_time) {
  Bytes sig = SignWith(signer.key.get(), attestation::Pae("application/vnd.in-toto+json", AsBytes(statement)));
  return Logged(statement, sig, ReadText(signer.pub_path), R"("publicKey":{"hint":"builder"})", log_time, tsa_time);
}

std::string KeylessPki::Logged(const std::string& statement, const Bytes& sig, const std::string& verifier_pem,
                               const std::string& material_json, int64_t time, std::optional<int64_t> tsa_time) {
  const std::string type = "application/vnd.in-toto+json";
  JsonValue spec_json = JsonValue::MakeObject();
  JsonValue ph = JsonValue::MakeObject();
  ph.Set("algorithm", JsonValue::String("sha256"));
  ph.Set("value", JsonValue::String(HexEncode(Sha256(statement))));
  spec_json.Set("payloadHash", std::move(ph));
  JsonValue s = JsonValue::MakeObject();
  s.Set("signature", JsonValue::String(Base64Encode(sig)));
  s.Set("verifier", JsonValue::String(Base64Encode(AsBytes(verifier_pem))));
  spec_json.Set("signatures", JsonValue::MakeArray({std::move(s)}));
  JsonValue body = JsonValue::MakeObject();
  body.Set("apiVersion", JsonValue::String("0.0.1"));
  body.Set("kind", JsonValue::String("dsse"));
  body.Set("spec", std::move(spec_json));
  std::string body_text = WriteCanonicalJson(body).value();
  JsonValue set_payload = JsonValue::MakeObject();
  set_payload.Set("body", JsonValue::String(Base64Encode(AsBytes(body_text))));
  set_payload.Set("integratedTime", JsonValue::Int(time));
  set_payload.Set("logID", JsonValue::String(HexEncode(rekor_log_id_)));
  set_payload.Set("logIndex", JsonValue::Int(7));
  Bytes set = SignWith(rekor_key_.get(), AsBytes(WriteCanonicalJson(set_payload).value()));
  std::string tsa_json;
  if (tsa_time) {
    testpki::TsaSpec ts;
    ts.signer = tsa_.get();
    ts.key = tsa_key_.get();
    ts.gen_time = FromUnixSeconds(*tsa_time);
    tsa_json = R"(,"timestampVerificationData":{"rfc3161Timestamps":[{"signedTimestamp":")" +
               Base64Encode(testpki::MakeTimestampResponse(ts, sig)) + R"("}]})";
  }
  return R"({"mediaType":"application/vnd.dev.sigstore.bundle+json;version=0.1","verificationMaterial":{)" +
         material_json + R"(,"tlogEntries":[{"logIndex":"7","logId":{"keyId":")" + Base64Encode(rekor_log_id_) +
         R"("},"kindVersion":{"kind":"dsse","version":"0.0.1"},"integratedTime":")" + std::to_string(time) +
         R"(","inclusionPromise":{"signedEntryTimestamp":")" + Base64Encode(set) + R"("},"canonicalizedBody":")" +
         Base64Encode(AsBytes(body_text)) + R"("}])" + tsa_json + R"(},"dsseEnvelope":{"payload":")" +
         Base64Encode(AsBytes(statement)) + R"(","payloadType":")" + type + R"(","signatures":[{"sig":")" +
         Base64Encode(sig) + R"(","keyid":""}]}})";
}

}  // namespace signet::policy::testutil
