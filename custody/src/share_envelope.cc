// Share envelopes: ECDH + HKDF-SHA256 + AES-256-GCM over one Shamir share (see share_envelope.h).
#include "signet/custody/share_envelope.h"

#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

#include <string>

#include "json_fields.h"
#include "signet/core/encoding.h"
#include "signet/core/findings.h"
#include "signet/core/hash.h"
#include "signet/core/json.h"
#include "signet/core/ossl.h"
#include "signet/core/secret.h"
#include "signet/custody/approval.h"

namespace signet::custody {
namespace {

constexpr std::string_view kShareSchema = "signet.share/v1";
constexpr std::string_view kHkdfInfo = "signet.share/v1 aes-256-gcm";
constexpr size_t kNonceBytes = 12;
constexpr size_t kTagBytes = 16;

struct CipherCtxDeleter {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter>;
struct KdfCtxDeleter {
  void operator()(EVP_KDF_CTX* c) const { EVP_KDF_CTX_free(c); }
};
struct KdfDeleter {
  void operator()(EVP_KDF* k) const { EVP_KDF_free(k); }
};

// ShareInvalid is the one refusal OpenShare gives for anything wrong with the file.
Error ShareInvalid() {
  return VerificationFailed(findings::kShareInvalid, "the share file does not authenticate with this custodian key");
}

Result<std::string> GroupName(EVP_PKEY* key) {
  char name[64] = {};
  size_t len = 0;
  if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof(name), &len) != 1) {
    ossl::DrainErrors();
    return InvalidArgument("share: the key is not an EC key");
  }
  std::string g(name, len);
  if (g != "prime256v1" && g != "P-256" && g != "secp384r1" && g != "P-384") {
    return InvalidArgument("share: custodian keys must be EC P-256 or P-384");
  }
  return g == "prime256v1" || g == "P-256" ? std::string("P-256") : std::string("P-384");
}

JsonValue HeaderToJson(const ShareHeader& h) {
  JsonValue o = JsonValue::MakeObject();
  o.Set("ceremony_id", JsonValue::String(h.ceremony_id));
  o.Set("custodian", JsonValue::String(h.custodian));
  o.Set("index", JsonValue::Int(h.index));
  o.Set("threshold", JsonValue::Int(h.threshold));
  o.Set("count", JsonValue::Int(h.count));
  o.Set("wrapping_key_check", JsonValue::String(h.wrapping_key_check));
  return o;
}

Result<Bytes> Aad(const ShareHeader& h, ByteView ephemeral_spki) {
  SIGNET_ASSIGN_OR_RETURN(std::string canonical, WriteCanonicalJson(HeaderToJson(h)));
  Bytes aad(kShareSchema.begin(), kShareSchema.end());
  aad.push_back(0);
  aad.insert(aad.end(), canonical.begin(), canonical.end());
  aad.insert(aad.end(), ephemeral_spki.begin(), ephemeral_spki.end());
  return aad;
}

// DeriveKey: ECDH(own, peer) then HKDF-SHA256 with salt SHA-256(ephemeral SPKI || custodian SPKI).
Result<SecretBytes> DeriveKey(EVP_PKEY* own, EVP_PKEY* peer, ByteView ephemeral_spki, ByteView custodian_spki) {
  ossl::UniquePtr<EVP_PKEY_CTX> dctx(EVP_PKEY_CTX_new_from_pkey(nullptr, own, nullptr));
  size_t zlen = 0;
  if (!dctx || EVP_PKEY_derive_init(dctx.get()) != 1 || EVP_PKEY_derive_set_peer(dctx.get(), peer) != 1 ||
      EVP_PKEY_derive(dctx.get(), nullptr, &zlen) != 1 || zlen == 0 || zlen > 128) {
    return ossl::OpenSslError(ErrorCode::kInternal, "share: ECDH");
  }
  uint8_t z[128];
  if (EVP_PKEY_derive(dctx.get(), z, &zlen) != 1) {
    OPENSSL_cleanse(z, sizeof(z));
    return ossl::OpenSslError(ErrorCode::kInternal, "share: ECDH");
  }
  Bytes salt_in(ephemeral_spki.begin(), ephemeral_spki.end());
  salt_in.insert(salt_in.end(), custodian_spki.begin(), custodian_spki.end());
  Bytes salt = Sha256(salt_in);
  std::unique_ptr<EVP_KDF, KdfDeleter> kdf(EVP_KDF_fetch(nullptr, "HKDF", nullptr));
  std::unique_ptr<EVP_KDF_CTX, KdfCtxDeleter> kctx(kdf ? EVP_KDF_CTX_new(kdf.get()) : nullptr);
  uint8_t key[32];
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char*>("SHA256"), 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, z, zlen),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, salt.data(), salt.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, const_cast<char*>(kHkdfInfo.data()), kHkdfInfo.size()),
      OSSL_PARAM_construct_end()};
  const bool ok = kctx && EVP_KDF_derive(kctx.get(), key, sizeof(key), params) == 1;
  OPENSSL_cleanse(z, sizeof(z));
  if (!ok) {
    OPENSSL_cleanse(key, sizeof(key));
    return ossl::OpenSslError(ErrorCode::kInternal, "share: HKDF");
  }
  SecretBytes out(ByteView(key, sizeof(key)));
  OPENSSL_cleanse(key, sizeof(key));
  return out;
}

std::string RenderShareFile(const ShareHeader& h, ByteView eph_spki, ByteView nonce, ByteView ciphertext) {
  JsonValue o = JsonValue::MakeObject();
  o.Set("schema", JsonValue::String(std::string(kShareSchema)));
  o.Set("header", HeaderToJson(h));
  o.Set("ephemeral_public_key", JsonValue::String(Base64Encode(eph_spki)));
  o.Set("nonce", JsonValue::String(Base64Encode(nonce)));
  o.Set("ciphertext", JsonValue::String(Base64Encode(ciphertext)));
  return WriteJson(o, 2) + "\n";
}

Result<int> GetSmallInt(const JsonValue& obj, std::string_view key) {
  const JsonValue* v = obj.Find(key);
  if (v == nullptr || !v->is_number()) return InvalidArgument("share header: bad number");
  Result<int64_t> n = v->AsInt64();
  if (!n.ok() || *n < 0 || *n > 255) return InvalidArgument("share header: number out of range");
  return static_cast<int>(*n);
}

Result<ShareHeader> ParseHeader(const JsonValue& o) {
  SIGNET_RETURN_IF_ERROR(internal::ExactMembers(
      o, {"ceremony_id", "custodian", "index", "threshold", "count", "wrapping_key_check"}, "share header"));
  ShareHeader h;
  SIGNET_ASSIGN_OR_RETURN(h.ceremony_id, internal::GetStringField(o, "ceremony_id", "share header"));
  SIGNET_ASSIGN_OR_RETURN(h.custodian, internal::GetStringField(o, "custodian", "share header"));
  SIGNET_ASSIGN_OR_RETURN(h.index, GetSmallInt(o, "index"));
  SIGNET_ASSIGN_OR_RETURN(h.threshold, GetSmallInt(o, "threshold"));
  SIGNET_ASSIGN_OR_RETURN(h.count, GetSmallInt(o, "count"));
  SIGNET_ASSIGN_OR_RETURN(h.wrapping_key_check, internal::GetStringField(o, "wrapping_key_check", "share header"));
  SIGNET_RETURN_IF_ERROR(ValidateShareHeader(h));
  return h;
}

}  // namespace

Status ValidateShareHeader(const ShareHeader& h) {
  if (!internal::IsCeremonyId(h.ceremony_id)) return InvalidArgument("share header: ceremony_id must be 32 hex digits");
  if (!internal::IsName(h.custodian)) return InvalidArgument("share header: custodian is not a valid name");
  if (h.count < 2 || h.count > 255) return InvalidArgument("share header: count must be 2..255");
  if (h.threshold < 2 || h.threshold > h.count) return InvalidArgument("share header: threshold must be 2..count");
  if (h.index < 1 || h.index > h.count) return InvalidArgument("share header: index must be 1..count");
  if (h.wrapping_key_check.size() > 256 || !ValidateUtf8(h.wrapping_key_check)) {
    return InvalidArgument("share header: wrapping_key_check must be UTF-8 of at most 256 bytes");
  }
  return OkStatus();
}

Result<std::string> SealShare(const Share& share, const ShareHeader& header, const PublicKey& custodian) {
  SIGNET_RETURN_IF_ERROR(ValidateShareHeader(header));
  if (header.index != share.index) return InvalidArgument("share: the header's index is not the share's");
  if (share.bytes.empty() || share.bytes.size() > kMaxSecretBytes) return InvalidArgument("share: bad share length");
  SIGNET_ASSIGN_OR_RETURN(std::string group, GroupName(custodian.get()));
  ossl::UniquePtr<EVP_PKEY> eph(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", group.c_str()));
  if (!eph) return ossl::OpenSslError(ErrorCode::kInternal, "share: ephemeral key generation");
  SIGNET_ASSIGN_OR_RETURN(Bytes eph_spki, ossl::PublicKeyToDer(eph.get()));
  SIGNET_ASSIGN_OR_RETURN(Bytes cust_spki, ossl::PublicKeyToDer(custodian.get()));
  SIGNET_ASSIGN_OR_RETURN(SecretBytes key, DeriveKey(eph.get(), custodian.get(), eph_spki, cust_spki));
  SIGNET_ASSIGN_OR_RETURN(Bytes aad, Aad(header, eph_spki));
  Bytes nonce(kNonceBytes);
  if (RAND_bytes(nonce.data(), static_cast<int>(nonce.size())) != 1) {
    return ossl::OpenSslError(ErrorCode::kInternal, "share: RAND_bytes");
  }
  ByteView pt = share.bytes.Reveal();
  Bytes ct(pt.size() + kTagBytes);
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  int fin = 0;
  if (!ctx || EVP_EncryptInit_ex2(ctx.get(), EVP_aes_256_gcm(), key.Reveal().data(), nonce.data(), nullptr) != 1 ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &len, aad.data(), static_cast<int>(aad.size())) != 1 ||
      EVP_EncryptUpdate(ctx.get(), ct.data(), &len, pt.data(), static_cast<int>(pt.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), ct.data() + len, &fin) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kTagBytes), ct.data() + pt.size()) != 1) {
    return ossl::OpenSslError(ErrorCode::kInternal, "share: AES-256-GCM");
  }
  return RenderShareFile(header, eph_spki, nonce, ct);
}

Result<OpenedShare> OpenShare(std::string_view file, EVP_PKEY* custodian_private_key) {
  if (custodian_private_key == nullptr) return InvalidArgument("share: no custodian key");
  SIGNET_ASSIGN_OR_RETURN(std::string group, GroupName(custodian_private_key));
  if (file.size() > kMaxShareFileBytes) return ShareInvalid();
  // 1. Parse strictly, and the bytes must be exactly what SealShare writes for them.
  Result<JsonValue> doc = ParseJson(file, JsonLimits{kMaxShareFileBytes, 8});
  if (!doc.ok() || !internal::ExactMembers(*doc, {"schema", "header", "ephemeral_public_key", "nonce", "ciphertext"},
                                           "share").ok()) {
    return ShareInvalid();
  }
  const JsonValue* schema = doc->Find("schema");
  const JsonValue* hdr = doc->Find("header");
  const JsonValue* eph_b64 = doc->Find("ephemeral_public_key");
  const JsonValue* nonce_b64 = doc->Find("nonce");
  const JsonValue* ct_b64 = doc->Find("ciphertext");
  if (!schema->is_string() || schema->string_value() != kShareSchema || !eph_b64->is_string() ||
      !nonce_b64->is_string() || !ct_b64->is_string()) {
    return ShareInvalid();
  }
  Result<ShareHeader> header = ParseHeader(*hdr);
  Result<Bytes> eph_spki = Base64Decode(eph_b64->string_value());
  Result<Bytes> nonce = Base64Decode(nonce_b64->string_value());
  Result<Bytes> ct = Base64Decode(ct_b64->string_value());
  if (!header.ok() || !eph_spki.ok() || !nonce.ok() || !ct.ok() || nonce->size() != kNonceBytes ||
      ct->size() <= kTagBytes || ct->size() > kMaxSecretBytes + kTagBytes) {
    return ShareInvalid();
  }
  if (RenderShareFile(*header, *eph_spki, *nonce, *ct) != file) return ShareInvalid();
  // 2. The ephemeral key must be a valid point on the custodian's curve.
  Result<ossl::UniquePtr<EVP_PKEY>> eph = ossl::ParsePublicKeyDer(*eph_spki);
  if (!eph.ok()) return ShareInvalid();
  Result<std::string> eph_group = GroupName(eph->get());
  if (!eph_group.ok() || *eph_group != group) return ShareInvalid();
  // 3. Derive the key and authenticate header and ciphertext.
  SIGNET_ASSIGN_OR_RETURN(Bytes cust_spki, ossl::PublicKeyToDer(custodian_private_key));
  Result<SecretBytes> key = DeriveKey(custodian_private_key, eph->get(), *eph_spki, cust_spki);
  if (!key.ok()) return ShareInvalid();
  SIGNET_ASSIGN_OR_RETURN(Bytes aad, Aad(*header, *eph_spki));
  const size_t ptlen = ct->size() - kTagBytes;
  Bytes pt(ptlen);
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  int fin = 0;
  bool ok = ctx && EVP_DecryptInit_ex2(ctx.get(), EVP_aes_256_gcm(), key->Reveal().data(), nonce->data(), nullptr) == 1 &&
            EVP_DecryptUpdate(ctx.get(), nullptr, &len, aad.data(), static_cast<int>(aad.size())) == 1 &&
            EVP_DecryptUpdate(ctx.get(), pt.data(), &len, ct->data(), static_cast<int>(ptlen)) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTagBytes), ct->data() + ptlen) == 1 &&
            EVP_DecryptFinal_ex(ctx.get(), pt.data() + len, &fin) == 1;
  if (!ok) {
    OPENSSL_cleanse(pt.data(), pt.size());
    ossl::DrainErrors();
    return ShareInvalid();
  }
  OpenedShare out{*header, Share{static_cast<uint8_t>(header->index), SecretBytes(pt)}};
  OPENSSL_cleanse(pt.data(), pt.size());
  return out;
}

}  // namespace signet::custody
