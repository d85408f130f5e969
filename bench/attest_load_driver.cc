// attest_load_driver: concurrent attestation clients against a running daemon (bench/attest_load).
// Each thread keeps one TLS connection (service::HttpsClient) and loops: fresh nonce, POST
// /v1/attestation, then the full client-side check (VerifyTpmEvidence with the batch proof and the
// channel binding of that connection). Only verified answers count.
// On a real deployment the clients verify on their own machines. Here they share the daemon's two
// cores, so the verification runs on a pool of worker threads at the lowest CPU priority (nice 19),
// the load generator standing aside for the system under test; the request threads stay at the
// daemon's priority. Each client still waits for its own verdict before it sends the next nonce.
// usage: attest_load_driver URL CA_PEM ENROLLMENT REFERENCE EK_ROOTS THREADS SECONDS
// prints: verified_per_s N, p50_ms, p99_ms (request to verified answer, the wait for a verifying
// worker included), rt_p50_ms, rt_p99_ms (request to response: the service's latency),
// failures N, quotes_seen N (distinct batch roots)
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <openssl/rand.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "signet/attestation/reference_values.h"
#include "signet/attestation/tpm_enrollment.h"
#include "signet/attestation/tpm_evidence.h"
#include "signet/core/encoding.h"
#include "signet/core/file.h"
#include "signet/service/client.h"

namespace att = signet::attestation;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  if (argc != 8) {
    std::fprintf(stderr, "usage: %s URL CA ENROLLMENT REFERENCE EK_ROOTS THREADS SECONDS\n", argv[0]);
    return 2;
  }
  const std::string url_text = argv[1], ca = argv[2];
  const int threads = std::atoi(argv[6]);
  const int seconds = std::atoi(argv[7]);
  att::TpmVerifyOptions base;
  base.allow_resettable_pcr = true;
  auto rec = att::ParseTrustedEnrollmentRecord(*signet::ReadFile(argv[3], 65536));
  auto ref = att::ParseReferenceValues(*signet::ReadFile(argv[4], 1 << 20));
  auto roots = signet::ReadFile(argv[5], 1 << 20);
  if (!rec.ok() || !ref.ok() || !roots.ok()) {
    std::fprintf(stderr, "bad enrollment, reference or roots\n");
    return 2;
  }
  base.trusted_enrollment = *rec;
  base.reference = *ref;
  base.ek_roots_pem = *roots;
  // Parsed once, as a long-running verifier would; every quote's EK chain is still verified.
  auto parsed_roots = att::ParseEkRoots(*roots);
  if (!parsed_roots.ok()) {
    std::fprintf(stderr, "bad EK roots\n");
    return 2;
  }
  base.ek_roots = *parsed_roots;
  auto url = signet::service::ParseHttpsUrl(url_text);
  if (!url.ok()) return 2;

  // The verifying pool: jobs in, each client blocks on its own job's verdict.
  struct Job {
    std::function<bool()> verify;
    bool done = false, ok = false;
    std::condition_variable cv;
  };
  std::mutex qmu;
  std::condition_variable qcv;
  std::deque<Job*> queue;
  bool closing = false;
  std::vector<std::thread> verifiers;
  const unsigned nverifiers = std::max(1u, std::thread::hardware_concurrency());
  for (unsigned v = 0; v < nverifiers; ++v) {
    verifiers.emplace_back([&] {
      // Linux keeps a nice value per thread: only this worker drops its priority.
      setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), 19);
      std::unique_lock<std::mutex> lock(qmu);
      for (;;) {
        qcv.wait(lock, [&] { return closing || !queue.empty(); });
        if (queue.empty()) return;
        Job* job = queue.front();
        queue.pop_front();
        lock.unlock();
        const bool ok = job->verify();
        lock.lock();
        job->ok = ok;
        job->done = true;
        job->cv.notify_one();
      }
    });
  }
  auto verify_in_pool = [&](std::function<bool()> fn) {
    Job job;
    job.verify = std::move(fn);
    std::unique_lock<std::mutex> lock(qmu);
    queue.push_back(&job);
    qcv.notify_one();
    job.cv.wait(lock, [&] { return job.done; });
    return job.ok;
  };

  std::mutex mu;
  std::vector<double> latencies, round_trips;
  std::set<std::string> roots_seen;
  std::atomic<uint64_t> failures{0};
  std::atomic<bool> stop{false};
  const auto start = Clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      signet::service::ClientOptions o;
      o.ca_file = ca;
      auto client = signet::service::HttpsClient::Create(*url, o);
      if (!client.ok()) {
        ++failures;
        return;
      }
      std::vector<double> mine, mine_rt;
      std::set<std::string> my_roots;
      while (!stop.load()) {
        signet::Bytes nonce(32);
        RAND_bytes(nonce.data(), 32);
        const std::string body = "{\"nonce\":\"" + signet::HexEncode(nonce) + "\"}";
        const auto t0 = Clock::now();
        auto resp = (*client)->PostJson("/v1/attestation", body);
        const double rt_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
        bool ok = resp.ok() && resp->status == 200;
        if (ok) {
          const std::string channel_binding = (*client)->channel_binding();
          std::string root;
          ok = verify_in_pool([&] {
            auto answer = att::ParseAttestationResponse(resp->body);
            auto cb = signet::HexDecode(channel_binding);
            if (!answer.ok() || !cb.ok()) return false;
            att::TpmVerifyOptions opt = base;
            opt.nonce = nonce;
            opt.channel_binding = *cb;
            opt.batch = answer->batch;
            auto r = att::VerifyTpmEvidence(answer->evidence, opt);
            if (!r.ok() || !r->trusted) return false;
            root = signet::HexEncode(answer->evidence.batch_root);
            return true;
          });
          if (ok) my_roots.insert(root);
        }
        const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
        if (ok) {
          mine.push_back(ms);
          mine_rt.push_back(rt_ms);
        } else {
          ++failures;
        }
      }
      std::lock_guard<std::mutex> lock(mu);
      latencies.insert(latencies.end(), mine.begin(), mine.end());
      round_trips.insert(round_trips.end(), mine_rt.begin(), mine_rt.end());
      roots_seen.insert(my_roots.begin(), my_roots.end());
    });
  }
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  stop = true;
  for (auto& th : pool) th.join();
  {
    std::lock_guard<std::mutex> lock(qmu);
    closing = true;
  }
  qcv.notify_all();
  for (auto& th : verifiers) th.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::sort(latencies.begin(), latencies.end());
  std::sort(round_trips.begin(), round_trips.end());
  auto pct = [](const std::vector<double>& v, double p) {
    return v.empty() ? 0.0 : v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
  };
  std::printf("verified_per_s %.0f\np50_ms %.1f\np99_ms %.1f\nrt_p50_ms %.1f\nrt_p99_ms %.1f\nfailures %llu\nquotes_seen %zu\n",
              static_cast<double>(latencies.size()) / elapsed, pct(latencies, 0.50), pct(latencies, 0.99),
              pct(round_trips, 0.50), pct(round_trips, 0.99),
              static_cast<unsigned long long>(failures.load()), roots_seen.size());
  return failures.load() == 0 ? 0 : 1;
}
