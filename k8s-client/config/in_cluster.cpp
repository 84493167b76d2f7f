#include "k8s-client/config/in_cluster.hpp"

#include <string>

#include <fmt/format.h>

#include "k8s-client/config/token_source.hpp"

namespace sluice::k8s {
namespace {
std::string_view trim(std::string_view text) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!text.empty() && space(text.front())) text.remove_prefix(1);
  while (!text.empty() && space(text.back())) text.remove_suffix(1);
  return text;
}

Result<ConnectionConfig> load(const EnvironmentLookup& env, const std::filesystem::path& directory,
                              const FileReader& read_file) {
  auto host = env("KUBERNETES_SERVICE_HOST");
  auto port = env("KUBERNETES_SERVICE_PORT");
  if (!host || host->empty()) return Error{"KUBERNETES_SERVICE_HOST is not set (not running in a pod?)"};
  if (!port || port->empty()) return Error{"KUBERNETES_SERVICE_PORT is not set (not running in a pod?)"};
  if (port->size() > 5 || port->find_first_not_of("0123456789") != std::string::npos || std::stoul(*port) == 0 ||
      std::stoul(*port) > 65535) {
    return Error{fmt::format("KUBERNETES_SERVICE_PORT \"{}\" is not a port number (1-65535)", *port)};
  }
  // An IPv6 service address comes bare ("fd00:10:96::1") and needs brackets in a URL.
  std::string url_host = host->find(':') != std::string::npos && host->front() != '[' ? "[" + *host + "]" : *host;
  auto server = parse_server_url(fmt::format("https://{}:{}", url_host, *port));
  if (!server) return server.error().context(fmt::format("KUBERNETES_SERVICE_HOST \"{}\"", *host));
  // A host with a '/' in it would parse as a host and a path.
  std::string parsed_host = server->host_kind == HostKind::ipv6 ? "[" + server->host + "]" : server->host;
  if (parsed_host != url_host || !server->base_path.empty()) {
    return Error{fmt::format("KUBERNETES_SERVICE_HOST \"{}\" is not a host name or IP address", *host)};
  }

  ConnectionConfig out;
  out.server = std::move(*server);

  std::filesystem::path token_path = directory / "token";
  auto token_text = read_file(token_path);
  if (!token_text) return token_text.error().context("service-account token");
  if (auto token = token_from_file_contents(*token_text, token_path); !token) return token.error();
  out.credentials = BearerTokenFile{token_path};

  std::filesystem::path ca_path = directory / "ca.crt";
  auto ca = read_file(ca_path);
  if (!ca) return ca.error().context("service-account CA");
  if (trim(*ca).empty()) return Error{fmt::format("service-account CA {} is empty", ca_path.string())};
  if (ca->find("-----BEGIN ") == std::string::npos) {
    return Error{fmt::format("service-account CA {} is not PEM (no \"-----BEGIN\" line)", ca_path.string())};
  }
  out.tls.ca_pem = std::move(*ca);

  // client-go falls back to "default" too; a pod without the file is still usable.
  if (auto name = read_file(directory / "namespace"); name && !trim(*name).empty()) {
    out.namespace_name = std::string(trim(*name));
  }
  out.source = fmt::format("in-cluster service account ({}, {})", out.server.to_string(), directory.string());
  return out;
}
}  // namespace

Result<ConnectionConfig> load_in_cluster(const EnvironmentLookup& env, const std::filesystem::path& directory,
                                         const FileReader& read_file) {
  auto config = load(env, directory, read_file);
  if (!config) return config.error().context("in-cluster config");
  return config;
}

}  // namespace sluice::k8s
