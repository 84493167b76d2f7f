// NOTIFICATION messages (RFC 4271 §4.5, §6): every error code and subcode of RFC 4271,
// RFC 4486 (Cease), RFC 5492, RFC 6608, RFC 7313 and RFC 8538, their names for logs, and
// the RFC 8203/9003 Shutdown Communication. Also the error value decoders return: the
// NOTIFICATION the RFCs prescribe plus a reason for the log.
#pragma once

#include <cassert>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "base/result.hpp"

namespace sluice::bgp {

enum class ErrorCode : std::uint8_t {
  message_header_error = 1,
  open_message_error = 2,
  update_message_error = 3,
  hold_timer_expired = 4,
  finite_state_machine_error = 5,
  cease = 6,
  route_refresh_message_error = 7,  // RFC 7313
};

// Subcodes, one enum per error code; values as the RFCs number them.
enum class HeaderErrorSubcode : std::uint8_t {
  connection_not_synchronized = 1,
  bad_message_length = 2,
  bad_message_type = 3,
};
enum class OpenErrorSubcode : std::uint8_t {
  unspecific = 0,  // RFC 4271 §6.2: a recognized optional parameter that is malformed
  unsupported_version_number = 1,
  bad_peer_as = 2,
  bad_bgp_identifier = 3,
  unsupported_optional_parameter = 4,
  // 5 was Authentication Failure, deprecated by RFC 4271
  unacceptable_hold_time = 6,
  unsupported_capability = 7,  // RFC 5492
};
enum class UpdateErrorSubcode : std::uint8_t {
  malformed_attribute_list = 1,
  unrecognized_well_known_attribute = 2,
  missing_well_known_attribute = 3,
  attribute_flags_error = 4,
  attribute_length_error = 5,
  invalid_origin_attribute = 6,
  // 7 was AS Routing Loop, deprecated by RFC 4271
  invalid_next_hop_attribute = 8,
  optional_attribute_error = 9,
  invalid_network_field = 10,
  malformed_as_path = 11,
};
enum class FsmErrorSubcode : std::uint8_t {  // RFC 6608
  unspecified = 0,
  unexpected_message_in_opensent = 1,
  unexpected_message_in_openconfirm = 2,
  unexpected_message_in_established = 3,
};
enum class CeaseSubcode : std::uint8_t {  // RFC 4486, RFC 8538
  maximum_number_of_prefixes_reached = 1,
  administrative_shutdown = 2,
  peer_deconfigured = 3,
  administrative_reset = 4,
  connection_rejected = 5,
  other_configuration_change = 6,
  connection_collision_resolution = 7,
  out_of_resources = 8,
  hard_reset = 9,
};
enum class RouteRefreshErrorSubcode : std::uint8_t {  // RFC 7313
  invalid_message_length = 1,
};

// RFC 9003: a Shutdown Communication is at most 255 octets of UTF-8.
inline constexpr std::size_t kMaxShutdownCommunication = 255;

struct Notification {
  std::uint8_t code = 0;
  std::uint8_t subcode = 0;
  std::vector<std::uint8_t> data;

  static Notification header(HeaderErrorSubcode s, std::vector<std::uint8_t> data = {});
  static Notification open(OpenErrorSubcode s, std::vector<std::uint8_t> data = {});
  static Notification update(UpdateErrorSubcode s, std::vector<std::uint8_t> data = {});
  static Notification cease(CeaseSubcode s, std::vector<std::uint8_t> data = {});
  // Cease / Administrative Shutdown or Reset carrying an RFC 9003 Shutdown Communication.
  // Fails for another subcode, text over 255 octets, or text that is not UTF-8.
  static Result<Notification> cease_with_communication(CeaseSubcode s, std::string_view text);

  ErrorCode error_code() const { return static_cast<ErrorCode>(code); }
  // The RFC 9003 Shutdown Communication, when this is an Administrative Shutdown or Reset
  // whose data holds a well-formed one (an empty one is returned as "").
  std::optional<std::string> shutdown_communication() const;
  // "UPDATE Message Error / Malformed AS_PATH" (names from the RFCs' text).
  std::string name() const;

  friend bool operator==(const Notification&, const Notification&) = default;
};

// Names as the RFCs write them; "unknown" parts are given by number.
std::string error_code_name(std::uint8_t code);
std::string error_subcode_name(std::uint8_t code, std::uint8_t subcode);

// True when `text` is well-formed UTF-8 (no overlongs, surrogates or values past U+10FFFF).
bool is_utf8(std::span<const std::uint8_t> text);

// Encodes the NOTIFICATION body (code, subcode, data) after the header.
std::vector<std::uint8_t> encode_notification_body(const Notification& n);
// Any body of at least two octets is a NOTIFICATION; data may have any length.
std::optional<Notification> decode_notification_body(std::span<const std::uint8_t> body);

// Why a message could not be accepted: the NOTIFICATION to send and a reason for the log.
struct MessageError {
  Notification notification;
  std::string reason;

  friend bool operator==(const MessageError&, const MessageError&) = default;
};

// A decoded value or the MessageError that rejects it.
template <class T>
using Decoded = Result<T, MessageError>;

}  // namespace sluice::bgp
