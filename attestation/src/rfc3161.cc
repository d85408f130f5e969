// RFC 3161 TimeStampResp / TimeStampToken verification with OpenSSL's TS API.
#include "signet/attestation/rfc3161.h"

#include <chrono>
#include <string_view>

#include "signet/core/findings.h"
#include "signet/core/hash.h"
#include "signet/core/ossl.h"

namespace signet::attestation {
namespace {

constexpr const char* kFinding = findings::kTimestampInvalid;
// Timestamp counts int64 nanoseconds (until 2262); times are kept within +-kMaxSeconds.
constexpr int64_t kMaxSeconds = 9'000'000'000;  // 2255-03-14

Error Invalid(std::string message) {
  ossl::DrainErrors();
  return VerificationFailed(kFinding, std::move(message));
}

struct TstInfoFree {
  void operator()(TS_TST_INFO* p) const { TS_TST_INFO_free(p); }
};
using TstInfoPtr = std::unique_ptr<TS_TST_INFO, TstInfoFree>;

// days_from_civil (H. Hinnant): days since 1970-01-01 of a proleptic Gregorian date.
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

// ParseGeneralizedTime reads RFC 3161 §2.4.2 genTime: "YYYYMMDDhhmmss[.s+]Z" with no trailing
// zero in the fraction (X.690 §11.7), keeping sub-second precision.
Result<Timestamp> ParseGeneralizedTime(const ASN1_GENERALIZEDTIME* t) {
  if (t == nullptr || ASN1_STRING_type(t) != V_ASN1_GENERALIZEDTIME) {
    return Invalid("timestamp genTime is missing");
  }
  std::string_view s(reinterpret_cast<const char*>(ASN1_STRING_get0_data(t)),
                     static_cast<size_t>(ASN1_STRING_length(t)));
  if (s.size() < 15 || s.back() != 'Z') return Invalid("timestamp genTime is malformed");
  auto digits = [&s](size_t pos, size_t n, int64_t* out) {
    int64_t v = 0;
    for (size_t i = pos; i < pos + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
  };
  int64_t year, mon, day, hour, min, sec;
  if (!digits(0, 4, &year) || !digits(4, 2, &mon) || !digits(6, 2, &day) ||
      !digits(8, 2, &hour) || !digits(10, 2, &min) || !digits(12, 2, &sec)) {
    return Invalid("timestamp genTime is malformed");
  }
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (mon < 1 || mon > 12 || day < 1 || day > kDays[mon - 1] ||
      (mon == 2 && day == 29 && !leap) || hour > 23 || min > 59 || sec > 59) {
    return Invalid("timestamp genTime is out of range");
  }
  int64_t nanos = 0;
  std::string_view frac = s.substr(14, s.size() - 15);
  if (!frac.empty()) {
    // A fraction is '.' then 1..9 digits, the last one non-zero.
    if (frac[0] != '.' || frac.size() < 2 || frac.size() > 10 || frac.back() == '0') {
      return Invalid("timestamp genTime fraction is malformed");
    }
    int64_t f = 0;
    if (!digits(15, frac.size() - 1, &f)) return Invalid("timestamp genTime is malformed");
    nanos = f;
    for (size_t i = frac.size() - 1; i < 9; ++i) nanos *= 10;
  }
  int64_t secs = DaysFromCivil(year, static_cast<unsigned>(mon), static_cast<unsigned>(day)) *
                     86400 + hour * 3600 + min * 60 + sec;
  if (secs > kMaxSeconds || secs < -kMaxSeconds) return Invalid("timestamp genTime is out of range");
  return FromUnixSeconds(secs) + std::chrono::nanoseconds(nanos);
}

// CertTime converts an X.509 validity time to a Timestamp, clamping times Timestamp cannot
// hold (e.g. the RFC 5280 "no expiry" 99991231235959Z) to its range ends.
bool CertTime(const ASN1_TIME* t, Timestamp* out) {
  struct tm tm {};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return false;
  int64_t secs = DaysFromCivil(tm.tm_year + 1900, static_cast<unsigned>(tm.tm_mon + 1),
                               static_cast<unsigned>(tm.tm_mday)) * 86400 +
                 tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
  if (secs > kMaxSeconds) {
    *out = Timestamp::max();
  } else if (secs < -kMaxSeconds) {
    *out = Timestamp::min();
  } else {
    *out = FromUnixSeconds(secs);
  }
  return true;
}

// Token is a parsed timestamp: a TimeStampResp that owns its token, or a bare token.
struct Token {
  ossl::UniquePtr<TS_RESP> resp;
  ossl::UniquePtr<PKCS7> bare;
  PKCS7* get() const { return resp ? TS_RESP_get_token(resp.get()) : bare.get(); }
};

// ParseToken accepts a DER TimeStampResp or a bare ContentInfo, requiring every byte consumed.
// A response keeps its token in place (no PKCS7_dup: copying re-decodes every embedded
// certificate).
Result<Token> ParseToken(ByteView der) {
  const unsigned char* p = der.data();
  ossl::UniquePtr<TS_RESP> resp(d2i_TS_RESP(nullptr, &p, static_cast<long>(der.size())));
  if (resp && p == der.data() + der.size()) {
    // RFC 3161 §2.4.2: only granted (0) and grantedWithMods (1) carry a usable token.
    TS_STATUS_INFO* si = TS_RESP_get_status_info(resp.get());
    const ASN1_INTEGER* status = si ? TS_STATUS_INFO_get0_status(si) : nullptr;
    long st = status ? ASN1_INTEGER_get(status) : -1;
    if (st != 0 && st != 1) return Invalid("timestamp response was not granted");
    if (TS_RESP_get_token(resp.get()) == nullptr) return Invalid("timestamp response carries no token");
    ossl::DrainErrors();
    Token t;
    t.resp = std::move(resp);
    return t;
  }
  ossl::DrainErrors();
  p = der.data();
  ossl::UniquePtr<PKCS7> token(d2i_PKCS7(nullptr, &p, static_cast<long>(der.size())));
  if (!token || p != der.data() + der.size()) {
    return Invalid("timestamp is neither a TimeStampResp nor a TimeStampToken");
  }
  ossl::DrainErrors();
  Token t;
  t.bare = std::move(token);
  return t;
}

// CheckImprint: algorithm sha256/384/512 with absent or NULL parameters, digest == hash(data).
Status CheckImprint(TS_TST_INFO* info, ByteView signed_data) {
  TS_MSG_IMPRINT* imprint = TS_TST_INFO_get_msg_imprint(info);
  if (imprint == nullptr) return Invalid("timestamp has no message imprint");
  X509_ALGOR* algor = TS_MSG_IMPRINT_get_algo(imprint);
  const ASN1_OBJECT* oid = nullptr;
  int ptype = V_ASN1_UNDEF;
  const void* pval = nullptr;
  X509_ALGOR_get0(&oid, &ptype, &pval, algor);
  if (ptype != V_ASN1_UNDEF && ptype != V_ASN1_NULL) {
    return Invalid("timestamp imprint algorithm has parameters");
  }
  HashAlgorithm alg;
  switch (OBJ_obj2nid(oid)) {
    case NID_sha256: alg = HashAlgorithm::kSha256; break;
    case NID_sha384: alg = HashAlgorithm::kSha384; break;
    case NID_sha512: alg = HashAlgorithm::kSha512; break;
    default: return Invalid("timestamp imprint algorithm is not allowed");
  }
  const ASN1_OCTET_STRING* digest = TS_MSG_IMPRINT_get_msg(imprint);
  Bytes expected = Hash(alg, signed_data);
  ByteView got(ASN1_STRING_get0_data(digest), static_cast<size_t>(ASN1_STRING_length(digest)));
  if (!ConstantTimeEqual(expected, got)) return Invalid("timestamp imprint does not match");
  return OkStatus();
}

// VerifyWithTsa runs step 3 against one pinned TSA; returns true when every check passes.
bool VerifyWithTsa(PKCS7* token, Timestamp gen_time, const TsaTrust& tsa) {
  if (tsa.chain.empty()) return false;
  for (X509* c : tsa.chain) {
    if (c == nullptr) return false;
  }
  // 3a. Trusted-root window (inclusive).
  if (tsa.valid_from && gen_time < *tsa.valid_from) return false;
  if (tsa.valid_to && gen_time > *tsa.valid_to) return false;

  // 3b. Trust store: the root is the only anchor; the rest of the pinned chain is offered as
  //     untrusted intermediates (tokens without embedded certificates name their signer only
  //     by ESSCertID, so the pinned leaf must be available for the signer lookup).
  ossl::UniquePtr<X509_STORE> store(X509_STORE_new());
  ossl::UniquePtr<STACK_OF(X509)> untrusted(sk_X509_new_null());
  if (!store || !untrusted) return false;
  if (X509_STORE_add_cert(store.get(), tsa.chain.back()) != 1) return false;
  for (X509* c : tsa.chain) {
    if (X509_up_ref(c) != 1) return false;
    if (sk_X509_push(untrusted.get(), c) <= 0) {
      X509_free(c);
      return false;
    }
  }
  X509_VERIFY_PARAM* param = X509_STORE_get0_param(store.get());
  // OpenSSL treats notAfter == check time as expired, while RFC 5280 §4.1.2.5 (and the
  // trusted-root contract) make validity inclusive. So OpenSSL checks everything but time here,
  // and 3d below checks every certificate of the chain against genTime at full precision.
  X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_X509_STRICT | X509_V_FLAG_NO_CHECK_TIME);
  if (tsa.chain.size() == 1) X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_PARTIAL_CHAIN);

  // 3c. CMS signature, ESS signing-certificate binding, chain with purpose timestampsign
  //     (which demands the critical, sole timeStamping EKU on the signer).
  X509* signer = nullptr;
  int rc = TS_RESP_verify_signature(token, untrusted.get(), store.get(), &signer);
  ossl::UniquePtr<X509> signer_owner(signer);
  if (rc != 1 || signer == nullptr) {
    ossl::DrainErrors();
    return false;
  }
  // Explicit EKU check in addition to OpenSSL's purpose check (defence in depth).
  if ((X509_get_extension_flags(signer) & EXFLAG_XKUSAGE) == 0 ||
      (X509_get_extended_key_usage(signer) & XKU_TIMESTAMP) == 0) {
    return false;
  }
  // 3d. Rebuild the signer's chain (same store, same untrusted set, embedded certificates
  //     included) and require genTime inside every certificate's validity, inclusive.
  ossl::UniquePtr<STACK_OF(X509)> pool(sk_X509_new_null());
  if (!pool) return false;
  STACK_OF(X509)* embedded =
      PKCS7_type_is_signed(token) && token->d.sign != nullptr ? token->d.sign->cert : nullptr;
  for (STACK_OF(X509)* src : {untrusted.get(), embedded}) {
    for (int i = 0; src != nullptr && i < sk_X509_num(src); ++i) {
      X509* c = sk_X509_value(src, i);
      if (X509_up_ref(c) != 1) return false;
      if (sk_X509_push(pool.get(), c) <= 0) {
        X509_free(c);
        return false;
      }
    }
  }
  ossl::UniquePtr<X509_STORE_CTX> vctx(X509_STORE_CTX_new());
  if (!vctx || X509_STORE_CTX_init(vctx.get(), store.get(), signer, pool.get()) != 1) {
    ossl::DrainErrors();
    return false;
  }
  X509_STORE_CTX_set_purpose(vctx.get(), X509_PURPOSE_TIMESTAMP_SIGN);
  if (X509_verify_cert(vctx.get()) != 1) {
    ossl::DrainErrors();
    return false;
  }
  STACK_OF(X509)* chain = X509_STORE_CTX_get0_chain(vctx.get());
  for (int i = 0; chain != nullptr && i < sk_X509_num(chain); ++i) {
    X509* c = sk_X509_value(chain, i);
    Timestamp not_before, not_after;
    if (!CertTime(X509_get0_notBefore(c), &not_before) ||
        !CertTime(X509_get0_notAfter(c), &not_after)) {
      ossl::DrainErrors();
      return false;
    }
    if (gen_time < not_before || gen_time > not_after) return false;
  }
  return true;
}

}  // namespace

Result<Timestamp> VerifyRfc3161(ByteView timestamp_der, ByteView signed_data,
                                const std::vector<TsaTrust>& tsas) {
  // 1. Parse strictly.
  if (timestamp_der.empty() || timestamp_der.size() > kMaxTimestampBytes) {
    return Invalid("timestamp size is out of range");
  }
  SIGNET_ASSIGN_OR_RETURN(Token token, ParseToken(timestamp_der));
  TstInfoPtr info(PKCS7_to_TS_TST_INFO(token.get()));
  if (!info) return Invalid("timestamp token has no valid TSTInfo");
  if (TS_TST_INFO_get_version(info.get()) != 1) return Invalid("timestamp TSTInfo version is not 1");
  SIGNET_ASSIGN_OR_RETURN(Timestamp gen_time, ParseGeneralizedTime(TS_TST_INFO_get_time(info.get())));

  // 2. Message imprint over the signed data.
  SIGNET_RETURN_IF_ERROR(CheckImprint(info.get(), signed_data));

  // 3./4. Signature, chain and windows against each pinned TSA; first success wins.
  for (const TsaTrust& tsa : tsas) {
    if (VerifyWithTsa(token.get(), gen_time, tsa)) return gen_time;
  }
  return Invalid("timestamp does not verify against any trusted TSA");
}

}  // namespace signet::attestation
