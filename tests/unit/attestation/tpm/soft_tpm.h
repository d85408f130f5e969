// A software stand-in for the TPM side of attestation, for unit tests of the pure verifier:
// it marshals TPM2B_PUBLIC / TPMS_ATTEST / TPMT_SIGNATURE exactly as TPM 2.0 Part 2 lays them
// out, and signs with an OpenSSL key. The real TPM path is covered by tests/integration/tpm.
#ifndef SIGNET_TESTS_UNIT_ATTESTATION_TPM_SOFT_TPM_H_
#define SIGNET_TESTS_UNIT_ATTESTATION_TPM_SOFT_TPM_H_

#include <cstdint>
#include <string>
#include <vector>

#include <openssl/core_names.h>

#include "signet/attestation/event_log.h"
#include "signet/attestation/tpm_evidence.h"
#include "signet/attestation/tpm_structs.h"
#include "signet/core/hash.h"
#include "signet/core/ossl.h"

namespace signet::testing {

// Marshal helps build big-endian TPM structures.
struct Marshal {
  Bytes b;
  Marshal& U8(uint8_t v) { b.push_back(v); return *this; }
  Marshal& U16(uint16_t v) { b.push_back(static_cast<uint8_t>(v >> 8)); b.push_back(static_cast<uint8_t>(v)); return *this; }
  Marshal& U32(uint32_t v) { U16(static_cast<uint16_t>(v >> 16)); return U16(static_cast<uint16_t>(v)); }
  Marshal& U64(uint64_t v) { U32(static_cast<uint32_t>(v >> 32)); return U32(static_cast<uint32_t>(v)); }
  Marshal& Raw(ByteView v) { b.insert(b.end(), v.begin(), v.end()); return *this; }
  Marshal& Tpm2b(ByteView v) { U16(static_cast<uint16_t>(v.size())); return Raw(v); }
};

inline Bytes BnBytes(const EVP_PKEY* key, const char* param, size_t width) {
  BIGNUM* bn = nullptr;
  EVP_PKEY_get_bn_param(key, param, &bn);
  Bytes out(width, 0);
  BN_bn2binpad(bn, out.data(), static_cast<int>(width));
  BN_free(bn);
  return out;
}

// EccAkPublic builds a TPM2B_PUBLIC for a P-256 ECDSA-SHA256 key with `attributes`.
inline Bytes EccAkPublic(const EVP_PKEY* key, uint32_t attributes = 0x00050072) {
  Marshal t;
  t.U16(attestation::kTpmAlgEcc).U16(attestation::kTpmAlgSha256).U32(attributes).Tpm2b({});
  t.U16(attestation::kTpmAlgNull);                                        // symmetric
  t.U16(attestation::kTpmAlgEcdsa).U16(attestation::kTpmAlgSha256);      // scheme
  t.U16(attestation::kTpmEccNistP256).U16(attestation::kTpmAlgNull);     // curve, kdf
  t.Tpm2b(BnBytes(key, OSSL_PKEY_PARAM_EC_PUB_X, 32)).Tpm2b(BnBytes(key, OSSL_PKEY_PARAM_EC_PUB_Y, 32));
  return Marshal().Tpm2b(t.b).b;
}

// RsaPublic builds a TPM2B_PUBLIC for an RSA key (EK-shaped when `ek`).
inline Bytes RsaPublic(const EVP_PKEY* key, bool ek) {
  Marshal t;
  t.U16(attestation::kTpmAlgRsa).U16(attestation::kTpmAlgSha256);
  if (ek) {
    t.U32(0x000300B2).Tpm2b(Bytes(32, 0x83));
    t.U16(attestation::kTpmAlgAes).U16(128).U16(attestation::kTpmAlgCfb).U16(attestation::kTpmAlgNull);
  } else {
    t.U32(0x00050072).Tpm2b({});
    t.U16(attestation::kTpmAlgNull).U16(attestation::kTpmAlgRsassa).U16(attestation::kTpmAlgSha256);
  }
  t.U16(2048).U32(0).Tpm2b(BnBytes(key, OSSL_PKEY_PARAM_RSA_N, 256));
  return Marshal().Tpm2b(t.b).b;
}

// QuoteParams are the knobs of a software quote.
struct QuoteParams {
  uint32_t magic = attestation::kTpmGeneratedValue;
  uint16_t type = attestation::kTpmStAttestQuote;
  Bytes extra_data;
  uint16_t bank = attestation::kTpmAlgSha256;
  std::vector<uint32_t> pcrs = {23};
  Bytes pcr_digest;
  uint32_t reset_count = 3, restart_count = 1;
  Bytes trailing;  // appended after TPMS_ATTEST (must be refused)
};

inline Bytes TpmsAttest(const QuoteParams& p) {
  Marshal m;
  m.U32(p.magic).U16(p.type).Tpm2b(Bytes(34, 0x22)).Tpm2b(p.extra_data);
  m.U64(123456).U32(p.reset_count).U32(p.restart_count).U8(1).U64(0x2019051400163636ULL);
  Bytes bitmap(3, 0);
  for (uint32_t pcr : p.pcrs) bitmap[pcr / 8] = static_cast<uint8_t>(bitmap[pcr / 8] | (1u << (pcr % 8)));
  m.U32(1).U16(p.bank).U8(3).Raw(bitmap).Tpm2b(p.pcr_digest).Raw(p.trailing);
  return m.b;
}

// EcdsaTpmSignature signs `msg` with SHA-256 and returns a TPMT_SIGNATURE.
inline Bytes EcdsaTpmSignature(EVP_PKEY* key, ByteView msg) {
  ossl::UniquePtr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
  size_t len = 0;
  EVP_DigestSignInit_ex(ctx.get(), nullptr, "SHA256", nullptr, nullptr, key, nullptr);
  EVP_DigestSign(ctx.get(), nullptr, &len, msg.data(), msg.size());
  Bytes der(len);
  EVP_DigestSign(ctx.get(), der.data(), &len, msg.data(), msg.size());
  der.resize(len);
  const uint8_t* p = der.data();
  ossl::UniquePtr<ECDSA_SIG> sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  Bytes r(32), s(32);
  BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), r.data(), 32);
  BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), s.data(), 32);
  return Marshal().U16(attestation::kTpmAlgEcdsa).U16(attestation::kTpmAlgSha256).Tpm2b(r).Tpm2b(s).b;
}

// StandardLog returns binary + config + separator on PCR 23.
inline attestation::EventLog StandardLog(const Bytes& bin, const Bytes& conf) {
  attestation::EventLog log;
  log.events.push_back({0, 23, "binary", "/opt/signet/bin/signet", bin});
  log.events.push_back({1, 23, "config", "/etc/signet/signet.yaml", conf});
  log.events.push_back(attestation::MakeSeparator(2, 23));
  return log;
}

// PcrDigestFor replays `log` and returns the single-PCR quote digest for `pcr`.
inline Bytes PcrDigestFor(const attestation::EventLog& log, uint32_t pcr) {
  auto replayed = attestation::ReplayEventLog(log);
  Bytes value = replayed.count(pcr) ? replayed[pcr] : Bytes(32, 0);
  return Sha256(ByteView(value));
}

}  // namespace signet::testing

#endif  // SIGNET_TESTS_UNIT_ATTESTATION_TPM_SOFT_TPM_H_
