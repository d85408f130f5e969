// Fuzzes the embedded-SCT code (attestation/sct.h) directly, without a certificate chain in front
// of it: before this target a fuzzer reached the SCT list parser and the precertificate rebuild
// only behind a valid Fulcio chain, which it never produces.
//
// Each input is used three ways:
//   1. as a TLS SignedCertificateTimestampList, given to ParseSctList;
//   2. as the SCT list extension of a fixed template leaf (built here once), which then goes through
//      PrecertTbs and VerifyEmbeddedScts with a pinned log whose ID is the first parsed SCT's, so
//      the signed-entry rebuild and the signature check run on fuzzed SCTs;
//   3. as a DER certificate: if it parses, PrecertTbs and VerifyEmbeddedScts run on it.
// Invariants: no crash, no leak, no undefined behaviour; nothing the fuzzer makes ever verifies
// (it would need a P-256 signature by a key that exists only in this process).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "signet/attestation/sct.h"
#include "signet/core/ossl.h"

namespace {

using signet::Bytes;
using signet::ByteView;
using signet::ossl::UniquePtr;

struct Template {
  UniquePtr<EVP_PKEY> key;
  UniquePtr<X509> leaf;  // self-issued, no SCT list yet
};

Template& Fixed() {
  static Template* fixed = [] {
    auto* t = new Template;
    t->key.reset(EVP_EC_gen("P-256"));
    t->leaf.reset(X509_new());
    if (!t->key || !t->leaf) std::abort();
    X509* c = t->leaf.get();
    X509_set_version(c, X509_VERSION_3);
    ASN1_INTEGER_set(X509_get_serialNumber(c), 1);
    X509_gmtime_adj(X509_getm_notBefore(c), 0);
    X509_gmtime_adj(X509_getm_notAfter(c), 600);
    X509_NAME* name = X509_get_subject_name(c);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("sct fuzz"), -1, -1, 0);
    X509_set_issuer_name(c, name);
    X509_set_pubkey(c, t->key.get());
    if (X509_sign(c, t->key.get(), EVP_sha256()) <= 0) std::abort();
    return t;
  }();
  return *fixed;
}

// WithSctList returns a copy of the template with `list` as its SCT list extension value
// (RFC 6962 §3.3: an OCTET STRING wrapping the TLS structure), or null if it cannot be built.
UniquePtr<X509> WithSctList(ByteView list) {
  UniquePtr<X509> copy(X509_dup(Fixed().leaf.get()));
  UniquePtr<ASN1_OCTET_STRING> inner(ASN1_OCTET_STRING_new());
  if (!copy || !inner || ASN1_OCTET_STRING_set(inner.get(), list.data(), static_cast<int>(list.size())) != 1) {
    return nullptr;
  }
  unsigned char* der = nullptr;
  int n = i2d_ASN1_OCTET_STRING(inner.get(), &der);
  if (n <= 0) return nullptr;
  UniquePtr<ASN1_OCTET_STRING> value(ASN1_OCTET_STRING_new());
  bool ok = value && ASN1_OCTET_STRING_set(value.get(), der, n) == 1;
  OPENSSL_free(der);
  if (!ok) return nullptr;
  UniquePtr<X509_EXTENSION> ext(X509_EXTENSION_create_by_NID(nullptr, NID_ct_precert_scts, 0, value.get()));
  if (!ext || X509_add_ext(copy.get(), ext.get(), -1) != 1) return nullptr;
  // Re-sign so the cached TBS encoding is rebuilt with the extension (X509_dup re-encodes from it).
  if (X509_sign(copy.get(), Fixed().key.get(), EVP_sha256()) <= 0) return nullptr;
  return copy;
}

void MustNotVerify(X509* leaf, X509* issuer, const std::vector<signet::attestation::CtLogKey>& logs) {
  if (signet::attestation::VerifyEmbeddedScts(leaf, issuer, logs).ok()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 1 << 16) return 0;
  ByteView in(data, size);
  Template& t = Fixed();

  // 1. The list parser alone.
  auto parsed = signet::attestation::ParseSctList(in);

  // 2. The list inside a leaf: precert rebuild, signed entry, signature check.
  std::vector<signet::attestation::CtLogKey> logs;
  signet::attestation::CtLogKey log;
  log.key = t.key.get();
  log.log_id = parsed.ok() && !parsed->empty() ? Bytes(parsed->front().log_id.begin(), parsed->front().log_id.end())
                                               : Bytes(32, 0);
  logs.push_back(log);
  if (UniquePtr<X509> leaf = WithSctList(in)) {
    auto tbs = signet::attestation::PrecertTbs(leaf.get());
    if (!tbs.ok() || tbs->empty()) {
      fprintf(stderr, "%s\n", tbs.ok() ? "empty" : tbs.error().ToString().c_str());
      std::abort();  // the template always has exactly one SCT list
    }
    MustNotVerify(leaf.get(), t.leaf.get(), logs);
  }

  // 3. The input as a whole certificate.
  const unsigned char* p = data;
  UniquePtr<X509> cert(d2i_X509(nullptr, &p, static_cast<long>(size)));
  if (cert) {
    (void)signet::attestation::PrecertTbs(cert.get());
    MustNotVerify(cert.get(), t.leaf.get(), logs);
  }
  signet::ossl::DrainErrors();
  return 0;
}
