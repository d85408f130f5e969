#include "synthetic_pki.h"

#include <cstdlib>

#include <openssl/cms.h>
#include <openssl/ess.h>

#include <gtest/gtest.h>

#include "signet/core/hash.h"

namespace signet::attestation::testpki {
namespace {

void Check(bool ok, const char* what) {
  if (!ok) {
    ADD_FAILURE() << what << ": " << ossl::DrainErrors();
    std::abort();
  }
}

void AddConfExt(X509* cert, X509* issuer, int nid, const std::string& value) {
  if (value.empty()) return;
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  ossl::UniquePtr<X509_EXTENSION> ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
  Check(ext != nullptr, "X509V3_EXT_conf_nid");
  Check(X509_add_ext(cert, ext.get(), -1) == 1, "X509_add_ext");
}

int TimeCb(TS_RESP_CTX*, void* data, long* sec, long* usec) {
  *sec = static_cast<long>(*static_cast<const int64_t*>(data));
  *usec = 0;
  return 1;
}

}  // namespace

ossl::UniquePtr<EVP_PKEY> NewP256() { return ossl::UniquePtr<EVP_PKEY>(EVP_EC_gen("P-256")); }

Bytes Utf8Der(std::string_view s) {
  ossl::UniquePtr<ASN1_STRING> str(ASN1_UTF8STRING_new());
  Check(ASN1_STRING_set(str.get(), s.data(), static_cast<int>(s.size())) == 1, "ASN1_STRING_set");
  unsigned char* der = nullptr;
  int n = i2d_ASN1_UTF8STRING(str.get(), &der);
  Check(n > 0, "i2d_ASN1_UTF8STRING");
  Bytes out(der, der + n);
  OPENSSL_free(der);
  return out;
}

ossl::UniquePtr<X509> MakeCert(const CertSpec& spec) {
  static long serial = 1000;
  ossl::UniquePtr<X509> cert(X509_new());
  Check(cert != nullptr, "X509_new");
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), ++serial);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(spec.common_name.c_str()), -1,
                             -1, 0);
  X509* issuer = spec.issuer != nullptr ? spec.issuer : cert.get();
  X509_set_issuer_name(cert.get(), X509_get_subject_name(issuer));
  ossl::UniquePtr<ASN1_STRING> nb(ASN1_TIME_set(nullptr, static_cast<time_t>(ToUnixSeconds(spec.not_before))));
  ossl::UniquePtr<ASN1_STRING> na(ASN1_TIME_set(nullptr, static_cast<time_t>(ToUnixSeconds(spec.not_after))));
  Check(nb && na, "ASN1_TIME_set");
  X509_set1_notBefore(cert.get(), nb.get());
  X509_set1_notAfter(cert.get(), na.get());
  if (spec.no_expiry) {
    Check(ASN1_TIME_set_string(X509_getm_notAfter(cert.get()), "99991231235959Z") == 1,
          "no expiry");
  }
  X509_set_pubkey(cert.get(), spec.subject_key);
  AddConfExt(cert.get(), issuer, NID_subject_key_identifier, "hash");
  if (spec.issuer != nullptr) AddConfExt(cert.get(), issuer, NID_authority_key_identifier, "keyid:always");
  if (spec.ca) {
    AddConfExt(cert.get(), issuer, NID_basic_constraints, "critical,CA:TRUE");
    AddConfExt(cert.get(), issuer, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    AddConfExt(cert.get(), issuer, NID_key_usage, "critical,digitalSignature");
  }
  AddConfExt(cert.get(), issuer, NID_ext_key_usage, spec.extended_key_usage);
  AddConfExt(cert.get(), issuer, NID_subject_alt_name, spec.subject_alt_name);
  for (const RawExtension& e : spec.extra) {
    ossl::UniquePtr<ASN1_OBJECT> obj(OBJ_txt2obj(e.oid.c_str(), 1));
    ossl::UniquePtr<ASN1_STRING> val(ASN1_OCTET_STRING_new());
    Check(obj && val, "extension objects");
    ASN1_OCTET_STRING_set(val.get(), e.value.data(), static_cast<int>(e.value.size()));
    ossl::UniquePtr<X509_EXTENSION> ext(
        X509_EXTENSION_create_by_OBJ(nullptr, obj.get(), e.critical ? 1 : 0, val.get()));
    Check(ext && X509_add_ext(cert.get(), ext.get(), -1) == 1, "raw extension");
  }
  EVP_PKEY* signing_key = spec.issuer_key != nullptr ? spec.issuer_key : spec.subject_key;
  Check(X509_sign(cert.get(), signing_key, EVP_sha256()) > 0, "X509_sign");
  return cert;
}

Bytes MakeTimestampResponse(const TsaSpec& spec, ByteView data) {
  const EVP_MD* md = spec.imprint_md != nullptr ? spec.imprint_md : EVP_sha256();
  // Request.
  struct ReqFree {
    void operator()(TS_REQ* p) const { TS_REQ_free(p); }
  };
  struct ImprintFree {
    void operator()(TS_MSG_IMPRINT* p) const { TS_MSG_IMPRINT_free(p); }
  };
  struct CtxFree {
    void operator()(TS_RESP_CTX* p) const { TS_RESP_CTX_free(p); }
  };
  std::unique_ptr<TS_REQ, ReqFree> req(TS_REQ_new());
  std::unique_ptr<TS_MSG_IMPRINT, ImprintFree> imprint(TS_MSG_IMPRINT_new());
  X509_ALGOR* algo = X509_ALGOR_new();
  X509_ALGOR_set_md(algo, md);
  TS_MSG_IMPRINT_set_algo(imprint.get(), algo);
  X509_ALGOR_free(algo);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int dlen = 0;
  Check(EVP_Digest(data.data(), data.size(), digest, &dlen, md, nullptr) == 1, "EVP_Digest");
  TS_MSG_IMPRINT_set_msg(imprint.get(), digest, static_cast<int>(dlen));
  TS_REQ_set_version(req.get(), 1);
  TS_REQ_set_msg_imprint(req.get(), imprint.get());
  TS_REQ_set_cert_req(req.get(), spec.embed_signer ? 1 : 0);
  unsigned char* req_der = nullptr;
  int req_len = i2d_TS_REQ(req.get(), &req_der);
  Check(req_len > 0, "i2d_TS_REQ");
  ossl::UniquePtr<BIO> bio(BIO_new_mem_buf(req_der, req_len));

  std::unique_ptr<TS_RESP_CTX, CtxFree> ctx(TS_RESP_CTX_new());
  Check(TS_RESP_CTX_set_signer_cert(ctx.get(), spec.signer) == 1, "set_signer_cert");
  Check(TS_RESP_CTX_set_signer_key(ctx.get(), spec.key) == 1, "set_signer_key");
  Check(TS_RESP_CTX_set_signer_digest(ctx.get(), EVP_sha256()) == 1, "set_signer_digest");
  Check(TS_RESP_CTX_set_ess_cert_id_digest(ctx.get(), EVP_sha256()) == 1, "ess digest");
  ossl::UniquePtr<ASN1_OBJECT> policy(OBJ_txt2obj("1.3.6.1.4.1.57264.2", 1));
  Check(TS_RESP_CTX_set_def_policy(ctx.get(), policy.get()) == 1, "policy");
  for (const EVP_MD* m : {EVP_sha1(), EVP_sha256(), EVP_sha384(), EVP_sha512(), EVP_md5()}) {
    TS_RESP_CTX_add_md(ctx.get(), m);
  }
  if (!spec.embedded.empty()) {
    ossl::UniquePtr<STACK_OF(X509)> certs(sk_X509_new_null());
    for (X509* c : spec.embedded) sk_X509_push(certs.get(), c);
    // set_certs copies (up-refs) each certificate; release only our stack's references.
    TS_RESP_CTX_set_certs(ctx.get(), certs.get());
    sk_X509_free(certs.release());
  }
  int64_t t = spec.gen_time_seconds.value_or(ToUnixSeconds(spec.gen_time));
  TS_RESP_CTX_set_time_cb(ctx.get(), TimeCb, &t);
  ossl::UniquePtr<TS_RESP> resp(TS_RESP_create_response(ctx.get(), bio.get()));
  OPENSSL_free(req_der);
  Check(resp != nullptr, "TS_RESP_create_response");
  unsigned char* out = nullptr;
  int n = i2d_TS_RESP(resp.get(), &out);
  Check(n > 0, "i2d_TS_RESP");
  Bytes der(out, out + n);
  OPENSSL_free(out);
  return der;
}

Bytes ResignToken(ByteView response, X509* signer, EVP_PKEY* key) {
  const unsigned char* p = response.data();
  ossl::UniquePtr<TS_RESP> resp(d2i_TS_RESP(nullptr, &p, static_cast<long>(response.size())));
  Check(resp != nullptr, "d2i_TS_RESP");
  unsigned char* tst = nullptr;
  int tst_len = i2d_TS_TST_INFO(TS_RESP_get_tst_info(resp.get()), &tst);
  Check(tst_len > 0, "i2d_TS_TST_INFO");
  ossl::UniquePtr<BIO> content(BIO_new_mem_buf(tst, tst_len));

  struct CmsFree {
    void operator()(CMS_ContentInfo* c) const { CMS_ContentInfo_free(c); }
  };
  std::unique_ptr<CMS_ContentInfo, CmsFree> cms(
      CMS_sign(nullptr, nullptr, nullptr, nullptr, CMS_PARTIAL | CMS_BINARY));
  Check(cms != nullptr, "CMS_sign");
  Check(CMS_set1_eContentType(cms.get(), OBJ_nid2obj(NID_id_smime_ct_TSTInfo)) == 1, "eContentType");
  CMS_SignerInfo* si = CMS_add1_signer(cms.get(), signer, key, EVP_sha256(), CMS_PARTIAL | CMS_BINARY);
  Check(si != nullptr, "CMS_add1_signer");
  ESS_SIGNING_CERT_V2* ess = OSSL_ESS_signing_cert_v2_new_init(EVP_sha256(), signer, nullptr, 0);
  Check(ess != nullptr, "ESS signing cert v2");
  unsigned char* ess_der = nullptr;
  int ess_len = i2d_ESS_SIGNING_CERT_V2(ess, &ess_der);
  ESS_SIGNING_CERT_V2_free(ess);
  Check(ess_len > 0, "i2d_ESS_SIGNING_CERT_V2");
  Check(CMS_signed_add1_attr_by_NID(si, NID_id_smime_aa_signingCertificateV2, V_ASN1_SEQUENCE,
                                    ess_der, ess_len) == 1, "signed attr");
  OPENSSL_free(ess_der);
  Check(CMS_final(cms.get(), content.get(), nullptr, CMS_BINARY) == 1, "CMS_final");
  OPENSSL_free(tst);
  unsigned char* out = nullptr;
  int n = i2d_CMS_ContentInfo(cms.get(), &out);
  Check(n > 0, "i2d_CMS_ContentInfo");
  Bytes der(out, out + n);
  OPENSSL_free(out);
  return der;
}

}  // namespace signet::attestation::testpki
