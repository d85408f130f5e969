// service::HttpsClient against the real service::Server on a loopback port: requests and
// keep-alive, the channel binding of the connection used, mTLS, and every refusal (untrusted
// server, wrong host name, no client certificate, oversize response, malformed URL).
#include "signet/service/client.h"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "signet/core/encoding.h"
#include "signet/core/hash.h"
#include "signet/service/server.h"
#include "synthetic_pki.h"

namespace signet::service {
namespace {

namespace fs = std::filesystem;
namespace pki = attestation::testpki;

std::string Pem(X509* cert) {
  ossl::UniquePtr<BIO> bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), cert);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

std::string Pem(EVP_PKEY* key) {
  ossl::UniquePtr<BIO> bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

void Write(const fs::path& path, const std::string& content) {
  std::ofstream(path, std::ios::binary) << content;
}

std::string SpkiSha256Hex(X509* cert) {
  unsigned char* der = nullptr;
  int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der);
  Bytes spki(der, der + len);
  OPENSSL_free(der);
  return HexEncode(Sha256(spki));
}

// A throwaway PKI in a temp directory: a CA, a server certificate for IP 127.0.0.1 only, a client
// certificate from the same CA, and an unrelated CA.
class Pki {
 public:
  Pki() {
    dir_ = fs::temp_directory_path() / ("signet-client-test-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    Timestamp now = std::chrono::time_point_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now());
    auto make = [&](const std::string& cn, EVP_PKEY* key, X509* issuer, EVP_PKEY* issuer_key, bool ca,
                    const std::string& san) {
      pki::CertSpec spec;
      spec.common_name = cn;
      spec.subject_key = key;
      spec.issuer = issuer;
      spec.issuer_key = issuer_key;
      spec.not_before = now - std::chrono::hours(1);
      spec.not_after = now + std::chrono::hours(24);
      spec.ca = ca;
      spec.subject_alt_name = san;
      return pki::MakeCert(spec);
    };
    ca_key_ = pki::NewP256();
    ca_ = make("test-ca", ca_key_.get(), nullptr, nullptr, true, "");
    server_key_ = pki::NewP256();
    server_ = make("server", server_key_.get(), ca_.get(), ca_key_.get(), false, "IP:127.0.0.1");
    client_key_ = pki::NewP256();
    client_ = make("pipeline-a", client_key_.get(), ca_.get(), ca_key_.get(), false, "");
    other_key_ = pki::NewP256();
    other_ca_ = make("other-ca", other_key_.get(), nullptr, nullptr, true, "");
    Write(dir_ / "ca.pem", Pem(ca_.get()));
    Write(dir_ / "server.pem", Pem(server_.get()));
    Write(dir_ / "server.key", Pem(server_key_.get()));
    Write(dir_ / "client.pem", Pem(client_.get()));
    Write(dir_ / "client.key", Pem(client_key_.get()));
    Write(dir_ / "other-ca.pem", Pem(other_ca_.get()));
  }
  ~Pki() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string Path(const char* name) const { return (dir_ / name).string(); }
  X509* server() const { return server_.get(); }

 private:
  fs::path dir_;
  ossl::UniquePtr<EVP_PKEY> ca_key_, server_key_, client_key_, other_key_;
  ossl::UniquePtr<X509> ca_, server_, client_, other_ca_;
};

class ClientTest : public ::testing::Test {
 protected:
  void StartServer(bool mtls) {
    ServerOptions options;
    options.name = "clienttest";
    options.config.listen = ListenAddress{"127.0.0.1", 0};
    options.config.tls.certificate = pki_.Path("server.pem");
    options.config.tls.key = pki_.Path("server.key");
    if (mtls) options.config.tls.client_ca = pki_.Path("ca.pem");
    options.metrics = &metrics_;
    options.logger = logger_.get();
    Router router;
    ASSERT_TRUE(router
                    .Add({"POST", "/v1/echo", std::string(kJsonContentType),
                          [this](const Request& r) -> Result<Response> {
                            ++calls_;
                            return Response::Json(200, "{\"body\":" + r.body + ",\"subject\":\"" +
                                                           r.client_subject + "\"}");
                          }})
                    .ok());
    ASSERT_TRUE(router
                    .Add({"GET", "/big", "",
                          [](const Request&) -> Result<Response> {
                            return Response::Text(200, std::string(1 << 20, 'x'));
                          }})
                    .ok());
    Result<std::unique_ptr<Server>> server = Server::Start(std::move(options), std::move(router));
    ASSERT_TRUE(server.ok()) << server.error().message();
    server_ = std::move(*server);
  }

  void TearDown() override {
    if (server_) server_->Stop(std::chrono::milliseconds(0));
  }

  HttpsUrl Url(std::string host = "127.0.0.1") const { return HttpsUrl{std::move(host), server_->port(), ""}; }

  ClientOptions Options() const {
    ClientOptions options;
    options.ca_file = pki_.Path("ca.pem");
    options.timeout = std::chrono::milliseconds(5000);
    return options;
  }

  Pki pki_;
  MetricsRegistry metrics_;
  std::unique_ptr<Logger> logger_ = Logger::ToFunction("clienttest", [](std::string_view) {});
  std::unique_ptr<Server> server_;
  std::atomic<int> calls_{0};
};

TEST_F(ClientTest, PostsJsonAndKeepsTheConnection) {
  StartServer(false);
  auto client = HttpsClient::Create(Url(), Options());
  ASSERT_TRUE(client.ok()) << client.error().message();
  EXPECT_EQ((*client)->channel_binding(), "");
  for (int i = 0; i < 3; ++i) {
    auto response = (*client)->PostJson("/v1/echo", "{\"n\":1}");
    ASSERT_TRUE(response.ok()) << response.error().message();
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->content_type, "application/json");
    EXPECT_EQ(response->body, "{\"body\":{\"n\":1},\"subject\":\"\"}");
    EXPECT_FALSE(response->Header("X-Request-Id").empty());
  }
  EXPECT_EQ(calls_.load(), 3);
  EXPECT_EQ(server_->ActiveConnections(), 1u);  // one kept-alive connection carried all three
}

TEST_F(ClientTest, ChannelBindingIsTheServedCertificatesSpki) {
  StartServer(false);
  auto client = HttpsClient::Create(Url(), Options());
  ASSERT_TRUE(client.ok());
  auto response = (*client)->PostJson("/v1/echo", "{}");
  ASSERT_TRUE(response.ok());
  EXPECT_EQ((*client)->channel_binding(), SpkiSha256Hex(pki_.server()));
}

TEST_F(ClientTest, HttpErrorsAreResultsNotErrors) {
  StartServer(false);
  auto client = HttpsClient::Create(Url(), Options());
  ASSERT_TRUE(client.ok());
  auto response = (*client)->Get("/nowhere");
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status, 404);
  auto wrong_type = (*client)->Send("POST", "/v1/echo", "text/plain", "x");
  ASSERT_TRUE(wrong_type.ok());
  EXPECT_EQ(wrong_type->status, 415);
}

TEST_F(ClientTest, RefusesAServerOutsideTheCa) {
  StartServer(false);
  ClientOptions options = Options();
  options.ca_file = pki_.Path("other-ca.pem");
  auto client = HttpsClient::Create(Url(), options);
  ASSERT_TRUE(client.ok());
  auto response = (*client)->PostJson("/v1/echo", "{}");
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(response.error().message().find("certificate"), std::string::npos) << response.error().message();
  EXPECT_EQ(calls_.load(), 0);
}

TEST_F(ClientTest, RefusesACertificateForAnotherName) {
  StartServer(false);
  auto client = HttpsClient::Create(Url("localhost"), Options());  // the certificate names 127.0.0.1 only
  ASSERT_TRUE(client.ok());
  auto response = (*client)->PostJson("/v1/echo", "{}");
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(response.error().message().find("mismatch"), std::string::npos) << response.error().message();
  EXPECT_EQ(calls_.load(), 0);
}

TEST_F(ClientTest, MutualTlsSendsTheClientCertificate) {
  StartServer(true);
  ClientOptions options = Options();
  options.client_certificate = pki_.Path("client.pem");
  options.client_key = pki_.Path("client.key");
  auto client = HttpsClient::Create(Url(), options);
  ASSERT_TRUE(client.ok()) << client.error().message();
  auto response = (*client)->PostJson("/v1/echo", "{}");
  ASSERT_TRUE(response.ok()) << response.error().message();
  EXPECT_EQ(response->status, 200);
  EXPECT_NE(response->body.find("CN=pipeline-a"), std::string::npos) << response->body;
}

TEST_F(ClientTest, MutualTlsWithoutAClientCertificateGetsNoAnswer) {
  StartServer(true);
  auto client = HttpsClient::Create(Url(), Options());
  ASSERT_TRUE(client.ok());
  auto response = (*client)->PostJson("/v1/echo", "{}");
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(calls_.load(), 0);
}

TEST_F(ClientTest, ResponseLargerThanTheLimitIsRefused) {
  StartServer(false);
  ClientOptions options = Options();
  options.max_response_body = 1024;
  auto client = HttpsClient::Create(Url(), options);
  ASSERT_TRUE(client.ok());
  auto response = (*client)->Get("/big");
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code(), ErrorCode::kResourceExhausted);
}

TEST_F(ClientTest, NothingListeningIsUnavailable) {
  StartServer(false);
  HttpsUrl url = Url();
  server_->Stop(std::chrono::milliseconds(0));
  auto client = HttpsClient::Create(url, Options());
  ASSERT_TRUE(client.ok());
  auto response = (*client)->Get("/healthz");
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code(), ErrorCode::kUnavailable);
}

TEST(ClientOptionsTest, RefusesBadOptions) {
  HttpsUrl url{"127.0.0.1", 8443, ""};
  EXPECT_FALSE(HttpsClient::Create(url, ClientOptions{}).ok());  // no CA at all
  ClientOptions missing;
  missing.ca_file = "/nonexistent/ca.pem";
  EXPECT_EQ(HttpsClient::Create(url, missing).error().code(), ErrorCode::kInvalidArgument);
  Pki pki;
  ClientOptions half;
  half.ca_file = pki.Path("ca.pem");
  half.client_certificate = pki.Path("client.pem");  // no key
  EXPECT_EQ(HttpsClient::Create(url, half).error().code(), ErrorCode::kInvalidArgument);
  ClientOptions mismatched = half;
  mismatched.client_key = pki.Path("server.key");
  EXPECT_EQ(HttpsClient::Create(url, mismatched).error().code(), ErrorCode::kInvalidArgument);
}

TEST(ClientSendTest, RefusesHeaderInjection) {
  Pki pki;
  ClientOptions options;
  options.ca_file = pki.Path("ca.pem");
  auto client = HttpsClient::Create(HttpsUrl{"127.0.0.1", 1, ""}, options);
  ASSERT_TRUE(client.ok());
  EXPECT_EQ((*client)->Send("GET", "/x\r\nHost: evil", "", "").error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ((*client)->Send("GET", "/x", "", "", {{"X-A", "b\r\nX-B: c"}}).error().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ((*client)->Send("GET", "relative", "", "").error().code(), ErrorCode::kInvalidArgument);
}

TEST(ParseHttpsUrlTest, Accepts) {
  EXPECT_EQ(*ParseHttpsUrl("https://127.0.0.1:9443"), (HttpsUrl{"127.0.0.1", 9443, ""}));
  EXPECT_EQ(*ParseHttpsUrl("HTTPS://signer.example/"), (HttpsUrl{"signer.example", 443, ""}));
  EXPECT_EQ(*ParseHttpsUrl("https://[::1]:8443/api/v2/"), (HttpsUrl{"::1", 8443, "/api/v2"}));
}

TEST(ParseHttpsUrlTest, Refuses) {
  for (const char* url : {"http://127.0.0.1:1", "https://", "https://:443", "https://user:pw@host",
                          "https://host:0", "https://host:65536", "https://host:", "https://host:12a",
                          "https://ho st", "https://host/a?b=c", "https://host/#x", "https://[::1",
                          "https://[nothex]:1", "https://host/a b", "https://ho\nst", "ftp://host"}) {
    EXPECT_FALSE(ParseHttpsUrl(url).ok()) << url;
  }
}

}  // namespace
}  // namespace signet::service
