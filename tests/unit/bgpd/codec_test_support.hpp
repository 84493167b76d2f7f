// Helpers for the BGP codec tests: byte arrays from readable hex, message framing, and a
// seeded generator of random valid messages (for round-trip, corruption and corpus runs).
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "bgpd/codec/message.hpp"

namespace sluice::bgp::testing {

// A session context with 4-octet AS numbers negotiated (the common case today).
Context four_octet();

// "ff 00 1a" (any whitespace) -> bytes; aborts the test on odd or non-hex input.
std::vector<std::uint8_t> hex(std::string_view text);
std::string to_hex(std::span<const std::uint8_t> bytes);
std::vector<std::uint8_t> concat(std::initializer_list<std::vector<std::uint8_t>> parts);
// The 16-octet marker, the length and the type in front of `body`.
std::vector<std::uint8_t> framed(std::uint8_t type, const std::vector<std::uint8_t>& body);
// An UPDATE body from its three fields (the lengths are computed).
std::vector<std::uint8_t> update_body(const std::vector<std::uint8_t>& withdrawn,
                                      const std::vector<std::uint8_t>& attributes,
                                      const std::vector<std::uint8_t>& nlri);
ip::Prefix prefix(std::string_view text);
ip::Address address(std::string_view text);

class Generator {
 public:
  explicit Generator(std::uint64_t seed) : rng_(seed) {}

  Context context();
  Open open();
  Update update(const Context& context);
  Notification notification();
  RouteRefresh route_refresh();
  // Any message type, valid under `context`.
  Message message(const Context& context);

  std::uint32_t uniform(std::uint32_t lo, std::uint32_t hi) {
    return std::uniform_int_distribution<std::uint32_t>(lo, hi)(rng_);
  }
  bool chance(int percent) { return uniform(1, 100) <= static_cast<std::uint32_t>(percent); }
  std::mt19937_64& rng() { return rng_; }

 private:
  std::uint32_t asn();
  ip::Address v4_host();
  ip::Prefix v4_prefix();
  ip::Prefix v6_prefix();
  std::vector<Nlri> nlri_list(AfiSafi family, const Context& context, std::size_t max);
  AsPath as_path(const Context& context);
  std::vector<std::uint8_t> random_bytes(std::size_t n);

  std::mt19937_64 rng_;
};

}  // namespace sluice::bgp::testing
