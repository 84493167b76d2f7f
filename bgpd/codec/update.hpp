// UPDATE messages (RFC 4271 §4.3) with multiprotocol NLRI (RFC 4760), add-path (RFC 7911)
// and End-of-RIB markers (RFC 4724 §2). Decoding never fails: it returns what could be
// read plus the RFC 7606 verdict.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "base/result.hpp"
#include "bgpd/codec/attributes.hpp"
#include "bgpd/codec/error_handling.hpp"
#include "bgpd/codec/types.hpp"

namespace sluice::bgp {

struct Update {
  std::vector<Nlri> withdrawn_routes;  // IPv4 unicast, in the message body
  PathAttributes attributes;
  std::optional<MpReachNlri> mp_reach;
  std::optional<MpUnreachNlri> mp_unreach;
  std::vector<Nlri> nlri;  // IPv4 unicast, in the message body

  // The End-of-RIB marker for a family: an empty UPDATE for IPv4 unicast, an UPDATE with
  // only an empty MP_UNREACH_NLRI otherwise.
  static Update end_of_rib(AfiSafi afi_safi);
  // The family this UPDATE marks the End-of-RIB of, if it is such a marker.
  std::optional<AfiSafi> end_of_rib_family() const;

  friend bool operator==(const Update&, const Update&) = default;
};

struct DecodedUpdate {
  Update update;
  UpdateVerdict verdict;
};

// Decodes an UPDATE body (after the header). With a treat_as_withdraw verdict the
// update's NLRI (body and MP_REACH_NLRI) are still returned: the receiver withdraws them.
DecodedUpdate decode_update(std::span<const std::uint8_t> body, const Context& context);

// The UPDATE body. Fails when a value has no encoding or the message would exceed the
// context's maximum length.
Result<std::vector<std::uint8_t>> encode_update(const Update& update, const Context& context);

}  // namespace sluice::bgp
