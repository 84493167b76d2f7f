#include "bgpd/speaker/bgp_connection.hpp"

#include <cstring>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
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
  queue_.insert(queue_.end(), bytes.begin(), bytes.end());
  ++queued_messages_;
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
  // Room for a whole message of the largest size after any partial one: a read then brings
  // up to that much, and every whole message in it is handed over before the next read, so
  // the owner's work (and the RIB's processing) happens once per read, not per message.
  std::vector<std::uint8_t> buffer(2 * kMaxExtendedMessageLength + kHeaderLength);
  std::size_t start = 0, end = 0;  // [start, end) is read and not yet handed over
  while (!closing_) {
    while (true) {
      const Context context = handlers_.context();
      const std::span<const std::uint8_t> have(buffer.data() + start, end - start);
      auto header = decode_header(have, context);
      if (!header) {
        handlers_.message(header.error());
        co_return;  // a header error ends the session; the owner closes
      }
      if (!*header || (*header)->length > have.size()) break;
      const std::size_t length = (*header)->length;
      auto message = decode_message(have.first(length), context);
      start += length;
      handlers_.message(std::move(message));
      if (closing_) co_return;
    }
    if (start > 0) {
      std::memmove(buffer.data(), buffer.data() + start, end - start);
      end -= start;
      start = 0;
    }
    boost::system::error_code ec;
    const std::size_t n = co_await socket_.async_read_some(asio::buffer(buffer.data() + end, buffer.size() - end),
                                                           asio::redirect_error(asio::use_awaitable, ec));
    if (closing_) co_return;
    if (ec) {
      fail(ec != asio::error::eof ? ec.message()
           : end > 0              ? "the peer closed the connection mid-message"
                                  : "the peer closed the connection");
      co_return;
    }
    end += n;
    // Whatever else became ready meanwhile (an accept, a timer, the other connection of a
    // collision) runs before these messages, as it did when every message took two reads.
    co_await asio::post(socket_.get_executor(), asio::use_awaitable);
    if (closing_) co_return;
  }
}

asio::awaitable<void> BgpConnection::write_loop() {
  while (!queue_.empty()) {
    if (closing_ && !close_after_drain_) break;
    // Everything queued goes in one write; messages queued meanwhile go in the next.
    writing_bytes_.clear();
    writing_bytes_.swap(queue_);
    const std::size_t messages = std::exchange(queued_messages_, 0);
    boost::system::error_code ec;
    co_await asio::async_write(socket_, asio::buffer(writing_bytes_), asio::redirect_error(asio::use_awaitable, ec));
    queued_bytes_ -= writing_bytes_.size();
    if (ec) {
      writing_ = false;
      close_after_drain_ = false;
      fail(ec.message());
      co_return;
    }
    messages_written_ += messages;
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
