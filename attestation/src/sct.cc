// Embedded SCT verification (RFC 6962 §3.2, §3.3).
#include "signet/attestation/sct.h"

#include <chrono>

#include "signet/core/findings.h"
#include "signet/core/byte_cursor.h"
#include "signet/core/hash.h"
#include "signet/core/ossl.h"

namespace signet::attestation {
namespace {

constexpr const char* kFinding = findings::kSctInvalid;
constexpr size_t kLogIdSize = 32;
// Timestamp counts int64 nanoseconds, so it ends in 2262; a later SCT time is out of range.
constexpr uint64_t kMaxTimestampMs = 9'000'000'000'000;  // 2255-03-14

Error Invalid(std::string message) {
  ossl::DrainErrors();
  return VerificationFailed(kFinding, std::move(message));
}

using Sct = ParsedSct;

// ParseSct parses one serialized SCT; only v1 is defined. Returns false if malformed.
bool ParseSct(ByteView raw, Sct* out) {
  ByteCursor r(raw);
  uint8_t version = 0;
  if (!r.ReadU8(&version) || version != 0) return false;
  if (!r.Take(kLogIdSize, &out->log_id)) return false;
  if (!r.ReadU64(&out->timestamp_ms)) return false;
  if (!r.ReadU16Prefixed(&out->extensions)) return false;
  if (!r.ReadU8(&out->hash_alg) || !r.ReadU8(&out->sig_alg)) return false;
  if (!r.ReadU16Prefixed(&out->signature) || out->signature.empty()) return false;
  return r.Empty();
}

void Put(Bytes& out, uint64_t v, size_t n) {
  for (size_t i = n; i > 0; --i) out.push_back(static_cast<uint8_t>(v >> (8 * (i - 1))));
}

// SignedEntry builds the RFC 6962 §3.2 digitally-signed struct for a precert_entry.
Bytes SignedEntry(const Sct& sct, ByteView issuer_key_hash, ByteView tbs) {
  Bytes out;
  out.reserve(2 + 8 + 2 + 32 + 3 + tbs.size() + 2 + sct.extensions.size());
  out.push_back(0);  // sct_version v1
  out.push_back(0);  // signature_type certificate_timestamp
  Put(out, sct.timestamp_ms, 8);
  Put(out, 1, 2);  // entry_type precert_entry
  out.insert(out.end(), issuer_key_hash.begin(), issuer_key_hash.end());
  Put(out, tbs.size(), 3);
  out.insert(out.end(), tbs.begin(), tbs.end());
  Put(out, sct.extensions.size(), 2);
  out.insert(out.end(), sct.extensions.begin(), sct.extensions.end());
  return out;
}

// VerifySctSignature checks the algorithm pair against the key type, then the signature.
bool VerifySctSignature(EVP_PKEY* key, const Sct& sct, ByteView signed_data) {
  const EVP_MD* md = nullptr;
  int type = EVP_PKEY_get_base_id(key);
  // TLS 1.2 SignatureAndHashAlgorithm: sha256(4) with rsa(1) or ecdsa(3); Ed25519 as
  // intrinsic(8)/ed25519(7) (RFC 8422).
  if (sct.hash_alg == 4 && sct.sig_alg == 3 && type == EVP_PKEY_EC) {
    md = EVP_sha256();
  } else if (sct.hash_alg == 4 && sct.sig_alg == 1 && type == EVP_PKEY_RSA) {
    md = EVP_sha256();
  } else if (sct.hash_alg == 8 && sct.sig_alg == 7 && type == EVP_PKEY_ED25519) {
    md = nullptr;
  } else {
    return false;
  }
  ossl::UniquePtr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  bool ok = ctx && EVP_DigestVerifyInit(ctx.get(), &pctx, md, nullptr, key) == 1;
  if (ok && type == EVP_PKEY_RSA) {
    ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1;
  }
  ok = ok && EVP_DigestVerify(ctx.get(), sct.signature.data(), sct.signature.size(),
                              signed_data.data(), signed_data.size()) == 1;
  ossl::DrainErrors();
  return ok;
}

// SctList extracts the TLS-encoded SignedCertificateTimestampList from the leaf.
Result<Bytes> SctList(X509* leaf) {
  int idx = X509_get_ext_by_NID(leaf, NID_ct_precert_scts, -1);
  if (idx < 0) return Invalid("certificate has no embedded SCTs");
  if (X509_get_ext_by_NID(leaf, NID_ct_precert_scts, idx) >= 0) {
    return Invalid("certificate has more than one SCT list extension");
  }
  X509_EXTENSION* ext = X509_get_ext(leaf, idx);
  const ASN1_OCTET_STRING* data = X509_EXTENSION_get_data(ext);
  // RFC 6962 §3.3: the extension value is an OCTET STRING wrapping the TLS structure.
  const unsigned char* p = ASN1_STRING_get0_data(data);
  long len = ASN1_STRING_length(data);
  const unsigned char* start = p;
  ossl::UniquePtr<ASN1_STRING> inner(d2i_ASN1_OCTET_STRING(nullptr, &p, len));
  if (!inner || p != start + len) return Invalid("SCT list extension is not an OCTET STRING");
  const unsigned char* b = ASN1_STRING_get0_data(inner.get());
  return Bytes(b, b + ASN1_STRING_length(inner.get()));
}

}  // namespace

Result<std::vector<ParsedSct>> ParseSctList(ByteView list_bytes) {
  // opaque SerializedSCT<1..2^16-1>; SerializedSCT sct_list<1..2^16-1> (RFC 6962 §3.3).
  ByteCursor outer(list_bytes);
  ByteView list;
  if (!outer.ReadU16Prefixed(&list) || !outer.Empty() || list.empty()) {
    return Invalid("SCT list is malformed");
  }
  std::vector<ParsedSct> scts;
  ByteCursor items(list);
  while (!items.Empty()) {
    ByteView raw;
    if (!items.ReadU16Prefixed(&raw) || raw.empty()) return Invalid("SCT list is malformed");
    ParsedSct sct;
    // A malformed or unknown-version SCT is skipped (RFC 6962 §3.3 lets clients ignore SCTs
    // they cannot parse); it can never count as verified.
    if (ParseSct(raw, &sct)) scts.push_back(sct);
  }
  return scts;
}

Result<Bytes> PrecertTbs(X509* leaf) {
  ossl::UniquePtr<X509> copy(X509_dup(leaf));
  if (!copy) return Invalid("certificate cannot be copied");
  int idx = X509_get_ext_by_NID(copy.get(), NID_ct_precert_scts, -1);
  if (idx < 0) return Invalid("certificate has no embedded SCTs");
  if (X509_get_ext_by_NID(copy.get(), NID_ct_precert_scts, idx) >= 0) {
    return Invalid("certificate has more than one SCT list extension");
  }
  ossl::UniquePtr<X509_EXTENSION> removed(X509_delete_ext(copy.get(), idx));
  if (!removed) return Invalid("SCT list extension cannot be removed");
  unsigned char* der = nullptr;
  int n = i2d_re_X509_tbs(copy.get(), &der);
  if (n <= 0) return Invalid("precertificate TBS cannot be encoded");
  Bytes out(der, der + n);
  OPENSSL_free(der);
  return out;
}

Status VerifyEmbeddedScts(X509* leaf, X509* issuer, const std::vector<CtLogKey>& logs) {
  if (leaf == nullptr || issuer == nullptr) return Invalid("certificate missing");

  // 1. Extract and parse the SCT list: opaque SerializedSCT<1..2^16-1> list<1..2^16-1>.
  SIGNET_ASSIGN_OR_RETURN(Bytes list_bytes, SctList(leaf));
  SIGNET_ASSIGN_OR_RETURN(std::vector<ParsedSct> scts, ParseSctList(list_bytes));

  // 2. Rebuild the precertificate entry: issuer key hash and TBS without the SCT list.
  unsigned char* spki = nullptr;
  int spki_len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(issuer), &spki);
  if (spki_len <= 0) return Invalid("issuer public key cannot be encoded");
  Bytes issuer_key_hash = Sha256(ByteView(spki, static_cast<size_t>(spki_len)));
  OPENSSL_free(spki);
  SIGNET_ASSIGN_OR_RETURN(Bytes tbs, PrecertTbs(leaf));

  // 3. Verify each SCT whose log is pinned, inside that log's validity window.
  for (const Sct& sct : scts) {
    for (const CtLogKey& log : logs) {
      if (log.key == nullptr || log.log_id.size() != kLogIdSize) continue;
      if (!ConstantTimeEqual(log.log_id, sct.log_id)) continue;
      // A time Timestamp cannot represent never verifies.
      if (sct.timestamp_ms > kMaxTimestampMs) continue;
      Timestamp when = Timestamp(std::chrono::milliseconds(static_cast<int64_t>(sct.timestamp_ms)));
      if (log.valid_from && when < *log.valid_from) continue;
      if (log.valid_to && when > *log.valid_to) continue;
      Bytes signed_data = SignedEntry(sct, issuer_key_hash, tbs);
      // 4. One verified SCT from a pinned log suffices.
      if (VerifySctSignature(log.key, sct, signed_data)) return OkStatus();
    }
  }
  return Invalid("no embedded SCT verifies with a trusted CT log");
}

}  // namespace signet::attestation
