// One TCP connection carrying BGP: reads whole messages (as many as one read brings, each
// framed by its header and decoded with the session's current codec context) and hands
// each to its owner; writes queued messages in order, all that are waiting in one write.
// The owner learns how full the send queue is, to pull UPDATEs from the RIB only as fast
// as the peer takes them.
//
// Shared-owned: the read and write coroutines hold it until the socket closes, so the
// owner may drop its reference at any time (after close()).
#pragma once

#include <utility>  // boost/asio/awaitable.hpp (1.74) uses std::exchange without including it

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "base/ip/endpoint.hpp"
#include "bgpd/codec/message.hpp"

namespace sluice::bgp {

class BgpConnection : public std::enable_shared_from_this<BgpConnection> {
 public:
  struct Handlers {
    // The context to decode the next message with (it changes once the OPENs are exchanged).
    std::function<Context()> context;
    // A whole message, decoded, or the MessageError it earned.
    std::function<void(Decoded<Received>)> message;
    // The peer closed the connection or it failed (never called after close()).
    std::function<void(const std::string& why)> closed;
    // Everything queued has been written.
    std::function<void()> drained;
  };

  static std::shared_ptr<BgpConnection> make(boost::asio::ip::tcp::socket socket, Handlers handlers);
  BgpConnection(const BgpConnection&) = delete;
  BgpConnection& operator=(const BgpConnection&) = delete;

  // Starts reading and writing.
  void start();
  // Queues an encoded message.
  void send(std::vector<std::uint8_t> bytes);
  // Closes after what is queued has been written (a NOTIFICATION must reach the peer), or
  // at once with `now`. No handler is called afterwards.
  void close(bool now = false);

  std::size_t queued_bytes() const { return queued_bytes_; }
  bool open() const { return !closing_; }
  const ip::Endpoint& local() const { return local_; }
  const ip::Endpoint& remote() const { return remote_; }
  std::uint64_t messages_written() const { return messages_written_; }

 private:
  BgpConnection(boost::asio::ip::tcp::socket socket, Handlers handlers);
  boost::asio::awaitable<void> read_loop();
  boost::asio::awaitable<void> write_loop();
  void fail(const std::string& why);

  boost::asio::ip::tcp::socket socket_;
  Handlers handlers_;
  ip::Endpoint local_;
  ip::Endpoint remote_;
  // Messages waiting, back to back, and how many; the write in flight owns `writing_bytes_`.
  std::vector<std::uint8_t> queue_;
  std::size_t queued_messages_ = 0;
  std::vector<std::uint8_t> writing_bytes_;
  std::size_t queued_bytes_ = 0;  // both
  bool writing_ = false;
  bool closing_ = false;   // no more handler calls
  bool close_after_drain_ = false;
  std::uint64_t messages_written_ = 0;
};

}  // namespace sluice::bgp
