// TPM 2.0 Part 2 structure parsers and the verifier-side MakeCredential. See tpm_structs.h.
#include "signet/attestation/tpm_structs.h"

#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include <openssl/core_names.h>
#include <openssl/hmac.h>
#include <openssl/rsa.h>

#include "signet/core/byte_cursor.h"
#include "signet/core/hash.h"

namespace signet::attestation {
namespace {

constexpr size_t kMaxDigest = 64;        // sizeof(TPMU_HA)
constexpr size_t kMaxName = 2 + 64;      // sizeof(TPMU_NAME): TPMT_HA
constexpr size_t kMaxRsaBytes = 512;     // TPM2_MAX_RSA_KEY_BYTES
constexpr size_t kMaxEccBytes = 48;      // P-384 coordinates
constexpr uint32_t kMaxPcrBanks = 16;    // HASH_COUNT bound

Error Malformed(std::string what) {
  return InvalidArgument("malformed " + what);
}

Bytes Copy(ByteView v) { return Bytes(v.begin(), v.end()); }

// TPMT_PUBLIC (Part 2 §12.2.4) with TPMU_PUBLIC_PARMS (§12.2.3.7) and TPMU_PUBLIC_ID (§12.2.3.2).
Result<TpmPublic> ParseTpmtPublic(ByteView bytes) {
  ByteCursor c(bytes);
  TpmPublic p;
  ByteView policy;
  if (!c.ReadU16(&p.type) || !c.ReadU16(&p.name_alg) || !c.ReadU32(&p.attributes) ||
      !c.ReadU16Prefixed(&policy, kMaxDigest)) {
    return Malformed("TPMT_PUBLIC header");
  }
  if (p.type != kTpmAlgRsa && p.type != kTpmAlgEcc) {
    return InvalidArgument("unsupported TPM object type (only RSA and ECC keys)");
  }
  if (p.name_alg != kTpmAlgSha256 && p.name_alg != kTpmAlgSha384) {
    return InvalidArgument("unsupported TPM name algorithm (only SHA-256 and SHA-384)");
  }
  p.auth_policy = Copy(policy);
  // TPMT_SYM_DEF_OBJECT (§11.1.7): algorithm, then keyBits and mode unless TPM_ALG_NULL.
  if (!c.ReadU16(&p.symmetric)) return Malformed("TPMT_SYM_DEF_OBJECT");
  if (p.symmetric != kTpmAlgNull) {
    if (p.symmetric != kTpmAlgAes || !c.ReadU16(&p.symmetric_bits) ||
        !c.ReadU16(&p.symmetric_mode) ||
        (p.symmetric_bits != 128 && p.symmetric_bits != 256) || p.symmetric_mode != kTpmAlgCfb) {
      return InvalidArgument("unsupported TPM symmetric definition (only AES-128/256-CFB)");
    }
  }
  // TPMT_RSA_SCHEME / TPMT_ECC_SCHEME (§11.2.4.2, §11.2.5.6): scheme, then hashAlg unless NULL.
  if (!c.ReadU16(&p.scheme)) return Malformed("TPMT_PUBLIC scheme");
  if (p.scheme != kTpmAlgNull) {
    const bool ok_scheme = p.type == kTpmAlgRsa
                               ? (p.scheme == kTpmAlgRsassa || p.scheme == kTpmAlgRsapss)
                               : p.scheme == kTpmAlgEcdsa;
    if (!ok_scheme) return InvalidArgument("unsupported TPM key scheme");
    if (!c.ReadU16(&p.scheme_hash)) return Malformed("TPMT_PUBLIC scheme hash");
    if (p.scheme_hash != kTpmAlgSha256 && p.scheme_hash != kTpmAlgSha384) {
      return InvalidArgument("unsupported TPM scheme hash");
    }
  }
  if (p.type == kTpmAlgRsa) {
    // TPMS_RSA_PARMS (§12.2.3.5): keyBits, exponent; unique = TPM2B_PUBLIC_KEY_RSA.
    ByteView n;
    if (!c.ReadU16(&p.rsa_bits) || !c.ReadU32(&p.rsa_exponent) || !c.ReadU16Prefixed(&n, kMaxRsaBytes)) {
      return Malformed("TPMS_RSA_PARMS");
    }
    if (p.rsa_bits != 2048 && p.rsa_bits != 3072 && p.rsa_bits != 4096) {
      return InvalidArgument("unsupported RSA key size");
    }
    if (n.size() != p.rsa_bits / 8u) return Malformed("RSA modulus length");
    p.rsa_modulus = Copy(n);
  } else {
    // TPMS_ECC_PARMS (§12.2.3.6): curveID, kdf; unique = TPMS_ECC_POINT.
    uint16_t kdf = 0;
    ByteView x, y;
    if (!c.ReadU16(&p.curve) || !c.ReadU16(&kdf)) return Malformed("TPMS_ECC_PARMS");
    if (p.curve != kTpmEccNistP256 && p.curve != kTpmEccNistP384) {
      return InvalidArgument("unsupported ECC curve (only NIST P-256 and P-384)");
    }
    if (kdf != kTpmAlgNull) return InvalidArgument("unsupported ECC KDF scheme");
    if (!c.ReadU16Prefixed(&x, kMaxEccBytes) || !c.ReadU16Prefixed(&y, kMaxEccBytes)) {
      return Malformed("TPMS_ECC_POINT");
    }
    p.ecc_x = Copy(x);
    p.ecc_y = Copy(y);
  }
  if (!c.Empty()) return Malformed("TPMT_PUBLIC: trailing bytes");
  p.tpmt_bytes = Copy(bytes);
  return p;
}

Result<std::string> CurveGroupName(uint16_t curve, size_t* field_bytes) {
  if (curve == kTpmEccNistP256) {
    *field_bytes = 32;
    return std::string("P-256");
  }
  if (curve == kTpmEccNistP384) {
    *field_bytes = 48;
    return std::string("P-384");
  }
  return InvalidArgument("unsupported ECC curve");
}

}  // namespace

Result<TpmPublic> ParseTpm2bPublic(ByteView tpm2b_public) {
  ByteCursor c(tpm2b_public);
  ByteView inner;
  if (!c.ReadU16Prefixed(&inner, 0xffff)) return Malformed("TPM2B_PUBLIC size");
  if (!c.Empty()) return Malformed("TPM2B_PUBLIC: trailing bytes");
  return ParseTpmtPublic(inner);
}

Result<Bytes> ComputeName(const TpmPublic& pub) {
  Bytes name = {static_cast<uint8_t>(pub.name_alg >> 8), static_cast<uint8_t>(pub.name_alg)};
  Bytes digest;
  if (pub.name_alg == kTpmAlgSha256) {
    digest = Sha256(ByteView(pub.tpmt_bytes));
  } else if (pub.name_alg == kTpmAlgSha384) {
    digest = Sha384(ByteView(pub.tpmt_bytes));
  } else {
    return InvalidArgument("unsupported TPM name algorithm");
  }
  name.insert(name.end(), digest.begin(), digest.end());
  return name;
}

Result<ossl::UniquePtr<EVP_PKEY>> TpmPublicToKey(const TpmPublic& pub) {
  ossl::UniquePtr<OSSL_PARAM_BLD> bld(OSSL_PARAM_BLD_new());
  ossl::UniquePtr<BIGNUM> n, e;
  Bytes point;
  std::string group;
  const char* type_name = nullptr;
  if (bld == nullptr) return ossl::OpenSslError(ErrorCode::kInternal, "OSSL_PARAM_BLD_new");
  if (pub.type == kTpmAlgRsa) {
    type_name = "RSA";
    n.reset(BN_bin2bn(pub.rsa_modulus.data(), static_cast<int>(pub.rsa_modulus.size()), nullptr));
    e.reset(BN_new());
    if (n == nullptr || e == nullptr ||
        BN_set_word(e.get(), pub.rsa_exponent == 0 ? 65537 : pub.rsa_exponent) != 1 ||
        OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1 ||
        OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) != 1) {
      return ossl::OpenSslError(ErrorCode::kInternal, "building RSA key parameters");
    }
  } else if (pub.type == kTpmAlgEcc) {
    type_name = "EC";
    size_t field = 0;
    SIGNET_ASSIGN_OR_RETURN(group, CurveGroupName(pub.curve, &field));
    if (pub.ecc_x.size() > field || pub.ecc_y.size() > field) {
      return InvalidArgument("ECC point coordinate too long for its curve");
    }
    point.assign(1 + 2 * field, 0);
    point[0] = 0x04;
    std::memcpy(point.data() + 1 + field - pub.ecc_x.size(), pub.ecc_x.data(), pub.ecc_x.size());
    std::memcpy(point.data() + 1 + 2 * field - pub.ecc_y.size(), pub.ecc_y.data(),
                pub.ecc_y.size());
    if (OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, group.c_str(), 0) !=
            1 ||
        OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                         point.size()) != 1) {
      return ossl::OpenSslError(ErrorCode::kInternal, "building EC key parameters");
    }
  } else {
    return InvalidArgument("unsupported TPM object type");
  }
  ossl::UniquePtr<OSSL_PARAM> params(OSSL_PARAM_BLD_to_param(bld.get()));
  ossl::UniquePtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_name(nullptr, type_name, nullptr));
  EVP_PKEY* raw = nullptr;
  if (params == nullptr || ctx == nullptr || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return ossl::OpenSslError(ErrorCode::kInvalidArgument, "TPM public key is not a valid key");
  }
  ossl::UniquePtr<EVP_PKEY> key(raw);
  ossl::UniquePtr<EVP_PKEY_CTX> check(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  if (check == nullptr || EVP_PKEY_public_check(check.get()) != 1) {
    return ossl::OpenSslError(ErrorCode::kInvalidArgument, "TPM public key fails its check");
  }
  return key;
}

Result<Bytes> ParseTpm2bAttestBody(ByteView tpm2b_attest) {
  ByteCursor c(tpm2b_attest);
  ByteView body;
  if (!c.ReadU16Prefixed(&body, 0xffff)) return Malformed("TPM2B_ATTEST size");
  if (!c.Empty()) return Malformed("TPM2B_ATTEST: trailing bytes");
  return Copy(body);
}

Result<TpmsAttestQuote> ParseTpmsAttestQuote(ByteView tpms_attest) {
  ByteCursor c(tpms_attest);
  TpmsAttestQuote q;
  if (!c.ReadU32(&q.magic) || !c.ReadU16(&q.type)) return Malformed("TPMS_ATTEST header");
  if (q.magic != kTpmGeneratedValue) {
    return InvalidArgument("TPMS_ATTEST magic is not TPM_GENERATED_VALUE")
        .WithFinding("ATTEST_MAGIC_INVALID");
  }
  if (q.type != kTpmStAttestQuote) {
    return InvalidArgument("TPMS_ATTEST type is not TPM_ST_ATTEST_QUOTE")
        .WithFinding("ATTEST_TYPE_INVALID");
  }
  ByteView signer, extra, digest;
  uint8_t safe = 0;
  if (!c.ReadU16Prefixed(&signer, kMaxName) || !c.ReadU16Prefixed(&extra, kMaxDigest) ||
      // TPMS_CLOCK_INFO (§10.11.1)
      !c.ReadU64(&q.clock) || !c.ReadU32(&q.reset_count) || !c.ReadU32(&q.restart_count) ||
      !c.ReadU8(&safe) || safe > 1 || !c.ReadU64(&q.firmware_version)) {
    return Malformed("TPMS_ATTEST fields");
  }
  q.safe = safe == 1;
  q.qualified_signer = Copy(signer);
  q.extra_data = Copy(extra);
  // TPMS_QUOTE_INFO (§10.12.1): TPML_PCR_SELECTION (§10.9.7), pcrDigest.
  uint32_t count = 0;
  if (!c.ReadU32(&count) || count > kMaxPcrBanks) return Malformed("TPML_PCR_SELECTION count");
  for (uint32_t i = 0; i < count; ++i) {
    PcrSelection sel;
    uint8_t size_of_select = 0;
    ByteView bitmap;
    if (!c.ReadU16(&sel.hash) || !c.ReadU8(&size_of_select) || size_of_select < 3 ||
        size_of_select > 4 || !c.Take(size_of_select, &bitmap)) {
      return Malformed("TPMS_PCR_SELECTION");
    }
    for (uint32_t pcr = 0; pcr < size_of_select * 8u; ++pcr) {
      if ((bitmap[pcr / 8] >> (pcr % 8)) & 1) sel.pcrs.push_back(pcr);
    }
    q.pcr_select.push_back(std::move(sel));
  }
  if (!c.ReadU16Prefixed(&digest, kMaxDigest)) return Malformed("TPMS_QUOTE_INFO pcrDigest");
  q.pcr_digest = Copy(digest);
  if (!c.Empty()) return Malformed("TPMS_ATTEST: trailing bytes");
  return q;
}

Result<TpmSignature> ParseTpmtSignature(ByteView tpmt_signature) {
  ByteCursor c(tpmt_signature);
  TpmSignature s;
  if (!c.ReadU16(&s.sig_alg) || !c.ReadU16(&s.hash_alg)) return Malformed("TPMT_SIGNATURE header");
  if (s.sig_alg == kTpmAlgRsassa || s.sig_alg == kTpmAlgRsapss) {
    ByteView sig;  // TPMS_SIGNATURE_RSA (§11.3.1)
    if (!c.ReadU16Prefixed(&sig, kMaxRsaBytes)) return Malformed("TPMS_SIGNATURE_RSA");
    s.rsa_signature = Copy(sig);
  } else if (s.sig_alg == kTpmAlgEcdsa) {
    ByteView r, sv;  // TPMS_SIGNATURE_ECC (§11.3.2)
    if (!c.ReadU16Prefixed(&r, kMaxEccBytes) || !c.ReadU16Prefixed(&sv, kMaxEccBytes)) {
      return Malformed("TPMS_SIGNATURE_ECC");
    }
    s.ecdsa_r = Copy(r);
    s.ecdsa_s = Copy(sv);
  } else {
    return InvalidArgument("unsupported TPM signature algorithm");
  }
  if (!c.Empty()) return Malformed("TPMT_SIGNATURE: trailing bytes");
  return s;
}

Result<Bytes> SignatureToDer(const TpmSignature& sig) {
  if (sig.sig_alg != kTpmAlgEcdsa) return sig.rsa_signature;
  ossl::UniquePtr<ECDSA_SIG> es(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(sig.ecdsa_r.data(), static_cast<int>(sig.ecdsa_r.size()), nullptr);
  BIGNUM* s = BN_bin2bn(sig.ecdsa_s.data(), static_cast<int>(sig.ecdsa_s.size()), nullptr);
  if (es == nullptr || r == nullptr || s == nullptr || ECDSA_SIG_set0(es.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return ossl::OpenSslError(ErrorCode::kInternal, "building ECDSA signature");
  }
  int len = i2d_ECDSA_SIG(es.get(), nullptr);
  if (len <= 0) return ossl::OpenSslError(ErrorCode::kInvalidArgument, "encoding ECDSA signature");
  Bytes der(static_cast<size_t>(len));
  uint8_t* p = der.data();
  if (i2d_ECDSA_SIG(es.get(), &p) != len) {
    return ossl::OpenSslError(ErrorCode::kInternal, "encoding ECDSA signature");
  }
  return der;
}

Bytes KdfASha256(ByteView key, std::string_view label, ByteView context_u, ByteView context_v,
                 size_t bits) {
  const size_t want = (bits + 7) / 8;
  Bytes out;
  for (uint32_t counter = 1; out.size() < want; ++counter) {
    Bytes msg = {static_cast<uint8_t>(counter >> 24), static_cast<uint8_t>(counter >> 16),
                 static_cast<uint8_t>(counter >> 8), static_cast<uint8_t>(counter)};
    msg.insert(msg.end(), label.begin(), label.end());
    msg.push_back(0);
    msg.insert(msg.end(), context_u.begin(), context_u.end());
    msg.insert(msg.end(), context_v.begin(), context_v.end());
    const uint32_t b = static_cast<uint32_t>(bits);
    for (int shift = 24; shift >= 0; shift -= 8) msg.push_back(static_cast<uint8_t>(b >> shift));
    uint8_t mac[32];
    unsigned int mac_len = 0;
    // HMAC-SHA-256 fails only on allocation failure; continuing with an unset MAC would be
    // worse than stopping, as with core's Hash().
    if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), msg.data(), msg.size(), mac,
             &mac_len) == nullptr) {
      std::abort();
    }
    out.insert(out.end(), mac, mac + mac_len);
  }
  out.resize(want);
  return out;
}

Result<MakeCredentialOutput> MakeCredential(const TpmPublic& ek, ByteView object_name,
                                            ByteView credential, ByteView seed) {
  // 1. Only the TCG L-1 shape: RSA-2048 restricted decryption key, SHA-256 names, AES-128-CFB.
  if (ek.type != kTpmAlgRsa || ek.rsa_bits != 2048 || ek.name_alg != kTpmAlgSha256 ||
      ek.symmetric != kTpmAlgAes || ek.symmetric_bits != 128 || ek.symmetric_mode != kTpmAlgCfb ||
      (ek.attributes & (kAttrRestricted | kAttrDecrypt)) != (kAttrRestricted | kAttrDecrypt)) {
    return InvalidArgument("MakeCredential supports the RSA-2048 TCG default EK only");
  }
  if (credential.empty() || credential.size() > 32) {
    return InvalidArgument("credential must be 1..32 bytes");
  }
  if (seed.size() != 32) return InvalidArgument("seed must be 32 bytes");
  if (object_name.size() != 34) return InvalidArgument("object name must be a SHA-256 Name");
  // 2. Secret: the seed, RSA-OAEP(SHA-256) encrypted to the EK with label "IDENTITY\0"
  //    (Part 1 §B.10.3).
  SIGNET_ASSIGN_OR_RETURN(auto key, TpmPublicToKey(ek));
  ossl::UniquePtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  static const char kLabel[] = "IDENTITY";  // sizeof includes the NUL the TPM expects
  unsigned char* label = static_cast<unsigned char*>(OPENSSL_memdup(kLabel, sizeof(kLabel)));
  if (ctx == nullptr || label == nullptr || EVP_PKEY_encrypt_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_OAEP_PADDING) != 1 ||
      EVP_PKEY_CTX_set_rsa_oaep_md(ctx.get(), EVP_sha256()) != 1 ||
      EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), EVP_sha256()) != 1 ||
      EVP_PKEY_CTX_set0_rsa_oaep_label(ctx.get(), label, sizeof(kLabel)) != 1) {
    OPENSSL_free(label);
    return ossl::OpenSslError(ErrorCode::kInternal, "setting up RSA-OAEP");
  }
  size_t enc_len = 0;
  if (EVP_PKEY_encrypt(ctx.get(), nullptr, &enc_len, seed.data(), seed.size()) != 1) {
    return ossl::OpenSslError(ErrorCode::kInternal, "RSA-OAEP size");
  }
  Bytes enc(enc_len);
  if (EVP_PKEY_encrypt(ctx.get(), enc.data(), &enc_len, seed.data(), seed.size()) != 1) {
    return ossl::OpenSslError(ErrorCode::kInternal, "RSA-OAEP encrypt");
  }
  enc.resize(enc_len);
  // 3. symKey = KDFa(seed, "STORAGE", Name, -, 128); encIdentity = AES-128-CFB(TPM2B_DIGEST).
  Bytes sym_key = KdfASha256(seed, "STORAGE", object_name, {}, 128);
  Bytes plain = {static_cast<uint8_t>(credential.size() >> 8),
                 static_cast<uint8_t>(credential.size())};
  plain.insert(plain.end(), credential.begin(), credential.end());
  Bytes enc_identity(plain.size());
  {
    std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> cctx(EVP_CIPHER_CTX_new(),
                                                                  &EVP_CIPHER_CTX_free);
    const uint8_t iv[16] = {0};
    int out_len = 0, fin_len = 0;
    if (cctx == nullptr ||
        EVP_EncryptInit_ex(cctx.get(), EVP_aes_128_cfb128(), nullptr, sym_key.data(), iv) != 1 ||
        EVP_EncryptUpdate(cctx.get(), enc_identity.data(), &out_len, plain.data(),
                          static_cast<int>(plain.size())) != 1 ||
        EVP_EncryptFinal_ex(cctx.get(), enc_identity.data() + out_len, &fin_len) != 1 ||
        static_cast<size_t>(out_len + fin_len) != plain.size()) {
      OPENSSL_cleanse(sym_key.data(), sym_key.size());
      return ossl::OpenSslError(ErrorCode::kInternal, "AES-CFB encrypt");
    }
  }
  OPENSSL_cleanse(sym_key.data(), sym_key.size());
  OPENSSL_cleanse(plain.data(), plain.size());
  // 4. outerHMAC = HMAC(KDFa(seed, "INTEGRITY", -, -, 256), encIdentity || Name).
  Bytes hmac_key = KdfASha256(seed, "INTEGRITY", {}, {}, 256);
  Bytes mac_input = enc_identity;
  mac_input.insert(mac_input.end(), object_name.begin(), object_name.end());
  uint8_t mac[32];
  unsigned int mac_len = 0;
  if (HMAC(EVP_sha256(), hmac_key.data(), static_cast<int>(hmac_key.size()), mac_input.data(),
           mac_input.size(), mac, &mac_len) == nullptr) {
    OPENSSL_cleanse(hmac_key.data(), hmac_key.size());
    return ossl::OpenSslError(ErrorCode::kInternal, "HMAC-SHA-256");
  }
  OPENSSL_cleanse(hmac_key.data(), hmac_key.size());
  // 5. TPM2B_ID_OBJECT = size || TPM2B_DIGEST(outerHMAC) || encIdentity.
  MakeCredentialOutput out;
  const size_t id_len = 2 + mac_len + enc_identity.size();
  out.credential_blob = {static_cast<uint8_t>(id_len >> 8), static_cast<uint8_t>(id_len), 0,
                         static_cast<uint8_t>(mac_len)};
  out.credential_blob.insert(out.credential_blob.end(), mac, mac + mac_len);
  out.credential_blob.insert(out.credential_blob.end(), enc_identity.begin(), enc_identity.end());
  out.encrypted_secret = {static_cast<uint8_t>(enc.size() >> 8), static_cast<uint8_t>(enc.size())};
  out.encrypted_secret.insert(out.encrypted_secret.end(), enc.begin(), enc.end());
  return out;
}

}  // namespace signet::attestation
