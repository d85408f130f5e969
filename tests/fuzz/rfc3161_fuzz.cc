// Fuzzes the RFC 3161 TimeStampResp / TimeStampToken verifier (attestation/rfc3161.h).
//
// Input forms:
//   - a sigstore bundle JSON (the conformance seeds): each rfc3161Timestamps[].signedTimestamp
//     is verified over the bundle's signature, so real tokens get past the imprint check into
//     the CMS and chain code;
//   - anything else: DER verified over a fixed message.
// The trust is a synthetic TSA (root + leaf) made at start-up, so nothing here is trusted.
// Invariants: no crash, no leak, and (since the synthetic TSA signs nothing) no acceptance.
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "signet/attestation/rfc3161.h"
#include "signet/core/encoding.h"
#include "signet/core/json.h"
#include "signet/core/ossl.h"

namespace {

using signet::ossl::UniquePtr;

X509* MakeCert(EVP_PKEY* key, EVP_PKEY* issuer_key, X509* issuer, const char* cn, bool ca) {
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), ca ? 1 : 2);
  X509_NAME_add_entry_by_txt(X509_get_subject_name(cert), "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn), -1, -1, 0);
  X509_set_issuer_name(cert, X509_get_subject_name(issuer != nullptr ? issuer : cert));
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600L * 24 * 365 * 10);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600L * 24 * 365 * 10);
  X509_set_pubkey(cert, key);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer != nullptr ? issuer : cert, cert, nullptr, nullptr, 0);
  const char* bc = ca ? "critical,CA:TRUE" : "critical,CA:FALSE";
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, NID_basic_constraints, bc);
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  if (!ca) {
    ext = X509V3_EXT_conf_nid(nullptr, &ctx, NID_ext_key_usage, "critical,timeStamping");
    X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
  }
  if (X509_sign(cert, issuer_key, EVP_sha256()) <= 0) std::abort();
  return cert;
}

struct Trust {
  UniquePtr<EVP_PKEY> root_key, leaf_key;
  UniquePtr<X509> root, leaf;
  std::vector<signet::attestation::TsaTrust> tsas;
};

const Trust& SyntheticTrust() {
  static Trust* t = [] {
    auto* tr = new Trust;
    tr->root_key.reset(EVP_EC_gen("P-256"));
    tr->leaf_key.reset(EVP_EC_gen("P-256"));
    tr->root.reset(MakeCert(tr->root_key.get(), tr->root_key.get(), nullptr, "fuzz root", true));
    tr->leaf.reset(MakeCert(tr->leaf_key.get(), tr->root_key.get(), tr->root.get(), "fuzz tsa",
                            false));
    signet::attestation::TsaTrust trust;
    trust.chain = {tr->leaf.get(), tr->root.get()};
    tr->tsas = {trust};
    return tr;
  }();
  return *t;
}

void Run(signet::ByteView der, signet::ByteView signed_data) {
  auto r = signet::attestation::VerifyRfc3161(der, signed_data, SyntheticTrust().tsas);
  if (r.ok()) std::abort();  // the synthetic TSA never signed anything
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  if (!in.empty() && in[0] == '{') {
    auto bundle = signet::ParseJson(in);
    if (!bundle.ok()) return 0;
    signet::Bytes sig;
    if (const auto* ms = bundle->Find("messageSignature")) {
      if (const auto* s = ms->Find("signature"); s != nullptr && s->is_string()) {
        auto decoded = signet::Base64Decode(s->string_value());
        if (decoded.ok()) sig = std::move(decoded).value();
      }
    }
    const auto* vm = bundle->Find("verificationMaterial");
    const auto* tvd = vm != nullptr ? vm->Find("timestampVerificationData") : nullptr;
    const auto* list = tvd != nullptr ? tvd->Find("rfc3161Timestamps") : nullptr;
    if (list == nullptr || !list->is_array()) return 0;
    for (const auto& t : list->array()) {
      const auto* st = t.Find("signedTimestamp");
      if (st == nullptr || !st->is_string()) continue;
      auto der = signet::Base64Decode(st->string_value());
      if (der.ok()) Run(*der, sig);
    }
    return 0;
  }
  static const std::string_view kMessage = "fuzz message";
  Run(signet::ByteView(data, size), signet::AsBytes(kMessage));
  return 0;
}
