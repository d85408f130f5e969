// The HTTPS client (see client.h). Blocking calls built from Beast's asynchronous operations on a
// private io_context, so that every step has a deadline (beast::tcp_stream::expires_after) without
// threads or signals.
#include "signet/service/client.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <charconv>
#include <exception>
#include <optional>

#include "signet/core/encoding.h"
#include "signet/core/file.h"
#include "signet/core/hash.h"
#include "signet/core/ossl.h"
#include "tls.h"
#include "util.h"

namespace signet::service {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using Stream = beast::ssl_stream<beast::tcp_stream>;

constexpr size_t kMaxPemBytes = 1024 * 1024;
constexpr size_t kMaxResponseHeader = 64 * 1024;
constexpr size_t kMaxUrlBytes = 2048;

int NoPassword(char*, int, int, void*) { return -1; }

Error TlsFileError(std::string what) {
  std::string queue = ossl::DrainErrors();
  if (!queue.empty()) what += " (" + queue + ")";
  return InvalidArgument(std::move(what));
}

bool IsHostChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
}

bool IsPathChar(char c) {
  // RFC 3986 pchar and '/', without '%'-decoding: unreserved, sub-delims, ':' '@' '/' '%'.
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("-._~!$&'()*+,;=:@/%").find(c) != std::string_view::npos;
}

// MediaType lower-cases a Content-Type and drops its parameters.
std::string MediaType(std::string_view value) {
  std::string_view type = value.substr(0, value.find(';'));
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);
  while (!type.empty() && (type.front() == ' ' || type.front() == '\t')) type.remove_prefix(1);
  return internal::AsciiLower(type);
}

bool HasCrLf(std::string_view s) { return s.find_first_of("\r\n") != std::string_view::npos; }

class HttpsClientImpl final : public HttpsClient {
 public:
  HttpsClientImpl(HttpsUrl url, ClientOptions options, std::unique_ptr<asio::ssl::context> ctx)
      : url_(std::move(url)), options_(std::move(options)), ctx_(std::move(ctx)) {}

  ~HttpsClientImpl() override { Close(); }

  Result<ClientResponse> Send(std::string_view method, std::string_view path, std::string_view content_type,
                              std::string_view body,
                              const std::vector<std::pair<std::string, std::string>>& headers) override {
    if (method.empty() || HasCrLf(method) || method.find(' ') != std::string_view::npos) {
      return InvalidArgument("HTTP method is malformed");
    }
    if (path.empty() || path.front() != '/' || HasCrLf(path) || path.find(' ') != std::string_view::npos) {
      return InvalidArgument("request path must start with '/' and hold no space or line break");
    }
    if (HasCrLf(content_type)) return InvalidArgument("content type holds a line break");
    for (const auto& [name, value] : headers) {
      if (name.empty() || HasCrLf(name) || HasCrLf(value) || name.find(':') != std::string::npos) {
        return InvalidArgument("request header is malformed");
      }
    }
    http::request<http::string_body> request{http::string_to_verb(method), url_.base_path + std::string(path),
                                             11};
    if (request.method() == http::verb::unknown) request.method_string(method);
    request.set(http::field::host, HostHeader());
    request.set(http::field::user_agent, options_.user_agent);
    request.set(http::field::accept, "application/json, */*");
    for (const auto& [name, value] : headers) request.set(name, value);
    const bool has_body = !body.empty() || method == "POST" || method == "PUT";
    if (has_body) {
      if (!content_type.empty()) request.set(http::field::content_type, content_type);
      request.body() = std::string(body);
      request.prepare_payload();
    }
    request.keep_alive(true);

    const bool idempotent = method == "GET" || method == "HEAD";
    const bool reused = stream_ != nullptr;
    Result<ClientResponse> response = RoundTrip(request);
    if (!response.ok() && reused && idempotent && retryable_) {
      // The kept-alive connection was closed by the server before it answered: reconnect once.
      Close();
      response = RoundTrip(request);
    }
    return response;
  }

  std::string channel_binding() const override { return last_binding_; }

  void Close() override {
    if (stream_ == nullptr) return;
    beast::error_code ec;
    // A bounded close_notify; the server may already be gone.
    beast::get_lowest_layer(*stream_).expires_after(std::chrono::milliseconds(500));
    stream_->async_shutdown([&](beast::error_code e) { ec = e; });
    RunIo();
    beast::get_lowest_layer(*stream_).socket().close(ec);
    stream_.reset();
    connection_binding_.clear();
  }

 private:
  std::string HostHeader() const {
    std::string host = url_.host.find(':') != std::string::npos ? "[" + url_.host + "]" : url_.host;
    if (url_.port != 443) host += ":" + std::to_string(url_.port);
    return host;
  }

  // RunIo runs the io_context until the started operation completes (its deadline bounds it).
  void RunIo() {
    ioc_.restart();
    ioc_.run();
  }

  Status Connect() {
    retryable_ = false;
    beast::error_code ec;
    tcp::resolver resolver(ioc_);
    tcp::resolver::results_type endpoints;
    resolver.async_resolve(url_.host, std::to_string(url_.port),
                           [&](beast::error_code e, tcp::resolver::results_type r) {
                             ec = e;
                             endpoints = std::move(r);
                           });
    RunIo();
    if (ec) return Unavailable("cannot resolve the server's host name: " + ec.message());

    auto stream = std::make_unique<Stream>(ioc_, *ctx_);
    beast::get_lowest_layer(*stream).expires_after(options_.timeout);
    beast::get_lowest_layer(*stream).async_connect(
        endpoints, [&](beast::error_code e, const tcp::endpoint&) { ec = e; });
    RunIo();
    if (ec) return Unavailable("cannot connect to the server: " + ec.message());

    SSL* ssl = stream->native_handle();
    boost::system::error_code address_ec;
    asio::ip::make_address(url_.host, address_ec);
    const bool is_ip = !address_ec;
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    if (is_ip) {
      if (X509_VERIFY_PARAM_set1_ip_asc(param, url_.host.c_str()) != 1) {
        return Internal("cannot set the expected server address: " + ossl::DrainErrors());
      }
    } else {
      if (SSL_set_tlsext_host_name(ssl, url_.host.c_str()) != 1 ||
          X509_VERIFY_PARAM_set1_host(param, url_.host.c_str(), url_.host.size()) != 1) {
        return Internal("cannot set the expected server name: " + ossl::DrainErrors());
      }
    }
    beast::get_lowest_layer(*stream).expires_after(options_.timeout);
    stream->async_handshake(asio::ssl::stream_base::client, [&](beast::error_code e) { ec = e; });
    RunIo();
    if (ec) {
      long verify = SSL_get_verify_result(ssl);
      std::string why = verify != X509_V_OK ? X509_verify_cert_error_string(verify) : ec.message();
      ERR_clear_error();
      beast::get_lowest_layer(*stream).socket().close(ec);
      return Unavailable("TLS handshake with the server failed: " + why);
    }
    // The channel binding of this connection: SHA-256 of the presented leaf's SPKI.
    X509* peer = SSL_get0_peer_certificate(ssl);
    if (peer == nullptr) return Unavailable("the server presented no certificate");
    connection_binding_ = internal::ChannelBindingOf(peer);  // the value the server computes
    if (connection_binding_.empty()) return Internal("cannot encode the server's public key");
    stream_ = std::move(stream);
    return OkStatus();
  }

  Result<ClientResponse> RoundTrip(http::request<http::string_body>& request) {
    if (stream_ == nullptr) {
      Status connected = Connect();
      if (!connected.ok()) return std::move(connected).error();
    }
    beast::error_code ec;
    beast::get_lowest_layer(*stream_).expires_after(options_.timeout);
    http::async_write(*stream_, request, [&](beast::error_code e, size_t) { ec = e; });
    RunIo();
    if (ec) {
      retryable_ = true;  // nothing of the response was read
      DropConnection();
      return Unavailable("cannot send the request: " + ec.message());
    }
    http::response_parser<http::string_body> parser;
    // A response to HEAD has a Content-Length but no body (RFC 9110 §9.3.2).
    if (request.method() == http::verb::head) parser.skip(true);
    parser.header_limit(kMaxResponseHeader);
    parser.body_limit(options_.max_response_body);
    beast::get_lowest_layer(*stream_).expires_after(options_.timeout);
    http::async_read(*stream_, buffer_, parser, [&](beast::error_code e, size_t) { ec = e; });
    RunIo();
    if (ec) {
      retryable_ = !parser.got_some() && (ec == http::error::end_of_stream || ec == asio::error::eof ||
                                          ec == asio::error::connection_reset || ec == asio::ssl::error::stream_truncated);
      DropConnection();
      if (ec == http::error::body_limit || ec == http::error::header_limit) {
        return ResourceExhausted("the server's response is larger than allowed");
      }
      if (ec == beast::error::timeout) return Unavailable("timed out waiting for the server's response");
      return Unavailable("cannot read the server's response: " + ec.message());
    }
    http::response<http::string_body> message = parser.release();
    ClientResponse out;
    out.status = static_cast<int>(message.result_int());
    for (const auto& field : message) {
      out.headers.emplace_back(internal::AsciiLower(field.name_string()), std::string(field.value()));
    }
    out.content_type = MediaType(message[http::field::content_type]);
    out.body = std::move(message.body());
    last_binding_ = connection_binding_;
    if (!message.keep_alive()) Close();
    return out;
  }

  // DropConnection forgets a broken connection without a close_notify.
  void DropConnection() {
    if (stream_ == nullptr) return;
    beast::error_code ignored;
    beast::get_lowest_layer(*stream_).socket().close(ignored);
    stream_.reset();
    buffer_.clear();
    connection_binding_.clear();
  }

  HttpsUrl url_;
  ClientOptions options_;
  std::unique_ptr<asio::ssl::context> ctx_;
  asio::io_context ioc_;
  std::unique_ptr<Stream> stream_;
  beast::flat_buffer buffer_;
  std::string connection_binding_;  // of the open connection
  std::string last_binding_;        // of the connection that carried the last response
  bool retryable_ = false;
};

Status LoadClientCertificate(SSL_CTX* ctx, const ClientOptions& options) {
  if (options.client_certificate.empty() != options.client_key.empty()) {
    return InvalidArgument("a client certificate and its key must be given together");
  }
  if (options.client_certificate.empty()) return OkStatus();
  Result<std::string> cert_pem = ReadFile(options.client_certificate, kMaxPemBytes);
  if (!cert_pem.ok()) return InvalidArgument("client certificate: " + cert_pem.error().message());
  Result<std::vector<ossl::UniquePtr<X509>>> certs = ossl::ParseCertificatesPem(*cert_pem);
  if (!certs.ok()) return TlsFileError("client certificate " + options.client_certificate + ": no PEM certificate");
  if (SSL_CTX_use_certificate(ctx, (*certs)[0].get()) != 1) {
    return TlsFileError("client certificate " + options.client_certificate + ": refused");
  }
  for (size_t i = 1; i < certs->size(); ++i) {
    if (SSL_CTX_add1_chain_cert(ctx, (*certs)[i].get()) != 1) {
      return TlsFileError("client certificate " + options.client_certificate + ": chain certificate refused");
    }
  }
  Result<std::string> key_pem = ReadFile(options.client_key, kMaxPemBytes);
  if (!key_pem.ok()) return InvalidArgument("client key: " + key_pem.error().message());
  ossl::UniquePtr<BIO> bio(BIO_new_mem_buf(key_pem->data(), static_cast<int>(key_pem->size())));
  ossl::UniquePtr<EVP_PKEY> key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassword, nullptr) : nullptr);
  OPENSSL_cleanse(key_pem->data(), key_pem->size());
  if (!key) return TlsFileError("client key " + options.client_key + ": no unencrypted PEM private key");
  if (SSL_CTX_use_PrivateKey(ctx, key.get()) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
    return TlsFileError("client key " + options.client_key + ": does not match the client certificate");
  }
  return OkStatus();
}

}  // namespace

std::string ClientResponse::Header(std::string_view name) const {
  std::string wanted = internal::AsciiLower(name);
  for (const auto& [key, value] : headers) {
    if (key == wanted) return value;
  }
  return "";
}

Result<HttpsUrl> ParseHttpsUrl(std::string_view url) {
  if (url.size() > kMaxUrlBytes) return InvalidArgument("URL is too long");
  constexpr std::string_view kScheme = "https://";
  if (url.size() < kScheme.size() || internal::AsciiLower(url.substr(0, kScheme.size())) != kScheme) {
    return InvalidArgument("URL must start with https://");
  }
  std::string_view rest = url.substr(kScheme.size());
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  if (authority.find('@') != std::string_view::npos) return InvalidArgument("URL must not carry user information");
  HttpsUrl out;
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return InvalidArgument("URL has an unterminated IPv6 address");
    std::string_view v6 = authority.substr(1, close - 1);
    boost::system::error_code ec;
    asio::ip::make_address_v6(std::string(v6), ec);
    if (ec) return InvalidArgument("URL has a malformed IPv6 address");
    out.host = std::string(v6);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return InvalidArgument("URL has a malformed port");
      port_text = after.substr(1);
      if (port_text.empty()) return InvalidArgument("URL has a malformed port");
    }
  } else {
    size_t colon = authority.find(':');
    std::string_view host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) return InvalidArgument("URL has a malformed port");
    }
    if (host.empty() || host.size() > 253) return InvalidArgument("URL has no valid host");
    for (char c : host) {
      if (!IsHostChar(c)) return InvalidArgument("URL host holds a character that is not allowed");
    }
    out.host = std::string(host);
  }
  if (!port_text.empty()) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || value == 0 || value > 65535) {
      return InvalidArgument("URL has a malformed port");
    }
    out.port = static_cast<uint16_t>(value);
  }
  for (char c : path) {
    if (c == '?' || c == '#') return InvalidArgument("URL must not carry a query or fragment");
    if (!IsPathChar(c)) return InvalidArgument("URL path holds a character that is not allowed");
  }
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  out.base_path = std::string(path);
  return out;
}

Result<std::unique_ptr<HttpsClient>> HttpsClient::Create(HttpsUrl url, ClientOptions options) {
  if (url.host.empty() || url.port == 0) return InvalidArgument("client URL has no host or port");
  if (options.ca_file.empty() && !options.use_system_store) {
    return InvalidArgument("a CA file is required to verify the server");
  }
  if (options.timeout.count() <= 0) return InvalidArgument("client timeout must be positive");
  ERR_clear_error();
  std::unique_ptr<asio::ssl::context> ctx;
  try {
    ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
  } catch (const std::exception&) {
    return Internal("cannot create a TLS client context: " + ossl::DrainErrors());
  }
  SSL_CTX* native = ctx->native_handle();
  if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1 ||
      SSL_CTX_set_max_proto_version(native, TLS1_3_VERSION) != 1) {
    return Internal("cannot restrict TLS versions: " + ossl::DrainErrors());
  }
  SSL_CTX_set_options(native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  if (SSL_CTX_set_cipher_list(native, "ECDHE+AESGCM:ECDHE+CHACHA20") != 1) {
    return Internal("cannot set TLS 1.2 cipher suites: " + ossl::DrainErrors());
  }
  SSL_CTX_set_default_passwd_cb(native, NoPassword);
  if (!options.ca_file.empty()) {
    Result<std::string> ca_pem = ReadFile(options.ca_file, kMaxPemBytes);
    if (!ca_pem.ok()) return InvalidArgument("CA file: " + ca_pem.error().message());
    Result<std::vector<ossl::UniquePtr<X509>>> cas = ossl::ParseCertificatesPem(*ca_pem);
    if (!cas.ok()) return TlsFileError("CA file " + options.ca_file + ": no PEM certificate");
    X509_STORE* store = SSL_CTX_get_cert_store(native);
    for (const auto& ca : *cas) {
      if (X509_STORE_add_cert(store, ca.get()) != 1) {
        return TlsFileError("CA file " + options.ca_file + ": certificate refused");
      }
    }
  }
  if (options.use_system_store && SSL_CTX_set_default_verify_paths(native) != 1) {
    return TlsFileError("cannot load the system CA store");
  }
  SSL_CTX_set_verify(native, SSL_VERIFY_PEER, nullptr);
  SSL_CTX_set_verify_depth(native, 8);
  SIGNET_RETURN_IF_ERROR(LoadClientCertificate(native, options));
  ERR_clear_error();
  return std::unique_ptr<HttpsClient>(new HttpsClientImpl(std::move(url), std::move(options), std::move(ctx)));
}

}  // namespace signet::service
