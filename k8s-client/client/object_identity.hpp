// Reading an object's identity from its JSON, for caches and watch bookkeeping.
#pragma once

#include <string>

#include <rapidjson/document.h>

namespace sluice::k8s {

// "namespace/name", or "name" for a cluster-scoped object; empty when the object has no name.
std::string object_key(const rapidjson::Value& object);
// metadata.resourceVersion, or empty when absent or not a string.
std::string object_resource_version(const rapidjson::Value& object);

}  // namespace sluice::k8s
