// Single-thread verifications per second of the real keyless bundles in ../shared/vectors/accept
// (bundle parse included), against the crypto floor: the sum of the raw OpenSSL costs of the
// signature checks one such bundle needs (2x P-384 ECDSA for the Fulcio chain, P-256 ECDSA for
// the SCT, the SET, the checkpoint and the DSSE signature). bench/verify_bundle.sh adds the
// sigstore-js baseline and prints the ratios. BM_CryptoFloorPerBundle leaves out the root's
// signature over the pinned intermediate, which signet checks once per trusted root.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "bench_crypto.h"
#include "signet/attestation/bundle.h"
#include "signet/attestation/dsse.h"
#include "signet/attestation/rekor.h"
#include "signet/attestation/trusted_root.h"
#include "signet/attestation/verifier.h"
#include "signet/core/file.h"
#include "signet/core/ossl.h"

namespace {

using namespace signet;
using namespace signet::attestation;

std::string SharedDir() {
  const char* env = std::getenv("SIGNET_SHARED_DIR");
  return env ? env : SIGNET_SHARED_DIR;
}

std::string MustRead(const std::string& rel) {
  auto data = ReadFile(SharedDir() + "/vectors/" + rel);
  if (!data.ok()) {
    std::fprintf(stderr, "missing %s\n", rel.c_str());
    std::abort();
  }
  return *data;
}

struct Sample {
  const char* name;
  std::string bundle_json;
  TrustedRoot root;
  Artifact artifact;
  VerificationPolicy policy;
};

constexpr char kGha[] = "https://token.actions.githubusercontent.com";
constexpr char kBeacon[] =
    "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/"
    "extremely-dangerous-oidc-beacon.yml@refs/heads/main";

// The keyless bundles of vectors/accept that sigstore-js also verifies (it refuses the Rekor v2
// DSSE case), so both sides loop over the same set.
std::vector<Sample>& Samples() {
  static std::vector<Sample> samples = [] {
    struct Row { const char* name; const char* bundle; const char* root; const char* artifact; const char* san; };
    const Row rows[] = {
        {"gha-delegator-v0.2", "accept/gha-delegator-v2.1.0/provenance.sigstore.json", "sigstore-public-good",
         "accept/gha-delegator-v2.1.0/artifact",
         "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/delegator_generic_slsa3.yml@refs/tags/v2.1.0"},
        {"gh-attest-bcr-v0.3", "accept/gh-attest-bcr/MODULE.bazel.sigstore.json", "sigstore-public-good",
         "accept/gh-attest-bcr/MODULE.bazel",
         "https://github.com/bazel-contrib/publish-to-bcr/.github/workflows/publish.yaml@refs/tags/v0.0.1"},
        {"conformance-dsse-v0.3", "accept/conformance/happy-path-intoto-in-dsse-v3.sigstore.json",
         "sigstore-public-good", "accept/conformance/a.txt", kBeacon},
        {"conformance-custom-root-tsa", "accept/conformance/intoto-with-custom-trust-root.sigstore.json",
         "conformance-mock", "accept/conformance/d.txt", kBeacon},
    };
    std::vector<Sample> out;
    for (const Row& r : rows) {
      auto root = TrustedRoot::Parse(MustRead(std::string("trust/trusted_root.") + r.root + ".json"));
      if (!root.ok()) std::abort();
      VerificationPolicy policy;
      policy.identity = CertificateIdentity{r.san, kGha};
      out.push_back(Sample{r.name, MustRead(r.bundle), std::move(root).value(),
                           Artifact::FromBytes(ToBytes(MustRead(r.artifact))), policy});
    }
    return out;
  }();
  return samples;
}

bool VerifyOne(const Sample& s, const Clock& clock) {
  auto bundle = ParseBundle(s.bundle_json);
  if (!bundle.ok()) return false;
  return VerifyBundle(*bundle, s.root, s.policy, s.artifact, clock).ok();
}

// All accept bundles round-robin: the number compared with sigstore-js and the floor.
void BM_VerifyBundle_All(benchmark::State& state) {
  SystemClock clock;
  auto& samples = Samples();
  size_t i = 0;
  for (auto _ : state) {
    if (!VerifyOne(samples[i], clock)) state.SkipWithError("verification failed");
    i = (i + 1) % samples.size();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_VerifyBundle_All)->MinTime(2.0);

void BM_VerifyBundle_One(benchmark::State& state) {
  SystemClock clock;
  const Sample& s = Samples()[static_cast<size_t>(state.range(0))];
  state.SetLabel(s.name);
  for (auto _ : state) {
    if (!VerifyOne(s, clock)) state.SkipWithError("verification failed");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_VerifyBundle_One)->DenseRange(0, 3)->MinTime(1.0);

// The crypto floor for one bundle (gh-attest-bcr, v0.3 DSSE with SET, proof and checkpoint).
struct Floor {
  ossl::UniquePtr<X509> leaf, intermediate, root;
  Bytes set_payload, set_sig;
  Bytes pae, dsse_sig;
  ossl::UniquePtr<EVP_PKEY> p256;  // stands in for the CT log and checkpoint keys
  Bytes sct_msg, sct_sig, note_msg, note_sig;
  EVP_PKEY* log_key = nullptr;
};

bool RawVerify(EVP_PKEY* key, const EVP_MD* md, ByteView msg, ByteView sig) {
  ossl::UniquePtr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
  return EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, key) == 1 &&
         EVP_DigestVerify(ctx.get(), sig.data(), sig.size(), msg.data(), msg.size()) == 1;
}


Floor& TheFloor() {
  static Floor f = [] {
    Floor fl;
    const Sample& s = Samples()[1];
    auto bundle = ParseBundle(s.bundle_json);
    const TlogEntry& e = bundle->tlog_entries[0];
    fl.leaf = std::move(ossl::ParseCertificateDer(bundle->certificates[0])).value();
    const CertificateAuthority& ca = s.root.certificate_authorities().back();
    X509_up_ref(ca.chain[0].get());
    fl.intermediate.reset(ca.chain[0].get());
    X509_up_ref(ca.chain[1].get());
    fl.root.reset(ca.chain[1].get());
    const TransparencyLog* log = s.root.FindTlog(e.log_id);
    fl.log_key = log->key.get();
    fl.set_payload = ToBytes(*SetPayload(e));
    fl.set_sig = *e.signed_entry_timestamp;
    fl.pae = Pae(bundle->dsse_envelope->payload_type, bundle->dsse_envelope->payload);
    fl.dsse_sig = bundle->dsse_envelope->signatures[0].sig;
    fl.p256.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
    int tbs_len = i2d_re_X509_tbs(fl.leaf.get(), nullptr);
    fl.sct_msg = Bytes(static_cast<size_t>(tbs_len) + 60, 0x5a);  // precert entry: TBS + header
    fl.sct_sig = bench::SignSha256Der(fl.p256.get(), fl.sct_msg);
    fl.note_msg = ToBytes(e.inclusion_proof->checkpoint.substr(0, e.inclusion_proof->checkpoint.find("\n\n") + 1));
    fl.note_sig = bench::SignSha256Der(fl.p256.get(), fl.note_msg);
    return fl;
  }();
  return f;
}

void BM_CryptoFloor(benchmark::State& state) {
  Floor& f = TheFloor();
  ossl::UniquePtr<EVP_PKEY> leaf_key(X509_get_pubkey(f.leaf.get()));
  for (auto _ : state) {
    bool ok = X509_verify(f.leaf.get(), X509_get0_pubkey(f.intermediate.get())) == 1;          // P-384
    ok &= X509_verify(f.intermediate.get(), X509_get0_pubkey(f.root.get())) == 1;             // P-384
    ok &= RawVerify(f.p256.get(), EVP_sha256(), f.sct_msg, f.sct_sig);                       // SCT
    ok &= RawVerify(f.log_key, EVP_sha256(), f.set_payload, f.set_sig);                      // SET
    ok &= RawVerify(f.p256.get(), EVP_sha256(), f.note_msg, f.note_sig);                     // checkpoint
    ok &= RawVerify(leaf_key.get(), EVP_sha256(), f.pae, f.dsse_sig);                        // DSSE
    if (!ok) state.SkipWithError("floor verification failed");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CryptoFloor)->MinTime(2.0);

// The same floor without the root's signature over the pinned intermediate: signet verifies that
// one once, when the trusted root is loaded (both certificates are pinned bytes), so this is the
// signature work that actually remains per bundle.
void BM_CryptoFloorPerBundle(benchmark::State& state) {
  Floor& f = TheFloor();
  ossl::UniquePtr<EVP_PKEY> leaf_key(X509_get_pubkey(f.leaf.get()));
  for (auto _ : state) {
    bool ok = X509_verify(f.leaf.get(), X509_get0_pubkey(f.intermediate.get())) == 1;          // P-384
    ok &= RawVerify(f.p256.get(), EVP_sha256(), f.sct_msg, f.sct_sig);                       // SCT
    ok &= RawVerify(f.log_key, EVP_sha256(), f.set_payload, f.set_sig);                      // SET
    ok &= RawVerify(f.p256.get(), EVP_sha256(), f.note_msg, f.note_sig);                     // checkpoint
    ok &= RawVerify(leaf_key.get(), EVP_sha256(), f.pae, f.dsse_sig);                        // DSSE
    if (!ok) state.SkipWithError("floor verification failed");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CryptoFloorPerBundle)->MinTime(2.0);

// Not part of either floor, for reading the ratio: decoding the bundle's leaf certificate once
// (d2i_X509, as every verification must). OpenSSL 3.0 decodes the certificate's public key
// through its provider decoders, which is most of this cost.
void BM_LeafCertificateDecode(benchmark::State& state) {
  const Sample& s = Samples()[1];
  auto bundle = ParseBundle(s.bundle_json);
  if (!bundle.ok()) {
    state.SkipWithError("bundle does not parse");
    return;
  }
  const Bytes& der = bundle->certificates[0];
  for (auto _ : state) {
    auto cert = ossl::ParseCertificateDer(der);
    if (!cert.ok()) state.SkipWithError("certificate does not parse");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_LeafCertificateDecode)->MinTime(1.0);

}  // namespace

BENCHMARK_MAIN();
