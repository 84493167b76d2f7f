#include "base/http/tls.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <fmt/format.h>

namespace sluice::http {
namespace {

namespace ssl = boost::asio::ssl;

// Asio's PEM loaders throw; these wrap them so a bad file is an error value naming what
// was being loaded and why OpenSSL refused it.
template <class Load>
Status load(std::string_view what, Load&& load_fn) {
  ERR_clear_error();
  boost::system::error_code ec;
  load_fn(ec);
  if (!ec) return {};
  std::string detail = last_openssl_error();
  return Error{fmt::format("{}: {}", what, detail.empty() ? ec.message() : detail)};
}

Status load_ca(ssl::context& ctx, const std::string& pem, std::string_view what) {
  if (pem.find("-----BEGIN CERTIFICATE-----") == std::string::npos)
    return Error{fmt::format("{}: no PEM certificate in it", what)};
  return load(what, [&](boost::system::error_code& ec) { ctx.add_certificate_authority(boost::asio::buffer(pem), ec); });
}

Status load_identity(ssl::context& ctx, const std::string& cert, const std::string& key, std::string_view who) {
  if (auto s = load(fmt::format("{} certificate", who),
                    [&](boost::system::error_code& ec) { ctx.use_certificate_chain(boost::asio::buffer(cert), ec); });
      !s)
    return s;
  if (auto s = load(fmt::format("{} private key", who),
                    [&](boost::system::error_code& ec) {
                      ctx.use_private_key(boost::asio::buffer(key), ssl::context::pem, ec);
                    });
      !s) {
    if (s.error().message.ends_with("key values mismatch"))
      return Error{fmt::format("{} private key does not match its certificate", who)};
    return s;
  }
  if (SSL_CTX_check_private_key(ctx.native_handle()) != 1)
    return Error{fmt::format("{} private key does not match its certificate", who)};
  return {};
}

}  // namespace

std::string last_openssl_error() {
  unsigned long code = 0;
  unsigned long last = 0;
  while ((code = ERR_get_error()) != 0) last = code;
  if (last == 0) return {};
  char text[256];
  ERR_error_string_n(last, text, sizeof(text));
  // "error:0480006C:PEM routines::no start line" → keep the reason after the last ':'.
  std::string_view s(text);
  auto colon = s.rfind(':');
  return std::string(colon == std::string_view::npos ? s : s.substr(colon + 1));
}

Result<std::shared_ptr<ssl::context>> make_client_context(const ClientTls& tls) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
  if (tls.insecure_skip_verify) {
    ctx->set_verify_mode(ssl::verify_none);
  } else {
    ctx->set_verify_mode(ssl::verify_peer);
    if (tls.ca_pem.empty()) {
      boost::system::error_code ec;
      ctx->set_default_verify_paths(ec);
      if (ec) return Error{fmt::format("TLS: cannot load the system CA store: {}", ec.message())};
    } else if (auto s = load_ca(*ctx, tls.ca_pem, "TLS CA bundle"); !s) {
      return s.error();
    }
  }
  if (tls.client_cert_pem.empty() != tls.client_key_pem.empty())
    return Error{tls.client_cert_pem.empty() ? "TLS: a client key was given without a client certificate"
                                             : "TLS: a client certificate was given without its key"};
  if (!tls.client_cert_pem.empty()) {
    if (auto s = load_identity(*ctx, tls.client_cert_pem, tls.client_key_pem, "TLS client"); !s) return s.error();
  }
  return ctx;
}

Result<std::shared_ptr<ssl::context>> make_server_context(const ServerTls& tls) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
  if (auto s = load_identity(*ctx, tls.cert_pem, tls.key_pem, "TLS serving"); !s) return s.error();
  if (!tls.client_ca_pem.empty()) {
    if (auto s = load_ca(*ctx, tls.client_ca_pem, "TLS client CA bundle"); !s) return s.error();
    // Requested, not required: a client may still authenticate with a bearer token.
    ctx->set_verify_mode(ssl::verify_peer);
  }
  return ctx;
}

}  // namespace sluice::http
