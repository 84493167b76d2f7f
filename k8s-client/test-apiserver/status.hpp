// metav1.Status bodies as kube-apiserver sends them (reference/kube-api.md): the same
// reasons, codes, messages and details, so clients are tested against the real shapes.
#pragma once

#include <string>
#include <string_view>

#include "k8s-client/test-apiserver/resources.hpp"

namespace sluice::apiserver {

struct Reply {
  int status = 200;
  std::string body;
};

Reply status_failure(int code, std::string_view reason, std::string_view message, const ResourceType* type = nullptr,
                     std::string_view name = {});
Reply not_found(const ResourceType& type, std::string_view name);
Reply already_exists(const ResourceType& type, std::string_view name);
Reply conflict(const ResourceType& type, std::string_view name);
Reply bad_request(std::string_view message);
Reply invalid(const ResourceType& type, std::string_view name, std::string_view field, std::string_view detail);
Reply expired(std::string_view message);
Reply unauthorized();
Reply delete_success(const ResourceType& type, std::string_view name, std::string_view uid);

// The Status object alone (watch ERROR events carry it).
std::string status_json(int code, std::string_view reason, std::string_view message);

}  // namespace sluice::apiserver
