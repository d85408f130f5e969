// bench/tlog_append: the tile-based transparency log (translog/) with its checkpoint key in
// SoftHSM2 (Ed25519 through CKM_EDDSA), next to baselines measured in the same run:
//   - baseline: raw RFC 6962 leaf hashing (SHA-256) of the same entries, and the fsync floor
//     (write 8 KiB + fsync, and the same + rename + directory fsync) in the log's directory;
//   - checkpoint signing cost: NoteSigner::Sign through SoftHSM2;
//   - entries/s with batching: N entries queued at once, until the last is committed;
//   - integration latency (AppendAsync -> covered by a signed checkpoint) p50/p99 at a paced
//     100 and 1,000 signings/s.
// Targets (issue 16): >= 5,000 entries/s; p99 < 250 ms at 1,000/s.
// Usage: tlog_append [--seconds S] [--entries N] [--dir PARENT]   (defaults 3 s per rate, 50,000)
#include <fcntl.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bench_util.h"
#include "signet/hsm/key_store.h"
#include "signet/translog/log.h"
#include "signet/translog/tree.h"

namespace {

using namespace signet;  // NOLINT: benchmark driver
using Clock = std::chrono::steady_clock;

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

std::string Entry(uint64_t i) {
  // About the size of an audit record line.
  return "{\"decision\":\"allow\",\"seq\":" + std::to_string(i) + ",\"subject\":\"sha256:" + std::string(64, 'a') +
         "\",\"policy_digest\":\"sha256:" + std::string(64, 'b') + "\"}";
}

// FsyncFloor measures write+fsync (and + rename + dir fsync) of an 8 KiB file in `dir`.
std::pair<double, double> FsyncFloor(const std::string& dir, int rounds) {
  std::vector<double> plain, renamed;
  std::string data(8192, 'x');
  for (int i = 0; i < rounds; ++i) {
    auto t0 = Clock::now();
    int fd = ::open((dir + "/floor.tmp").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || ::write(fd, data.data(), data.size()) < 0 || ::fsync(fd) != 0) std::abort();
    ::close(fd);
    plain.push_back(Ms(Clock::now() - t0));
    ::rename((dir + "/floor.tmp").c_str(), (dir + "/floor").c_str());
    int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
    ::fsync(dfd);
    ::close(dfd);
    renamed.push_back(Ms(Clock::now() - t0));
  }
  return {Percentile(plain, 0.5), Percentile(renamed, 0.5)};
}

struct Latencies {
  std::vector<double> ms;
  uint64_t checkpoints = 0;
};

// Paced submits at `rate`/s for `seconds`; returns each entry's integration latency.
Latencies Paced(translog::TransparencyLog& log, double rate, double seconds) {
  const uint64_t n = static_cast<uint64_t>(rate * seconds);
  std::mutex mu;
  std::condition_variable cv;
  Latencies out;
  uint64_t done = 0;
  uint64_t last_size = 0;
  auto start = Clock::now();
  for (uint64_t i = 0; i < n; ++i) {
    auto due = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(static_cast<double>(i) / rate));
    std::this_thread::sleep_until(due);
    auto t0 = Clock::now();
    log.AppendAsync(Entry(i), [&, t0](Result<translog::Integrated> r) {
      if (!r.ok()) std::abort();
      std::lock_guard<std::mutex> lock(mu);
      out.ms.push_back(Ms(Clock::now() - t0));
      if (r->tree_size != last_size) {
        last_size = r->tree_size;
        ++out.checkpoints;
      }
      ++done;
      cv.notify_all();
    });
  }
  std::unique_lock<std::mutex> lock(mu);
  cv.wait(lock, [&] { return done == n; });
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 3;
  uint64_t entries = 50000;
  std::string parent = std::filesystem::temp_directory_path().string();
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--seconds") seconds = std::atof(argv[i + 1]);
    else if (flag == "--entries") entries = std::strtoull(argv[i + 1], nullptr, 10);
    else if (flag == "--dir") parent = argv[i + 1];
  }
  const std::string module_path = bench::FindSoftHsm();
  if (module_path.empty()) {
    std::fprintf(stderr, "tlog_append: libsofthsm2.so not found (run scripts/setup)\n");
    return 2;
  }
  bench::TempToken token("signet-tlog");
  if (!token.ok) return 3;
  hsm::KeyStoreOptions options;
  options.module_path = module_path;
  auto store = hsm::OpenKeyStore("pkcs11:token=signet-tlog?pin-source=" + token.dir + "/user.pin", options);
  if (!store.ok()) {
    std::fprintf(stderr, "tlog_append: %s\n", store.error().ToString().c_str());
    return 3;
  }
  auto key = (*store)->GenerateKey({"bench-log", SignatureAlgorithm::kEd25519});
  if (!key.ok()) {
    std::fprintf(stderr, "tlog_append: SoftHSM2 Ed25519: %s\n", key.error().ToString().c_str());
    return 3;
  }
  auto signer = translog::NoteSigner::Create("log.bench.example", **key);
  if (!signer.ok()) return 3;
  std::string tmpl = parent + "/signet-tlog-bench-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) return 3;
  const std::string dir = tmpl;
  std::printf("tlog_append: SoftHSM2 Ed25519 log key, log in %s\n", dir.c_str());

  // Baselines.
  {
    std::vector<std::string> sample;
    for (uint64_t i = 0; i < 100000; ++i) sample.push_back(Entry(i));
    auto t0 = Clock::now();
    translog::HashTree tree;
    for (const std::string& e : sample) tree.AppendEntry(AsBytes(e));
    double tree_rate = static_cast<double>(sample.size()) / (Ms(Clock::now() - t0) / 1000);
    t0 = Clock::now();
    uint8_t out[32];
    for (const std::string& e : sample) SHA256(reinterpret_cast<const uint8_t*>(e.data()), e.size(), out);
    double sha_rate = static_cast<double>(sample.size()) / (Ms(Clock::now() - t0) / 1000);
    auto [fsync_ms, rename_ms] = FsyncFloor(dir, 50);
    std::printf("baseline: SHA-256 of the entries %.0f /s; tree (leaf + node hashes) %.0f entries/s\n", sha_rate,
                tree_rate);
    std::printf("baseline: fsync floor p50 %.2f ms (8 KiB write+fsync), %.2f ms (+ rename + dir fsync)\n", fsync_ms,
                rename_ms);
  }
  // Checkpoint signing through the HSM.
  {
    std::vector<double> ms;
    for (int i = 0; i < 200; ++i) {
      auto t0 = Clock::now();
      if (!signer->Sign("log.bench.example\n" + std::to_string(i) + "\n" + std::string(43, 'A') + "=\n").ok()) return 3;
      ms.push_back(Ms(Clock::now() - t0));
    }
    std::printf("checkpoint signing (SoftHSM2 CKM_EDDSA): p50 %.3f ms, p99 %.3f ms\n", Percentile(ms, 0.5),
                Percentile(ms, 0.99));
  }
  if (!translog::TransparencyLog::Create(dir, *signer).ok()) return 3;
  auto log = translog::TransparencyLog::Open(dir, *signer);
  if (!log.ok()) {
    std::fprintf(stderr, "tlog_append: %s\n", log.error().ToString().c_str());
    return 3;
  }
  // Throughput with batching.
  {
    std::mutex mu;
    std::condition_variable cv;
    uint64_t done = 0, batches = 0, last = 0;
    auto t0 = Clock::now();
    for (uint64_t i = 0; i < entries; ++i) {
      (*log)->AppendAsync(Entry(i), [&](Result<translog::Integrated> r) {
        if (!r.ok()) std::abort();
        std::lock_guard<std::mutex> lock(mu);
        if (r->tree_size != last) {
          last = r->tree_size;
          ++batches;
        }
        if (++done == entries) cv.notify_all();
      });
    }
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return done == entries; });
    double s = Ms(Clock::now() - t0) / 1000;
    std::printf("batched appends: %llu entries in %.2f s = %.0f entries/s (%llu checkpoints) [target >= 5,000]\n",
                static_cast<unsigned long long>(entries), s, static_cast<double>(entries) / s,
                static_cast<unsigned long long>(batches));
  }
  for (double rate : {100.0, 1000.0}) {
    Latencies l = Paced(**log, rate, seconds);
    std::printf("integration latency at %4.0f/s for %.0f s: p50 %.2f ms, p99 %.2f ms, max %.2f ms (%llu checkpoints)%s\n",
                rate, seconds, Percentile(l.ms, 0.5), Percentile(l.ms, 0.99), Percentile(l.ms, 1.0),
                static_cast<unsigned long long>(l.checkpoints), rate == 1000.0 ? " [target p99 < 250 ms]" : "");
  }
  log->reset();
  std::filesystem::remove_all(dir);
  return 0;
}
