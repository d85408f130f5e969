#include "signet/service/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace signet::service {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

Result<ServerConfig> Parse(std::string_view yaml, const std::string& dir = "/etc/signet") {
  Result<YamlNode> root = ParseYaml(yaml);
  if (!root.ok()) return std::move(root).error();
  return ParseServerSection(*root, dir);
}

constexpr std::string_view kTls = "tls: {certificate: server.pem, key: server.key}\n";

TEST(ParseSizeTest, Units) {
  EXPECT_EQ(*ParseSize("4MiB"), 4u * 1024 * 1024);
  EXPECT_EQ(*ParseSize("512KiB"), 512u * 1024);
  EXPECT_EQ(*ParseSize("100B"), 100u);
  EXPECT_EQ(*ParseSize("0B"), 0u);
}

TEST(ParseSizeTest, RefusesOtherForms) {
  for (const char* bad : {"", "4", "MiB", "4 MiB", "4mib", "4MB", "4GiB", "-1B", "+1B", "1.5MiB", "0x10B",
                          "99999999999999999999B", "18014398509481984MiB"}) {
    Result<size_t> r = ParseSize(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok() && std::string_view(bad).size() > 4) {
      EXPECT_THAT(r.error().message(), Not(HasSubstr(bad))) << "the message quotes the value";
    }
  }
}

TEST(ParseDurationTest, Units) {
  EXPECT_EQ(ParseDuration("250ms")->count(), 250);
  EXPECT_EQ(ParseDuration("5s")->count(), 5000);
  EXPECT_EQ(ParseDuration("2m")->count(), 120000);
  EXPECT_EQ(ParseDuration("1440m")->count(), 86400000);
}

TEST(ParseDurationTest, RefusesOtherForms) {
  for (const char* bad : {"", "5", "s", "5 s", "5S", "1h", "1.5s", "-1s", "1441m", "99999999999999999999ms"}) {
    EXPECT_FALSE(ParseDuration(bad).ok()) << bad;
  }
}

TEST(ParseListenTest, Literals) {
  Result<ListenAddress> v4 = ParseListen("127.0.0.1:8443");
  ASSERT_TRUE(v4.ok());
  EXPECT_EQ(v4->host, "127.0.0.1");
  EXPECT_EQ(v4->port, 8443);
  Result<ListenAddress> v6 = ParseListen("[::1]:0");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 0);
  for (const char* bad : {"", "8443", ":8443", "localhost:8443", "::1:8443", "[::1]", "[::1]:", "127.0.0.1:",
                          "127.0.0.1:65536", "127.0.0.1:-1", "127.0.0.1:08443x", "[127.0.0.1]:1", "1.2.3:4"}) {
    EXPECT_FALSE(ParseListen(bad).ok()) << bad;
  }
}

TEST(ParseServerSectionTest, DefaultsAndPaths) {
  Result<ServerConfig> c = Parse(std::string("listen: 127.0.0.1:0\n") + std::string(kTls));
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  EXPECT_EQ(c->tls.certificate, "/etc/signet/server.pem");
  EXPECT_EQ(c->tls.key, "/etc/signet/server.key");
  EXPECT_EQ(c->tls.client_ca, "");
  Limits defaults;
  EXPECT_EQ(c->limits.max_body, 4u * 1024 * 1024);
  EXPECT_EQ(c->limits.header_timeout, std::chrono::seconds(5));
  EXPECT_EQ(c->limits.idle_timeout, std::chrono::seconds(60));
  EXPECT_EQ(c->limits.max_connections, 1024u);
  EXPECT_EQ(c->limits.max_header, defaults.max_header);
}

TEST(ParseServerSectionTest, AllKeys) {
  Result<ServerConfig> c = Parse(
      "listen: '[::]:8443'\n"
      "tls: {certificate: /abs/c.pem, key: k.pem, client_ca: ca.pem}\n"
      "limits: {max_body: 1MiB, max_header: 8KiB, header_timeout: 250ms, idle_timeout: 2m,\n"
      "         body_timeout: 10s, drain_timeout: 3s, max_connections: 7}\n"
      "policies: {default: p.yaml}\n");  // the daemon's key: not ours to judge
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  EXPECT_EQ(c->listen.host, "::");
  EXPECT_EQ(c->tls.certificate, "/abs/c.pem");
  EXPECT_EQ(c->tls.client_ca, "/etc/signet/ca.pem");
  EXPECT_EQ(c->limits.max_body, 1024u * 1024);
  EXPECT_EQ(c->limits.max_header, 8192u);
  EXPECT_EQ(c->limits.header_timeout.count(), 250);
  EXPECT_EQ(c->limits.idle_timeout.count(), 120000);
  EXPECT_EQ(c->limits.body_timeout.count(), 10000);
  EXPECT_EQ(c->limits.drain_timeout.count(), 3000);
  EXPECT_EQ(c->limits.max_connections, 7u);
  EXPECT_TRUE(IsServerKey("listen"));
  EXPECT_TRUE(IsServerKey("tls"));
  EXPECT_TRUE(IsServerKey("limits"));
  EXPECT_FALSE(IsServerKey("policies"));
}

struct BadCase {
  const char* yaml;
  const char* says;
};

TEST(ParseServerSectionTest, RefusesWithKeyPathNeverValue) {
  const std::string tls(kTls);
  const BadCase cases[] = {
      {"tls: {certificate: a, key: b}\n", "listen"},
      {"listen: 127.0.0.1:0\n", "tls"},
      {"listen: SECRETVALUE\ntls: {certificate: a, key: b}\n", "listen"},
      {"listen: [127.0.0.1]\ntls: {certificate: a, key: b}\n", "listen"},
      {"listen: [::1]\ntls: {certificate: a, key: b}\n", "quote an IPv6 address"},
      {"listen: 127.0.0.1:0\ntls: {certificate: a}\n", "tls.key"},
      {"listen: 127.0.0.1:0\ntls: {key: a}\n", "tls.certificate"},
      {"listen: 127.0.0.1:0\ntls: {certificate: a, key: b, pin: SECRETVALUE}\n", "tls.pin"},
      {"listen: 127.0.0.1:0\ntls: SECRETVALUE\n", "tls"},
      {"listen: 127.0.0.1:0\ntls: {certificate: '', key: b}\n", "tls.certificate"},
      {"listen: 127.0.0.1:0\ntls: {certificate: a, key: b}\nlimits: {max_body: SECRETVALUE}\n", "limits.max_body"},
      {"listen: 127.0.0.1:0\ntls: {certificate: a, key: b}\nlimits: {max_body: 0B}\n", "limits.max_body"},
      {"listen: 127.0.0.1:0\ntls: {certificate: a, key: b}\nlimits: {max_body: 2048MiB}\n", "limits.max_body"},
      {"listen: 127.0.0.1:0\ntls: {certificate: a, key: b}\nlimits: {max_header: 10B}\n", "limits.max_header"},
      {"listen: 127.0.0.1:0\ntls: {certificate: a, key: b}\nlimits: {header_timeout: 5SECRETVALUE}\n", "limits.header_timeout"},
      {"listen: 127.0.0.1:0\ntls: {certificate: a, key: b}\nlimits: {idle_timeout: 0s}\n", "limits.idle_timeout"},
      {"listen: 127.0.0.1:0\ntls: {certificate: a, key: b}\nlimits: {idle_timeout: [1s]}\n", "limits.idle_timeout"},
      {"listen: 127.0.0.1:0\ntls: {certificate: a, key: b}\nlimits: {max_connections: 0}\n", "limits.max_connections"},
      {"listen: 127.0.0.1:0\ntls: {certificate: a, key: b}\nlimits: {max_connections: SECRETVALUE}\n", "limits.max_connections"},
      {"listen: 127.0.0.1:0\ntls: {certificate: a, key: b}\nlimits: {max_connection: 5}\n", "unknown key 'limits.max_connection'"},
      {"listen: 127.0.0.1:0\ntls: {certificate: a, key: b}\nlimits: SECRETVALUE\n", "limits"},
      {"- listen\n", "mapping"},
  };
  for (const auto& c : cases) {
    Result<ServerConfig> r = Parse(c.yaml);
    ASSERT_FALSE(r.ok()) << c.yaml;
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_THAT(r.error().message(), HasSubstr(c.says)) << c.yaml;
    EXPECT_THAT(r.error().message(), Not(HasSubstr("SECRETVALUE"))) << c.yaml;
  }
}

}  // namespace
}  // namespace signet::service
