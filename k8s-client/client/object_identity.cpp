#include "k8s-client/client/object_identity.hpp"

#include "base/json/json.hpp"

namespace sluice::k8s {

std::string object_key(const rapidjson::Value& object) {
  const auto* meta = json::find(object, "metadata");
  if (meta == nullptr || !meta->IsObject()) return {};
  auto name = json::get_string(*meta, "name", "metadata");
  if (!name || name->empty()) return {};
  auto ns = json::get_string(*meta, "namespace", "metadata");
  if (!ns || ns->empty()) return std::string(*name);
  std::string key(*ns);
  key += '/';
  key += *name;
  return key;
}

std::string object_resource_version(const rapidjson::Value& object) {
  const auto* meta = json::find(object, "metadata");
  if (meta == nullptr || !meta->IsObject()) return {};
  auto rv = json::get_string(*meta, "resourceVersion", "metadata");
  return rv ? std::string(*rv) : std::string();
}

}  // namespace sluice::k8s
