#include "tests/support/certificates.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "tests/support/subprocess.hpp"

namespace sluice::testing {
namespace {

void write(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
}

void make_ca(const std::filesystem::path& dir, const std::string& name) {
  run_checked({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
               "-days", "2", "-subj", "/CN=" + name, "-keyout", (dir / (name + ".key")).string(), "-out",
               (dir / (name + ".crt")).string()});
}

void make_leaf(const std::filesystem::path& dir, const std::string& ca, const std::string& name,
               const std::string& subject, const std::string& extensions) {
  auto key = (dir / (name + ".key")).string(), csr = (dir / (name + ".csr")).string(),
       crt = (dir / (name + ".crt")).string(), ext = (dir / (name + ".ext")).string();
  write(ext, extensions);
  run_checked({"openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
               "-subj", subject, "-keyout", key, "-out", csr});
  run_checked({"openssl", "x509", "-req", "-in", csr, "-CA", (dir / (ca + ".crt")).string(), "-CAkey",
               (dir / (ca + ".key")).string(), "-CAcreateserial", "-days", "2", "-extfile", ext, "-out", crt});
}

}  // namespace

TestPki::TestPki() {
  const auto& d = dir_.path();
  make_ca(d, "ca");
  make_ca(d, "other-ca");
  const std::string server_ext = "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n";
  make_leaf(d, "ca", "server", "/CN=sluice-test-apiserver", server_ext);
  make_leaf(d, "other-ca", "other-server", "/CN=impostor", server_ext);
  make_leaf(d, "ca", "client", "/CN=sluice-test-client", "extendedKeyUsage=clientAuth\n");
}

std::string TestPki::pem(const std::string& name) const {
  std::ifstream in(file(name));
  if (!in) throw std::runtime_error("no such test PKI file: " + name);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace sluice::testing
