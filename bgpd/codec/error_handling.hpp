// RFC 7606 revised error handling: what a receiver must do about a malformed UPDATE.
// Decoding an UPDATE never fails outright; it yields the message and an UpdateVerdict,
// the strongest action any problem requires plus every problem found.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bgpd/codec/notification.hpp"
#include "bgpd/codec/types.hpp"

namespace sluice::bgp {

// RFC 7606 §2 approaches, weakest first: the strongest of several is the largest.
enum class UpdateAction : std::uint8_t {
  none,
  attribute_discard,  // the attribute was dropped; the UPDATE is otherwise processed
  treat_as_withdraw,  // every NLRI of the UPDATE (body and MP_REACH_NLRI) is withdrawn
  afi_safi_disable,   // the family's routes from this peer are dropped and the family disabled
  session_reset,      // send the NOTIFICATION and close the session
};

std::string_view to_string(UpdateAction action);

struct UpdateProblem {
  UpdateAction action = UpdateAction::none;
  std::uint8_t attribute_type = 0;  // 0 for problems outside the path attributes
  // The NOTIFICATION RFC 4271 §6.3 prescribes for this error; sent when the session is
  // reset, logged otherwise.
  Notification notification;
  std::optional<AfiSafi> afi_safi;  // the family to disable, for afi_safi_disable
  std::string reason;

  friend bool operator==(const UpdateProblem&, const UpdateProblem&) = default;
};

struct UpdateVerdict {
  UpdateAction action = UpdateAction::none;
  std::vector<UpdateProblem> problems;  // in the order found

  void add(UpdateProblem problem);
  bool ok() const { return action == UpdateAction::none; }
  // The first problem that requires the verdict's action (nullptr when ok()).
  const UpdateProblem* decisive() const;
  // The NOTIFICATION to send when the session is reset, or when a family must be disabled
  // but the session cannot do that.
  std::optional<Notification> notification() const;
  // The families afi_safi_disable problems name, without repeats.
  std::vector<AfiSafi> disabled_families() const;
};

}  // namespace sluice::bgp
