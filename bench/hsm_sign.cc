// bench/hsm_sign: ECDSA P-256 signatures per second on SoftHSM2, through Signet's session pool
// (SigningKey::Sign: host SHA-256, pooled session, C_SignInit + C_Sign, DER encoding) next to a
// raw PKCS#11 loop in the same run (one session per thread, C_SignInit + C_Sign on the same key
// and a fixed digest). Target: pool >= 90% of raw at 1 and 2 threads.
//
// It makes its own SoftHSM2 token in a temporary directory (its own SOFTHSM2_CONF) and removes it
// at the end. Usage: hsm_sign [--seconds S] [--repeats N]   (defaults 0.5 s, 7 raw/pool pairs)
#include <openssl/rand.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "signet/core/encoding.h"
#include "signet/firmware_iface/signing_key.h"
#include "signet/hsm/key_store.h"
#include "signet/hsm/module.h"
#include "bench_util.h"

namespace {

using namespace signet;        // NOLINT: benchmark driver
using namespace signet::hsm;   // NOLINT
using bench::FindSoftHsm;
using bench::Median;
using bench::Run;

}  // namespace

int main(int argc, char** argv) {
  double seconds = 0.5;
  int repeats = 7;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--seconds") seconds = std::atof(argv[i + 1]);
    else if (flag == "--repeats") repeats = std::max(1, std::atoi(argv[i + 1]));
  }
  const std::string module_path = FindSoftHsm();
  if (module_path.empty()) {
    std::fprintf(stderr, "hsm_sign: libsofthsm2.so not found (run scripts/setup)\n");
    return 2;
  }
  bench::TempToken token("signet-bench");
  if (!token.ok) {
    std::fprintf(stderr, "hsm_sign: could not create a SoftHSM2 token\n");
    return 3;
  }
  KeyStoreOptions options;
  options.module_path = module_path;
  options.pool.max_sessions = 4;
  auto store = OpenKeyStore("pkcs11:token=signet-bench?pin-source=" + token.dir + "/user.pin", options);
  if (!store.ok()) {
    std::fprintf(stderr, "hsm_sign: %s\n", store.error().ToString().c_str());
    return 3;
  }
  auto key = (*store)->GenerateKey({"bench-p256", SignatureAlgorithm::kEcdsaP256Sha256});
  if (!key.ok()) {
    std::fprintf(stderr, "hsm_sign: %s\n", key.error().ToString().c_str());
    return 3;
  }
  // The raw loop uses the same (already initialised) module through its own sessions.
  auto module = Module::Load(module_path);
  if (!module.ok()) return 3;
  // One session per thread, logged in (the login is shared by the application), key found once.
  auto raw_worker = bench::RawSignWorker((*module)->fn(), token.Pin(), "bench-p256");
  fw::SigningKey* signing_key = key->get();
  auto pool_worker = [signing_key] {
    return [signing_key]() {
      static const std::string message = "sha256:5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03";
      return signing_key->Sign(AsBytes(message)).ok();
    };
  };

  std::printf("hsm_sign: SoftHSM2 ECDSA P-256 (%s), %.2f s per run, medians of %d raw/pool pairs\n",
              module_path.c_str(), seconds, repeats);
  std::printf("%-8s %22s %22s %8s\n", "threads", "raw C_SignInit+C_Sign/s", "pool SigningKey::Sign/s", "ratio");
  bool met = true;
  for (int threads : {1, 2}) {
    // Runs come in adjacent raw/pool pairs, alternating which goes first, and the ratio is the
    // median of the per-pair ratios: on a shared machine the load drifts between runs, and a
    // pair sees nearly the same load.
    std::vector<double> raw, pooled, ratios;
    for (int r = 0; r < repeats; ++r) {
      double raw_rate = 0, pool_rate = 0;
      if (r % 2 == 0) {
        raw_rate = Run(threads, seconds, raw_worker);
        pool_rate = Run(threads, seconds, pool_worker);
      } else {
        pool_rate = Run(threads, seconds, pool_worker);
        raw_rate = Run(threads, seconds, raw_worker);
      }
      if (raw_rate <= 0 || pool_rate <= 0) {
        std::fprintf(stderr, "hsm_sign: signing failed during the run\n");
        return 3;
      }
      raw.push_back(raw_rate);
      pooled.push_back(pool_rate);
      ratios.push_back(pool_rate / raw_rate);
    }
    const double ratio = Median(ratios);
    met = met && ratio >= 0.9;
    std::printf("%-8d %22.0f %22.0f %8.3f\n", threads, Median(raw), Median(pooled), ratio);
  }
  std::printf("target pool >= 0.90 x raw at 1 and 2 threads: %s\n", met ? "met" : "NOT met");
  return 0;
}
