#include "bgpd/codec/notification.hpp"

#include <array>

namespace sluice::bgp {
namespace {

struct SubcodeName {
  std::uint8_t code;
  std::uint8_t subcode;
  std::string_view name;
};

// One row per code/subcode the RFCs define.
constexpr std::array kSubcodeNames{
    SubcodeName{1, 1, "Connection Not Synchronized"},
    SubcodeName{1, 2, "Bad Message Length"},
    SubcodeName{1, 3, "Bad Message Type"},
    SubcodeName{2, 0, "Unspecific"},
    SubcodeName{2, 1, "Unsupported Version Number"},
    SubcodeName{2, 2, "Bad Peer AS"},
    SubcodeName{2, 3, "Bad BGP Identifier"},
    SubcodeName{2, 4, "Unsupported Optional Parameter"},
    SubcodeName{2, 5, "Authentication Failure (deprecated)"},
    SubcodeName{2, 6, "Unacceptable Hold Time"},
    SubcodeName{2, 7, "Unsupported Capability"},
    SubcodeName{3, 1, "Malformed Attribute List"},
    SubcodeName{3, 2, "Unrecognized Well-known Attribute"},
    SubcodeName{3, 3, "Missing Well-known Attribute"},
    SubcodeName{3, 4, "Attribute Flags Error"},
    SubcodeName{3, 5, "Attribute Length Error"},
    SubcodeName{3, 6, "Invalid ORIGIN Attribute"},
    SubcodeName{3, 7, "AS Routing Loop (deprecated)"},
    SubcodeName{3, 8, "Invalid NEXT_HOP Attribute"},
    SubcodeName{3, 9, "Optional Attribute Error"},
    SubcodeName{3, 10, "Invalid Network Field"},
    SubcodeName{3, 11, "Malformed AS_PATH"},
    SubcodeName{5, 0, "Unspecified Error"},
    SubcodeName{5, 1, "Receive Unexpected Message in OpenSent State"},
    SubcodeName{5, 2, "Receive Unexpected Message in OpenConfirm State"},
    SubcodeName{5, 3, "Receive Unexpected Message in Established State"},
    SubcodeName{6, 1, "Maximum Number of Prefixes Reached"},
    SubcodeName{6, 2, "Administrative Shutdown"},
    SubcodeName{6, 3, "Peer De-configured"},
    SubcodeName{6, 4, "Administrative Reset"},
    SubcodeName{6, 5, "Connection Rejected"},
    SubcodeName{6, 6, "Other Configuration Change"},
    SubcodeName{6, 7, "Connection Collision Resolution"},
    SubcodeName{6, 8, "Out of Resources"},
    SubcodeName{6, 9, "Hard Reset"},
    SubcodeName{7, 1, "Invalid Message Length"},
};

constexpr std::array<std::string_view, 8> kCodeNames{
    "",
    "Message Header Error",
    "OPEN Message Error",
    "UPDATE Message Error",
    "Hold Timer Expired",
    "Finite State Machine Error",
    "Cease",
    "ROUTE-REFRESH Message Error",
};

bool communication_subcode(std::uint8_t code, std::uint8_t subcode) {
  return code == static_cast<std::uint8_t>(ErrorCode::cease) &&
         (subcode == static_cast<std::uint8_t>(CeaseSubcode::administrative_shutdown) ||
          subcode == static_cast<std::uint8_t>(CeaseSubcode::administrative_reset));
}

}  // namespace

std::string error_code_name(std::uint8_t code) {
  if (code >= 1 && code < kCodeNames.size()) return std::string(kCodeNames[code]);
  return "Unknown Error Code " + std::to_string(code);
}

std::string error_subcode_name(std::uint8_t code, std::uint8_t subcode) {
  for (const auto& row : kSubcodeNames) {
    if (row.code == code && row.subcode == subcode) return std::string(row.name);
  }
  // Codes without defined subcodes (Hold Timer Expired) use 0.
  if (subcode == 0) return "Unspecific";
  return "Unknown Subcode " + std::to_string(subcode);
}

Notification Notification::header(HeaderErrorSubcode s, std::vector<std::uint8_t> data) {
  return {static_cast<std::uint8_t>(ErrorCode::message_header_error), static_cast<std::uint8_t>(s), std::move(data)};
}
Notification Notification::open(OpenErrorSubcode s, std::vector<std::uint8_t> data) {
  return {static_cast<std::uint8_t>(ErrorCode::open_message_error), static_cast<std::uint8_t>(s), std::move(data)};
}
Notification Notification::update(UpdateErrorSubcode s, std::vector<std::uint8_t> data) {
  return {static_cast<std::uint8_t>(ErrorCode::update_message_error), static_cast<std::uint8_t>(s), std::move(data)};
}
Notification Notification::cease(CeaseSubcode s, std::vector<std::uint8_t> data) {
  return {static_cast<std::uint8_t>(ErrorCode::cease), static_cast<std::uint8_t>(s), std::move(data)};
}

Result<Notification> Notification::cease_with_communication(CeaseSubcode s, std::string_view text) {
  auto subcode = static_cast<std::uint8_t>(s);
  if (!communication_subcode(static_cast<std::uint8_t>(ErrorCode::cease), subcode)) {
    return Error{"a Shutdown Communication belongs only to Administrative Shutdown or Reset"};
  }
  if (text.size() > kMaxShutdownCommunication) {
    return Error{"Shutdown Communication of " + std::to_string(text.size()) + " octets exceeds 255"};
  }
  std::span<const std::uint8_t> bytes(reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
  if (!is_utf8(bytes)) return Error{"Shutdown Communication is not UTF-8"};
  std::vector<std::uint8_t> data;
  data.reserve(text.size() + 1);
  data.push_back(static_cast<std::uint8_t>(text.size()));
  data.insert(data.end(), bytes.begin(), bytes.end());
  return cease(s, std::move(data));
}

std::optional<std::string> Notification::shutdown_communication() const {
  if (!communication_subcode(code, subcode) || data.empty()) return std::nullopt;
  std::size_t length = data[0];
  // RFC 9003 §2: a length past the data, or bytes that are not UTF-8, make it unusable.
  if (length > data.size() - 1) return std::nullopt;
  std::span<const std::uint8_t> text(data.data() + 1, length);
  if (!is_utf8(text)) return std::nullopt;
  return std::string(text.begin(), text.end());
}

std::string Notification::name() const {
  return error_code_name(code) + " / " + error_subcode_name(code, subcode);
}

bool is_utf8(std::span<const std::uint8_t> text) {
  std::size_t i = 0;
  while (i < text.size()) {
    std::uint8_t b = text[i];
    std::size_t extra = 0;
    std::uint32_t cp = 0;
    if (b < 0x80) {
      ++i;
      continue;
    } else if ((b & 0xe0) == 0xc0) {
      extra = 1;
      cp = b & 0x1f;
    } else if ((b & 0xf0) == 0xe0) {
      extra = 2;
      cp = b & 0x0f;
    } else if ((b & 0xf8) == 0xf0) {
      extra = 3;
      cp = b & 0x07;
    } else {
      return false;
    }
    if (text.size() - i - 1 < extra) return false;
    for (std::size_t k = 1; k <= extra; ++k) {
      std::uint8_t c = text[i + k];
      if ((c & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (c & 0x3f);
    }
    static constexpr std::uint32_t kMinForLength[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMinForLength[extra] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += extra + 1;
  }
  return true;
}

std::vector<std::uint8_t> encode_notification_body(const Notification& n) {
  std::vector<std::uint8_t> body;
  body.reserve(2 + n.data.size());
  body.push_back(n.code);
  body.push_back(n.subcode);
  body.insert(body.end(), n.data.begin(), n.data.end());
  return body;
}

std::optional<Notification> decode_notification_body(std::span<const std::uint8_t> body) {
  if (body.size() < 2) return std::nullopt;
  return Notification{body[0], body[1], std::vector<std::uint8_t>(body.begin() + 2, body.end())};
}

}  // namespace sluice::bgp
