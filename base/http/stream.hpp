// One HTTP connection, plain TCP or TLS, behind one type so the HTTP code (client and
// server) is written once. It is an Asio AsyncReadStream/AsyncWriteStream: both branches
// initiate with the same completion token, so they return the same type.
#pragma once

#include <utility>  // boost/asio/awaitable.hpp (1.74) uses std::exchange without including it

#include <memory>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

namespace sluice::http {

class Stream {
 public:
  using executor_type = boost::beast::tcp_stream::executor_type;

  explicit Stream(boost::beast::tcp_stream tcp) : plain_(std::move(tcp)) {}
  Stream(boost::beast::tcp_stream tcp, std::shared_ptr<boost::asio::ssl::context> tls)
      : context_(std::move(tls)), tls_(std::in_place, std::move(tcp), *context_) {}

  executor_type get_executor() { return tcp().get_executor(); }
  // The transport under TLS, for deadlines (expires_after) and the socket itself.
  boost::beast::tcp_stream& tcp() { return plain_ ? *plain_ : tls_->next_layer(); }
  bool is_tls() const { return tls_.has_value(); }

  template <class Buffers, class Token>
  auto async_read_some(const Buffers& buffers, Token&& token) {
    if (tls_) return tls_->async_read_some(buffers, std::forward<Token>(token));
    return plain_->async_read_some(buffers, std::forward<Token>(token));
  }
  template <class Buffers, class Token>
  auto async_write_some(const Buffers& buffers, Token&& token) {
    if (tls_) return tls_->async_write_some(buffers, std::forward<Token>(token));
    return plain_->async_write_some(buffers, std::forward<Token>(token));
  }

  // TLS handshakes (no-ops on a plain stream). The client verifies the server's
  // certificate against `verify_name` (a DNS name or an IP literal) unless the context
  // verifies nothing, and sends it as SNI when it is a DNS name.
  boost::asio::awaitable<boost::system::error_code> client_handshake(std::string verify_name);
  boost::asio::awaitable<boost::system::error_code> server_handshake();
  // The subject common name of a verified client certificate, if one was presented.
  std::optional<std::string> peer_common_name();

  // Closes the connection (a TLS close_notify first, bounded by the current deadline).
  boost::asio::awaitable<void> shutdown();

 private:
  std::shared_ptr<boost::asio::ssl::context> context_;  // outlives tls_
  std::optional<boost::beast::tcp_stream> plain_;
  std::optional<boost::beast::ssl_stream<boost::beast::tcp_stream>> tls_;
};

}  // namespace sluice::http
