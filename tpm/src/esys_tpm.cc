// ESAPI implementation of fw::Tpm. Every ESYS_TR this file creates is owned by an RAII holder
// that flushes it (transient objects, sessions) or closes it (NV index handles) on scope exit:
// swtpm/libtpms has three transient object slots and no resource manager in front of it.
#include "signet/tpm/esys_tpm.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <utility>

#include <openssl/crypto.h>
#include <tss2/tss2_esys.h>
#include <tss2/tss2_mu.h>
#include <tss2/tss2_rc.h>
#include <tss2/tss2_tctildr.h>

#include "signet/core/hash.h"

namespace signet::tpm {
namespace {

using fw::AkBlob;

// TCG EK Credential Profile 2.0 §B.3.3 template L-1: PolicyA (PolicySecret(TPM_RH_ENDORSEMENT)).
constexpr uint8_t kEkPolicyA[32] = {0x83, 0x71, 0x97, 0x67, 0x44, 0x84, 0xB3, 0xF8, 0x1A, 0x90, 0xCC,
                                    0x8D, 0x46, 0xA5, 0xD7, 0x24, 0xFD, 0x52, 0xD7, 0x6E, 0x06, 0x52,
                                    0x0B, 0x64, 0xF2, 0xA1, 0xDA, 0x1B, 0x33, 0x14, 0x69, 0xAA};
constexpr TPM2_HANDLE kEkCertRsaIndex = 0x01c00002;
constexpr TPM2_HANDLE kEkPersistentHandle = 0x81010001;  // TCG provisioning guidance, RSA EK
constexpr TPM2_HANDLE kEkCertEccP384Index = 0x01c00016;
constexpr uint16_t kNvChunk = 512;  // below every TPM's TPM_PT_NV_BUFFER_MAX

Error TssError(TSS2_RC rc, std::string_view what) {
  const TSS2_RC layer = rc & TSS2_RC_LAYER_MASK;
  const TSS2_RC base = rc & ~TSS2_RC_LAYER_MASK;
  ErrorCode code = ErrorCode::kInternal;
  if (layer == TSS2_TCTI_RC_LAYER || base == TPM2_RC_RETRY || base == TPM2_RC_YIELDED ||
      base == TPM2_RC_TESTING || base == TSS2_BASE_RC_IO_ERROR ||
      base == TSS2_BASE_RC_NO_CONNECTION) {
    code = ErrorCode::kUnavailable;
  }
  return Error(code, std::string(what) + ": " + Tss2_RC_Decode(rc))
      .WithDomain("tss2", static_cast<int64_t>(rc));
}

// EsysFree releases ESAPI output buffers; they are cleansed first because some (the activated
// credential) are secrets.
template <typename T>
struct EsysFree {
  void operator()(T* p) const {
    if (p != nullptr) OPENSSL_cleanse(p, sizeof(T));
    Esys_Free(p);
  }
};
template <typename T>
using EsysPtr = std::unique_ptr<T, EsysFree<T>>;

// Handle owns one ESYS_TR: transient objects and sessions are flushed, NV/persistent handles
// only closed (flushing would be wrong for them).
class Handle {
 public:
  enum class Kind { kFlush, kClose };
  Handle() = default;
  Handle(ESYS_CONTEXT* ctx, ESYS_TR tr, Kind kind) : ctx_(ctx), tr_(tr), kind_(kind) {}
  Handle(Handle&& o) noexcept : ctx_(o.ctx_), tr_(std::exchange(o.tr_, ESYS_TR_NONE)), kind_(o.kind_) {}
  Handle& operator=(Handle&& o) noexcept {
    if (this != &o) {
      Reset();
      ctx_ = o.ctx_;
      tr_ = std::exchange(o.tr_, ESYS_TR_NONE);
      kind_ = o.kind_;
    }
    return *this;
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() { Reset(); }
  ESYS_TR get() const { return tr_; }

 private:
  void Reset() {
    if (tr_ == ESYS_TR_NONE || ctx_ == nullptr) return;
    if (kind_ == Kind::kFlush) {
      (void)Esys_FlushContext(ctx_, tr_);
    } else {
      (void)Esys_TR_Close(ctx_, &tr_);
    }
    tr_ = ESYS_TR_NONE;
  }
  ESYS_CONTEXT* ctx_ = nullptr;
  ESYS_TR tr_ = ESYS_TR_NONE;
  Kind kind_ = Kind::kFlush;
};

TPMS_PCR_SELECTION Sha256Selection(const std::vector<uint32_t>& pcrs) {
  TPMS_PCR_SELECTION s{};
  s.hash = TPM2_ALG_SHA256;
  s.sizeofSelect = 3;
  for (uint32_t p : pcrs) s.pcrSelect[p / 8] = static_cast<uint8_t>(s.pcrSelect[p / 8] | (1u << (p % 8)));
  return s;
}

Status CheckPcrIndex(uint32_t pcr) {
  if (pcr > 23) return InvalidArgument("PCR index must be 0..23");
  return OkStatus();
}

TPM2B_PUBLIC EkTemplate() {
  TPM2B_PUBLIC t{};
  TPMT_PUBLIC& p = t.publicArea;
  p.type = TPM2_ALG_RSA;
  p.nameAlg = TPM2_ALG_SHA256;
  p.objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
                       TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_ADMINWITHPOLICY |
                       TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT;
  p.authPolicy.size = sizeof(kEkPolicyA);
  std::memcpy(p.authPolicy.buffer, kEkPolicyA, sizeof(kEkPolicyA));
  p.parameters.rsaDetail.symmetric.algorithm = TPM2_ALG_AES;
  p.parameters.rsaDetail.symmetric.keyBits.aes = 128;
  p.parameters.rsaDetail.symmetric.mode.aes = TPM2_ALG_CFB;
  p.parameters.rsaDetail.scheme.scheme = TPM2_ALG_NULL;
  p.parameters.rsaDetail.keyBits = 2048;
  p.parameters.rsaDetail.exponent = 0;
  p.unique.rsa.size = 256;  // zero-filled, per the template
  return t;
}

TPM2B_PUBLIC AkTemplate(SignatureAlgorithm alg) {
  TPM2B_PUBLIC t{};
  TPMT_PUBLIC& p = t.publicArea;
  p.nameAlg = TPM2_ALG_SHA256;
  p.objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
                       TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_USERWITHAUTH |
                       TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_SIGN_ENCRYPT;
  if (alg == SignatureAlgorithm::kEcdsaP256Sha256) {
    p.type = TPM2_ALG_ECC;
    p.parameters.eccDetail.symmetric.algorithm = TPM2_ALG_NULL;
    p.parameters.eccDetail.scheme.scheme = TPM2_ALG_ECDSA;
    p.parameters.eccDetail.scheme.details.ecdsa.hashAlg = TPM2_ALG_SHA256;
    p.parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
    p.parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
  } else {
    p.type = TPM2_ALG_RSA;
    p.parameters.rsaDetail.symmetric.algorithm = TPM2_ALG_NULL;
    p.parameters.rsaDetail.scheme.scheme = TPM2_ALG_RSASSA;
    p.parameters.rsaDetail.scheme.details.rsassa.hashAlg = TPM2_ALG_SHA256;
    p.parameters.rsaDetail.keyBits = 2048;
    p.parameters.rsaDetail.exponent = 0;
  }
  return t;
}

// The owner-hierarchy storage primary tpm2-openssl 1.1.1 recreates for a TSS2 PRIVATE KEY whose
// parent is TPM_RH_OWNER (src/tpm2-provider-pkey.c, primaryEccTemplate): ECC P-256, AES-128-CFB,
// restricted decrypt, noDA, empty unique. It must stay byte-identical to the provider's, or the
// key files `signet attest tls-key` writes would not load there.
TPM2B_PUBLIC OwnerPrimaryTemplate() {
  TPM2B_PUBLIC t{};
  TPMT_PUBLIC& p = t.publicArea;
  p.type = TPM2_ALG_ECC;
  p.nameAlg = TPM2_ALG_SHA256;
  p.objectAttributes = TPMA_OBJECT_USERWITHAUTH | TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT |
                       TPMA_OBJECT_NODA | TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
                       TPMA_OBJECT_SENSITIVEDATAORIGIN;
  p.parameters.eccDetail.symmetric.algorithm = TPM2_ALG_AES;
  p.parameters.eccDetail.symmetric.keyBits.aes = 128;
  p.parameters.eccDetail.symmetric.mode.aes = TPM2_ALG_CFB;
  p.parameters.eccDetail.scheme.scheme = TPM2_ALG_NULL;
  p.parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
  p.parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
  return t;
}

// The TLS key: an unrestricted ECDSA P-256 signing key that can never leave this TPM
// (fixedTPM|fixedParent, sensitiveDataOrigin: the TPM generated it; no encryptedDuplication
// policy either, since it cannot be duplicated at all). The scheme is NULL so each TPM2_Sign
// names its hash (TLS 1.2 peers may ask for ecdsa_sha384 with a P-256 key).
TPM2B_PUBLIC TlsKeyTemplate() {
  TPM2B_PUBLIC t{};
  TPMT_PUBLIC& p = t.publicArea;
  p.type = TPM2_ALG_ECC;
  p.nameAlg = TPM2_ALG_SHA256;
  p.objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
                       TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_USERWITHAUTH |
                       TPMA_OBJECT_SIGN_ENCRYPT;
  p.parameters.eccDetail.symmetric.algorithm = TPM2_ALG_NULL;
  p.parameters.eccDetail.scheme.scheme = TPM2_ALG_NULL;
  p.parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
  p.parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
  return t;
}

template <typename T, typename Fn>
Result<Bytes> Marshal(const T& value, Fn fn, std::string_view what) {
  Bytes out(sizeof(T) + 16);
  size_t offset = 0;
  TSS2_RC rc = fn(&value, out.data(), out.size(), &offset);
  if (rc != TSS2_RC_SUCCESS) return TssError(rc, std::string("marshaling ") + std::string(what));
  out.resize(offset);
  return out;
}

template <typename T, typename Fn>
Result<T> Unmarshal(ByteView in, Fn fn, std::string_view what) {
  T value{};
  size_t offset = 0;
  TSS2_RC rc = fn(in.data(), in.size(), &offset, &value);
  if (rc != TSS2_RC_SUCCESS || offset != in.size()) {
    return InvalidArgument("malformed " + std::string(what));
  }
  return value;
}

class EsysTpm final : public fw::Tpm {
 public:
  EsysTpm(TSS2_TCTI_CONTEXT* tcti, ESYS_CONTEXT* esys) : tcti_(tcti), esys_(esys) {}
  ~EsysTpm() override {
    Esys_Finalize(&esys_);
    Tss2_TctiLdr_Finalize(&tcti_);
  }
  EsysTpm(const EsysTpm&) = delete;
  EsysTpm& operator=(const EsysTpm&) = delete;

  Result<fw::TpmInfo> Info() override {
    TPMI_YES_NO more = TPM2_NO;
    TPMS_CAPABILITY_DATA* raw = nullptr;
    TSS2_RC rc = Esys_GetCapability(esys_, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
                                    TPM2_CAP_TPM_PROPERTIES, TPM2_PT_MANUFACTURER, 16, &more, &raw);
    EsysPtr<TPMS_CAPABILITY_DATA> data(raw);
    if (rc != TSS2_RC_SUCCESS) return TssError(rc, "reading TPM properties");
    fw::TpmInfo info;
    uint32_t fw1 = 0, fw2 = 0;
    const TPML_TAGGED_TPM_PROPERTY& props = data->data.tpmProperties;
    for (uint32_t i = 0; i < props.count && i < TPM2_MAX_TPM_PROPERTIES; ++i) {
      const auto& p = props.tpmProperty[i];
      if (p.property == TPM2_PT_MANUFACTURER) {
        for (int shift = 24; shift >= 0; shift -= 8) {
          char c = static_cast<char>((p.value >> shift) & 0xff);
          if (c >= 0x21 && c <= 0x7e) info.manufacturer.push_back(c);
        }
      } else if (p.property == TPM2_PT_FIRMWARE_VERSION_1) {
        fw1 = p.value;
      } else if (p.property == TPM2_PT_FIRMWARE_VERSION_2) {
        fw2 = p.value;
      }
    }
    info.firmware_version = (static_cast<uint64_t>(fw1) << 32) | fw2;
    return info;
  }

  Result<Bytes> ReadPcr(uint32_t pcr) override {
    SIGNET_RETURN_IF_ERROR(CheckPcrIndex(pcr));
    TPML_PCR_SELECTION sel{};
    sel.count = 1;
    sel.pcrSelections[0] = Sha256Selection({pcr});
    UINT32 update_counter = 0;
    TPML_PCR_SELECTION* sel_out_raw = nullptr;
    TPML_DIGEST* values_raw = nullptr;
    TSS2_RC rc = Esys_PCR_Read(esys_, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &sel,
                               &update_counter, &sel_out_raw, &values_raw);
    EsysPtr<TPML_PCR_SELECTION> sel_out(sel_out_raw);
    EsysPtr<TPML_DIGEST> values(values_raw);
    if (rc != TSS2_RC_SUCCESS) return TssError(rc, "reading PCR");
    if (values->count != 1 || values->digests[0].size != 32) {
      return FailedPrecondition("the TPM has no active SHA-256 bank for this PCR");
    }
    return Bytes(values->digests[0].buffer, values->digests[0].buffer + 32);
  }

  Status ExtendPcr(uint32_t pcr, ByteView digest) override {
    SIGNET_RETURN_IF_ERROR(CheckPcrIndex(pcr));
    if (digest.size() != 32) return InvalidArgument("a SHA-256 extend digest is 32 bytes");
    TPML_DIGEST_VALUES d{};
    d.count = 1;
    d.digests[0].hashAlg = TPM2_ALG_SHA256;
    std::memcpy(d.digests[0].digest.sha256, digest.data(), 32);
    TSS2_RC rc = Esys_PCR_Extend(esys_, ESYS_TR_PCR0 + pcr, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                                 ESYS_TR_NONE, &d);
    if (rc != TSS2_RC_SUCCESS) return TssError(rc, "extending PCR");
    return OkStatus();
  }

  Status ResetPcr(uint32_t pcr) override {
    if (pcr != 16 && pcr != 23) {
      return InvalidArgument("only the debug PCRs 16 and 23 may be reset");
    }
    TSS2_RC rc = Esys_PCR_Reset(esys_, ESYS_TR_PCR0 + pcr, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                                ESYS_TR_NONE);
    if (rc != TSS2_RC_SUCCESS) return TssError(rc, "resetting PCR");
    return OkStatus();
  }

  Result<Bytes> ReadEkCertificate(fw::EkType type) override {
    const TPM2_HANDLE index =
        type == fw::EkType::kRsa2048 ? kEkCertRsaIndex : kEkCertEccP384Index;
    ESYS_TR nv_tr = ESYS_TR_NONE;
    TSS2_RC rc = Esys_TR_FromTPMPublic(esys_, index, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
                                       &nv_tr);
    if (rc != TSS2_RC_SUCCESS) {
      const TSS2_RC base = rc & ~TSS2_RC_LAYER_MASK;
      if ((base & TPM2_RC_FMT1) != 0 && (base & 0x3f) == (TPM2_RC_HANDLE & 0x3f)) {
        return NotFound("no EK certificate in NV index 0x" + HexIndex(index));
      }
      return TssError(rc, "opening the EK certificate NV index");
    }
    Handle nv(esys_, nv_tr, Handle::Kind::kClose);
    TPM2B_NV_PUBLIC* pub_raw = nullptr;
    TPM2B_NAME* name_raw = nullptr;
    rc = Esys_NV_ReadPublic(esys_, nv.get(), ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &pub_raw,
                            &name_raw);
    EsysPtr<TPM2B_NV_PUBLIC> pub(pub_raw);
    EsysPtr<TPM2B_NAME> name(name_raw);
    if (rc != TSS2_RC_SUCCESS) return TssError(rc, "reading the EK certificate NV public area");
    const uint16_t size = pub->nvPublic.dataSize;
    // The index authorises its own reads (TPMA_NV_AUTHREAD) on every TPM we know; the owner
    // hierarchy (TPMA_NV_OWNERREAD) is the fallback the TCG profile also allows.
    const bool auth_read = (pub->nvPublic.attributes & TPMA_NV_AUTHREAD) != 0;
    const ESYS_TR auth = auth_read ? nv.get() : ESYS_TR_RH_OWNER;
    Bytes out;
    out.reserve(size);
    while (out.size() < size) {
      const uint16_t chunk = static_cast<uint16_t>(std::min<size_t>(kNvChunk, size - out.size()));
      TPM2B_MAX_NV_BUFFER* data_raw = nullptr;
      rc = Esys_NV_Read(esys_, auth, nv.get(), ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, chunk,
                        static_cast<uint16_t>(out.size()), &data_raw);
      EsysPtr<TPM2B_MAX_NV_BUFFER> data(data_raw);
      if (rc != TSS2_RC_SUCCESS) return TssError(rc, "reading the EK certificate");
      if (data->size != chunk) return Internal("short NV read of the EK certificate");
      out.insert(out.end(), data->buffer, data->buffer + data->size);
    }
    return out;
  }

  Result<Bytes> CreateEkPublic() override {
    Bytes out;
    SIGNET_ASSIGN_OR_RETURN(Handle ek, CreateEk(&out));
    return out;
  }

  Result<AkBlob> CreateAk(SignatureAlgorithm alg) override {
    if (!fw::IsAttestationKeyAlgorithm(alg)) {
      return InvalidArgument(std::string(SignatureAlgorithmName(alg)) +
                             " is not an attestation key profile (use ecdsa-p256 or rsa-2048)");
    }
    SIGNET_ASSIGN_OR_RETURN(Handle ek, CreateEk(nullptr));
    SIGNET_ASSIGN_OR_RETURN(Handle session, EndorsementPolicySession());
    TPM2B_SENSITIVE_CREATE sensitive{};
    TPM2B_PUBLIC tmpl = AkTemplate(alg);
    TPM2B_DATA outside{};
    TPML_PCR_SELECTION creation_pcr{};
    TPM2B_PRIVATE* priv_raw = nullptr;
    TPM2B_PUBLIC* pub_raw = nullptr;
    TPM2B_CREATION_DATA* cd_raw = nullptr;
    TPM2B_DIGEST* ch_raw = nullptr;
    TPMT_TK_CREATION* ct_raw = nullptr;
    TSS2_RC rc = Esys_Create(esys_, ek.get(), session.get(), ESYS_TR_NONE, ESYS_TR_NONE, &sensitive,
                             &tmpl, &outside, &creation_pcr, &priv_raw, &pub_raw, &cd_raw, &ch_raw,
                             &ct_raw);
    EsysPtr<TPM2B_PRIVATE> priv(priv_raw);
    EsysPtr<TPM2B_PUBLIC> pub(pub_raw);
    EsysPtr<TPM2B_CREATION_DATA> cd(cd_raw);
    EsysPtr<TPM2B_DIGEST> ch(ch_raw);
    EsysPtr<TPMT_TK_CREATION> ct(ct_raw);
    if (rc != TSS2_RC_SUCCESS) return TssError(rc, "creating the attestation key");
    AkBlob ak;
    ak.algorithm = alg;
    SIGNET_ASSIGN_OR_RETURN(ak.public_area,
                            Marshal(*pub, Tss2_MU_TPM2B_PUBLIC_Marshal, "AK public area"));
    SIGNET_ASSIGN_OR_RETURN(ak.private_area,
                            Marshal(*priv, Tss2_MU_TPM2B_PRIVATE_Marshal, "AK private area"));
    SIGNET_ASSIGN_OR_RETURN(Bytes tpmt,
                            Marshal(pub->publicArea, Tss2_MU_TPMT_PUBLIC_Marshal, "AK TPMT_PUBLIC"));
    // TPM 2.0 Part 1 §16: Name = nameAlg || H_nameAlg(TPMT_PUBLIC).
    ak.name = {0x00, 0x0b};
    Bytes digest = Sha256(ByteView(tpmt));
    ak.name.insert(ak.name.end(), digest.begin(), digest.end());
    return ak;
  }

  Result<Bytes> ActivateCredential(const AkBlob& ak_blob,
                                   const fw::Credential& credential) override {
    SIGNET_ASSIGN_OR_RETURN(TPM2B_ID_OBJECT blob,
                            Unmarshal<TPM2B_ID_OBJECT>(credential.credential_blob,
                                                       Tss2_MU_TPM2B_ID_OBJECT_Unmarshal,
                                                       "credential blob"));
    SIGNET_ASSIGN_OR_RETURN(TPM2B_ENCRYPTED_SECRET secret,
                            Unmarshal<TPM2B_ENCRYPTED_SECRET>(
                                credential.encrypted_secret,
                                Tss2_MU_TPM2B_ENCRYPTED_SECRET_Unmarshal, "encrypted secret"));
    Handle ek;
    SIGNET_ASSIGN_OR_RETURN(Handle ak, LoadAkUnderEk(ak_blob, &ek));
    SIGNET_ASSIGN_OR_RETURN(Handle session, EndorsementPolicySession());
    TPM2B_DIGEST* cert_info_raw = nullptr;
    TSS2_RC rc = Esys_ActivateCredential(esys_, ak.get(), ek.get(), ESYS_TR_PASSWORD,
                                         session.get(), ESYS_TR_NONE, &blob, &secret,
                                         &cert_info_raw);
    EsysPtr<TPM2B_DIGEST> cert_info(cert_info_raw);
    if (rc != TSS2_RC_SUCCESS) return TssError(rc, "activating the credential");
    return Bytes(cert_info->buffer, cert_info->buffer + cert_info->size);
  }

  Result<fw::QuoteResult> Quote(const AkBlob& ak_blob, ByteView qualifying_data,
                                const std::vector<uint32_t>& pcrs) override {
    if (qualifying_data.size() > sizeof(TPMU_HA)) {
      return InvalidArgument("qualifying data is at most 64 bytes (TPM2B_DATA)");
    }
    if (pcrs.empty()) return InvalidArgument("a quote needs at least one PCR");
    for (uint32_t p : pcrs) SIGNET_RETURN_IF_ERROR(CheckPcrIndex(p));
    Handle ek;
    SIGNET_ASSIGN_OR_RETURN(Handle ak, LoadAkUnderEk(ak_blob, &ek));
    ek = Handle();  // free the slot: the quote needs only the AK
    TPM2B_DATA qd{};
    qd.size = static_cast<UINT16>(qualifying_data.size());
    std::memcpy(qd.buffer, qualifying_data.data(), qualifying_data.size());
    TPMT_SIG_SCHEME scheme{};
    scheme.scheme = TPM2_ALG_NULL;  // the AK's own (restricted keys fix their scheme)
    TPML_PCR_SELECTION sel{};
    sel.count = 1;
    sel.pcrSelections[0] = Sha256Selection(pcrs);
    TPM2B_ATTEST* quoted_raw = nullptr;
    TPMT_SIGNATURE* sig_raw = nullptr;
    TSS2_RC rc = Esys_Quote(esys_, ak.get(), ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &qd,
                            &scheme, &sel, &quoted_raw, &sig_raw);
    EsysPtr<TPM2B_ATTEST> quoted(quoted_raw);
    EsysPtr<TPMT_SIGNATURE> sig(sig_raw);
    if (rc != TSS2_RC_SUCCESS) return TssError(rc, "quoting");
    fw::QuoteResult out;
    SIGNET_ASSIGN_OR_RETURN(out.attest,
                            Marshal(*quoted, Tss2_MU_TPM2B_ATTEST_Marshal, "TPM2B_ATTEST"));
    SIGNET_ASSIGN_OR_RETURN(out.signature,
                            Marshal(*sig, Tss2_MU_TPMT_SIGNATURE_Marshal, "TPMT_SIGNATURE"));
    return out;
  }

  Result<fw::TlsKeyBlob> CreateTlsKey() override {
    SIGNET_ASSIGN_OR_RETURN(Handle parent, CreateOwnerPrimary());
    TPM2B_SENSITIVE_CREATE sensitive{};  // empty auth: the file says emptyAuth TRUE
    TPM2B_PUBLIC tmpl = TlsKeyTemplate();
    TPM2B_DATA outside{};
    TPML_PCR_SELECTION creation_pcr{};
    TPM2B_PRIVATE* priv_raw = nullptr;
    TPM2B_PUBLIC* pub_raw = nullptr;
    TPM2B_CREATION_DATA* cd_raw = nullptr;
    TPM2B_DIGEST* ch_raw = nullptr;
    TPMT_TK_CREATION* ct_raw = nullptr;
    TSS2_RC rc = Esys_Create(esys_, parent.get(), ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
                             &sensitive, &tmpl, &outside, &creation_pcr, &priv_raw, &pub_raw,
                             &cd_raw, &ch_raw, &ct_raw);
    EsysPtr<TPM2B_PRIVATE> priv(priv_raw);
    EsysPtr<TPM2B_PUBLIC> pub(pub_raw);
    EsysPtr<TPM2B_CREATION_DATA> cd(cd_raw);
    EsysPtr<TPM2B_DIGEST> ch(ch_raw);
    EsysPtr<TPMT_TK_CREATION> ct(ct_raw);
    if (rc != TSS2_RC_SUCCESS) return TssError(rc, "creating the TLS key");
    fw::TlsKeyBlob key;
    SIGNET_ASSIGN_OR_RETURN(key.public_area,
                            Marshal(*pub, Tss2_MU_TPM2B_PUBLIC_Marshal, "TLS key public area"));
    SIGNET_ASSIGN_OR_RETURN(key.private_area,
                            Marshal(*priv, Tss2_MU_TPM2B_PRIVATE_Marshal, "TLS key private area"));
    return key;
  }

  Result<Bytes> SignWithTlsKey(const fw::TlsKeyBlob& key, ByteView digest) override {
    if (digest.size() != 32) return InvalidArgument("a SHA-256 digest is 32 bytes");
    SIGNET_ASSIGN_OR_RETURN(TPM2B_PUBLIC pub,
                            Unmarshal<TPM2B_PUBLIC>(key.public_area, Tss2_MU_TPM2B_PUBLIC_Unmarshal,
                                                    "TLS key public area"));
    SIGNET_ASSIGN_OR_RETURN(TPM2B_PRIVATE priv,
                            Unmarshal<TPM2B_PRIVATE>(key.private_area,
                                                     Tss2_MU_TPM2B_PRIVATE_Unmarshal,
                                                     "TLS key private area"));
    SIGNET_ASSIGN_OR_RETURN(Handle parent, CreateOwnerPrimary());
    ESYS_TR tr = ESYS_TR_NONE;
    TSS2_RC rc = Esys_Load(esys_, parent.get(), ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &priv,
                           &pub, &tr);
    OPENSSL_cleanse(&priv, sizeof(priv));
    if (rc != TSS2_RC_SUCCESS) return TssError(rc, "loading the TLS key");
    Handle loaded(esys_, tr, Handle::Kind::kFlush);
    parent = Handle();  // free the slot before signing
    TPM2B_DIGEST d{};
    d.size = 32;
    std::memcpy(d.buffer, digest.data(), 32);
    TPMT_SIG_SCHEME scheme{};
    scheme.scheme = TPM2_ALG_ECDSA;
    scheme.details.ecdsa.hashAlg = TPM2_ALG_SHA256;
    // An unrestricted key signs any digest: the ticket is the NULL one (Part 3 §20.2).
    TPMT_TK_HASHCHECK ticket{};
    ticket.tag = TPM2_ST_HASHCHECK;
    ticket.hierarchy = TPM2_RH_NULL;
    TPMT_SIGNATURE* sig_raw = nullptr;
    rc = Esys_Sign(esys_, loaded.get(), ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &d, &scheme,
                   &ticket, &sig_raw);
    EsysPtr<TPMT_SIGNATURE> sig(sig_raw);
    if (rc != TSS2_RC_SUCCESS) return TssError(rc, "signing with the TLS key");
    return Marshal(*sig, Tss2_MU_TPMT_SIGNATURE_Marshal, "TPMT_SIGNATURE");
  }

 private:
  // CreateOwnerPrimary recreates the owner storage primary from OwnerPrimaryTemplate (empty
  // owner auth, as shipped and as tpm2-openssl assumes without TPM2OPENSSL_PARENT_AUTH).
  Result<Handle> CreateOwnerPrimary() {
    TPM2B_SENSITIVE_CREATE sensitive{};
    TPM2B_PUBLIC tmpl = OwnerPrimaryTemplate();
    TPM2B_DATA outside{};
    TPML_PCR_SELECTION creation_pcr{};
    ESYS_TR tr = ESYS_TR_NONE;
    TPM2B_PUBLIC* pub_raw = nullptr;
    TPM2B_CREATION_DATA* cd_raw = nullptr;
    TPM2B_DIGEST* ch_raw = nullptr;
    TPMT_TK_CREATION* ct_raw = nullptr;
    TSS2_RC rc = Esys_CreatePrimary(esys_, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                                    ESYS_TR_NONE, &sensitive, &tmpl, &outside, &creation_pcr, &tr,
                                    &pub_raw, &cd_raw, &ch_raw, &ct_raw);
    EsysPtr<TPM2B_PUBLIC> pub(pub_raw);
    EsysPtr<TPM2B_CREATION_DATA> cd(cd_raw);
    EsysPtr<TPM2B_DIGEST> ch(ch_raw);
    EsysPtr<TPMT_TK_CREATION> ct(ct_raw);
    if (rc != TSS2_RC_SUCCESS) return TssError(rc, "creating the owner storage primary");
    return Handle(esys_, tr, Handle::Kind::kFlush);
  }

  static std::string HexIndex(TPM2_HANDLE h) {
    static const char kDigits[] = "0123456789abcdef";
    std::string s(8, '0');
    for (int i = 7; i >= 0; --i, h >>= 4) s[static_cast<size_t>(i)] = kDigits[h & 0xf];
    return s;
  }

  // CreateEk recreates the RSA EK from template L-1 in the endorsement hierarchy (empty
  // endorsement auth, as shipped). The primary seed makes the key deterministic, so this is
  // the same key every time and the same one the EK certificate certifies (the caller checks).
  Result<Handle> CreateEk(Bytes* public_out) {
    TPM2B_SENSITIVE_CREATE sensitive{};
    TPM2B_PUBLIC tmpl = EkTemplate();
    TPM2B_DATA outside{};
    TPML_PCR_SELECTION creation_pcr{};
    ESYS_TR tr = ESYS_TR_NONE;
    TPM2B_PUBLIC* pub_raw = nullptr;
    TPM2B_CREATION_DATA* cd_raw = nullptr;
    TPM2B_DIGEST* ch_raw = nullptr;
    TPMT_TK_CREATION* ct_raw = nullptr;
    TSS2_RC rc = Esys_CreatePrimary(esys_, ESYS_TR_RH_ENDORSEMENT, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                                    ESYS_TR_NONE, &sensitive, &tmpl, &outside, &creation_pcr, &tr,
                                    &pub_raw, &cd_raw, &ch_raw, &ct_raw);
    EsysPtr<TPM2B_PUBLIC> pub(pub_raw);
    EsysPtr<TPM2B_CREATION_DATA> cd(cd_raw);
    EsysPtr<TPM2B_DIGEST> ch(ch_raw);
    EsysPtr<TPMT_TK_CREATION> ct(ct_raw);
    if (rc != TSS2_RC_SUCCESS) return TssError(rc, "creating the endorsement key");
    Handle ek(esys_, tr, Handle::Kind::kFlush);
    if (public_out != nullptr) {
      SIGNET_ASSIGN_OR_RETURN(*public_out,
                              Marshal(*pub, Tss2_MU_TPM2B_PUBLIC_Marshal, "EK public area"));
    }
    return ek;
  }

  // EndorsementPolicySession satisfies the EK's PolicyA: PolicySecret(TPM_RH_ENDORSEMENT).
  // A policy session is good for one authorisation, so each use starts a fresh one.
  Result<Handle> EndorsementPolicySession() {
    TPMT_SYM_DEF sym{};
    sym.algorithm = TPM2_ALG_NULL;
    ESYS_TR tr = ESYS_TR_NONE;
    TSS2_RC rc = Esys_StartAuthSession(esys_, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
                                       ESYS_TR_NONE, ESYS_TR_NONE, nullptr, TPM2_SE_POLICY, &sym,
                                       TPM2_ALG_SHA256, &tr);
    if (rc != TSS2_RC_SUCCESS) return TssError(rc, "starting a policy session");
    Handle session(esys_, tr, Handle::Kind::kFlush);
    TPM2B_TIMEOUT* timeout_raw = nullptr;
    TPMT_TK_AUTH* ticket_raw = nullptr;
    rc = Esys_PolicySecret(esys_, ESYS_TR_RH_ENDORSEMENT, session.get(), ESYS_TR_PASSWORD,
                           ESYS_TR_NONE, ESYS_TR_NONE, nullptr, nullptr, nullptr, 0, &timeout_raw,
                           &ticket_raw);
    EsysPtr<TPM2B_TIMEOUT> timeout(timeout_raw);
    EsysPtr<TPMT_TK_AUTH> ticket(ticket_raw);
    if (rc != TSS2_RC_SUCCESS) return TssError(rc, "PolicySecret(endorsement)");
    return session;
  }

  // LoadAkUnderEk loads `ak` under the EK and hands the EK handle to the caller. It first tries
  // the EK persisted at the TCG handle 0x81010001 (as swtpm_setup and most platforms provision
  // it): that saves a CreatePrimary per quote, which dominates quote latency. If there is no
  // such object or the AK does not load under it, the EK is recreated from the template. No
  // check on the persistent object is needed for security: TPM2_Load verifies the AK's
  // integrity HMAC, keyed from the parent's seed, so the AK loads only under its real parent.
  Result<Handle> LoadAkUnderEk(const AkBlob& ak, Handle* ek_out) {
    ESYS_TR tr = ESYS_TR_NONE;
    if (Esys_TR_FromTPMPublic(esys_, kEkPersistentHandle, ESYS_TR_NONE, ESYS_TR_NONE,
                              ESYS_TR_NONE, &tr) == TSS2_RC_SUCCESS) {
      Handle persistent(esys_, tr, Handle::Kind::kClose);
      auto loaded = LoadAk(persistent, ak);
      if (loaded.ok()) {
        *ek_out = std::move(persistent);
        return loaded;
      }
      if (loaded.error().code() == ErrorCode::kInvalidArgument) return std::move(loaded).error();
    }
    SIGNET_ASSIGN_OR_RETURN(Handle created, CreateEk(nullptr));
    SIGNET_ASSIGN_OR_RETURN(Handle loaded, LoadAk(created, ak));
    *ek_out = std::move(created);
    return loaded;
  }

  Result<Handle> LoadAk(const Handle& ek, const AkBlob& ak) {
    SIGNET_ASSIGN_OR_RETURN(TPM2B_PUBLIC pub,
                            Unmarshal<TPM2B_PUBLIC>(ak.public_area, Tss2_MU_TPM2B_PUBLIC_Unmarshal,
                                                    "AK public area"));
    SIGNET_ASSIGN_OR_RETURN(TPM2B_PRIVATE priv,
                            Unmarshal<TPM2B_PRIVATE>(ak.private_area,
                                                     Tss2_MU_TPM2B_PRIVATE_Unmarshal,
                                                     "AK private area"));
    SIGNET_ASSIGN_OR_RETURN(Handle session, EndorsementPolicySession());
    ESYS_TR tr = ESYS_TR_NONE;
    TSS2_RC rc = Esys_Load(esys_, ek.get(), session.get(), ESYS_TR_NONE, ESYS_TR_NONE, &priv, &pub,
                           &tr);
    OPENSSL_cleanse(&priv, sizeof(priv));
    if (rc != TSS2_RC_SUCCESS) return TssError(rc, "loading the attestation key under the EK");
    return Handle(esys_, tr, Handle::Kind::kFlush);
  }

  TSS2_TCTI_CONTEXT* tcti_;
  ESYS_CONTEXT* esys_;
};

}  // namespace

Result<std::unique_ptr<fw::Tpm>> OpenTpm(std::string_view tcti) {
  if (tcti.empty()) return InvalidArgument("a TCTI configuration string is required");
  // "NAME[:CONFIG]": NAME is a TCTI module (device, swtpm, mssim, tabrmd, ...) or a library
  // path. An empty or odd name would make tctildr fall back to its default search, which Signet
  // never does (the TCTI is always explicit).
  const std::string_view name = tcti.substr(0, tcti.find(':'));
  const bool name_ok =
      !name.empty() && name.size() <= 256 &&
      name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._/+-") ==
          std::string_view::npos;
  if (!name_ok || tcti.size() > 4096) {
    return InvalidArgument("the TCTI must be NAME[:CONFIG], e.g. device:/dev/tpmrm0");
  }
  std::string conf(tcti);
  TSS2_TCTI_CONTEXT* tcti_ctx = nullptr;
  TSS2_RC rc = Tss2_TctiLdr_Initialize(conf.c_str(), &tcti_ctx);
  if (rc != TSS2_RC_SUCCESS) {
    // A module that does not exist or a configuration it cannot parse is the operator's input
    // (exit 2); a well-formed TCTI whose TPM cannot be reached is the hardware (exit 3).
    const TSS2_RC base = rc & ~TSS2_RC_LAYER_MASK;
    const bool bad_input = base == TSS2_BASE_RC_NOT_SUPPORTED || base == TSS2_BASE_RC_BAD_VALUE ||
                           base == TSS2_BASE_RC_BAD_REFERENCE;
    return Error(bad_input ? ErrorCode::kInvalidArgument : ErrorCode::kUnavailable,
                 "cannot open TPM through TCTI \"" + conf + "\": " + Tss2_RC_Decode(rc))
        .WithDomain("tss2", static_cast<int64_t>(rc));
  }
  ESYS_CONTEXT* esys = nullptr;
  rc = Esys_Initialize(&esys, tcti_ctx, nullptr);
  if (rc != TSS2_RC_SUCCESS) {
    Tss2_TctiLdr_Finalize(&tcti_ctx);
    return TssError(rc, "initialising ESAPI");
  }
  return std::unique_ptr<fw::Tpm>(std::make_unique<EsysTpm>(tcti_ctx, esys));
}

}  // namespace signet::tpm
