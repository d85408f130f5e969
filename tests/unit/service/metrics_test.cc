#include "signet/service/metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

namespace signet::service {
namespace {

using ::testing::HasSubstr;

TEST(MetricsTest, CounterTextFormat) {
  MetricsRegistry reg;
  CounterFamily* c = *reg.AddCounter("verifierd_requests_total", "Requests.", {"route", "code"});
  CounterFamily* hits = *reg.AddCounter("verifierd_cache_hits_total", "Cache hits.");
  c->Inc({"/v1/verify", "200"});
  c->Inc({"/v1/verify", "200"}, 2);
  c->Inc({"/v1/verify", "400"});
  c->Inc({"too", "many", "labels"});  // ignored
  EXPECT_EQ(c->Value({"/v1/verify", "200"}), 3u);
  EXPECT_EQ(hits->Value({}), 0u);
  EXPECT_EQ(reg.Render(),
            "# HELP verifierd_requests_total Requests.\n"
            "# TYPE verifierd_requests_total counter\n"
            "verifierd_requests_total{route=\"/v1/verify\",code=\"200\"} 3\n"
            "verifierd_requests_total{route=\"/v1/verify\",code=\"400\"} 1\n"
            "# HELP verifierd_cache_hits_total Cache hits.\n"
            "# TYPE verifierd_cache_hits_total counter\n"
            "verifierd_cache_hits_total 0\n");
}

TEST(MetricsTest, HistogramTextFormat) {
  MetricsRegistry reg;
  HistogramFamily* h = *reg.AddHistogram("x_seconds", "Latency.", {"route"}, {0.005, 0.1, 10});
  h->Observe({"/a"}, 0.001);
  h->Observe({"/a"}, 0.05);
  h->Observe({"/a"}, 100);
  EXPECT_EQ(h->Count({"/a"}), 3u);
  EXPECT_EQ(reg.Render(),
            "# HELP x_seconds Latency.\n"
            "# TYPE x_seconds histogram\n"
            "x_seconds_bucket{route=\"/a\",le=\"0.005\"} 1\n"
            "x_seconds_bucket{route=\"/a\",le=\"0.1\"} 2\n"
            "x_seconds_bucket{route=\"/a\",le=\"10\"} 2\n"
            "x_seconds_bucket{route=\"/a\",le=\"+Inf\"} 3\n"
            "x_seconds_sum{route=\"/a\"} 100.051\n"
            "x_seconds_count{route=\"/a\"} 3\n");
}

TEST(MetricsTest, EscapesLabelValuesAndHelp) {
  MetricsRegistry reg;
  CounterFamily* c = *reg.AddCounter("esc_total", "Line one\nback\\slash \"quoted\"", {"l"});
  c->Inc({"a\"b\\c\nd"});
  std::string text = reg.Render();
  EXPECT_THAT(text, HasSubstr("# HELP esc_total Line one\\nback\\\\slash \"quoted\"\n"));
  EXPECT_THAT(text, HasSubstr("esc_total{l=\"a\\\"b\\\\c\\nd\"} 1\n"));
}

TEST(MetricsTest, RefusesBadNamesAndDuplicates) {
  MetricsRegistry reg;
  EXPECT_TRUE(reg.AddCounter("ok_total", "h").ok());
  EXPECT_FALSE(reg.AddCounter("ok_total", "h").ok());
  EXPECT_FALSE(reg.AddHistogram("ok_total", "h").ok());
  EXPECT_FALSE(reg.AddCounter("", "h").ok());
  EXPECT_FALSE(reg.AddCounter("9lives", "h").ok());
  EXPECT_FALSE(reg.AddCounter("has-dash", "h").ok());
  EXPECT_FALSE(reg.AddCounter("x", "h", {"__reserved"}).ok());
  EXPECT_FALSE(reg.AddCounter("y", "h", {"a:b"}).ok());
  EXPECT_FALSE(reg.AddHistogram("z", "h", {"le"}).ok());
  EXPECT_FALSE(reg.AddHistogram("z", "h", {}, {}).ok());
  EXPECT_FALSE(reg.AddHistogram("z", "h", {}, {1, 1}).ok());
  EXPECT_FALSE(reg.AddHistogram("z", "h", {}, {2, 1}).ok());
}

TEST(MetricsTest, ConcurrentIncrements) {
  MetricsRegistry reg;
  CounterFamily* c = *reg.AddCounter("c_total", "h", {"k"});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([c] {
      for (int i = 0; i < 1000; ++i) c->Inc({"v"});
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(c->Value({"v"}), 4000u);
}

}  // namespace
}  // namespace signet::service
