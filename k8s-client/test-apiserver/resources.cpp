#include "k8s-client/test-apiserver/resources.hpp"

#include <fmt/format.h>

namespace sluice::apiserver {
namespace {
std::vector<std::string_view> split(std::string_view path) {
  std::vector<std::string_view> parts;
  while (!path.empty()) {
    if (path.front() == '/') {
      path.remove_prefix(1);
      continue;
    }
    auto slash = path.find('/');
    parts.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash);
  }
  return parts;
}
}  // namespace

const std::vector<ResourceType>& served_resources() {
  static const std::vector<ResourceType> types = {
      {"", "v1", "nodes", "Node", false, true},
      {"", "v1", "pods", "Pod", true, true},
      {"", "v1", "namespaces", "Namespace", false, true},
      {"networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", true, false},
      {"coordination.k8s.io", "v1", "leases", "Lease", true, false},
      {"crd.projectcalico.org", "v1", "ippools", "IPPool", false, false},
      {"crd.projectcalico.org", "v1", "ipamblocks", "IPAMBlock", false, false},
      {"crd.projectcalico.org", "v1", "blockaffinities", "BlockAffinity", false, false},
      {"crd.projectcalico.org", "v1", "ipamhandles", "IPAMHandle", false, false},
      {"crd.projectcalico.org", "v1", "ipamconfigs", "IPAMConfig", false, false},
      {"crd.projectcalico.org", "v1", "ipreservations", "IPReservation", false, false},
      {"crd.projectcalico.org", "v1", "bgpconfigurations", "BGPConfiguration", false, false},
      {"crd.projectcalico.org", "v1", "bgppeers", "BGPPeer", false, false},
      {"crd.projectcalico.org", "v1", "clusterinformations", "ClusterInformation", false, false},
  };
  return types;
}

std::optional<ResourcePath> parse_resource_path(std::string_view path) {
  auto parts = split(path);
  std::string_view group, version;
  std::size_t i = 0;
  if (parts.size() >= 2 && parts[0] == "api") {
    version = parts[1];
    i = 2;
  } else if (parts.size() >= 3 && parts[0] == "apis") {
    group = parts[1];
    version = parts[2];
    i = 3;
  } else {
    return std::nullopt;
  }
  ResourcePath out;
  if (i + 1 < parts.size() && parts[i] == "namespaces" && parts.size() > i + 2) {
    out.namespace_ = std::string(parts[i + 1]);
    i += 2;
  }
  if (i >= parts.size()) return std::nullopt;
  std::string_view plural = parts[i++];
  for (const auto& t : served_resources()) {
    if (t.group == group && t.version == version && t.plural == plural) out.type = &t;
  }
  if (!out.type) return std::nullopt;
  if (!out.type->namespaced && !out.namespace_.empty()) return std::nullopt;
  if (i < parts.size()) out.name = std::string(parts[i++]);
  if (i < parts.size()) {
    if (parts[i] != "status" || !out.type->status_subresource || i + 1 != parts.size()) return std::nullopt;
    out.status = true;
  }
  return out;
}

std::string storage_prefix(const ResourcePath& path) {
  std::string prefix =
      fmt::format("/registry/{}/{}/", path.type->group.empty() ? "core" : path.type->group, path.type->plural);
  if (!path.namespace_.empty()) prefix += path.namespace_ + "/";
  return prefix;
}

std::string storage_key(const ResourcePath& path) {
  return storage_prefix(path) + path.name;
}

Status validate_name(std::string_view name) {
  if (name.empty()) return Error{"name or generateName is required"};
  if (name.size() > 253) return Error{fmt::format("{}: must be no more than 253 characters", name)};
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  bool ok = alnum(name.front()) && alnum(name.back());
  for (char c : name) ok = ok && (alnum(c) || c == '-' || c == '.');
  if (!ok) {
    return Error{fmt::format(
        "{}: a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must "
        "start and end with an alphanumeric character",
        name)};
  }
  return {};
}

}  // namespace sluice::apiserver
