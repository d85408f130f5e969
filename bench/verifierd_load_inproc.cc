// bench_verifierd: the in-process rate of verifierd's /v1/verify handler, body bytes to body
// bytes (strict JSON decode, evaluation, printing), the baseline for bench/verifierd_load.
// usage: bench_verifierd CONFIG.yaml BODY.json THREADS SECONDS
// Prints "inproc_rps N". Uses the config's cache section (max_entries: 0 = uncached).
#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "signet/core/file.h"
#include "signet/core/yaml.h"
#include "signet/verifierd/verifier.h"

int main(int argc, char** argv) {
  using namespace signet;
  using namespace signet::verifierd;
  if (argc != 5) {
    std::fprintf(stderr, "usage: bench_verifierd CONFIG BODY THREADS SECONDS\n");
    return 2;
  }
  auto text = ReadFile(argv[1]);
  auto body = ReadFile(argv[2]);
  if (!text.ok() || !body.ok()) return 2;
  auto root = ParseYaml(*text);
  if (!root.ok()) return 2;
  std::string dir = argv[1];
  dir = dir.find('/') == std::string::npos ? "." : dir.substr(0, dir.rfind('/'));
  auto config = ParseVerifierdConfig(*root, dir);
  if (!config.ok()) {
    std::fprintf(stderr, "%s\n", config.error().ToString().c_str());
    return 2;
  }
  auto state = VerifierState::Load(*config);
  if (!state.ok()) {
    std::fprintf(stderr, "%s\n", state.error().ToString().c_str());
    return 2;
  }
  VerifyCache cache(config->cache.max_entries, config->cache.ttl);
  const int threads = std::stoi(argv[3]);
  const auto duration = std::chrono::seconds(std::stoi(argv[4]));
  SystemClock clock;
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> done{0};
  std::atomic<int> bad{0};
  std::vector<std::thread> pool;
  const auto start = std::chrono::steady_clock::now();
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      uint64_t n = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        VerifyOptions o;
        o.now = clock.Now();
        HttpResult r = HandleVerifyBody(**state, &cache, *body, o);
        if (r.status != 200) bad.store(1);
        ++n;
      }
      done += n;
    });
  }
  std::this_thread::sleep_for(duration);
  stop = true;
  for (auto& t : pool) t.join();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("inproc_rps %.0f\n", static_cast<double>(done.load()) / secs);
  return bad.load() ? 3 : 0;
}
