#include "ipam/store/typed_store.hpp"

namespace sluice::ipam {

std::string LabelFilter::to_selector() const {
  std::string out;
  for (const auto& [key, value] : labels) {
    if (!out.empty()) out.push_back(',');
    out += key;
    out.push_back('=');
    out += value;
  }
  return out;
}

k8s::ApiError decode_error(std::string_view kind, std::string_view name, const Error& error) {
  return k8s::ApiError{k8s::ApiErrorKind::bad_response, 0, "Undecodable",
                       std::string(kind) + " \"" + std::string(name) + "\" cannot be read: " + error.message,
                       std::nullopt};
}

}  // namespace sluice::ipam
