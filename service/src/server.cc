// The HTTPS server (see signet/service/server.h).
//
// One Session per connection, on its own strand. Its states: handshake -> header -> body ->
// handling (on the worker pool, no deadline on the socket) -> writing -> idle (keep-alive) or
// shutdown. Deadlines are Beast tcp_stream expiries, which are points in time rather than
// per-read timeouts: the one set before the handshake covers the handshake and the whole first
// header, so a client trickling one byte at a time is cut off when header_timeout has passed.
#include "signet/service/server.h"

#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <atomic>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <condition_variable>
#include <future>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

#include "request_decode.h"
#include "signet/core/ossl.h"
#include "tls.h"

namespace signet::service {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

// ClientSans returns the DNS and URI subjectAltNames of `cert` that are printable ASCII.
std::vector<std::string> ClientSans(X509* cert) {
  std::vector<std::string> out;
  auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (names == nullptr) return out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names) && out.size() < 64; ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
    if (name->type != GEN_DNS && name->type != GEN_URI) continue;
    const ASN1_IA5STRING* value = name->type == GEN_DNS ? name->d.dNSName : name->d.uniformResourceIdentifier;
    std::string text(reinterpret_cast<const char*>(ASN1_STRING_get0_data(value)), static_cast<size_t>(ASN1_STRING_length(value)));
    bool printable = !text.empty() && text.size() <= 1024;
    for (char c : text) printable = printable && c > 0x20 && c < 0x7f;
    if (printable) out.push_back(std::move(text));
  }
  GENERAL_NAMES_free(names);
  return out;
}

class Session;

// Core is what sessions share with the server. Sessions hold it by shared_ptr, so it outlives
// the last of them even while the io_context is being torn down.
struct Core {
  std::string name;
  Limits limits;
  Router router;
  Logger* logger = nullptr;
  CounterFamily* requests = nullptr;
  HistogramFamily* duration = nullptr;
  CounterFamily* refused = nullptr;
  asio::thread_pool* workers = nullptr;

  std::mutex tls_mu;
  std::shared_ptr<asio::ssl::context> tls;

  std::atomic<bool> draining{false};
  std::mutex sessions_mu;
  std::condition_variable sessions_cv;
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions;

  std::shared_ptr<asio::ssl::context> Tls() {
    std::lock_guard<std::mutex> lock(tls_mu);
    return tls;
  }
  size_t Active() {
    std::lock_guard<std::mutex> lock(sessions_mu);
    return sessions.size();
  }
};

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

bool HeaderValueOk(std::string_view v) {
  for (char c : v) {
    if (c == '\r' || c == '\n' || c == '\0') return false;
  }
  return true;
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(std::shared_ptr<Core> core, tcp::socket socket, std::shared_ptr<asio::ssl::context> tls)
      : core_(std::move(core)), tls_(std::move(tls)), stream_(std::move(socket), *tls_) {
    beast::error_code ec;
    auto ep = beast::get_lowest_layer(stream_).socket().remote_endpoint(ec);
    if (!ec) {
      peer_ = ep.address().is_v6() ? "[" + ep.address().to_string() + "]:" + std::to_string(ep.port())
                                   : ep.address().to_string() + ":" + std::to_string(ep.port());
    }
  }

  ~Session() {
    std::lock_guard<std::mutex> lock(core_->sessions_mu);
    core_->sessions.erase(this);
    core_->sessions_cv.notify_all();
  }

  void Start() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->Handshake(); });
  }

  // Drain runs on the strand when the server stops: an idle keep-alive connection is closed at
  // once; a request in progress finishes and its response says Connection: close.
  void Drain() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      self->draining_ = true;
      if (self->state_ == State::kIdle) self->Close();
    });
  }

 private:
  enum class State { kHandshake, kIdle, kReading, kHandling, kWriting, kClosing };

  void Handshake() {
    state_ = State::kHandshake;
    // One deadline for the handshake and the whole first header.
    beast::get_lowest_layer(stream_).expires_after(core_->limits.header_timeout);
    stream_.async_handshake(asio::ssl::stream_base::server,
                            [self = shared_from_this()](beast::error_code ec) { self->OnHandshake(ec); });
  }

  void OnHandshake(beast::error_code ec) {
    if (ec) return Close();  // not TLS, wrong version, no client certificate: no HTTP answer
    channel_binding_ = internal::ChannelBindingOf(SSL_get_certificate(stream_.native_handle()));
    if (X509* cert = SSL_get0_peer_certificate(stream_.native_handle())) {
      ossl::UniquePtr<BIO> bio(BIO_new(BIO_s_mem()));
      if (bio && X509_NAME_print_ex(bio.get(), X509_get_subject_name(cert), 0, XN_FLAG_RFC2253) >= 0) {
        char* data = nullptr;
        long len = BIO_get_mem_data(bio.get(), &data);
        if (len > 0) client_subject_.assign(data, static_cast<size_t>(len));
      }
      client_sans_ = ClientSans(cert);
    }
    ReadHeader();
  }

  void WaitForNextRequest() {
    if (draining_ || core_->draining.load()) return Shutdown();
    if (buffer_.size() > 0) {
      beast::get_lowest_layer(stream_).expires_after(core_->limits.header_timeout);
      return ReadHeader();
    }
    state_ = State::kIdle;
    beast::get_lowest_layer(stream_).expires_after(core_->limits.idle_timeout);
    stream_.async_read_some(buffer_.prepare(4096), [self = shared_from_this()](beast::error_code ec, size_t n) {
      if (ec) return self->Close();
      self->buffer_.commit(n);
      // The next request has begun: its whole header now has header_timeout.
      beast::get_lowest_layer(self->stream_).expires_after(self->core_->limits.header_timeout);
      self->ReadHeader();
    });
  }

  void ReadHeader() {
    state_ = State::kReading;
    parser_.emplace();
    internal::ConfigureParser(*parser_, core_->limits);
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
  }

  // IsProtocolError tells a malformed or oversized request (answered) from a closed, reset or
  // timed-out connection (closed without an answer).
  static bool IsProtocolError(const beast::error_code& ec) {
    return ec.category() == http::make_error_code(http::error::bad_target).category() &&
           ec != http::error::end_of_stream && ec != http::error::partial_message;
  }

  void OnHeader(beast::error_code ec) {
    started_ = Clock::now();
    if (ec) {
      if (IsProtocolError(ec)) return RefuseParse(ec);
      return Close();
    }
    if (internal::BodyTooLarge(*parser_, core_->limits)) {
      return RefuseParse(http::error::body_limit);
    }
    beast::get_lowest_layer(stream_).expires_after(core_->limits.body_timeout);
    const auto& header = parser_->get();
    auto expect = header.find(http::field::expect);
    if (expect != header.end() && beast::iequals(expect->value(), "100-continue") && !parser_->is_done()) {
      continue_.emplace(http::status::continue_, header.version());
      return http::async_write(stream_, *continue_, [self = shared_from_this()](beast::error_code wec, size_t) {
        if (wec) return self->Close();
        self->ReadBody();
      });
    }
    ReadBody();
  }

  void ReadBody() {
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, size_t) { self->OnBody(ec); });
  }

  void OnBody(beast::error_code ec) {
    if (ec) {
      if (IsProtocolError(ec)) return RefuseParse(ec);
      return Close();
    }
    ParsedRequest parsed;
    internal::DecodeRequest(parser_->get(), &parsed);
    parser_.reset();
    if (parsed.status != 0) {
      Response r = ErrorResponse(parsed.status, parsed.error_code, "malformed request");
      return Respond(std::move(r), std::string(kUnmatchedRoute), parsed.request.method,
                     parsed.request.request_id.empty() ? NewRequestId() : parsed.request.request_id, false);
    }
    parsed.request.peer = peer_;
    parsed.request.client_subject = client_subject_;
    parsed.request.client_sans = client_sans_;
    parsed.request.channel_binding = channel_binding_;
    state_ = State::kHandling;
    beast::get_lowest_layer(stream_).expires_never();
    // The handler runs on the worker pool; the answer comes back to this connection's strand.
    asio::post(*core_->workers, [self = shared_from_this(), req = std::move(parsed.request),
                                 keep = parsed.keep_alive]() mutable {
      std::string route;
      Response r = self->core_->router.Dispatch(req, &route);
      asio::post(self->stream_.get_executor(), [self, r = std::move(r), route = std::move(route),
                                                method = std::move(req.method),
                                                id = std::move(req.request_id), keep]() mutable {
        self->Respond(std::move(r), std::move(route), std::move(method), std::move(id), keep);
      });
    });
  }

  void RefuseParse(beast::error_code ec) {
    std::string_view code;
    int status = internal::StatusForParseError(ec, &code);
    std::string message = status == 413   ? "request body larger than limits.max_body"
                          : status == 431 ? "request header larger than the limit"
                                          : "malformed HTTP request";
    std::string method;
    if (parser_ && parser_->is_header_done()) method = std::string(parser_->get().method_string());
    parser_.reset();
    Respond(ErrorResponse(status, code, message), std::string(kUnmatchedRoute), std::move(method),
            NewRequestId(), false);
  }

  void Respond(Response r, std::string route, std::string method, std::string request_id, bool keep) {
    if (draining_ || core_->draining.load()) keep = false;
    if (!started_.time_since_epoch().count()) started_ = Clock::now();
    res_.emplace();
    res_->version(11);
    res_->result(static_cast<unsigned>(r.status));
    res_->set(http::field::content_type, r.content_type);
    res_->set("X-Request-Id", request_id);
    res_->set(http::field::cache_control, "no-store");
    res_->set("X-Content-Type-Options", "nosniff");
    for (const auto& [name, value] : r.headers) {
      if (!name.empty() && HeaderValueOk(name) && HeaderValueOk(value)) res_->set(name, value);
    }
    res_->body() = std::move(r.body);
    res_->keep_alive(keep);
    res_->prepare_payload();

    Clock::duration elapsed = Clock::now() - started_;
    std::string code = std::to_string(r.status);
    core_->requests->Inc({route, code});
    core_->duration->Observe({route}, Seconds(elapsed));
    core_->logger->Log(Logger::Level::kInfo, "request",
                       {LogField("request_id", request_id), LogField("route", route),
                        LogField("method", method.substr(0, 16)), LogField("status", r.status),
                        LogField("latency_ms", Seconds(elapsed) * 1000.0), LogField("peer", peer_),
                        LogField("digest", r.log.digest), LogField("verdict", r.log.verdict),
                        LogField("findings", r.log.findings)});

    state_ = State::kWriting;
    beast::get_lowest_layer(stream_).expires_after(core_->limits.body_timeout);
    http::async_write(stream_, *res_, [self = shared_from_this(), keep](beast::error_code ec, size_t) {
      self->res_.reset();
      self->started_ = {};
      if (ec) return self->Close();
      if (!keep) return self->Shutdown();
      self->WaitForNextRequest();
    });
  }

  void Shutdown() {
    if (state_ == State::kClosing) return;
    state_ = State::kClosing;
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(2));
    stream_.async_shutdown([self = shared_from_this()](beast::error_code) { self->Linger(); });
  }

  // Linger half-closes and reads (and drops) what the client still sends for a moment before
  // closing: closing with unread bytes makes the kernel send a reset, which can destroy the
  // error response (413, 431) the client has not read yet.
  void Linger() {
    beast::error_code ec;
    beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) return Close();
    discard_ = std::make_unique<char[]>(kDiscardBytes);
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(1));
    DrainInput();
  }

  void DrainInput() {
    beast::get_lowest_layer(stream_).async_read_some(
        asio::buffer(discard_.get(), kDiscardBytes), [self = shared_from_this()](beast::error_code ec, size_t n) {
          self->lingered_ += n;
          if (ec || self->lingered_ > kMaxLingerBytes) return self->Close();
          self->DrainInput();
        });
  }

  void Close() {
    state_ = State::kClosing;
    beast::error_code ec;
    beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_both, ec);
    beast::get_lowest_layer(stream_).close();
  }

  std::shared_ptr<Core> core_;
  std::shared_ptr<asio::ssl::context> tls_;
  beast::ssl_stream<beast::tcp_stream> stream_;
  beast::flat_buffer buffer_;
  std::optional<internal::RequestParser> parser_;
  std::optional<http::response<http::empty_body>> continue_;
  std::optional<http::response<http::string_body>> res_;
  std::string peer_;
  std::string client_subject_;
  std::vector<std::string> client_sans_;
  std::string channel_binding_;
  static constexpr size_t kDiscardBytes = 16 * 1024;
  static constexpr size_t kMaxLingerBytes = 4 * 1024 * 1024;
  std::unique_ptr<char[]> discard_;
  size_t lingered_ = 0;
  Clock::time_point started_{};
  State state_ = State::kHandshake;
  bool draining_ = false;
};

class ServerImpl final : public Server {
 public:
  ServerImpl(std::shared_ptr<Core> core, size_t io_threads, size_t worker_threads)
      : core_(std::move(core)),
        ioc_(static_cast<int>(io_threads)),
        work_(asio::make_work_guard(ioc_)),
        workers_(worker_threads),
        acceptor_(asio::make_strand(ioc_)),
        retry_(acceptor_.get_executor()),
        io_threads_(io_threads) {
    core_->workers = &workers_;
  }

  ~ServerImpl() override { Stop(std::chrono::milliseconds(0)); }

  Status Listen(const ListenAddress& listen) {
    beast::error_code ec;
    auto address = asio::ip::make_address(listen.host, ec);
    if (ec) return InvalidArgument("listen: not an IP address");
    tcp::endpoint ep(address, listen.port);
    acceptor_.open(ep.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec && address.is_v6()) acceptor_.set_option(asio::ip::v6_only(true), ec);
    if (!ec) acceptor_.bind(ep, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return Unavailable("cannot listen on " + listen.host + ":" + std::to_string(listen.port) + ": " +
                         ec.message());
    }
    port_ = acceptor_.local_endpoint(ec).port();
    return OkStatus();
  }

  void Run() {
    Accept();
    for (size_t i = 0; i < io_threads_; ++i) {
      threads_.emplace_back([this] {
        for (;;) {
          try {
            ioc_.run();
            return;
          } catch (...) {
            // A handler must not throw; if one does (std::bad_alloc), keep serving the others.
            core_->logger->Error("io thread caught an exception; continuing");
          }
        }
      });
    }
  }

  uint16_t port() const override { return port_; }

  Status ReloadTls(const TlsConfig& tls) override {
    SIGNET_ASSIGN_OR_RETURN(std::shared_ptr<asio::ssl::context> ctx, internal::MakeTlsContext(tls));
    std::lock_guard<std::mutex> lock(core_->tls_mu);
    core_->tls = std::move(ctx);
    return OkStatus();
  }

  size_t Stop(std::chrono::milliseconds drain) override {
    std::lock_guard<std::mutex> stop_lock(stop_mu_);
    if (stopped_) return 0;
    stopped_ = true;
    core_->draining.store(true);
    // 1. Stop accepting (on the acceptor's strand, as every acceptor operation).
    {
      std::promise<void> done;
      auto fut = done.get_future();
      asio::post(acceptor_.get_executor(), [this, &done] {
        beast::error_code ec;
        acceptor_.close(ec);
        retry_.cancel();
        done.set_value();
      });
      if (!threads_.empty()) fut.wait();
    }
    // 2. Close idle connections; in-flight ones finish with Connection: close.
    {
      std::vector<std::shared_ptr<Session>> live;
      {
        std::lock_guard<std::mutex> lock(core_->sessions_mu);
        for (auto& [p, weak] : core_->sessions) {
          if (auto s = weak.lock()) live.push_back(std::move(s));
        }
      }
      for (auto& s : live) s->Drain();
    }
    // 3. Wait for them, up to the drain deadline.
    size_t cut = 0;
    {
      std::unique_lock<std::mutex> lock(core_->sessions_mu);
      core_->sessions_cv.wait_for(lock, drain, [this] { return core_->sessions.empty(); });
      cut = core_->sessions.size();
    }
    work_.reset();
    ioc_.stop();
    for (auto& t : threads_) t.join();
    threads_.clear();
    workers_.stop();
    workers_.join();
    return cut;
  }

  size_t ActiveConnections() const override { return core_->Active(); }

 private:
  void Accept() {
    acceptor_.async_accept(asio::make_strand(ioc_), [this](beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
      if (ec) {
        // EMFILE and friends: back off instead of spinning, then keep accepting.
        core_->logger->Warn("accept failed", {LogField("error", ec.message())});
        retry_.expires_after(std::chrono::milliseconds(100));
        retry_.async_wait([this](beast::error_code wec) {
          if (!wec) Accept();
        });
        return;
      }
      StartSession(std::move(socket));
      Accept();
    });
  }

  void StartSession(tcp::socket socket) {
    if (core_->draining.load()) return;  // the socket closes as it goes out of scope
    std::shared_ptr<Session> session;
    {
      std::lock_guard<std::mutex> lock(core_->sessions_mu);
      if (core_->sessions.size() >= core_->limits.max_connections) {
        core_->refused->Inc({});
        beast::error_code ec;
        socket.close(ec);
        return;
      }
      session = std::make_shared<Session>(core_, std::move(socket), core_->Tls());
      core_->sessions.emplace(session.get(), session);
    }
    session->Start();
  }

  std::shared_ptr<Core> core_;
  asio::io_context ioc_;
  // Keeps the IO threads running while a request is on the worker pool and nothing else is
  // pending (after Stop closed the acceptor, a drained request still has to be written).
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  asio::thread_pool workers_;
  tcp::acceptor acceptor_;
  asio::steady_timer retry_;
  size_t io_threads_;
  std::vector<std::thread> threads_;
  uint16_t port_ = 0;
  std::mutex stop_mu_;
  bool stopped_ = false;
};

}  // namespace

Result<std::unique_ptr<Server>> Server::Start(ServerOptions options, Router router) {
  if (options.metrics == nullptr || options.logger == nullptr) {
    return InvalidArgument("server needs a metrics registry and a logger");
  }
  if (options.name.empty()) return InvalidArgument("server needs a name");
  if (options.io_threads == 0) options.io_threads = 1;
  if (options.worker_threads == 0) options.worker_threads = 1;

  auto core = std::make_shared<Core>();
  core->name = options.name;
  core->limits = options.config.limits;
  core->logger = options.logger;
  SIGNET_ASSIGN_OR_RETURN(core->tls, internal::MakeTlsContext(options.config.tls));
  SIGNET_ASSIGN_OR_RETURN(core->requests,
                          options.metrics->AddCounter(options.name + "_requests_total",
                                                      "HTTP requests answered, by route and status code.",
                                                      {"route", "code"}));
  SIGNET_ASSIGN_OR_RETURN(core->duration,
                          options.metrics->AddHistogram(options.name + "_request_duration_seconds",
                                                        "Time from a request's header to its response.",
                                                        {"route"}));
  SIGNET_ASSIGN_OR_RETURN(core->refused,
                          options.metrics->AddCounter(options.name + "_connections_refused_total",
                                                      "Connections closed at accept: limits.max_connections reached."));

  // Built-in routes.
  SIGNET_RETURN_IF_ERROR(router.Add({"GET", "/healthz", "", [](const Request&) -> Result<Response> {
                                       return Response::Json(200, R"({"status":"ok"})");
                                     }}));
  SIGNET_RETURN_IF_ERROR(router.Add({"GET", "/readyz", "", [ready = options.ready](const Request&) -> Result<Response> {
                                       if (ready) {
                                         Status s = ready();
                                         if (!s.ok()) return ErrorResponse(503, kCodeNotReady, s.error().message());
                                       }
                                       return Response::Json(200, R"({"status":"ready"})");
                                     }}));
  MetricsRegistry* metrics = options.metrics;
  SIGNET_RETURN_IF_ERROR(router.Add({"GET", "/metrics", "", [metrics](const Request&) -> Result<Response> {
                                       Response r = Response::Text(200, metrics->Render());
                                       r.content_type = std::string(kPrometheusContentType);
                                       return r;
                                     }}));
  core->router = std::move(router);

  auto server = std::make_unique<ServerImpl>(core, options.io_threads, options.worker_threads);
  SIGNET_RETURN_IF_ERROR(server->Listen(options.config.listen));
  server->Run();
  return std::unique_ptr<Server>(std::move(server));
}

}  // namespace signet::service
