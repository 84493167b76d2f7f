#include "base/http/stream.hpp"

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace sluice::http {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;

asio::awaitable<boost::system::error_code> Stream::client_handshake(std::string verify_name) {
  boost::system::error_code ec;
  if (!tls_) co_return ec;
  boost::system::error_code not_ip;
  asio::ip::make_address(verify_name, not_ip);
  // SNI carries DNS names only (RFC 6066 §3).
  if (not_ip && !SSL_set_tlsext_host_name(tls_->native_handle(), verify_name.c_str()))
    co_return boost::system::error_code(static_cast<int>(::ERR_get_error()), asio::error::get_ssl_category());
  if (SSL_CTX_get_verify_mode(context_->native_handle()) != SSL_VERIFY_NONE)
    tls_->set_verify_callback(ssl::host_name_verification(verify_name));
  co_await tls_->async_handshake(ssl::stream_base::client, asio::redirect_error(asio::use_awaitable, ec));
  co_return ec;
}

asio::awaitable<boost::system::error_code> Stream::server_handshake() {
  boost::system::error_code ec;
  if (!tls_) co_return ec;
  co_await tls_->async_handshake(ssl::stream_base::server, asio::redirect_error(asio::use_awaitable, ec));
  co_return ec;
}

std::optional<std::string> Stream::peer_common_name() {
  if (!tls_) return std::nullopt;
  X509* cert = SSL_get1_peer_certificate(tls_->native_handle());
  if (cert == nullptr) return std::nullopt;
  std::optional<std::string> name;
  if (SSL_get_verify_result(tls_->native_handle()) == X509_V_OK) {
    char cn[256];
    int n = X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof(cn));
    if (n > 0) name.emplace(cn, static_cast<std::size_t>(n));
  }
  X509_free(cert);
  return name;
}

asio::awaitable<void> Stream::shutdown() {
  boost::system::error_code ec;
  if (tls_) co_await tls_->async_shutdown(asio::redirect_error(asio::use_awaitable, ec));
  tcp().socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  tcp().close();
}

}  // namespace sluice::http
