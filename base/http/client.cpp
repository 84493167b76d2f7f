#include "base/http/client.hpp"

#include <sys/socket.h>

#include <cerrno>

#include <limits>

#include <fmt/format.h>

#include "base/asio/ip_conversion.hpp"
#include "base/http/stream.hpp"
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace sluice::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

constexpr std::size_t kMaxBody = std::size_t{256} << 20;  // a list of 50k objects fits easily
constexpr std::size_t kMaxIdle = 8;
// A pooled connection idle this long is closed rather than reused: servers close idle
// connections (kube-apiserver's and ours after 15 s or more), and a request sent into a
// connection the server is closing cannot always be told apart from one it processed.
constexpr std::chrono::seconds kMaxIdleAge{10};

bool is_timeout(const beast::error_code& ec) {
  return ec == beast::error::timeout;
}

Error transport_error(const std::string& server, std::string_view step, const beast::error_code& ec) {
  int code = is_timeout(ec) ? kErrorTimeout : kErrorTransport;
  return Error{fmt::format("HTTP {} {}: {}", step, server, is_timeout(ec) ? "timed out" : ec.message()), code};
}

std::string host_port(const std::string& host, std::uint16_t port) {
  return host.find(':') != std::string::npos ? fmt::format("[{}]:{}", host, port) : fmt::format("{}:{}", host, port);
}

// A connection the server closed while it sat idle fails on first use without the
// request having been processed; such a failure is worth one retry on a new connection.
bool closed_while_idle(const beast::error_code& ec) {
  return ec == bhttp::error::end_of_stream || ec == asio::error::connection_reset || ec == asio::error::eof ||
         ec == asio::error::broken_pipe;
}

// Whether a request that reached a reused connection may be sent again when the
// connection then closes without an answer. A server that is stopping may have processed
// it before closing: resending a POST, PUT, PATCH or DELETE could apply it twice (a
// compare-and-swap would then fail as a conflict over the caller's own write), so only
// safe methods are resent; the others report the failure for the caller to judge.
bool resendable(std::string_view method) { return method == "GET" || method == "HEAD" || method == "OPTIONS"; }

// Whether an idle connection is still usable: a server that closed it (or sent anything
// unasked, such as a 408 or a TLS close_notify) has left something to read. Checked before
// reuse, so a request is not sent into a connection already known to be dead.
bool still_open(Stream& s) {
  char byte;
  const ssize_t n = ::recv(s.tcp().socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

bhttp::request<bhttp::string_body> build(const ClientRequest& r, const std::string& host) {
  bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(r.method), r.target, 11};
  req.set(bhttp::field::host, host);
  req.set(bhttp::field::user_agent, "sluice");
  req.set(bhttp::field::accept, "application/json");
  for (const auto& [name, value] : r.headers) req.set(name, value);
  if (!r.body.empty() || r.method == "POST" || r.method == "PUT" || r.method == "PATCH") {
    if (!r.content_type.empty()) req.set(bhttp::field::content_type, r.content_type);
    req.body() = r.body;
  }
  req.keep_alive(true);
  req.prepare_payload();
  return req;
}

template <class Body>
ClientResponse to_response(bhttp::response<Body>& res) {
  ClientResponse out;
  out.status = static_cast<int>(res.result_int());
  out.content_type = std::string(res[bhttp::field::content_type]);
  if (auto it = res.find(bhttp::field::retry_after); it != res.end()) {
    int seconds = 0;
    auto value = it->value();
    bool numeric = !value.empty();
    for (char c : value) {
      if (c < '0' || c > '9' || seconds > 86400) {
        numeric = false;
        break;
      }
      seconds = seconds * 10 + (c - '0');
    }
    if (numeric) out.retry_after_seconds = seconds;
  }
  return out;
}

}  // namespace

struct Client::Impl {
  Impl(asio::any_io_executor e, ClientOptions o)
      : executor(std::move(e)), options(std::move(o)), server(host_port(options.host, options.port)) {}
  asio::any_io_executor executor;
  ClientOptions options;
  std::string server;  // host:port
  std::shared_ptr<asio::ssl::context> tls;  // null: plain HTTP
  struct Idle {
    std::unique_ptr<Stream> stream;
    std::chrono::steady_clock::time_point since;
  };
  std::vector<Idle> idle;

  // A pooled connection (reused = true) or a new one, connected and through TLS.
  asio::awaitable<Result<std::pair<std::unique_ptr<Stream>, bool>>> acquire(std::chrono::milliseconds timeout) {
    while (!idle.empty()) {
      Idle pooled = std::move(idle.back());
      idle.pop_back();
      if (std::chrono::steady_clock::now() - pooled.since < kMaxIdleAge && still_open(*pooled.stream))
        co_return std::pair{std::move(pooled.stream), true};
    }
    beast::error_code ec;
    tcp::resolver resolver(executor);
    auto port = std::to_string(options.port);
    auto endpoints = co_await resolver.async_resolve(options.host, port, tcp::resolver::numeric_service,
                                                     asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return Error{fmt::format("HTTP resolve {}: {}", options.host, ec.message()), kErrorConnect};
    beast::tcp_stream tcp_stream(executor);
    tcp_stream.expires_after(timeout);
    co_await tcp_stream.async_connect(endpoints, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      Error e = transport_error(server, "connect to", ec);
      if (!is_timeout(ec)) e.code = kErrorConnect;
      co_return e;
    }
    tcp_stream.socket().set_option(tcp::no_delay(true), ec);
    auto s = tls ? std::make_unique<Stream>(std::move(tcp_stream), tls) : std::make_unique<Stream>(std::move(tcp_stream));
    const std::string& name = options.tls && !options.tls->server_name.empty() ? options.tls->server_name : options.host;
    ec = co_await s->client_handshake(name);
    if (ec) {
      std::string detail = last_openssl_error();
      // Nothing was sent: as retryable as a refused connection.
      co_return Error{fmt::format("HTTP TLS handshake with {}: {}", server, detail.empty() ? ec.message() : detail),
                      is_timeout(ec) ? kErrorTimeout : kErrorConnect};
    }
    co_return std::pair{std::move(s), false};
  }

  void release(std::unique_ptr<Stream> s) {
    if (idle.size() < kMaxIdle && s->tcp().socket().is_open())
      idle.push_back(Idle{std::move(s), std::chrono::steady_clock::now()});
  }
};

Result<std::unique_ptr<Client>> Client::create(asio::any_io_executor executor, ClientOptions options) {
  std::shared_ptr<asio::ssl::context> tls;
  if (options.tls) {
    auto made = make_client_context(*options.tls);
    if (!made) return made.error();
    tls = std::move(*made);
  }
  std::unique_ptr<Client> client(new Client());
  client->impl_ = std::make_unique<Impl>(std::move(executor), std::move(options));
  client->impl_->tls = std::move(tls);
  return client;
}

Client::Client(asio::any_io_executor executor, ip::Endpoint server)
    : impl_(std::make_unique<Impl>(std::move(executor), ClientOptions{server.address.to_string(), server.port, {}})) {}
Client::~Client() = default;

const std::string& Client::server() const {
  return impl_->server;
}

void Client::close_idle() {
  impl_->idle.clear();
}

asio::awaitable<Result<ClientResponse>> Client::request(ClientRequest request, std::chrono::milliseconds timeout) {
  auto req = build(request, impl_->server);
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto acquired = co_await impl_->acquire(timeout);
    if (!acquired) co_return acquired.error();
    auto [stream, reused] = std::move(*acquired);
    beast::flat_buffer buffer;
    beast::error_code ec;
    stream->tcp().expires_after(timeout);
    co_await bhttp::async_write(*stream, req, asio::redirect_error(asio::use_awaitable, ec));
    const bool sent = !ec;
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(kMaxBody);
    if (!ec) co_await bhttp::async_read(*stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (reused && closed_while_idle(ec) && !parser.got_some() && (!sent || resendable(request.method))) continue;
      co_return transport_error(impl_->server, fmt::format("{} {} to", request.method, request.target), ec);
    }
    auto& res = parser.get();
    ClientResponse out = to_response(res);
    out.body = std::move(res.body());
    if (res.keep_alive()) impl_->release(std::move(stream));
    co_return out;
  }
  co_return Error{fmt::format("HTTP {} {} to {}: the connection closed twice before an answer", request.method,
                              request.target, impl_->server),
                  kErrorTransport};
}

asio::awaitable<Result<ClientResponse>> Client::stream(ClientRequest request,
                                                       std::function<asio::awaitable<Status>(std::string_view)> on_data,
                                                       std::chrono::milliseconds idle_timeout) {
  auto req = build(request, impl_->server);
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto acquired = co_await impl_->acquire(idle_timeout);
    if (!acquired) co_return acquired.error();
    auto [stream, reused] = std::move(*acquired);
    beast::flat_buffer buffer;
    beast::error_code ec;
    stream->tcp().expires_after(idle_timeout);
    co_await bhttp::async_write(*stream, req, asio::redirect_error(asio::use_awaitable, ec));
    const bool sent = !ec;
    bhttp::response_parser<bhttp::buffer_body> parser;
    // A watch has no length limit. (Not boost::none: Beast 1.74 compares a Content-Length
    // against an empty limit as "exceeded".)
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    if (!ec) co_await bhttp::async_read_header(*stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (reused && closed_while_idle(ec) && !parser.got_some() && (!sent || resendable(request.method))) continue;
      co_return transport_error(impl_->server, fmt::format("{} {} to", request.method, request.target), ec);
    }
    ClientResponse out = to_response(parser.get());
    if (out.status < 200 || out.status > 299) {
      // Not a stream: read the whole (error) body.
      bhttp::response_parser<bhttp::string_body> whole(std::move(parser));
      whole.body_limit(kMaxBody);
      co_await bhttp::async_read(*stream, buffer, whole, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return transport_error(impl_->server, "reading an error body from", ec);
      out.body = std::move(whole.get().body());
      if (whole.get().keep_alive()) impl_->release(std::move(stream));
      co_return out;
    }
    char chunk[16384];
    while (!parser.is_done()) {
      parser.get().body().data = chunk;
      parser.get().body().size = sizeof(chunk);
      stream->tcp().expires_after(idle_timeout);
      // read_some: hand over what has arrived instead of waiting for a full buffer.
      co_await bhttp::async_read_some(*stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
      if (ec == bhttp::error::need_buffer) ec = {};
      if (ec) co_return transport_error(impl_->server, fmt::format("stream {} from", request.target), ec);
      std::size_t got = sizeof(chunk) - parser.get().body().size;
      if (got > 0) {
        if (auto s = co_await on_data(std::string_view(chunk, got)); !s)
          co_return s.error();  // the connection is dropped
      }
    }
    if (parser.get().keep_alive()) impl_->release(std::move(stream));
    co_return out;
  }
  co_return Error{fmt::format("HTTP stream {} from {}: the connection closed twice before an answer", request.target,
                              impl_->server),
                  kErrorTransport};
}

}  // namespace sluice::http
