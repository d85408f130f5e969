// TimestampAuthority (see authority.h): RFC 3161 responses built by OpenSSL's TS_RESP_CTX and
// signed in the device (device_sign.h).
#include "signet/tsa/authority.h"

#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/rand.h>
#include <openssl/ts.h>
#include <openssl/x509v3.h>
#include <sys/timex.h>

#include <optional>

#include "device_sign.h"
#include "serial.h"
#include "signet/core/file.h"
#include "signet/core/findings.h"
#include "signet/core/hash.h"
#include "signet/core/ossl.h"
#include "signet/core/public_key.h"

namespace signet::tsa {
namespace {

constexpr char kSha256Oid[] = "2.16.840.1.101.3.4.2.1";
constexpr size_t kMaxChainBytes = 64 * 1024;

struct TsReqFree {
  void operator()(TS_REQ* p) const { TS_REQ_free(p); }
};
struct TsRespCtxFree {
  void operator()(TS_RESP_CTX* p) const { TS_RESP_CTX_free(p); }
};
struct TsMsgImprintFree {
  void operator()(TS_MSG_IMPRINT* p) const { TS_MSG_IMPRINT_free(p); }
};
struct X509AlgorFree {
  void operator()(X509_ALGOR* p) const { X509_ALGOR_free(p); }
};
struct Asn1IntegerFree {
  void operator()(ASN1_INTEGER* p) const { ASN1_INTEGER_free(p); }
};
using TsReqPtr = std::unique_ptr<TS_REQ, TsReqFree>;

std::string OidText(const ASN1_OBJECT* obj) {
  char buf[128];
  int n = OBJ_obj2txt(buf, sizeof buf, obj, 1);
  if (n <= 0 || static_cast<size_t>(n) >= sizeof buf) return "";
  return std::string(buf, static_cast<size_t>(n));
}

// RejectionResponse encodes TimeStampResp { PKIStatusInfo { rejection(2), statusString { text },
// failInfo } } (RFC 3161 §2.4.2; failInfo is a named-bit BIT STRING, DER without trailing 0 bits).
Bytes RejectionResponse(int failure_bit, std::string_view text) {
  using internal::DerTlv;
  Bytes body = DerTlv(0x02, Bytes{0x02});
  Bytes strings = DerTlv(0x30, DerTlv(0x0c, AsBytes(text)));
  body.insert(body.end(), strings.begin(), strings.end());
  Bytes bits(1 + static_cast<size_t>(failure_bit / 8) + 1, 0);
  bits[0] = static_cast<uint8_t>(7 - failure_bit % 8);
  bits.back() = static_cast<uint8_t>(0x80 >> (failure_bit % 8));
  Bytes fail = DerTlv(0x03, bits);
  body.insert(body.end(), fail.begin(), fail.end());
  return DerTlv(0x30, DerTlv(0x30, body));
}

}  // namespace

Result<bool> SystemClockSynchronized() {
  struct timex tx {};
  tx.modes = 0;  // read only: needs no privilege
  int state = ::adjtimex(&tx);
  if (state == -1) return Unavailable("adjtimex failed: cannot tell whether the clock is synchronised");
  return state != TIME_ERROR && (tx.status & STA_UNSYNC) == 0;
}

Result<TimestampQuery> ParseTimestampQuery(ByteView der) {
  if (der.empty() || der.size() > kMaxQueryBytes) {
    return InvalidArgument("a TimeStampReq must be 1 to " + std::to_string(kMaxQueryBytes) + " bytes");
  }
  const unsigned char* p = der.data();
  TsReqPtr req(d2i_TS_REQ(nullptr, &p, static_cast<long>(der.size())));
  if (!req) {
    ERR_clear_error();
    return InvalidArgument("not a DER TimeStampReq");
  }
  if (p != der.data() + der.size()) return InvalidArgument("trailing bytes after the TimeStampReq");
  unsigned char* re = nullptr;
  int re_len = i2d_TS_REQ(req.get(), &re);
  bool same = re_len == static_cast<int>(der.size()) && std::equal(der.begin(), der.end(), re);
  OPENSSL_free(re);
  if (!same) return InvalidArgument("the TimeStampReq is not in DER");
  if (TS_REQ_get_version(req.get()) != 1) return InvalidArgument("TimeStampReq version must be 1");
  TS_MSG_IMPRINT* imprint = TS_REQ_get_msg_imprint(req.get());
  X509_ALGOR* algo = imprint == nullptr ? nullptr : TS_MSG_IMPRINT_get_algo(imprint);
  ASN1_OCTET_STRING* msg = imprint == nullptr ? nullptr : TS_MSG_IMPRINT_get_msg(imprint);
  if (algo == nullptr || msg == nullptr) return InvalidArgument("the TimeStampReq has no message imprint");
  const ASN1_OBJECT* alg_obj = nullptr;
  int ptype = 0;
  const void* pval = nullptr;
  X509_ALGOR_get0(&alg_obj, &ptype, &pval, algo);
  if (ptype != V_ASN1_UNDEF && ptype != V_ASN1_NULL) {
    return InvalidArgument("the message imprint's hash algorithm has parameters");
  }
  TimestampQuery out;
  out.hash_oid = OidText(alg_obj);
  if (out.hash_oid.empty()) return InvalidArgument("the message imprint's hash algorithm is not an OID");
  const unsigned char* m = ASN1_STRING_get0_data(msg);
  out.hashed_message.assign(m, m + ASN1_STRING_length(msg));
  if (const ASN1_OBJECT* policy = TS_REQ_get_policy_id(req.get()); policy != nullptr) {
    out.policy_oid = OidText(policy);
    if (out.policy_oid->empty()) return InvalidArgument("the requested policy is not an OID");
  }
  if (const ASN1_INTEGER* nonce = TS_REQ_get_nonce(req.get()); nonce != nullptr) {
    const unsigned char* n = ASN1_STRING_get0_data(nonce);
    out.nonce = Bytes(n, n + ASN1_STRING_length(nonce));
  }
  out.cert_req = TS_REQ_get_cert_req(req.get()) != 0;
  const STACK_OF(X509_EXTENSION)* exts = TS_REQ_get_exts(req.get());
  out.has_extensions = exts != nullptr && sk_X509_EXTENSION_num(exts) > 0;
  return out;
}

class TimestampAuthority::Impl {
 public:
  Impl(std::string chain_pem, std::shared_ptr<fw::SigningKey> key, AuthorityOptions options,
       ossl::UniquePtr<X509> leaf, ossl::UniquePtr<ASN1_OBJECT> policy, std::string tsa_dir)
      : chain_pem_(std::move(chain_pem)),
        key_(std::move(key)),
        options_(std::move(options)),
        leaf_(std::move(leaf)),
        policy_(std::move(policy)),
        serials_(std::move(tsa_dir), options_.serial_block) {}

  // Respond is TimestampAuthority::Respond; a clock refusal (CLOCK_STEPPED_BACK) is answered as
  // a rejection (timeNotAvailable) and, when `clock_refusal` is given, also stored there.
  Result<Bytes> Respond(ByteView query, std::optional<Error>* clock_refusal = nullptr);
  Result<Bytes> StampDigest(ByteView digest);
  const std::string& chain_pem() const { return chain_pem_; }
  internal::SerialCounter& serials() { return serials_; }

 private:
  const Clock& clock() const { return options_.clock != nullptr ? *options_.clock : system_clock_; }
  bool ClockSynchronized() const {
    if (!options_.require_synchronized_clock) return true;
    Result<bool> synced = options_.clock_synchronized ? options_.clock_synchronized() : SystemClockSynchronized();
    return synced.ok() && *synced;
  }

  // RequestState is what TS_RESP_CTX's callbacks see of one request.
  struct RequestState {
    Impl* impl;
    std::optional<Error> serial_error;
    int64_t gen_time = 0;  // taken with the serial (SerialCounter::Next)
  };
  static ASN1_INTEGER* SerialCallback(TS_RESP_CTX* ctx, void* data);
  static int TimeCallback(TS_RESP_CTX* ctx, void* data, long* sec, long* usec);

  std::string chain_pem_;
  std::shared_ptr<fw::SigningKey> key_;
  AuthorityOptions options_;
  ossl::UniquePtr<X509> leaf_;
  ossl::UniquePtr<ASN1_OBJECT> policy_;
  internal::SerialCounter serials_;
  SystemClock system_clock_;
};

ASN1_INTEGER* TimestampAuthority::Impl::SerialCallback(TS_RESP_CTX* ctx, void* data) {
  auto* state = static_cast<RequestState*>(data);
  Result<uint64_t> serial = state->impl->serials_.Next(state->impl->clock(), &state->gen_time);
  std::unique_ptr<ASN1_INTEGER, Asn1IntegerFree> out(ASN1_INTEGER_new());
  if (serial.ok() && out && ASN1_INTEGER_set_uint64(out.get(), *serial) == 1) return out.release();
  state->serial_error = serial.ok() ? Internal("cannot encode the serial number") : std::move(serial).error();
  TS_RESP_CTX_set_status_info(ctx, TS_STATUS_REJECTION, "no serial number is available");
  TS_RESP_CTX_add_failure_info(ctx, TS_INFO_ADD_INFO_NOT_AVAILABLE);
  return nullptr;
}

int TimestampAuthority::Impl::TimeCallback(TS_RESP_CTX*, void* data, long* sec, long* usec) {
  auto* state = static_cast<RequestState*>(data);
  *sec = static_cast<long>(state->gen_time);  // OpenSSL asks for the serial first
  *usec = 0;  // genTime is stamped in whole seconds, with the accuracy field saying how good they are
  return 1;
}

Result<Bytes> TimestampAuthority::Impl::Respond(ByteView query, std::optional<Error>* clock_refusal) {
  // 1. The query, strictly; each refusal is an RFC 3161 answer, not an error.
  Result<TimestampQuery> parsed = ParseTimestampQuery(query);
  if (!parsed.ok()) return RejectionResponse(TS_INFO_BAD_DATA_FORMAT, "the query is not a DER TimeStampReq");
  if (parsed->hash_oid != kSha256Oid || parsed->hashed_message.size() != 32) {
    return RejectionResponse(TS_INFO_BAD_ALG, "only SHA-256 message imprints are accepted");
  }
  if (parsed->policy_oid && *parsed->policy_oid != options_.policy_oid) {
    return RejectionResponse(TS_INFO_UNACCEPTED_POLICY, "this TSA stamps under policy " + options_.policy_oid + " only");
  }
  if (parsed->has_extensions) return RejectionResponse(TS_INFO_UNACCEPTED_EXTENSION, "no extension is supported");
  // 2. The clock: no token while the kernel says the clock is not synchronised.
  if (!ClockSynchronized()) {
    return RejectionResponse(TS_INFO_TIME_NOT_AVAILABLE, "the TSA's clock is not synchronised");
  }
  // 3. OpenSSL builds the response with a placeholder of the leaf key; a serial is reserved.
  SIGNET_ASSIGN_OR_RETURN(ossl::UniquePtr<EVP_PKEY> placeholder, internal::PlaceholderKey(key_->public_key_spki()));
  std::unique_ptr<TS_RESP_CTX, TsRespCtxFree> ctx(TS_RESP_CTX_new());
  RequestState state{this, std::nullopt, 0};
  if (!ctx || TS_RESP_CTX_set_signer_cert(ctx.get(), leaf_.get()) != 1 ||
      TS_RESP_CTX_set_signer_key(ctx.get(), placeholder.get()) != 1 ||
      TS_RESP_CTX_set_signer_digest(ctx.get(), EVP_sha256()) != 1 ||
      TS_RESP_CTX_set_ess_cert_id_digest(ctx.get(), EVP_sha256()) != 1 ||
      TS_RESP_CTX_set_def_policy(ctx.get(), policy_.get()) != 1 || TS_RESP_CTX_add_md(ctx.get(), EVP_sha256()) != 1 ||
      TS_RESP_CTX_set_accuracy(ctx.get(), static_cast<int>(options_.accuracy_seconds), 0, 0) != 1) {
    return ossl::OpenSslError(ErrorCode::kInternal, "configuring the TSA response");
  }
  TS_RESP_CTX_set_serial_cb(ctx.get(), SerialCallback, &state);
  TS_RESP_CTX_set_time_cb(ctx.get(), TimeCallback, &state);
  ossl::UniquePtr<BIO> in(BIO_new_mem_buf(query.data(), static_cast<int>(query.size())));
  if (!in) return ossl::OpenSslError(ErrorCode::kInternal, "BIO_new_mem_buf");
  ossl::UniquePtr<TS_RESP> resp(TS_RESP_create_response(ctx.get(), in.get()));
  if (state.serial_error) {
    if (state.serial_error->finding() == findings::kClockSteppedBack) {
      if (clock_refusal != nullptr) *clock_refusal = *state.serial_error;
      return RejectionResponse(TS_INFO_TIME_NOT_AVAILABLE,
                               "the TSA's clock is behind a token it already issued (CLOCK_STEPPED_BACK)");
    }
    return std::move(*state.serial_error);
  }
  if (!resp) return ossl::OpenSslError(ErrorCode::kInternal, "building the TSA response");
  const ASN1_INTEGER* status = TS_STATUS_INFO_get0_status(TS_RESP_get_status_info(resp.get()));
  if (status == nullptr || ASN1_INTEGER_get(status) != TS_STATUS_GRANTED) {
    // The checks above mirror OpenSSL's; whatever it still refuses is an internal failure.
    return ossl::OpenSslError(ErrorCode::kInternal, "OpenSSL refused to build the token");
  }
  // 4. The device signs the token's signed attributes; the signature is verified on the host.
  PKCS7* token = TS_RESP_get_token(resp.get());
  STACK_OF(PKCS7_SIGNER_INFO)* signers = token == nullptr ? nullptr : PKCS7_get_signer_info(token);
  if (signers == nullptr || sk_PKCS7_SIGNER_INFO_num(signers) != 1) return Internal("the token has no single signer");
  SIGNET_RETURN_IF_ERROR(internal::SignSignerInfoInDevice(sk_PKCS7_SIGNER_INFO_value(signers, 0), *key_));
  unsigned char* der = nullptr;
  int len = i2d_TS_RESP(resp.get(), &der);
  if (len <= 0) return ossl::OpenSslError(ErrorCode::kInternal, "encoding the TSA response");
  Bytes out(der, der + len);
  OPENSSL_free(der);
  ERR_clear_error();
  return out;
}

Result<Bytes> TimestampAuthority::Impl::StampDigest(ByteView digest) {
  if (digest.size() != 32) return InvalidArgument("a SHA-256 digest is 32 bytes");
  if (!ClockSynchronized()) {
    return Unavailable("the TSA refuses to stamp: the system clock is not synchronised")
        .WithFinding(findings::kTsaClockUnsynchronized);
  }
  Bytes imprint_copy(digest.begin(), digest.end());  // OpenSSL's setter takes a non-const pointer
  unsigned char nonce[8];
  TsReqPtr req(TS_REQ_new());
  std::unique_ptr<TS_MSG_IMPRINT, TsMsgImprintFree> imprint(TS_MSG_IMPRINT_new());
  std::unique_ptr<X509_ALGOR, X509AlgorFree> algo(X509_ALGOR_new());
  std::unique_ptr<ASN1_INTEGER, Asn1IntegerFree> nonce_int(ASN1_INTEGER_new());
  if (RAND_bytes(nonce, sizeof nonce) != 1 || !req || !imprint || !algo || !nonce_int) {
    return ossl::OpenSslError(ErrorCode::kInternal, "building the query");
  }
  nonce[0] &= 0x7f;
  ossl::UniquePtr<BIGNUM> nonce_bn(BN_bin2bn(nonce, sizeof nonce, nullptr));
  if (!nonce_bn || BN_to_ASN1_INTEGER(nonce_bn.get(), nonce_int.get()) == nullptr ||
      X509_ALGOR_set0(algo.get(), OBJ_nid2obj(NID_sha256), V_ASN1_NULL, nullptr) != 1 ||
      TS_MSG_IMPRINT_set_algo(imprint.get(), algo.get()) != 1 ||
      TS_MSG_IMPRINT_set_msg(imprint.get(), imprint_copy.data(), static_cast<int>(imprint_copy.size())) != 1 ||
      TS_REQ_set_version(req.get(), 1) != 1 || TS_REQ_set_msg_imprint(req.get(), imprint.get()) != 1 ||
      TS_REQ_set_nonce(req.get(), nonce_int.get()) != 1 || TS_REQ_set_cert_req(req.get(), 1) != 1) {
    return ossl::OpenSslError(ErrorCode::kInternal, "building the query");
  }
  unsigned char* der = nullptr;
  int len = i2d_TS_REQ(req.get(), &der);
  if (len <= 0) return ossl::OpenSslError(ErrorCode::kInternal, "encoding the query");
  Bytes query(der, der + len);
  OPENSSL_free(der);
  std::optional<Error> clock_refusal;
  SIGNET_ASSIGN_OR_RETURN(Bytes response, Respond(query, &clock_refusal));
  if (clock_refusal) return std::move(*clock_refusal);
  // Respond answers a refusal (the clock lost its sync since the check above) as a rejection.
  const unsigned char* p = response.data();
  ossl::UniquePtr<TS_RESP> resp(d2i_TS_RESP(nullptr, &p, static_cast<long>(response.size())));
  const ASN1_INTEGER* status = resp ? TS_STATUS_INFO_get0_status(TS_RESP_get_status_info(resp.get())) : nullptr;
  if (status == nullptr || ASN1_INTEGER_get(status) != TS_STATUS_GRANTED) {
    return Unavailable("the TSA refused to stamp (is the clock synchronised?)")
        .WithFinding(findings::kTsaClockUnsynchronized);
  }
  return response;
}

TimestampAuthority::TimestampAuthority(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TimestampAuthority::~TimestampAuthority() = default;

Result<std::unique_ptr<TimestampAuthority>> TimestampAuthority::Open(const std::string& state_dir,
                                                                     std::shared_ptr<fw::SigningKey> key,
                                                                     AuthorityOptions options) {
  if (!key) return InvalidArgument("no TSA key");
  if (key->algorithm() != SignatureAlgorithm::kEcdsaP256Sha256) {
    return InvalidArgument("the TSA key must be an ECDSA P-256 key");
  }
  const std::string path = ChainPath(state_dir);
  Result<std::string> pem = ReadFile(path, kMaxChainBytes);
  if (!pem.ok()) return std::move(pem).error().Prefix("the TSA chain " + path);
  SIGNET_ASSIGN_OR_RETURN(std::vector<ossl::UniquePtr<X509>> certs, ossl::ParseCertificatesPem(*pem));
  if (certs.size() < 2) return InvalidArgument(path + ": want the TSA certificate, then its CA's");
  // The key must be the leaf's key (same public value), the leaf a timestamping certificate
  // issued by the next one.
  SIGNET_ASSIGN_OR_RETURN(PublicKey leaf_key, PublicKey::FromCertificate(certs[0].get()));
  SIGNET_ASSIGN_OR_RETURN(PublicKey device_key,
                          PublicKey::FromSpkiDer(key->public_key_spki(), SignatureAlgorithm::kEcdsaP256Sha256));
  if (leaf_key.canonical_id() != device_key.canonical_id()) {
    return InvalidArgument("the TSA key is not the key of the certificate in " + path);
  }
  if (X509_check_purpose(certs[0].get(), X509_PURPOSE_TIMESTAMP_SIGN, 0) != 1 ||
      X509_check_issued(certs[1].get(), certs[0].get()) != X509_V_OK) {
    ERR_clear_error();
    return InvalidArgument(path + ": the first certificate is not a timestamping certificate issued by the second");
  }
  ossl::UniquePtr<ASN1_OBJECT> policy(OBJ_txt2obj(options.policy_oid.c_str(), 1));
  if (!policy || OidText(policy.get()) != options.policy_oid) {
    ERR_clear_error();
    return InvalidArgument("the TSA policy \"" + options.policy_oid + "\" is not a dotted-decimal OID");
  }
  if (options.accuracy_seconds == 0 || options.accuracy_seconds > 3600) {
    return InvalidArgument("the TSA accuracy must be 1 to 3600 seconds");
  }
  ossl::UniquePtr<X509> leaf = std::move(certs[0]);
  auto impl = std::make_unique<Impl>(std::move(*pem), std::move(key), std::move(options), std::move(leaf),
                                     std::move(policy), state_dir + "/" + kTsaDirName);
  SIGNET_RETURN_IF_ERROR(impl->serials().Check());
  return std::unique_ptr<TimestampAuthority>(new TimestampAuthority(std::move(impl)));
}

Result<Bytes> TimestampAuthority::Respond(ByteView der_timestamp_query) { return impl_->Respond(der_timestamp_query); }
Result<Bytes> TimestampAuthority::StampData(ByteView data) { return impl_->StampDigest(Sha256(data)); }
Result<Bytes> TimestampAuthority::StampDigest(ByteView sha256_digest) { return impl_->StampDigest(sha256_digest); }
const std::string& TimestampAuthority::chain_pem() const { return impl_->chain_pem(); }

}  // namespace signet::tsa
