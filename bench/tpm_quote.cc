// TPM attestation throughput.
//   BM_VerifyEvidence        the full nine-step pure verifier on a real swtpm quote (seed corpus)
//   BM_BaselineEcdsaVerify   baseline: one OpenSSL ECDSA-P256 verification of the same bytes
//   BM_SwtpmQuote            signet's Quote on swtpm: EK CreatePrimary + AK Load + Quote + flushes
//   BM_SwtpmPcrRead          baseline: one TPM2_PCR_Read round trip on the same connection
// The swtpm benchmarks need SIGNET_TEST_TCTI (source build/<dir>/fixtures/swtpm/env, or run
// scripts/fixtures/swtpm up DIR first); without it they report an error instead of a number.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <memory>
#include <string>

#include <openssl/pem.h>

#include "signet/attestation/tpm_evidence.h"
#include "signet/attestation/tpm_structs.h"
#include "signet/core/file.h"
#include "signet/core/ossl.h"
#include "signet/tpm/esys_tpm.h"

namespace {

namespace att = signet::attestation;

struct Fixture {
  att::TpmEvidence evidence;
  att::TpmVerifyOptions options;
  bool ok = false;
};

std::string ToPem(const signet::Bytes& der) {
  auto cert = signet::ossl::ParseCertificateDer(der);
  signet::ossl::UniquePtr<BIO> bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), cert->get());
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

const Fixture& Seed() {
  static const Fixture f = [] {
    Fixture out;
    auto text = signet::ReadFile(std::string(SIGNET_SOURCE_DIR) +
                                 "/tests/fuzz/corpus/tpm_evidence/swtpm-ecdsa.json");
    if (!text.ok()) return out;
    auto ev = att::ParseTpmEvidence(*text);
    if (!ev.ok() || ev->ek_chain.empty()) return out;
    out.evidence = *ev;
    for (const auto& der : ev->ek_chain) out.options.ek_roots_pem += ToPem(der);
    out.options.nonce = ev->nonce;
    out.options.channel_binding = ev->channel_binding;
    // The seed's own record stands in for the verifier's (the verifier no longer falls back to
    // it), and the seed was quoted over the test PCR 23.
    out.options.trusted_enrollment = ev->enrollment;
    out.options.allow_resettable_pcr = true;
    auto log = att::ParseEventLogJson(ev->event_log);
    for (const auto& e : log->events) {
      if (e.kind == "separator") continue;
      out.options.reference.measurements.push_back({e.kind + ":x", e.kind, e.path, e.sha256});
    }
    auto r = att::VerifyTpmEvidence(out.evidence, out.options);
    out.ok = r.ok() && r->trusted;
    return out;
  }();
  return f;
}

void BM_VerifyEvidence(benchmark::State& state) {
  const Fixture& f = Seed();
  if (!f.ok) {
    state.SkipWithError("seed evidence does not verify");
    return;
  }
  for (auto _ : state) {
    auto r = att::VerifyTpmEvidence(f.evidence, f.options);
    if (!r.ok() || !r->trusted) state.SkipWithError("verification failed");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_VerifyEvidence)->Unit(benchmark::kMicrosecond);

void BM_BaselineEcdsaVerify(benchmark::State& state) {
  const Fixture& f = Seed();
  auto pub = att::ParseTpm2bPublic(f.evidence.ak_public);
  auto body = att::ParseTpm2bAttestBody(f.evidence.attest);
  auto sig = att::ParseTpmtSignature(f.evidence.signature);
  if (!f.ok || !pub.ok() || !body.ok() || !sig.ok()) {
    state.SkipWithError("seed evidence unusable");
    return;
  }
  auto key = att::TpmPublicToKey(*pub);
  auto der = att::SignatureToDer(*sig);
  for (auto _ : state) {
    signet::ossl::UniquePtr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
    EVP_DigestVerifyInit_ex(ctx.get(), nullptr, "SHA256", nullptr, nullptr, key->get(), nullptr);
    benchmark::DoNotOptimize(
        EVP_DigestVerify(ctx.get(), der->data(), der->size(), body->data(), body->size()));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_BaselineEcdsaVerify)->Unit(benchmark::kMicrosecond);

std::unique_ptr<signet::fw::Tpm> OpenBenchTpm(benchmark::State& state) {
  const char* tcti = std::getenv("SIGNET_TEST_TCTI");
  if (tcti == nullptr) {
    state.SkipWithError("SIGNET_TEST_TCTI not set (start scripts/fixtures/swtpm)");
    return nullptr;
  }
  setenv("TSS2_LOG", "all+NONE", 0);
  auto t = signet::tpm::OpenTpm(tcti);
  if (!t.ok()) {
    state.SkipWithError("cannot open the TPM");
    return nullptr;
  }
  return std::move(t).value();
}

void BM_SwtpmQuote(benchmark::State& state) {
  auto tpm = OpenBenchTpm(state);
  if (!tpm) return;
  auto alg = state.range(0) == 0 ? signet::SignatureAlgorithm::kEcdsaP256Sha256
                                 : signet::SignatureAlgorithm::kRsa2048Pkcs1Sha256;
  auto ak = tpm->CreateAk(alg);
  if (!ak.ok()) {
    state.SkipWithError("CreateAk failed");
    return;
  }
  signet::Bytes qd(32, 0x5a);
  for (auto _ : state) {
    auto q = tpm->Quote(*ak, qd, {23});
    if (!q.ok()) state.SkipWithError("quote failed");
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(alg == signet::SignatureAlgorithm::kEcdsaP256Sha256 ? "ecdsa-p256" : "rsa-2048");
}
BENCHMARK(BM_SwtpmQuote)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->MinTime(2.0)->UseRealTime();

void BM_SwtpmPcrRead(benchmark::State& state) {
  auto tpm = OpenBenchTpm(state);
  if (!tpm) return;
  for (auto _ : state) {
    auto v = tpm->ReadPcr(23);
    if (!v.ok()) state.SkipWithError("PCR read failed");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SwtpmPcrRead)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
