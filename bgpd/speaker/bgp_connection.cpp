#include "bgpd/speaker/bgp_connection.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "base/asio/ip_conversion.hpp"
#include "bgpd/codec/header.hpp"

namespace sluice::bgp {

namespace asio = boost::asio;

std::shared_ptr<BgpConnection> BgpConnection::make(asio::ip::tcp::socket socket, Handlers handlers) {
  return std::shared_ptr<BgpConnection>(new BgpConnection(std::move(socket), std::move(handlers)));
}

BgpConnection::BgpConnection(asio::ip::tcp::socket socket, Handlers handlers)
    : socket_(std::move(socket)), handlers_(std::move(handlers)) {
  boost::system::error_code ec;
  if (auto l = socket_.local_endpoint(ec); !ec) local_ = from_asio(l);
  if (auto r = socket_.remote_endpoint(ec); !ec) remote_ = from_asio(r);
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);
}

void BgpConnection::start() {
  asio::co_spawn(socket_.get_executor(), [self = shared_from_this()] { return self->read_loop(); }, asio::detached);
}

void BgpConnection::send(std::vector<std::uint8_t> bytes) {
  if (closing_ || close_after_drain_) return;
  queued_bytes_ += bytes.size();
  queue_.push_back(std::move(bytes));
  if (!writing_) {
    writing_ = true;
    asio::co_spawn(socket_.get_executor(), [self = shared_from_this()] { return self->write_loop(); },
                   asio::detached);
  }
}

void BgpConnection::close(bool now) {
  if (closing_) return;
  if (!now && writing_) {
    close_after_drain_ = true;  // the write loop closes once the queue is out
    closing_ = true;
    return;
  }
  closing_ = true;
  boost::system::error_code ignored;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
}

void BgpConnection::fail(const std::string& why) {
  if (closing_) return;
  closing_ = true;
  boost::system::error_code ignored;
  socket_.close(ignored);
  if (handlers_.closed) handlers_.closed(why);
}

asio::awaitable<void> BgpConnection::read_loop() {
  std::vector<std::uint8_t> buffer(kMaxExtendedMessageLength);
  while (!closing_) {
    boost::system::error_code ec;
    co_await asio::async_read(socket_, asio::buffer(buffer.data(), kHeaderLength),
                              asio::redirect_error(asio::use_awaitable, ec));
    if (closing_) co_return;
    if (ec) {
      fail(ec == asio::error::eof ? "the peer closed the connection" : ec.message());
      co_return;
    }
    const Context context = handlers_.context();
    auto header = decode_header(std::span<const std::uint8_t>(buffer.data(), kHeaderLength), context);
    if (!header) {
      handlers_.message(header.error());
      co_return;  // a header error ends the session; the owner closes
    }
    const std::size_t length = (*header)->length;
    if (length > kHeaderLength) {
      co_await asio::async_read(socket_, asio::buffer(buffer.data() + kHeaderLength, length - kHeaderLength),
                                asio::redirect_error(asio::use_awaitable, ec));
      if (closing_) co_return;
      if (ec) {
        fail(ec == asio::error::eof ? "the peer closed the connection mid-message" : ec.message());
        co_return;
      }
    }
    auto message = decode_message(std::span<const std::uint8_t>(buffer.data(), length), context);
    handlers_.message(std::move(message));
  }
}

asio::awaitable<void> BgpConnection::write_loop() {
  while (!queue_.empty()) {
    if (closing_ && !close_after_drain_) break;
    std::vector<std::uint8_t> bytes = std::move(queue_.front());
    queue_.pop_front();
    boost::system::error_code ec;
    co_await asio::async_write(socket_, asio::buffer(bytes), asio::redirect_error(asio::use_awaitable, ec));
    queued_bytes_ -= bytes.size();
    if (ec) {
      writing_ = false;
      close_after_drain_ = false;
      fail(ec.message());
      co_return;
    }
    ++messages_written_;
    if (queue_.empty() && !closing_ && handlers_.drained) handlers_.drained();
  }
  writing_ = false;
  if (close_after_drain_) {
    close_after_drain_ = false;
    boost::system::error_code ignored;
    socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }
}

}  // namespace sluice::bgp
