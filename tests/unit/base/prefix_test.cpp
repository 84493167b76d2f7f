#include <doctest/doctest.h>

#include <unordered_set>
#include <vector>

#include "base/ip/prefix.hpp"

using sluice::ip::Address;
using sluice::ip::Prefix;

namespace {
Prefix P(std::string_view text) {
  auto r = Prefix::parse(text);
  REQUIRE_MESSAGE(r.ok(), r.error().message);
  return *r;
}
std::string parse_error(std::string_view text) {
  auto r = Prefix::parse(text);
  REQUIRE_MESSAGE(!r.ok(), "expected a parse error for " << text);
  return r.error().message;
}
}  // namespace

TEST_CASE("prefixes parse and format") {
  CHECK(P("10.0.0.0/8").to_string() == "10.0.0.0/8");
  CHECK(P("0.0.0.0/0").to_string() == "0.0.0.0/0");
  CHECK(P("10.1.2.3/32").to_string() == "10.1.2.3/32");
  CHECK(P("fd00:0::/64").to_string() == "fd00::/64");
  CHECK(P("::/0").length() == 0);
  CHECK(P("fd00::1/128").is_host());
}

TEST_CASE("malformed prefixes get precise errors") {
  CHECK(parse_error("1.2.3.4/33") == "invalid prefix \"1.2.3.4/33\": prefix length 33 exceeds 32");
  CHECK(parse_error("fd00::/129") == "invalid prefix \"fd00::/129\": prefix length 129 exceeds 128");
  CHECK(parse_error("10.0.0.1/24") == "invalid prefix \"10.0.0.1/24\": host bits are set (the network is 10.0.0.0/24)");
  CHECK(parse_error("fd00::1/64") == "invalid prefix \"fd00::1/64\": host bits are set (the network is fd00::/64)");
  CHECK(parse_error("10.0.0.0") == "invalid prefix \"10.0.0.0\": missing \"/length\"");
  CHECK(parse_error("10.0.0.0/") == "invalid prefix \"10.0.0.0/\": missing prefix length after '/'");
  CHECK(parse_error("10.0.0.0/x") == "invalid prefix \"10.0.0.0/x\": prefix length \"x\" is not a decimal number");
  CHECK(parse_error("10.0.0.0/-1") == "invalid prefix \"10.0.0.0/-1\": prefix length \"-1\" is not a decimal number");
  CHECK(parse_error("10.0.0.0/08") == "invalid prefix \"10.0.0.0/08\": prefix length \"08\" has a leading zero");
  CHECK(parse_error("10.0.0.0/99999") == "invalid prefix \"10.0.0.0/99999\": prefix length 99999 exceeds 32");
  CHECK(parse_error("1.2.3/24") ==
        "invalid prefix \"1.2.3/24\": invalid IPv4 address \"1.2.3\": expected 4 dot-separated octets, found 3");
  CHECK(parse_error("::g/64") ==
        "invalid prefix \"::g/64\": invalid IPv6 address \"::g\": unexpected character 'g' at offset 2");
  CHECK(Prefix::make(*Address::parse("10.0.0.0"), 40).error().message ==
        "prefix length 40 is out of range 0-32 for IPv4");
  CHECK(Prefix::make(*Address::parse("10.0.0.1"), 8).error().message ==
        "10.0.0.1/8 has host bits set (the network is 10.0.0.0/8)");
}

TEST_CASE("lenient forms") {
  CHECK(Prefix::parse_masking("10.0.0.7/24")->to_string() == "10.0.0.0/24");
  CHECK(Prefix::parse_address_or_prefix("10.0.0.7")->to_string() == "10.0.0.7/32");
  CHECK(Prefix::parse_address_or_prefix("fd00::7")->to_string() == "fd00::7/128");
  CHECK_FALSE(Prefix::parse_address_or_prefix("10.0.0.7/24").ok());
}

TEST_CASE("containment and overlap") {
  Prefix pool = P("10.244.0.0/16");
  CHECK(pool.contains(*Address::parse("10.244.255.255")));
  CHECK_FALSE(pool.contains(*Address::parse("10.245.0.0")));
  CHECK_FALSE(pool.contains(*Address::parse("::1")));  // other family
  CHECK(pool.contains(P("10.244.3.64/26")));
  CHECK(pool.contains(pool));
  CHECK_FALSE(P("10.244.3.64/26").contains(pool));
  CHECK(pool.overlaps(P("10.0.0.0/8")));
  CHECK(P("10.0.0.0/8").overlaps(pool));
  CHECK_FALSE(pool.overlaps(P("10.245.0.0/16")));
  CHECK_FALSE(P("0.0.0.0/0").overlaps(P("::/0")));
  CHECK(P("0.0.0.0/0").contains(P("1.2.3.4/32")));
  CHECK(pool.last_address() == *Address::parse("10.244.255.255"));
}

TEST_CASE("ordering and hashing") {
  std::vector<Prefix> sorted{P("10.0.0.0/8"), P("10.0.0.0/16"), P("10.1.0.0/16"), P("11.0.0.0/8"), P("::/0")};
  for (std::size_t i = 1; i < sorted.size(); ++i) CHECK(sorted[i - 1] < sorted[i]);
  std::unordered_set<Prefix> set{P("10.0.0.0/8"), P("10.0.0.0/16"), P("10.0.0.0/8")};
  CHECK(set.size() == 2);
}

TEST_CASE("ordinals inside a block") {
  Prefix block = P("10.0.0.64/26");
  CHECK(*block.size() == 64);
  CHECK(*block.address_at(0) == *Address::parse("10.0.0.64"));
  CHECK(*block.address_at(63) == *Address::parse("10.0.0.127"));
  CHECK_FALSE(block.address_at(64).has_value());
  CHECK(*block.ordinal_of(*Address::parse("10.0.0.100")) == 36);
  CHECK_FALSE(block.ordinal_of(*Address::parse("10.0.0.128")).has_value());
  Prefix v6 = P("fd00::/122");
  CHECK(*v6.address_at(63) == *Address::parse("fd00::3f"));
  CHECK_FALSE(P("fd00::/64").size().has_value());
}

TEST_CASE("iterating sub-blocks") {
  std::vector<std::string> blocks;
  for (const Prefix& b : P("10.0.0.0/24").subprefixes(26)) blocks.push_back(b.to_string());
  CHECK(blocks == std::vector<std::string>{"10.0.0.0/26", "10.0.0.64/26", "10.0.0.128/26", "10.0.0.192/26"});
  CHECK(*P("10.244.0.0/16").subprefixes(26).count() == 1024);

  std::size_t n = 0;
  for ([[maybe_unused]] const Prefix& b : P("10.244.0.0/16").subprefixes(26)) ++n;
  CHECK(n == 1024);

  // The last block of the address space ends the iteration instead of wrapping.
  std::vector<std::string> top;
  for (const Prefix& b : P("255.255.255.0/24").subprefixes(25)) top.push_back(b.to_string());
  CHECK(top == std::vector<std::string>{"255.255.255.0/25", "255.255.255.128/25"});

  auto same = P("10.0.0.0/24").subprefixes(24);
  CHECK(std::distance(same.begin(), same.end()) == 1);
  auto all = P("0.0.0.0/0").subprefixes(1);
  CHECK(std::distance(all.begin(), all.end()) == 2);

  // IPv6: lazily iterate the first few /122 blocks of a /64 without materialising 2^58.
  auto it = P("fd00::/64").subprefixes(122).begin();
  ++it;
  ++it;
  CHECK(it->to_string() == "fd00::80/122");
  CHECK(*P("fd00::/64").subprefixes(122).count() == (std::uint64_t{1} << 58));
  CHECK_FALSE(P("fd00::/8").subprefixes(122).count().has_value());
}
