#include "k8s-client/client/informer.hpp"

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

}  // namespace sluice::k8s
