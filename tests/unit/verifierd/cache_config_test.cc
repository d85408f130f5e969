// The verdict cache (key, expiry, singleflight, deterministic failures) and the config keys.
#include <atomic>
#include <future>
#include <thread>

#include "signet/core/yaml.h"
#include "signet/verifierd/cache.h"
#include "signet/verifierd/config.h"
#include "verifierd_fixture.h"

namespace signet::verifierd::testing {
namespace {

using IntCache = VerdictCache<int>;

Timestamp T(const std::string& s) { return *ParseRfc3339(s); }

CachedValue<int> Value(int v, bool deterministic, Timestamp expires) {
  return CachedValue<int>{std::make_shared<const int>(v), deterministic, expires};
}

TEST(VerdictCache, HitsExpiryAndDeterminism) {
  IntCache c(10, std::chrono::hours(1));
  int calls = 0;
  auto compute = [&] {
    ++calls;
    return Value(calls, true, T("2026-11-25T10:30:00Z"));
  };
  bool hit = true;
  EXPECT_EQ(*c.Get("k", T("2026-11-25T10:00:00Z"), true, compute, &hit), 1);
  EXPECT_FALSE(hit);
  EXPECT_EQ(*c.Get("k", T("2026-11-25T10:29:00Z"), true, compute, &hit), 1);
  EXPECT_TRUE(hit);
  EXPECT_EQ(c.hits(), 1u);
  // Past the verdict's own expiry: recomputed.
  EXPECT_EQ(*c.Get("k", T("2026-11-25T10:31:00Z"), true, compute, &hit), 2);
  EXPECT_FALSE(hit);
  // Another key is another entry.
  EXPECT_EQ(*c.Get("k2", T("2026-11-25T10:00:00Z"), true, compute), 3);
  // Never past the ttl, even when the verdict could live longer.
  IntCache short_ttl(10, std::chrono::minutes(1));
  auto forever = [&] { return Value(7, true, Timestamp::max()); };
  short_ttl.Get("k", T("2026-11-25T10:00:00Z"), true, forever);
  short_ttl.Get("k", T("2026-11-25T10:00:59Z"), true, forever, &hit);
  EXPECT_TRUE(hit);
  short_ttl.Get("k", T("2026-11-25T10:01:01Z"), true, forever, &hit);
  EXPECT_FALSE(hit);
  // Non-deterministic results (internal errors, timeouts) are never stored.
  IntCache d(10, std::chrono::hours(1));
  int n = 0;
  auto flaky = [&] { return Value(++n, false, Timestamp::max()); };
  d.Get("k", T(kAt), true, flaky);
  d.Get("k", T(kAt), true, flaky, &hit);
  EXPECT_FALSE(hit);
  EXPECT_EQ(n, 2);
  EXPECT_EQ(d.size(), 0u);
  // store=false (dryRun) leaves no entry.
  d.Get("dry", T(kAt), false, forever);
  EXPECT_EQ(d.size(), 0u);
  // max_entries 0 disables storing.
  IntCache off(0, std::chrono::hours(1));
  off.Get("k", T(kAt), true, forever);
  EXPECT_EQ(off.size(), 0u);
  // A full cache evicts instead of growing.
  IntCache small(2, std::chrono::hours(1));
  for (int i = 0; i < 5; ++i) small.Get("k" + std::to_string(i), T(kAt), true, forever);
  EXPECT_LE(small.size(), 2u);
}

TEST(VerdictCache, SingleflightRunsOneComputation) {
  IntCache c(10, std::chrono::hours(1));
  std::atomic<int> calls{0};
  std::promise<void> entered, release;
  std::shared_future<void> released = release.get_future().share();
  auto compute = [&] {
    ++calls;
    entered.set_value();
    released.wait();
    return Value(42, true, Timestamp::max());
  };
  std::thread leader([&] { EXPECT_EQ(*c.Get("k", T(kAt), true, compute), 42); });
  entered.get_future().wait();
  constexpr int kWaiters = 8;
  std::vector<std::thread> waiters;
  std::atomic<int> got{0};
  for (int i = 0; i < kWaiters; ++i) {
    waiters.emplace_back([&] {
      if (*c.Get("k", T(kAt), true, compute) == 42) ++got;
    });
  }
  // Synchronise on the cache's own count of waiters (no sleeping, no timing).
  while (c.Waiters("k") < static_cast<size_t>(kWaiters)) std::this_thread::yield();
  release.set_value();
  leader.join();
  for (auto& t : waiters) t.join();
  EXPECT_EQ(calls.load(), 1);
  EXPECT_EQ(got.load(), kWaiters);
}

TEST_F(VerifierdTest, CacheKeyAndExpiryFromMaxAge) {
  // A live clock: the verdict depends on the provenance's finish time and max_age 24h.
  auto s = State(Policy("max_age: 24h\n"), false);
  VerifyCache cache(100, std::chrono::hours(48));
  auto req = Req(Image(), {{"p", Prov(), ""}});  // finished 2026-11-25T09:00:00Z
  auto r = Verify(*s, req, &cache, "2026-11-25T10:00:00Z");
  ASSERT_TRUE(r.allowed()) << Show(r);
  Verify(*s, req, &cache, "2026-11-26T08:59:00Z");
  EXPECT_EQ(cache.hits(), 1u);
  // Past finish time + max_age the cached allow is gone and the gate now denies.
  r = Verify(*s, req, &cache, "2026-11-26T09:01:00Z");
  EXPECT_EQ(cache.hits(), 1u);
  EXPECT_FALSE(r.allowed());
  // Other evidence is another key.
  Verify(*s, Req(Image(), {{"p2", Prov(), ""}}), &cache, "2026-11-25T10:00:00Z");
  EXPECT_EQ(cache.hits(), 1u);
  // A denial is deterministic: cached.
  auto deny = Req(Image(), {{"p", Prov(kOther), ""}});
  Verify(*s, deny, &cache, "2026-11-25T10:00:00Z");
  Verify(*s, deny, &cache, "2026-11-25T10:00:01Z");
  EXPECT_EQ(cache.hits(), 2u);
}

TEST_F(VerifierdTest, CacheExpiresWithTheException) {
  const std::string ex = "exceptions:\n  - finding: VULN_SEVERITY\n    subject: sha256:" + std::string(kDigest) +
                         "\n    match: CVE-2026-1234\n    owner: sec@example.com\n    expires: 2026-11-25T12:00:00Z\n";
  auto s = State(Policy(Requirements(ex)), false);
  VerifyCache cache(100, std::chrono::hours(48));
  auto req = Req(Image(), {{"p", Prov(), ""}, {"sbom", Sbom(), ""}, {"scan", Scan("HIGH"), ""}});
  ASSERT_TRUE(Verify(*s, req, &cache, "2026-11-25T10:00:00Z").allowed());
  Verify(*s, req, &cache, "2026-11-25T11:59:00Z");
  EXPECT_EQ(cache.hits(), 1u);
  EXPECT_FALSE(Verify(*s, req, &cache, "2026-11-25T12:00:01Z").allowed());
  EXPECT_EQ(cache.hits(), 1u);
}

Result<VerifierdConfig> ParseConfig(const std::string& yaml) {
  auto root = ParseYaml(yaml);
  if (!root.ok()) return root.error();
  return ParseVerifierdConfig(*root, "/etc/verifierd");
}

TEST(VerifierdConfig, TheIssueExampleAndStrictness) {
  auto c = ParseConfig(R"(listen: 127.0.0.1:8443
tls: {certificate: server.pem, key: server.key}
policies: {default: policy.yaml}
evidence: {directories: [evidence/]}
admission: {default_mode: enforce, namespaces: {sandbox: audit}, deadline: 8s}
limits: {max_body: 4MiB, header_timeout: 5s, idle_timeout: 60s, max_connections: 1024}
evaluation_time: 2026-11-24T12:00:00Z
)");
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  EXPECT_EQ(c->policies.at("default"), "/etc/verifierd/policy.yaml");
  EXPECT_EQ(c->evidence_directories, std::vector<std::string>{"/etc/verifierd/evidence/"});
  EXPECT_EQ(c->admission.ModeFor("sandbox"), AdmissionMode::kAudit);
  EXPECT_EQ(c->admission.ModeFor("prod"), AdmissionMode::kEnforce);
  EXPECT_EQ(c->admission.deadline, std::chrono::seconds(8));
  EXPECT_EQ(FormatRfc3339(*c->evaluation_time), "2026-11-24T12:00:00Z");
  EXPECT_EQ(c->cache.max_entries, 10000u);
  c = ParseConfig("policies: {default: /abs/p.yaml}\ncache: {max_entries: 0, ttl: 30s}\n");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->policies.at("default"), "/abs/p.yaml");
  EXPECT_EQ(c->cache.max_entries, 0u);
  EXPECT_EQ(c->cache.ttl, std::chrono::seconds(30));
  for (const std::string bad : {"policies: {default: p.yaml}\nextra: 1\n", "policies: {}\n", "evidence: {directories: [e]}\n",
                                "policies: {default: p.yaml}\nevidence: {dirs: [e]}\n",
                                "policies: {default: p.yaml}\nadmission: {default_mode: warn}\n",
                                "policies: {default: p.yaml}\nadmission: {deadline: 8}\n",
                                "policies: {default: p.yaml}\nadmission: {deadline: 0s}\n",
                                "policies: {other: p.yaml}\nadmission: {deadline: 8s}\n",
                                "policies: {default: p.yaml}\nevaluation_time: yesterday\n",
                                "policies: {default: p.yaml}\nevaluation_time: 9999-01-01T00:00:00Z\n",
                                "policies: {default: p.yaml}\ncache: {max_entries: -1}\n",
                                "policies: {default: p.yaml}\ncache: {size: 1}\n", "policies: {Bad Name: p.yaml}\n"}) {
    EXPECT_FALSE(ParseConfig(bad).ok()) << bad;
  }
  auto e = ParseConfig("policies: {default: p.yaml}\nsecret_thing: hunter2\n");
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.error().message().find("secret_thing"), std::string::npos);
  EXPECT_EQ(e.error().message().find("hunter2"), std::string::npos);
}

}  // namespace
}  // namespace signet::verifierd::testing
