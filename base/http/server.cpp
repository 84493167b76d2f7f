#include "base/http/server.hpp"

#include <chrono>
#include <optional>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>

#include "base/asio/ip_conversion.hpp"
#include "base/log/log.hpp"

namespace sluice::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

constexpr std::size_t kHeaderLimit = std::size_t{8} * 1024;
constexpr std::size_t kBodyLimit = std::size_t{16} * 1024;
constexpr auto kAcceptRetry = std::chrono::milliseconds(100);
constexpr auto kAcceptRetryMax = std::chrono::seconds(2);
constexpr auto kIdleTimeout = std::chrono::seconds(15);

class Session;

}  // namespace

struct Server::Impl {
  Impl(asio::io_context& io, Handler h) : acceptor(io), retry_timer(io), handler(std::move(h)) {}
  tcp::acceptor acceptor;
  asio::steady_timer retry_timer;  // backs off while accept fails (e.g. out of file descriptors)
  std::chrono::milliseconds retry_delay = kAcceptRetry;
  Handler handler;
  std::vector<std::weak_ptr<Session>> sessions;
  bool stopped = false;

  void accept(const std::shared_ptr<Impl>& self);
};

namespace {

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::shared_ptr<Server::Impl> server) : stream_(std::move(socket)), server_(std::move(server)) {}

  void read() {
    parser_.emplace();
    parser_->header_limit(kHeaderLimit);
    parser_->body_limit(kBodyLimit);
    stream_.expires_after(kIdleTimeout);
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

 private:
  void on_read(beast::error_code ec) {
    if (server_->stopped) {  // the owner may be tearing down what the handler uses
      close();
      return;
    }
    if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::operation_aborted) {
      close();
      return;
    }
    if (ec) {
      // A malformed or oversized request: answer once, then hang up.
      int status = ec == bhttp::error::body_limit ? 413 : ec == bhttp::error::header_limit ? 431 : 400;
      respond(Response{status, "text/plain; charset=utf-8", fmt::format("bad request: {}\n", ec.message()), {}}, 11,
              false, false);
      return;
    }
    const auto& request = parser_->get();
    Request r{std::string(request.method_string()), std::string(request.target())};
    Response response = server_->handler(r);
    respond(std::move(response), request.version(), request.keep_alive(), request.method() == bhttp::verb::head);
  }

  void respond(Response r, unsigned version, bool keep_alive, bool head) {
    response_ = {};
    response_.version(version);
    response_.result(static_cast<unsigned>(r.status));
    response_.set(bhttp::field::server, "sluice");
    response_.set(bhttp::field::content_type, r.content_type);
    for (auto& [name, value] : r.headers) response_.set(name, value);
    response_.keep_alive(keep_alive);
    if (head) {
      response_.content_length(r.body.size());  // what GET would send, without the body
    } else {
      response_.body() = std::move(r.body);
      response_.prepare_payload();
    }
    bhttp::async_write(stream_, response_, [self = shared_from_this(), keep_alive](beast::error_code ec, std::size_t) {
      if (ec || !keep_alive) {
        self->close();
      } else {
        self->read();
      }
    });
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bhttp::response<bhttp::string_body> response_;
  std::shared_ptr<Server::Impl> server_;
};

}  // namespace

void Server::Impl::accept(const std::shared_ptr<Impl>& self) {
  acceptor.async_accept([self](beast::error_code ec, tcp::socket socket) {
    if (self->stopped) return;
    if (ec) {
      // Retry later rather than spin while the cause (EMFILE, ENFILE, ...) persists.
      log::warn("http accept failed", {log::kv("error", ec.message()),
                                       log::kv("retry_ms", self->retry_delay.count())});
      self->retry_timer.expires_after(self->retry_delay);
      self->retry_delay = std::min<std::chrono::milliseconds>(self->retry_delay * 2, kAcceptRetryMax);
      self->retry_timer.async_wait([self](beast::error_code timer_ec) {
        if (!timer_ec && !self->stopped) self->accept(self);
      });
      return;
    }
    self->retry_delay = kAcceptRetry;
    auto session = std::make_shared<Session>(std::move(socket), self);
    std::erase_if(self->sessions, [](const auto& w) { return w.expired(); });
    self->sessions.push_back(session);
    session->read();
    self->accept(self);
  });
}

Result<std::unique_ptr<Server>> Server::start(asio::io_context& io, const ip::Endpoint& listen, Handler handler) {
  auto impl = std::make_shared<Impl>(io, std::move(handler));
  tcp::endpoint endpoint = to_asio(listen);
  beast::error_code ec;
  auto fail = [&](std::string_view step) {
    return Error{fmt::format("cannot {} HTTP listener on {}: {}", step, listen.to_string(), ec.message())};
  };
  if (impl->acceptor.open(endpoint.protocol(), ec); ec) return fail("open");
  if (impl->acceptor.set_option(asio::socket_base::reuse_address(true), ec); ec) return fail("configure");
  if (impl->acceptor.bind(endpoint, ec); ec) return fail("bind");
  if (impl->acceptor.listen(asio::socket_base::max_listen_connections, ec); ec) return fail("listen on");
  impl->accept(impl);
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Server::~Server() { stop(); }

ip::Endpoint Server::local_endpoint() const {
  beast::error_code ec;
  auto ep = impl_->acceptor.local_endpoint(ec);
  if (ec) return {};
  return from_asio(ep);
}

void Server::stop() {
  if (impl_->stopped) return;
  impl_->stopped = true;
  beast::error_code ignored;
  impl_->acceptor.close(ignored);
  impl_->retry_timer.cancel();
  for (auto& weak : impl_->sessions) {
    if (auto s = weak.lock()) s->close();
  }
  impl_->sessions.clear();
}

}  // namespace sluice::http
