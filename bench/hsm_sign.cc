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

namespace {

using namespace signet;        // NOLINT: benchmark driver
using namespace signet::hsm;   // NOLINT

using Clock = std::chrono::steady_clock;

std::string FindSoftHsm() {
  if (const char* m = std::getenv("SIGNET_BENCH_SOFTHSM_MODULE"); m != nullptr) return m;
  for (const char* m : {"/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so"}) {
    if (std::filesystem::exists(m)) return m;
  }
  return "";
}

// TempToken is a throw-away SoftHSM2 token; the destructor removes it.
struct TempToken {
  std::string dir;
  bool ok = false;
  TempToken() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "signet-bench-hsm-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) return;
    dir = tmpl;
    std::filesystem::create_directories(dir + "/tokens");
    std::ofstream(dir + "/softhsm2.conf") << "directories.tokendir = " << dir << "/tokens\n"
                                          << "objectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n";
    uint8_t r[8];
    RAND_bytes(r, sizeof r);
    std::ofstream(dir + "/user.pin") << HexEncode(ByteView(r, sizeof r));
    setenv("SOFTHSM2_CONF", (dir + "/softhsm2.conf").c_str(), 1);
    const std::string cmd = "softhsm2-util --init-token --free --label signet-bench --so-pin bench-so-pin --pin \"$(cat '" +
                            dir + "/user.pin')\" >/dev/null";
    ok = std::system(cmd.c_str()) == 0;
  }
  ~TempToken() {
    if (!dir.empty()) std::filesystem::remove_all(dir);
  }
};

// Run runs `threads` workers for `seconds` and returns operations per second.
template <typename Work>
double Run(int threads, double seconds, Work&& make_worker) {
  std::atomic<bool> stop{false};
  std::atomic<bool> failed{false};
  std::vector<uint64_t> counts(static_cast<size_t>(threads), 0);
  std::vector<std::thread> pool;
  const auto start = Clock::now();
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      auto op = make_worker();
      uint64_t n = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        if (!op()) {
          failed = true;
          break;
        }
        ++n;
      }
      counts[static_cast<size_t>(t)] = n;
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& th : pool) th.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  if (failed) return -1;
  uint64_t total = 0;
  for (uint64_t c : counts) total += c;
  return static_cast<double>(total) / elapsed;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

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
  TempToken token;
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
  auto key = (*store)->GenerateKey({"bench-p256", fw::KeyAlgorithm::kEcdsaP256});
  if (!key.ok()) {
    std::fprintf(stderr, "hsm_sign: %s\n", key.error().ToString().c_str());
    return 3;
  }
  // The raw loop uses the same (already initialised) module through its own sessions.
  auto module = Module::Load(module_path);
  if (!module.ok()) return 3;
  const CK_FUNCTION_LIST* fn = (*module)->fn();
  std::ifstream pin_in(token.dir + "/user.pin");
  std::string pin((std::istreambuf_iterator<char>(pin_in)), std::istreambuf_iterator<char>());

  auto raw_worker = [&] {
    // One session per thread, logged in (the login is shared by the application), key found once.
    CK_ULONG n = 0;
    fn->C_GetSlotList(CK_TRUE, nullptr, &n);
    std::vector<CK_SLOT_ID> slots(n);
    fn->C_GetSlotList(CK_TRUE, slots.data(), &n);
    CK_SESSION_HANDLE s = 0;
    CK_OBJECT_HANDLE k = 0;
    for (CK_SLOT_ID slot : slots) {
      if (fn->C_OpenSession(slot, CKF_SERIAL_SESSION, nullptr, nullptr, &s) != CKR_OK) continue;
      fn->C_Login(s, CKU_USER, reinterpret_cast<CK_UTF8CHAR*>(pin.data()), pin.size());
      CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
      char label[] = "bench-p256";
      CK_ATTRIBUTE templ[] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_LABEL, label, sizeof label - 1}};
      CK_ULONG found = 0;
      fn->C_FindObjectsInit(s, templ, 2);
      fn->C_FindObjects(s, &k, 1, &found);
      fn->C_FindObjectsFinal(s);
      if (found == 1) break;
      fn->C_CloseSession(s);
      s = 0;
    }
    auto digest = std::make_shared<std::vector<CK_BYTE>>(32, 0x5A);
    return [fn, s, k, digest]() {
      if (s == 0) return false;
      CK_MECHANISM mech{CKM_ECDSA, nullptr, 0};
      CK_BYTE sig[128];
      CK_ULONG len = sizeof sig;
      return fn->C_SignInit(s, &mech, k) == CKR_OK &&
             fn->C_Sign(s, digest->data(), static_cast<CK_ULONG>(digest->size()), sig, &len) == CKR_OK;
    };
  };
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
