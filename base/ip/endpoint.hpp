// A transport endpoint (address + port) as written on command lines: "10.0.0.1:179",
// "[fd00::1]:179", or ":9099" for every local address.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/ip/address.hpp"
#include "base/result.hpp"

namespace sluice::ip {

struct Endpoint {
  Address address;  // 0.0.0.0 when the text gave no host
  std::uint16_t port = 0;

  static Result<Endpoint> parse(std::string_view text);
  std::string to_string() const;
  friend bool operator==(const Endpoint&, const Endpoint&) = default;
};

}  // namespace sluice::ip
