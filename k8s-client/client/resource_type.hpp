// Which API collection a request addresses: group, version, plural and scope, from which
// the request paths follow (/api/v1/namespaces/NS/pods/NAME, /apis/G/V/PLURAL/NAME/status).
#pragma once

#include <string>
#include <string_view>

namespace sluice::k8s {

struct ResourceType {
  std::string group;  // "" for the core group
  std::string version;
  std::string plural;
  bool namespaced = false;

  std::string api_version() const { return group.empty() ? version : group + "/" + version; }

  // The path of the collection (name empty) or of one object; `ns` empty addresses all
  // namespaces (lists and watches) or a cluster-scoped resource. `subresource`: "status".
  std::string path(std::string_view ns, std::string_view name = {}, std::string_view subresource = {}) const;
};

// Percent-encodes a query parameter value (selectors carry '=', ',', '!', spaces).
std::string query_escape(std::string_view value);

}  // namespace sluice::k8s
