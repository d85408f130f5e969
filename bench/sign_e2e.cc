// bench/sign_e2e: provenance-gated signings per second (gate: DSSE verify of keyed provenance +
// policy checks; three signatures on SoftHSM2 ECDSA P-256, each re-verified on the host; one
// fsynced, group-committed audit entry), with 1 and 2 workers. Outputs are kept in memory
// (DecideSignAndLog), so file writing is not measured.
//
// In the same run it measures the raw costs the issue names: one DSSE verify (OpenSSL
// EVP_DigestVerify over the PAE) and one C_Sign (raw PKCS#11 loop, one session per thread).
// "Allowed rate" = 1 / (t_verify + t_sign) per worker count, from those raw rates. Target: the
// pipeline reaches >= 60% of it. Because a decision really makes 3 signatures and 4 verifies, it
// also reports the floor for that work (1 DSSE verify + 3 x (C_Sign + verify)).
//
// Issue 15 (bench/signerd_load runs this): the floor of one signing is 1 DSSE verify + 3 C_Sign +
// 3 host verifies + the group-committed fdatasync share (one fdatasync per kDepth entries), and
// "in-process" is signer::SigningService (Prepare + decide + sign, entries group-committed,
// outputs kept in memory as signerd returns them) at 1 and 2 workers; target >= 80 % of the
// floor. The last lines, "signerd_floor workers=W floor=F inproc=I ratio=R", are for the script.
//
// Usage: sign_e2e [--seconds S] [--repeats N]   (defaults 1 s, median of 3)
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cstdio>
#include <semaphore>
#include <fcntl.h>
#include <unistd.h>
#include <fstream>

#include "bench_crypto.h"
#include "bench_util.h"
#include "signet/attestation/dsse.h"
#include "signet/core/encoding.h"
#include "signet/core/hash.h"
#include "signet/core/ossl.h"
#include "signet/hsm/key_store.h"
#include "signet/hsm/module.h"
#include "signet/signer/audit_log.h"
#include "signet/policy/policy.h"
#include "signet/signer/signing.h"
#include "signet/signer/signing_service.h"

namespace {

using namespace signet;  // NOLINT: benchmark driver

constexpr char kImage[] = "registry.example.internal/acme/api";
constexpr char kDigest[] = "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03";

std::string Statement() {
  return std::string("{\"_type\":\"https://in-toto.io/Statement/v1\",\"subject\":[{\"name\":\"") + kImage +
         "\",\"digest\":{\"sha256\":\"" + kDigest +
         "\"}}],\"predicateType\":\"https://slsa.dev/provenance/v1\",\"predicate\":{\"buildDefinition\":{"
         "\"buildType\":\"https://build.example.internal/buildtypes/container/v1\",\"externalParameters\":{"
         "\"source\":\"git+https://git.example.internal/acme/api@refs/tags/v1.2.3\"}},\"runDetails\":{\"builder\":{"
         "\"id\":\"https://build.example.internal/builder/v1\"}}}}";
}


}  // namespace

int main(int argc, char** argv) {
  double seconds = 1.0;
  int repeats = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--seconds") seconds = std::atof(argv[i + 1]);
    else if (flag == "--repeats") repeats = std::max(1, std::atoi(argv[i + 1]));
  }
  const std::string module_path = bench::FindSoftHsm();
  if (module_path.empty()) {
    std::fprintf(stderr, "sign_e2e: libsofthsm2.so not found (run scripts/setup)\n");
    return 2;
  }
  bench::TempToken token("signet-bench");
  if (!token.ok) return 3;
  hsm::KeyStoreOptions options;
  options.module_path = module_path;
  options.pool.max_sessions = 4;
  auto store = hsm::OpenKeyStore("pkcs11:token=signet-bench?pin-source=" + token.dir + "/user.pin", options);
  if (!store.ok()) {
    std::fprintf(stderr, "sign_e2e: %s\n", store.error().ToString().c_str());
    return 3;
  }
  auto key = (*store)->GenerateKey({"bench-release", SignatureAlgorithm::kEcdsaP256Sha256});
  if (!key.ok()) return 3;

  // The builder: a P-256 key signing DSSE provenance, and the policy approving it.
  ossl::UniquePtr<EVP_PKEY> builder(EVP_EC_gen("P-256"));
  {
    ossl::UniquePtr<BIO> bio(BIO_new_file((token.dir + "/builder.pub").c_str(), "w"));
    PEM_write_bio_PUBKEY(bio.get(), builder.get());
  }
  const std::string statement = Statement();
  const Bytes pae = attestation::Pae("application/vnd.in-toto+json", AsBytes(statement));
  const Bytes builder_sig = bench::SignSha256Der(builder.get(), pae);
  const std::string envelope = "{\"payloadType\":\"application/vnd.in-toto+json\",\"payload\":\"" +
                               Base64Encode(AsBytes(statement)) + "\",\"signatures\":[{\"keyid\":\"\",\"sig\":\"" +
                               Base64Encode(builder_sig) + "\"}]}";
  std::ofstream(token.dir + "/policy.yaml")
      << "version: 1\nbuilders:\n  - name: onprem\n    keys: [builder.pub]\n    threshold: 1\n"
      << "    builder_ids: [\"https://build.example.internal/builder/v1\"]\n"
      << "    build_types: [\"https://build.example.internal/buildtypes/container/v1\"]\n"
      << "sources:\n  - repo: https://git.example.internal/acme/api\n    refs: [\"refs/tags/v*\"]\n";
  auto policy = policy::LoadPolicy(token.dir + "/policy.yaml");
  if (!policy.ok()) {
    std::fprintf(stderr, "sign_e2e: %s\n", policy.error().ToString().c_str());
    return 3;
  }
  auto gate = policy::Gate::Create(std::move(*policy), std::nullopt);
  if (!gate.ok()) return 3;
  auto log = signer::AuditLog::Open(token.dir + "/audit.log");
  if (!log.ok()) return 3;
  const SystemClock clock;  // signing happens now
  signer::SignRequest req;
  req.image = *policy::ParseImageRef(std::string(kImage) + "@sha256:" + kDigest);
  req.provenance = {{"provenance.dsse.json", envelope}};
  req.policy_uri = "policy.yaml";
  req.verifier_id = "https://signet.dev/bench";
  {
    auto probe = signer::DecideSignAndLog(*gate, **key, **log, clock, req);
    if (!probe.ok() || !probe->decision.allowed) {
      std::fprintf(stderr, "sign_e2e: the benchmark request is not allowed: %s\n",
                   probe.ok() ? signet::WriteJson(probe->decision.ToJson()).c_str() : probe.error().ToString().c_str());
      return 3;
    }
  }

  auto module = hsm::Module::Load(module_path);
  if (!module.ok()) return 3;
  auto raw_sign = bench::RawSignWorker((*module)->fn(), token.Pin(), "bench-release");
  EVP_PKEY* bpk = builder.get();
  auto raw_verify = [bpk, &pae, &builder_sig]() {
    return [bpk, &pae, &builder_sig]() {
      ossl::UniquePtr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
      return EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, bpk) == 1 &&
             EVP_DigestVerify(ctx.get(), builder_sig.data(), builder_sig.size(), pae.data(), pae.size()) == 1;
    };
  };
  // The durability floor: append one entry-sized line and fdatasync, as the audit log does.
  const std::string sync_path = token.dir + "/sync.bin";
  auto raw_fsync = [&sync_path]() {
    int fd = ::open(sync_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    auto line = std::make_shared<std::string>(400, 'x');
    return [fd, line]() {
      return fd >= 0 && ::write(fd, line->data(), line->size()) == static_cast<ssize_t>(line->size()) &&
             ::fdatasync(fd) == 0;
    };
  };
  fw::SigningKey* k = key->get();
  signer::AuditLog* lg = log->get();
  const policy::Gate* g = &*gate;
  auto pipeline = [k, lg, g, &req, &clock]() {
    return [k, lg, g, &req, &clock]() {
      auto out = signer::DecideSignAndLog(*g, *k, *lg, clock, req);
      return out.ok() && out->decision.allowed;
    };
  };
  // Pipelined: each worker keeps up to kDepth decisions in flight and releases each one from the
  // audit log's durability callback (never earlier), as a daemon serving many requests would.
  // The rate counts released signings.
  static constexpr std::ptrdiff_t kDepth = 32;
  // The in-process SigningService request signerd runs per call (the VSA wiring and checks of
  // Prepare, then the decision and signatures).
  signer::SigningServiceOptions service_options;
  service_options.verifier_id = "https://signet.dev/bench";
  const signer::SigningService service(*gate, std::move(service_options));
  signer::ServiceSignRequest service_req;
  service_req.image = *signer::ParseRequestedImage(req.image.ToString());
  service_req.provenance = req.provenance;
  service_req.out_dir = token.dir + "/out";
  service_req.policy_uri = req.policy_uri;
  auto pipelined = [k, lg, g, &req, &clock, &service, &service_req](int threads, double secs,
                                                                    bool use_service = false) -> double {
    std::atomic<uint64_t> released{0};
    std::atomic<bool> stop{false}, failed{false};
    std::vector<std::thread> pool;
    std::vector<std::unique_ptr<std::counting_semaphore<kDepth>>> slots;
    for (int t = 0; t < threads; ++t) slots.push_back(std::make_unique<std::counting_semaphore<kDepth>>(kDepth));
    const auto start = std::chrono::steady_clock::now();
    for (int t = 0; t < threads; ++t) {
      pool.emplace_back([&, t] {
        auto& sem = *slots[static_cast<size_t>(t)];
        while (!stop.load(std::memory_order_relaxed)) {
          signer::AuditRecord record;
          Result<signer::SignOutcome> out = Internal("");
          if (use_service) {
            auto prepared = service.Prepare(service_req);
            if (!prepared.ok()) {
              failed = true;
              break;
            }
            out = signer::DecideAndSign(service.gate(), *k, clock, prepared->request(), &record);
          } else {
            out = signer::DecideAndSign(*g, *k, clock, req, &record);
          }
          if (!out.ok() || !out->decision.allowed) {
            failed = true;
            break;
          }
          sem.acquire();
          lg->AppendAsync(std::move(record), [&released, &failed, &sem, kept = std::move(out->outputs)](
                                                 Result<signer::AuditEntry> e) {
            if (e.ok()) {
              released.fetch_add(1);  // here the outputs in `kept` may be released
            } else {
              failed = true;
            }
            sem.release();
          });
        }
        for (std::ptrdiff_t i = 0; i < kDepth; ++i) sem.acquire();  // drain this worker's in-flight entries
      });
    }
    std::this_thread::sleep_for(std::chrono::duration<double>(secs));
    const uint64_t at_stop = released.load();
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    stop = true;
    for (auto& th : pool) th.join();
    return failed ? -1 : static_cast<double>(at_stop) / elapsed;
  };

  std::printf("sign_e2e: gate + 3 signatures (SoftHSM2 P-256) + fsynced audit entry; %.1f s per run, median of %d\n",
              seconds, repeats);
  std::printf("%-8s %14s %14s %16s %14s %8s %16s %8s %18s %12s\n", "workers", "DSSE verify/s", "C_Sign/s",
              "allowed (1v+1s)/s", "pipelined/s", "ratio", "synchronous/s", "ratio", "floor (1v+3s+3v)/s",
              "fdatasync/s");
  bool met = true;
  std::string summary;
  for (int threads : {1, 2}) {
    std::vector<double> v, s, p, q, f, sv;
    for (int r = 0; r < repeats; ++r) {  // interleaved so that drift hits all alike
      v.push_back(bench::Run(threads, seconds, raw_verify));
      s.push_back(bench::Run(threads, seconds, raw_sign));
      q.push_back(pipelined(threads, seconds));
      p.push_back(bench::Run(threads, seconds, pipeline));
      f.push_back(bench::Run(1, seconds, raw_fsync));
      sv.push_back(pipelined(threads, seconds, true));
    }
    const double rv = bench::Median(v), rs = bench::Median(s), rp = bench::Median(p), rq = bench::Median(q),
                 rf = bench::Median(f), rsv = bench::Median(sv);
    if (rv <= 0 || rs <= 0 || rp <= 0 || rq <= 0 || rf <= 0 || rsv <= 0) {
      std::fprintf(stderr, "sign_e2e: an operation failed during the run\n");
      return 3;
    }
    const double allowed = 1.0 / (1.0 / rv + 1.0 / rs);
    const double floor = 1.0 / (4.0 / rv + 3.0 / rs);
    met = met && rq / allowed >= 0.6;
    std::printf("%-8d %14.0f %14.0f %16.0f %14.0f %8.3f %16.0f %8.3f %18.0f %12.0f\n", threads, rv, rs, allowed, rq,
                rq / allowed, rp, rp / allowed, floor, rf);
    // Issue 15: per worker, 1 DSSE verify + 3 x (C_Sign + host verify) + 1/kDepth fdatasync.
    const double floor15 = 1.0 / (4.0 / rv + 3.0 / rs + 1.0 / (rf * static_cast<double>(kDepth)));
    char line[256];
    std::snprintf(line, sizeof line, "signerd_floor workers=%d floor=%.0f inproc=%.0f ratio=%.3f\n", threads, floor15,
                  rsv, rsv / floor15);
    summary += line;
  }
  std::printf("target (pipelined >= 60%% of the 1 verify + 1 sign rate): %s\n", met ? "met" : "NOT met");
  std::printf("issue 15: in-process SigningService vs the floor (1 DSSE verify + 3 C_Sign + 3 host verifies + "
              "1/%d fdatasync), target ratio >= 0.80\n%s",
              static_cast<int>(kDepth), summary.c_str());
  return 0;
}
