// Embedded SCT verification (RFC 6962 §3.2, §3.3).
#include "signet/attestation/sct.h"

#include <algorithm>
#include <chrono>
#include <iterator>
#include <optional>

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

// PrecertTbsByReencoding is the general path of PrecertTbs: a copy of the leaf without the
// extension, re-encoded by OpenSSL. Used when the fast path declines the encoding.
Result<Bytes> PrecertTbsByReencoding(X509* leaf) {
  ossl::UniquePtr<X509> copy(X509_dup(leaf));
  if (!copy) return Invalid("certificate cannot be copied");
  int idx = X509_get_ext_by_NID(copy.get(), NID_ct_precert_scts, -1);
  if (idx < 0) return Invalid("certificate has no embedded SCTs");
  ossl::UniquePtr<X509_EXTENSION> removed(X509_delete_ext(copy.get(), idx));
  if (!removed) return Invalid("SCT list extension cannot be removed");
  unsigned char* der = nullptr;
  int n = i2d_re_X509_tbs(copy.get(), &der);
  if (n <= 0) return Invalid("precertificate TBS cannot be encoded");
  Bytes out(der, der + n);
  OPENSSL_free(der);
  return out;
}

// ReadTlv is a minimal DER TLV cursor for SplicePrecertTbs: single-byte tags, definite minimal
// lengths (X.690 §10.1) only; anything else makes the caller fall back.
struct Tlv {
  uint8_t tag = 0;
  ByteView whole;    // header and content
  ByteView content;
};

bool ReadTlv(ByteView in, size_t* pos, Tlv* out) {
  size_t p = *pos;
  if (in.size() - p < 2) return false;
  const uint8_t tag = in[p];
  if ((tag & 0x1f) == 0x1f) return false;  // multi-byte tags do not occur in a TBS
  size_t len = in[p + 1];
  size_t header = 2;
  if (len >= 0x80) {
    const size_t n = len & 0x7f;
    if (n == 0 || n > 3 || in.size() - p - 2 < n || in[p + 2] == 0) return false;
    len = 0;
    for (size_t i = 0; i < n; ++i) len = (len << 8) | in[p + 2 + i];
    if (len < 0x80) return false;  // not minimal
    header += n;
  }
  if (in.size() - p - header < len) return false;
  out->tag = tag;
  out->whole = in.subspan(p, header + len);
  out->content = in.subspan(p + header, len);
  *pos = p + header + len;
  return true;
}

void PutDerHeader(Bytes& out, uint8_t tag, size_t len) {
  out.push_back(tag);
  if (len < 0x80) {
    out.push_back(static_cast<uint8_t>(len));
    return;
  }
  size_t n = len > 0xffff ? 3 : len > 0xff ? 2 : 1;
  out.push_back(static_cast<uint8_t>(0x80 | n));
  for (size_t i = n; i > 0; --i) out.push_back(static_cast<uint8_t>(len >> (8 * (i - 1))));
}

size_t DerHeaderSize(size_t len) { return len < 0x80 ? 2 : len > 0xffff ? 5 : len > 0xff ? 4 : 3; }

// SplicePrecertTbs cuts the one SCT list extension out of a DER certificate's TBSCertificate
// (RFC 6962 §3.2: the precert TBS is the certificate's TBS without that extension) and fixes up
// the enclosing lengths. For a DER certificate this is byte for byte what re-encoding the
// parsed TBS without the extension gives. Returns nullopt (the caller re-encodes instead) for
// anything unusual: a non-minimal length, extensions not last, no or several SCT lists, or an
// extension list that the removal would leave empty.
std::optional<Bytes> SplicePrecertTbs(ByteView cert_der) {
  static constexpr uint8_t kSctOid[] = {0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01,
                                        0xd6, 0x79, 0x02, 0x04, 0x02};
  size_t pos = 0;
  Tlv cert, tbs;
  if (!ReadTlv(cert_der, &pos, &cert) || cert.tag != 0x30 || pos != cert_der.size()) return std::nullopt;
  pos = 0;
  if (!ReadTlv(cert.content, &pos, &tbs) || tbs.tag != 0x30) return std::nullopt;
  // TBSCertificate fields; extensions are [3] EXPLICIT and the last field (RFC 5280 §4.1).
  Tlv field, exts_wrapper;
  bool have_exts = false;
  pos = 0;
  while (pos < tbs.content.size()) {
    if (have_exts || !ReadTlv(tbs.content, &pos, &field)) return std::nullopt;
    if (field.tag == 0xa3) {
      exts_wrapper = field;
      have_exts = true;
    }
  }
  if (!have_exts) return std::nullopt;
  Tlv exts;
  pos = 0;
  if (!ReadTlv(exts_wrapper.content, &pos, &exts) || exts.tag != 0x30 ||
      pos != exts_wrapper.content.size()) {
    return std::nullopt;
  }
  ByteView sct_ext;
  size_t count = 0;
  pos = 0;
  while (pos < exts.content.size()) {
    Tlv ext, oid;
    size_t inner = 0;
    if (!ReadTlv(exts.content, &pos, &ext) || ext.tag != 0x30) return std::nullopt;
    if (!ReadTlv(ext.content, &inner, &oid) || oid.tag != 0x06) return std::nullopt;
    ++count;
    if (oid.whole.size() == sizeof kSctOid &&
        std::equal(oid.whole.begin(), oid.whole.end(), std::begin(kSctOid))) {
      if (!sct_ext.empty()) return std::nullopt;
      sct_ext = ext.whole;
    }
  }
  if (sct_ext.empty() || count < 2) return std::nullopt;

  const size_t exts_len = exts.content.size() - sct_ext.size();
  const size_t wrapper_len = DerHeaderSize(exts_len) + exts_len;
  const size_t before_exts = static_cast<size_t>(exts_wrapper.whole.data() - tbs.content.data());
  const size_t tbs_len = before_exts + DerHeaderSize(wrapper_len) + wrapper_len;
  Bytes out;
  out.reserve(DerHeaderSize(tbs_len) + tbs_len);
  PutDerHeader(out, 0x30, tbs_len);
  out.insert(out.end(), tbs.content.begin(), tbs.content.begin() + static_cast<std::ptrdiff_t>(before_exts));
  PutDerHeader(out, 0xa3, wrapper_len);
  PutDerHeader(out, 0x30, exts_len);
  const uint8_t* ext_begin = exts.content.data();
  const uint8_t* cut = sct_ext.data();
  out.insert(out.end(), ext_begin, cut);
  out.insert(out.end(), cut + sct_ext.size(), ext_begin + exts.content.size());
  return out;
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

namespace {

// TbsWithoutSctList is PrecertTbs for a leaf already known to carry exactly one SCT list.
Result<Bytes> TbsWithoutSctList(X509* leaf) {
  // The leaf's own encoding (OpenSSL keeps the received TBS bytes): cut the extension out of
  // it, as Go's certificate-transparency BuildPrecertTBS does, instead of copying the whole
  // certificate (X509_dup decodes it again, public key included) to re-encode it.
  unsigned char* der = nullptr;
  int der_len = i2d_X509(leaf, &der);
  if (der_len <= 0) return Invalid("certificate cannot be encoded");
  std::optional<Bytes> spliced = SplicePrecertTbs(ByteView(der, static_cast<size_t>(der_len)));
  OPENSSL_free(der);
  if (spliced) return std::move(*spliced);
  return PrecertTbsByReencoding(leaf);
}

}  // namespace

Result<Bytes> PrecertTbs(X509* leaf) {
  if (leaf == nullptr) return Invalid("certificate missing");
  int idx = X509_get_ext_by_NID(leaf, NID_ct_precert_scts, -1);
  if (idx < 0) return Invalid("certificate has no embedded SCTs");
  if (X509_get_ext_by_NID(leaf, NID_ct_precert_scts, idx) >= 0) {
    return Invalid("certificate has more than one SCT list extension");
  }
  return TbsWithoutSctList(leaf);
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
  SIGNET_ASSIGN_OR_RETURN(Bytes tbs, TbsWithoutSctList(leaf));  // SctList found exactly one

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
