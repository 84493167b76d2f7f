// TLS settings as PEM bytes (where they came from is the caller's business: a kubeconfig,
// a service-account mount, command-line files) and the OpenSSL contexts built from them,
// with precise errors for bad certificates and keys.
#pragma once

#include <memory>
#include <string>

#include <boost/asio/ssl/context.hpp>

#include "base/result.hpp"

namespace sluice::http {

struct ClientTls {
  std::string ca_pem;                 // trusted CAs; empty: the system's default store
  bool insecure_skip_verify = false;  // no certificate or name checks (explicit opt-in only)
  std::string server_name;            // name to verify and send as SNI; empty: the host connected to
  std::string client_cert_pem;        // client certificate (chain) and its key, both or neither
  std::string client_key_pem;
};

struct ServerTls {
  std::string cert_pem;        // certificate chain served
  std::string key_pem;         // its private key
  std::string client_ca_pem;   // when set, client certificates are requested and verified against it
};

Result<std::shared_ptr<boost::asio::ssl::context>> make_client_context(const ClientTls& tls);
Result<std::shared_ptr<boost::asio::ssl::context>> make_server_context(const ServerTls& tls);

// The most recent OpenSSL error queue entry as text, for messages ("no start line").
std::string last_openssl_error();

}  // namespace sluice::http
