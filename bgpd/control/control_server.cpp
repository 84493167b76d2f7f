#include "bgpd/control/control_server.hpp"

#include <sys/stat.h>

#include <filesystem>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "base/log/log.hpp"

namespace sluice::bgp {

namespace asio = boost::asio;
using local = asio::local::stream_protocol;

namespace {
constexpr std::size_t kMaxRequest = 64 * 1024;
}

struct ControlServer::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::io_context& io, Handler h) : acceptor(io), handler(std::move(h)) {}
  local::acceptor acceptor;
  Handler handler;
  bool stopped = false;

  asio::awaitable<void> serve(local::socket socket) {
    auto self = shared_from_this();
    asio::streambuf in(kMaxRequest);
    while (!stopped) {
      boost::system::error_code ec;
      const std::size_t n = co_await asio::async_read_until(socket, in, '\n', asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;  // closed, or a request over the limit
      std::string line(asio::buffers_begin(in.data()), asio::buffers_begin(in.data()) + static_cast<std::ptrdiff_t>(n));
      in.consume(n);
      if (!line.empty() && line.back() == '\n') line.pop_back();
      std::string answer = handler(line) + "\n";
      co_await asio::async_write(socket, asio::buffer(answer), asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
    }
  }

  asio::awaitable<void> accept_loop() {
    auto self = shared_from_this();
    while (!stopped) {
      boost::system::error_code ec;
      local::socket socket = co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        if (stopped || ec == asio::error::operation_aborted) co_return;
        continue;
      }
      asio::co_spawn(acceptor.get_executor(), serve(std::move(socket)), asio::detached);
    }
  }
};

Result<std::unique_ptr<ControlServer>> ControlServer::start(asio::io_context& io, std::string path, Handler handler) {
  std::error_code exists_ec;
  if (std::filesystem::exists(path, exists_ec)) {
    // A socket someone still answers on belongs to a running speaker.
    asio::io_context probe_io;
    local::socket probe(probe_io);
    boost::system::error_code ec;
    probe.connect(local::endpoint(path), ec);
    if (!ec) return Error{"control socket " + path + " is in use by another process"};
    if (!std::filesystem::is_socket(path, exists_ec))
      return Error{"control socket " + path + " exists and is not a socket"};
    std::filesystem::remove(path, exists_ec);
  }
  auto impl = std::make_shared<Impl>(io, std::move(handler));
  boost::system::error_code ec;
  impl->acceptor.open(local(), ec);
  if (!ec) impl->acceptor.bind(local::endpoint(path), ec);
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Error{"control socket " + path + ": " + ec.message()};
  ::chmod(path.c_str(), 0660);  // root and the bgpd group; not the world
  asio::co_spawn(io, impl->accept_loop(), asio::detached);
  return std::unique_ptr<ControlServer>(new ControlServer(std::move(impl), std::move(path)));
}

void ControlServer::stop() {
  if (impl_->stopped) return;
  impl_->stopped = true;
  boost::system::error_code ignored;
  impl_->acceptor.close(ignored);
  std::error_code removed;
  std::filesystem::remove(path_, removed);
}

ControlServer::~ControlServer() { stop(); }

Result<std::string> control_request(const std::string& path, std::string_view request,
                                    std::chrono::milliseconds timeout) {
  asio::io_context io;
  local::socket socket(io);
  boost::system::error_code ec;
  socket.connect(local::endpoint(path), ec);
  if (ec) return Error{"cannot reach bgpd at " + path + ": " + ec.message() + " (is bgpd running?)"};
  std::string line(request);
  line.push_back('\n');
  std::string answer;
  asio::streambuf in(16 * 1024 * 1024);
  bool done = false;
  asio::async_write(socket, asio::buffer(line), [&](boost::system::error_code e, std::size_t) {
    if (e) {
      ec = e;
      done = true;
      return;
    }
    asio::async_read_until(socket, in, '\n', [&](boost::system::error_code e2, std::size_t n) {
      ec = e2;
      if (!e2) answer.assign(asio::buffers_begin(in.data()), asio::buffers_begin(in.data()) + static_cast<std::ptrdiff_t>(n));
      done = true;
    });
  });
  io.run_for(timeout);
  if (!done) return Error{"bgpd at " + path + " did not answer within " + std::to_string(timeout.count()) + " ms"};
  if (ec) return Error{"talking to bgpd at " + path + ": " + ec.message()};
  if (!answer.empty() && answer.back() == '\n') answer.pop_back();
  return answer;
}

}  // namespace sluice::bgp
