// enroll, quote, activate, export: moved from ops/src/cmd_attest.cc (issue 13 part 1). The
// order of operations is unchanged: local inputs first, then the TPM, closed before any write.
#include "signet/attester/attester.h"

#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "signet/attestation/attest_batch.h"
#include "signet/attestation/event_log.h"
#include "signet/attestation/tpm_enrollment.h"
#include "signet/attestation/tpm_evidence.h"
#include "signet/attestation/tpm_structs.h"
#include "signet/attester/ak_file.h"
#include "signet/core/findings.h"
#include "signet/core/encoding.h"
#include "signet/core/file.h"
#include "signet/core/hash.h"
#include "signet/core/ossl.h"
#include "signet/core/secret.h"

namespace signet::attester {

namespace att = signet::attestation;

Result<Bytes> RandomBytes(size_t n) {
  Bytes b(n);
  if (RAND_bytes(b.data(), static_cast<int>(n)) != 1) {
    return ossl::OpenSslError(ErrorCode::kInternal, "RAND_bytes");
  }
  return b;
}

Result<Bytes> ParseNonceHex(const std::string& hex, std::string_view what) {
  auto b = HexDecodeAnyCase(hex);
  if (!b.ok()) return InvalidArgument(std::string(what) + " must be hex");
  return std::move(b).value();
}

// ----- enroll -------------------------------------------------------------------------------

Result<EnrollResult> Enroll(const EnrollOpts& o, const TpmOpener& open_tpm) {
  // 1.
  SIGNET_ASSIGN_OR_RETURN(SignatureAlgorithm alg, fw::ParseAttestationKeyAlgorithm(o.algorithm));
  SIGNET_ASSIGN_OR_RETURN(std::unique_ptr<fw::Tpm> tpm, open_tpm());
  // 2. EK certificate from NV, and the EK recreated from the TCG template: they must agree.
  SIGNET_ASSIGN_OR_RETURN(Bytes ek_cert_raw, tpm->ReadEkCertificate(fw::EkType::kRsa2048));
  Bytes ek_cert = TrimDer(ek_cert_raw);
  SIGNET_ASSIGN_OR_RETURN(auto cert, ossl::ParseCertificateDer(ek_cert));
  SIGNET_ASSIGN_OR_RETURN(Bytes ek_public, tpm->CreateEkPublic());
  SIGNET_ASSIGN_OR_RETURN(att::TpmPublic ek, att::ParseTpm2bPublic(ek_public));
  SIGNET_ASSIGN_OR_RETURN(auto ek_key, att::TpmPublicToKey(ek));
  SIGNET_ASSIGN_OR_RETURN(Bytes ek_spki, ossl::PublicKeyToDer(ek_key.get()));
  SIGNET_ASSIGN_OR_RETURN(Bytes cert_spki, ossl::PublicKeyToDer(X509_get0_pubkey(cert.get())));
  if (!ConstantTimeEqual(ek_spki, cert_spki)) {
    return VerificationFailed("EK_CERT_MISMATCH",
                              "the EK recreated from the TCG template is not the certified EK");
  }
  // 3. The AK, under the EK.
  SIGNET_ASSIGN_OR_RETURN(fw::AkBlob ak, tpm->CreateAk(alg));
  SIGNET_ASSIGN_OR_RETURN(att::TpmPublic ak_pub, att::ParseTpm2bPublic(ak.public_area));
  SIGNET_ASSIGN_OR_RETURN(Bytes ak_name, att::ComputeName(ak_pub));
  if (ak_name != ak.name) return Internal("AK Name from the TPM does not match its public area");
  // 4. Verifier side: MakeCredential in software; attester side: ActivateCredential on the TPM.
  SIGNET_ASSIGN_OR_RETURN(Bytes secret, RandomBytes(32));
  SIGNET_ASSIGN_OR_RETURN(Bytes seed, RandomBytes(32));
  auto mc = att::MakeCredential(ek, ak_name, secret, seed);
  OPENSSL_cleanse(seed.data(), seed.size());
  if (!mc.ok()) {
    OPENSSL_cleanse(secret.data(), secret.size());
    return std::move(mc).error();
  }
  fw::Credential cred{mc->credential_blob, mc->encrypted_secret};
  auto recovered = tpm->ActivateCredential(ak, cred);
  if (!recovered.ok()) {
    OPENSSL_cleanse(secret.data(), secret.size());
    return std::move(recovered).error();
  }
  const bool activated = ConstantTimeEqual(*recovered, secret);
  OPENSSL_cleanse(secret.data(), secret.size());
  OPENSSL_cleanse(recovered->data(), recovered->size());
  if (!activated) {
    return VerificationFailed("CREDENTIAL_ACTIVATION_FAILED",
                              "the TPM did not release the enrollment secret");
  }
  // 5. Release the TPM before touching the file system.
  tpm.reset();
  AkFile f;
  f.ak = std::move(ak);
  f.ek_certificate = ek_cert;
  SIGNET_RETURN_IF_ERROR(WriteFileAtomic(o.out, SerializeAkFile(f), 0600));
  EnrollResult out;
  out.ak_name = std::move(ak_name);
  out.algorithm = f.ak.algorithm;
  out.ek_spki_sha256 = Sha256(ByteView(cert_spki));
  return out;
}

// ----- quote --------------------------------------------------------------------------------

Result<att::TpmEvidence> QuoteEvidence(const AkFile& ak, ByteView qualifying_data, const att::EventLog& log,
                                       const std::vector<uint32_t>& pcrs, const TpmOpener& open_tpm) {
  att::TpmEvidence ev;
  {
    SIGNET_ASSIGN_OR_RETURN(std::unique_ptr<fw::Tpm> tpm, open_tpm());
    SIGNET_ASSIGN_OR_RETURN(fw::TpmInfo info, tpm->Info());
    SIGNET_ASSIGN_OR_RETURN(fw::QuoteResult q, tpm->Quote(ak.ak, qualifying_data, pcrs));
    ev.attest = std::move(q.attest);
    ev.signature = std::move(q.signature);
    ev.tpm_manufacturer = info.manufacturer;
    ev.tpm_firmware_version = info.firmware_version;
  }
  ev.ak_public = ak.ak.public_area;
  ev.ek_certificate = ak.ek_certificate;
  ev.event_log = att::EventLogToJson(log);
  return ev;
}

Status Quote(const QuoteOpts& o, const TpmOpener& open_tpm) {
  SIGNET_ASSIGN_OR_RETURN(Bytes nonce, ParseNonceHex(o.nonce, "--nonce"));
  SIGNET_ASSIGN_OR_RETURN(Bytes cb, ParseNonceHex(o.channel_binding, "--channel-binding"));
  SIGNET_ASSIGN_OR_RETURN(Bytes qd, att::QualifyingData(nonce, cb));
  SIGNET_ASSIGN_OR_RETURN(AkFile ak, LoadAkFile(o.ak));
  SIGNET_ASSIGN_OR_RETURN(std::string log_text, ReadFile(o.event_log, 4 * 1024 * 1024));
  SIGNET_ASSIGN_OR_RETURN(att::EventLog log, att::ParseEventLog(log_text));
  std::set<uint32_t> pcr_set;
  for (const auto& e : log.events) pcr_set.insert(e.pcr);
  if (pcr_set.empty()) return InvalidArgument("the event log is empty: nothing to quote");
  att::TpmEvidence ev;
  if (!o.ek_chain.empty()) {
    SIGNET_ASSIGN_OR_RETURN(std::string pem, ReadFile(o.ek_chain, 1024 * 1024));
    SIGNET_ASSIGN_OR_RETURN(auto certs, ossl::ParseCertificatesPem(pem));
    for (auto& c : certs) {
      SIGNET_ASSIGN_OR_RETURN(Bytes der, ossl::CertificateToDer(c.get()));
      ev.ek_chain.push_back(std::move(der));
    }
  }
  SIGNET_ASSIGN_OR_RETURN(att::TpmEvidence quoted,
                          QuoteEvidence(ak, qd, log, std::vector<uint32_t>(pcr_set.begin(), pcr_set.end()), open_tpm));
  quoted.ek_chain = std::move(ev.ek_chain);
  ev = std::move(quoted);
  ev.nonce = nonce;
  ev.channel_binding = cb;
  return WriteFileAtomic(o.out, att::SerializeTpmEvidence(ev));
}

// ----- activate -----------------------------------------------------------------------------

Result<att::EnrollmentResponse> ActivateChallenge(const AkFile& ak, const att::EnrollmentChallenge& c,
                                                  const TpmOpener& open_tpm) {
  if (c.ak_name != ak.ak.name) return InvalidArgument("the challenge was made for another AK");
  Bytes released;
  {
    SIGNET_ASSIGN_OR_RETURN(std::unique_ptr<fw::Tpm> tpm, open_tpm());
    fw::Credential cred{c.credential_blob, c.encrypted_secret};
    SIGNET_ASSIGN_OR_RETURN(released, tpm->ActivateCredential(ak.ak, cred));
  }
  att::EnrollmentResponse r;
  r.challenge_id = c.challenge_id;
  r.ak_name = c.ak_name;
  r.secret = SecretBytes(released);
  OPENSSL_cleanse(released.data(), released.size());
  if (r.secret.size() != att::kEnrollSecretSize) {
    return VerificationFailed(findings::kCredentialActivationFailed,
                              "the TPM released a secret of the wrong size");
  }
  return r;
}

Status Activate(const ActivateOpts& o, const TpmOpener& open_tpm) {
  SIGNET_ASSIGN_OR_RETURN(AkFile ak, LoadAkFile(o.ak));
  SIGNET_ASSIGN_OR_RETURN(std::string text, ReadFile(o.challenge, 64 * 1024));
  SIGNET_ASSIGN_OR_RETURN(att::EnrollmentChallenge c, att::ParseEnrollmentChallenge(text));
  if (c.ak_name != ak.ak.name) {
    return InvalidArgument("the challenge was made for another AK than " + o.ak);
  }
  SIGNET_ASSIGN_OR_RETURN(att::EnrollmentResponse r, ActivateChallenge(ak, c, open_tpm));
  std::string doc = att::SerializeEnrollmentResponse(r);
  Status st = WriteFileAtomic(o.out, doc, 0600);
  OPENSSL_cleanse(doc.data(), doc.size());
  return st;
}

// ----- export (tpm2-tools / openssl interoperability) ----------------------------------------

Status Export(const ExportOpts& o) {
  SIGNET_ASSIGN_OR_RETURN(std::string ev_text, ReadFile(o.evidence, 8 * 1024 * 1024));
  SIGNET_ASSIGN_OR_RETURN(att::TpmEvidence ev, att::ParseTpmEvidence(ev_text));
  SIGNET_ASSIGN_OR_RETURN(Bytes body, att::ParseTpm2bAttestBody(ev.attest));
  SIGNET_ASSIGN_OR_RETURN(att::TpmSignature sig, att::ParseTpmtSignature(ev.signature));
  SIGNET_ASSIGN_OR_RETURN(Bytes der_sig, att::SignatureToDer(sig));
  SIGNET_ASSIGN_OR_RETURN(att::TpmPublic ak, att::ParseTpm2bPublic(ev.ak_public));
  SIGNET_ASSIGN_OR_RETURN(auto key, att::TpmPublicToKey(ak));
  SIGNET_ASSIGN_OR_RETURN(std::string pem, ossl::PublicKeyToPem(key.get()));
  SIGNET_ASSIGN_OR_RETURN(att::EventLog log, att::ParseEventLogJson(ev.event_log));
  auto replayed = att::ReplayEventLog(log);
  Bytes pcr_values;  // "values" format: the selected PCR values concatenated in index order
  std::string pcr_list = "sha256:";
  for (const auto& [pcr, value] : replayed) {
    pcr_values.insert(pcr_values.end(), value.begin(), value.end());
    if (pcr_list.back() != ':') pcr_list += ",";
    pcr_list += std::to_string(pcr);
  }
  // A batch quote's qualifying data commits to its Merkle root (attest_batch.h).
  SIGNET_ASSIGN_OR_RETURN(Bytes qd, ev.batch_root.empty() ? att::QualifyingData(ev.nonce, ev.channel_binding)
                                                          : att::BatchQualifyingData(ev.batch_root));
  const std::string d = o.dir + "/";
  SIGNET_RETURN_IF_ERROR(WriteFileAtomic(d + "quote.msg", AsString(body)));
  SIGNET_RETURN_IF_ERROR(WriteFileAtomic(d + "quote.sig", AsString(ev.signature)));
  SIGNET_RETURN_IF_ERROR(WriteFileAtomic(d + "quote.sig.der", AsString(der_sig)));
  SIGNET_RETURN_IF_ERROR(WriteFileAtomic(d + "ak.tpm2b.pub", AsString(ev.ak_public)));
  SIGNET_RETURN_IF_ERROR(WriteFileAtomic(d + "ak.pub.pem", pem));
  SIGNET_RETURN_IF_ERROR(WriteFileAtomic(d + "pcrs.bin", AsString(pcr_values)));
  SIGNET_RETURN_IF_ERROR(WriteFileAtomic(d + "pcr-list.txt", pcr_list + "\n"));
  SIGNET_RETURN_IF_ERROR(WriteFileAtomic(d + "qualification.hex", HexEncode(qd) + "\n"));
  return OkStatus();
}

}  // namespace signet::attester
