// EK certificate checks. See tpm_ek.h.
#include "tpm_ek.h"

#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include <ctime>
#include <memory>
#include <string>
#include <utility>

#include "signet/core/hash.h"
#include "signet/core/ossl.h"

namespace signet::attestation::internal {

Result<ossl::UniquePtr<X509_STORE>> NewEkRootStore(std::string_view roots_pem) {
  SIGNET_ASSIGN_OR_RETURN(auto roots, ossl::ParseCertificatesPem(std::string(roots_pem)));
  ossl::UniquePtr<X509_STORE> store(X509_STORE_new());
  if (store == nullptr) return ossl::OpenSslError(ErrorCode::kInternal, "X509_STORE_new");
  for (auto& r : roots) {
    if (X509_STORE_add_cert(store.get(), r.get()) != 1) {
      return ossl::OpenSslError(ErrorCode::kInvalidArgument, "adding an EK root");
    }
  }
  return store;
}

Result<EkCheck> CheckEkCertificate(ByteView ek_certificate, const std::vector<Bytes>& chain_der,
                                   std::string_view roots_pem, int64_t verification_time) {
  SIGNET_ASSIGN_OR_RETURN(ossl::UniquePtr<X509_STORE> store, NewEkRootStore(roots_pem));
  return CheckEkCertificate(ek_certificate, chain_der, store.get(), verification_time);
}

Result<EkCheck> CheckEkCertificate(ByteView ek_certificate, const std::vector<Bytes>& chain_der, X509_STORE* store,
                                   int64_t verification_time) {
  EkCheck out;
  auto leaf = ossl::ParseCertificateDer(ek_certificate);
  if (!leaf.ok()) {
    (void)ossl::DrainErrors();
    return out;
  }
  if (EVP_PKEY* key = X509_get0_pubkey(leaf->get()); key != nullptr) {
    auto spki = ossl::PublicKeyToDer(key);
    if (spki.ok()) out.spki_sha256 = Sha256(ByteView(*spki));
  }
  (void)ossl::DrainErrors();
  // The stack owns its certificates (its deleter pops and frees them).
  ossl::UniquePtr<STACK_OF(X509)> chain(sk_X509_new_null());
  if (chain == nullptr) return ossl::OpenSslError(ErrorCode::kInternal, "sk_X509_new_null");
  for (const Bytes& der : chain_der) {
    auto c = ossl::ParseCertificateDer(der);
    if (!c.ok()) {
      (void)ossl::DrainErrors();
      return out;
    }
    if (sk_X509_push(chain.get(), c->get()) <= 0) {
      return ossl::OpenSslError(ErrorCode::kInternal, "sk_X509_push");
    }
    (void)c->release();
  }
  ossl::UniquePtr<X509_STORE_CTX> ctx(X509_STORE_CTX_new());
  if (ctx == nullptr ||
      X509_STORE_CTX_init(ctx.get(), store, leaf->get(), chain.get()) != 1) {
    return ossl::OpenSslError(ErrorCode::kInternal, "X509_STORE_CTX_init");
  }
  if (verification_time != 0) {
    X509_STORE_CTX_set_time(ctx.get(), 0, static_cast<time_t>(verification_time));
  }
  out.chain_trusted = X509_verify_cert(ctx.get()) == 1;
  (void)ossl::DrainErrors();

  // extendedKeyUsage (RFC 5280 §4.2.1.12): absent is allowed (many EK certificates carry none);
  // present, it must parse, occur once and name tcg-kp-EKCertificate.
  int crit = -1;
  std::unique_ptr<EXTENDED_KEY_USAGE, decltype(&EXTENDED_KEY_USAGE_free)> eku(
      static_cast<EXTENDED_KEY_USAGE*>(
          X509_get_ext_d2i(leaf->get(), NID_ext_key_usage, &crit, nullptr)),
      &EXTENDED_KEY_USAGE_free);
  (void)ossl::DrainErrors();
  if (eku == nullptr) {
    out.eku_present = crit != -1;  // -2: more than one; >= 0: present but does not parse
    out.eku_ok = !out.eku_present;
    return out;
  }
  out.eku_present = true;
  ossl::UniquePtr<ASN1_OBJECT> want(OBJ_txt2obj(kTcgKpEkCertificate, 1));
  if (want == nullptr) return ossl::OpenSslError(ErrorCode::kInternal, "OBJ_txt2obj");
  for (int i = 0; i < sk_ASN1_OBJECT_num(eku.get()); ++i) {
    if (OBJ_cmp(sk_ASN1_OBJECT_value(eku.get(), i), want.get()) == 0) out.eku_ok = true;
  }
  return out;
}

Result<Bytes> EkSpkiSha256(ByteView ek_certificate) {
  SIGNET_ASSIGN_OR_RETURN(auto cert, ossl::ParseCertificateDer(ek_certificate));
  EVP_PKEY* key = X509_get0_pubkey(cert.get());
  if (key == nullptr) return ossl::OpenSslError(ErrorCode::kInvalidArgument, "EK certificate key");
  SIGNET_ASSIGN_OR_RETURN(Bytes spki, ossl::PublicKeyToDer(key));
  return Sha256(ByteView(spki));
}

}  // namespace signet::attestation::internal
