// Shared pieces of Signet's benchmark drivers: a throw-away SoftHSM2 token, a timed
// multi-threaded loop, a median, and the raw PKCS#11 C_SignInit+C_Sign baseline.
#ifndef SIGNET_BENCH_BENCH_UTIL_H_
#define SIGNET_BENCH_BENCH_UTIL_H_

#include <openssl/rand.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "signet/core/encoding.h"
#include "signet/hsm/pkcs11.h"

namespace signet::bench {

using namespace signet::hsm;  // NOLINT: PKCS#11 types for the raw baseline

// FindSoftHsm returns $SIGNET_BENCH_SOFTHSM_MODULE or the Debian path of libsofthsm2.so ("" if none).
inline std::string FindSoftHsm() {
  if (const char* m = std::getenv("SIGNET_BENCH_SOFTHSM_MODULE"); m != nullptr) return m;
  for (const char* m : {"/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so"}) {
    if (std::filesystem::exists(m)) return m;
  }
  return "";
}

// TempToken is a throw-away SoftHSM2 token labelled `label` in a temporary directory with its own
// SOFTHSM2_CONF (exported); the destructor removes it. The user PIN is in dir + "/user.pin".
struct TempToken {
  std::string dir;
  bool ok = false;
  explicit TempToken(const std::string& label) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "signet-bench-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) return;
    dir = tmpl;
    std::filesystem::create_directories(dir + "/tokens");
    std::ofstream(dir + "/softhsm2.conf") << "directories.tokendir = " << dir << "/tokens\n"
                                          << "objectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n";
    uint8_t r[8];
    RAND_bytes(r, sizeof r);
    std::ofstream(dir + "/user.pin") << HexEncode(ByteView(r, sizeof r));
    ::chmod((dir + "/user.pin").c_str(), 0600);  // pin-source must be private to its owner
    setenv("SOFTHSM2_CONF", (dir + "/softhsm2.conf").c_str(), 1);
    const std::string cmd = "softhsm2-util --init-token --free --label " + label +
                            " --so-pin bench-so-pin --pin \"$(cat '" + dir + "/user.pin')\" >/dev/null";
    ok = std::system(cmd.c_str()) == 0;
  }
  ~TempToken() {
    if (!dir.empty()) std::filesystem::remove_all(dir);
  }
  std::string Pin() const {
    std::ifstream in(dir + "/user.pin");
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }
};

// Run runs `threads` workers for `seconds`; each calls make_worker() once to get its operation
// and then loops it. Returns operations per second, or -1 if an operation failed.
template <typename MakeWorker>
double Run(int threads, double seconds, MakeWorker&& make_worker) {
  using Clock = std::chrono::steady_clock;
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

inline double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// RawSignWorker returns a factory of raw PKCS#11 signing operations on the private key labelled
// `label`: one session per worker, logged in, C_SignInit + C_Sign (CKM_ECDSA) over a fixed
// 32-byte digest. This is the baseline every signing benchmark compares against.
inline std::function<std::function<bool()>()> RawSignWorker(const CK_FUNCTION_LIST* fn, std::string pin,
                                                             std::string label) {
  return [fn, pin, label]() -> std::function<bool()> {
    CK_ULONG n = 0;
    fn->C_GetSlotList(CK_TRUE, nullptr, &n);
    std::vector<CK_SLOT_ID> slots(n);
    fn->C_GetSlotList(CK_TRUE, slots.data(), &n);
    CK_SESSION_HANDLE s = 0;
    CK_OBJECT_HANDLE k = 0;
    for (CK_SLOT_ID slot : slots) {
      if (fn->C_OpenSession(slot, CKF_SERIAL_SESSION, nullptr, nullptr, &s) != CKR_OK) continue;
      std::string p = pin;
      fn->C_Login(s, CKU_USER, reinterpret_cast<CK_UTF8CHAR*>(p.data()), p.size());
      CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
      std::string l = label;
      CK_ATTRIBUTE templ[] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_LABEL, l.data(), l.size()}};
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
}

}  // namespace signet::bench

#endif  // SIGNET_BENCH_BENCH_UTIL_H_
