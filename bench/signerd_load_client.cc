// bench/signerd_load_client: the HTTP half of bench/signerd_load. CONNECTIONS threads, each with
// one kept-alive mTLS service::HttpsClient, post the same POST /v1/sign body for SECONDS and count
// 200 answers; prints "http connections=C rps=R errors=E p50_ms=.. p99_ms=..". Never a test.
// usage: signerd_load_client URL CACERT CLIENT_CERT CLIENT_KEY BODY_FILE CONNECTIONS SECONDS [RATE [PATH]]
// RATE: total requests per second across the connections, paced (0, the default: as fast as
// they answer); PATH: the route (default /v1/sign; bench/soak also posts to verifierd's /v1/verify).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "signet/core/file.h"
#include "signet/service/client.h"

int main(int argc, char** argv) {
  using namespace signet;  // NOLINT: benchmark driver
  if (argc < 8 || argc > 10) {
    std::fprintf(stderr,
                 "usage: signerd_load_client URL CACERT CLIENT_CERT CLIENT_KEY BODY_FILE CONNECTIONS SECONDS [RATE [PATH]]\n");
    return 2;
  }
  auto url = service::ParseHttpsUrl(argv[1]);
  auto body = ReadFile(argv[5], 64 << 20);
  if (!url.ok() || !body.ok()) {
    std::fprintf(stderr, "signerd_load_client: bad URL or body file\n");
    return 2;
  }
  const int connections = std::max(1, std::atoi(argv[6]));
  const double seconds = std::atof(argv[7]);
  const double rate = argc > 8 ? std::atof(argv[8]) : 0.0;
  const std::string path = argc > 9 ? argv[9] : "/v1/sign";
  service::ClientOptions options;
  options.ca_file = argv[2];
  options.client_certificate = argv[3];
  options.client_key = argv[4];

  std::atomic<bool> stop{false};
  std::atomic<uint64_t> ok{0}, errors{0};
  std::mutex mu;
  std::vector<double> latencies_ms;
  std::string first_error;
  std::vector<std::thread> pool;
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  // Paced: each connection sends one request per `interval`, the connections staggered over it;
  // a connection that falls behind does not burst to catch up.
  const auto interval = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(rate > 0 ? static_cast<double>(connections) / rate : 0.0));
  for (int t = 0; t < connections; ++t) {
    pool.emplace_back([&, t] {
      auto next = start + interval * t / connections;
      std::vector<double> mine;
      auto client = service::HttpsClient::Create(*url, options);
      if (!client.ok()) {
        errors.fetch_add(1);
        std::lock_guard<std::mutex> lock(mu);
        if (first_error.empty()) first_error = client.error().ToString();
        return;
      }
      while (!stop.load(std::memory_order_relaxed)) {
        if (rate > 0) {
          std::this_thread::sleep_until(next);
          next += interval;
          if (Clock::now() > next + interval) next = Clock::now();
        }
        const auto t0 = Clock::now();
        auto r = (*client)->PostJson(path, *body);
        const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
        if (r.ok() && r->status == 200) {
          ok.fetch_add(1);
          mine.push_back(ms);
        } else {
          errors.fetch_add(1);
          std::lock_guard<std::mutex> lock(mu);
          if (first_error.empty()) {
            first_error = r.ok() ? "HTTP " + std::to_string(r->status) + " " + r->body.substr(0, 200)
                                 : r.error().ToString();
          }
          if (!r.ok()) (*client)->Close();
        }
      }
      std::lock_guard<std::mutex> lock(mu);
      latencies_ms.insert(latencies_ms.end(), mine.begin(), mine.end());
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  const uint64_t at_stop = ok.load();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  stop = true;
  for (auto& th : pool) th.join();
  std::sort(latencies_ms.begin(), latencies_ms.end());
  auto pct = [&](double p) {
    return latencies_ms.empty() ? 0.0 : latencies_ms[std::min(latencies_ms.size() - 1,
                                                              static_cast<size_t>(p * static_cast<double>(latencies_ms.size())))];
  };
  std::printf("http connections=%d rps=%.0f errors=%llu p50_ms=%.2f p99_ms=%.2f\n", connections,
              static_cast<double>(at_stop) / elapsed, static_cast<unsigned long long>(errors.load()), pct(0.50),
              pct(0.99));
  if (!first_error.empty()) std::fprintf(stderr, "signerd_load_client: first error: %s\n", first_error.c_str());
  return at_stop > 0 ? 0 : 3;
}
