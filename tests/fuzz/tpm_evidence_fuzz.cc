// Fuzzes the TPM evidence parser and the whole nine-step verifier. To reach the steps past the
// EK chain, the harness trusts the certificates of the evidence's own ek_chain and derives
// nonce, channel binding, reference values and the trusted enrollment record from the evidence
// itself: the seed (a real swtpm quote) then verifies as trusted, and mutations explore every
// later step.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <openssl/pem.h>

#include "signet/attestation/tpm_evidence.h"
#include "signet/core/ossl.h"

namespace att = signet::attestation;

namespace {
std::string ToPem(const signet::Bytes& der) {
  auto cert = signet::ossl::ParseCertificateDer(der);
  if (!cert.ok()) return "";
  signet::ossl::UniquePtr<BIO> bio(BIO_new(BIO_s_mem()));
  if (PEM_write_bio_X509(bio.get(), cert->get()) != 1) return "";
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto ev = att::ParseTpmEvidence(text);
  signet::ossl::DrainErrors();
  if (!ev.ok()) return 0;
  // Serialisation is a fixed point of parsing.
  auto again = att::ParseTpmEvidence(att::SerializeTpmEvidence(*ev));
  if (!again.ok() || again->attest != ev->attest || again->signature != ev->signature) std::abort();

  att::TpmVerifyOptions opt;
  for (const auto& der : ev->ek_chain) opt.ek_roots_pem += ToPem(der);
  signet::ossl::DrainErrors();
  if (opt.ek_roots_pem.empty()) return 0;
  // The harness plays a verifier that enrolled the evidence's own AK (so mutations get past step
  // 2) and allows the test PCR 23 the seeds use.
  opt.trusted_enrollment = ev->enrollment;
  opt.allow_resettable_pcr = true;
  opt.nonce = ev->nonce;
  opt.channel_binding = ev->channel_binding;
  if (!att::CheckNonceSizes(opt.nonce, opt.channel_binding).ok()) {
    opt.nonce = signet::Bytes(32, 0);
    opt.channel_binding.clear();
  }
  auto log = att::ParseEventLogJson(ev->event_log);
  if (log.ok()) {
    for (const auto& e : log->events) {
      if (!att::ParseMeasuredKind(e.kind).ok()) continue;
      opt.reference.pcr = e.pcr;
      opt.reference.measurements.push_back(
          {e.kind + ":" + std::to_string(e.seq), e.kind, e.path, e.sha256});
    }
  }
  auto r = att::VerifyTpmEvidence(*ev, opt);
  signet::ossl::DrainErrors();
  if (r.ok()) {
    // Fail closed: a trusted result has every claim passing; a refusal names its finding.
    int passes = 0;
    for (const auto& c : r->claims) passes += c.result == "pass";
    if (r->trusted != (passes == 9) || (!r->trusted && r->finding.empty())) std::abort();
    (void)att::AttestationResultToJson(*r);
  }
  return 0;
}
