// Arbitrary text as a kubeconfig: parsing, then resolving the current context and every
// named one, must end in a connection or a precise error; never a crash, an escaped
// exception or a hang. Referenced files are served from memory (no file access), chosen
// by name so that missing, empty and valid files are all reached.
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

#include "k8s-client/config/kubeconfig.hpp"
#include "k8s-client/config/server_url.hpp"

namespace {

sluice::Result<std::string> fake_file(const std::filesystem::path& path) {
  std::string name = path.filename().string();
  if (name.find("missing") != std::string::npos) return sluice::Error{"cannot read " + path.string()};
  if (name.find("empty") != std::string::npos) return std::string();
  if (name.find("token") != std::string::npos) return std::string("fuzz.token\n");
  return std::string("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
}

// Whatever the resolver accepted must print back to the same server URL.
void check_resolved(const sluice::Result<sluice::k8s::ConnectionConfig>& config) {
  if (!config) {
    if (config.error().message.empty()) std::abort();
    return;
  }
  auto again = sluice::k8s::parse_server_url(config->server.to_string());
  if (!again || !(*again == config->server)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);

  // Each line on its own as a server URL too: accepted ones must round-trip.
  for (std::size_t start = 0; start <= text.size();) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    auto url = sluice::k8s::parse_server_url(text.substr(start, end - start));
    if (url) {
      auto again = sluice::k8s::parse_server_url(url->to_string());
      if (!again || !(*again == *url)) std::abort();
    }
    start = end + 1;
  }

  auto parsed = sluice::k8s::parse_kubeconfig(text);
  if (!parsed) {
    if (parsed.error().message.empty()) std::abort();
    return 0;
  }
  check_resolved(sluice::k8s::resolve_kubeconfig(*parsed, "", "/kube", "fuzz", fake_file));
  std::size_t tried = 0;
  for (const auto& context : parsed->contexts) {
    if (++tried > 16) break;
    check_resolved(sluice::k8s::resolve_kubeconfig(*parsed, context.name, "/kube", "fuzz", fake_file));
  }
  return 0;
}
