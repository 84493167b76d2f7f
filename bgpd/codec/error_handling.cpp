#include "bgpd/codec/error_handling.hpp"

#include <algorithm>

namespace sluice::bgp {

std::string_view to_string(UpdateAction action) {
  switch (action) {
    case UpdateAction::none: return "none";
    case UpdateAction::attribute_discard: return "attribute-discard";
    case UpdateAction::treat_as_withdraw: return "treat-as-withdraw";
    case UpdateAction::afi_safi_disable: return "AFI/SAFI-disable";
    case UpdateAction::session_reset: return "session-reset";
  }
  return "unknown";
}

void UpdateVerdict::add(UpdateProblem problem) {
  action = std::max(action, problem.action);
  problems.push_back(std::move(problem));
}

const UpdateProblem* UpdateVerdict::decisive() const {
  for (const auto& p : problems) {
    if (p.action == action) return &p;
  }
  return nullptr;
}

std::optional<Notification> UpdateVerdict::notification() const {
  if (action < UpdateAction::afi_safi_disable) return std::nullopt;
  return decisive()->notification;
}

std::vector<AfiSafi> UpdateVerdict::disabled_families() const {
  std::vector<AfiSafi> out;
  for (const auto& p : problems) {
    if (p.action == UpdateAction::afi_safi_disable && p.afi_safi &&
        std::find(out.begin(), out.end(), *p.afi_safi) == out.end()) {
      out.push_back(*p.afi_safi);
    }
  }
  return out;
}

}  // namespace sluice::bgp
