// A throwaway PKI for TLS tests, made with the openssl command: a CA, a server
// certificate for 127.0.0.1/localhost signed by it, a client certificate signed by it,
// and a second, untrusted CA with its own server certificate.
#pragma once

#include <filesystem>
#include <string>

#include "tests/support/temp_dir.hpp"

namespace sluice::testing {

class TestPki {
 public:
  TestPki();
  const std::filesystem::path& dir() const { return dir_.path(); }
  std::filesystem::path file(const std::string& name) const { return dir_.path() / name; }
  // ca.crt, server.crt/.key (SAN IP:127.0.0.1, DNS:localhost), client.crt/.key
  // (CN=sluice-test-client), other-ca.crt, other-server.crt/.key (by other-ca).
  std::string pem(const std::string& name) const;

 private:
  TempDir dir_{"pki"};
};

}  // namespace sluice::testing
