#include "bgpd/codec/nlri.hpp"

#include <array>

namespace sluice::bgp {
namespace {

constexpr std::array<std::uint8_t, 1> kIpv4NextHops{4};
constexpr std::array<std::uint8_t, 2> kIpv6NextHops{16, 32};

constexpr std::array kAddressFamilies{
    AddressFamilyDescriptor{kIpv4Unicast, "ipv4-unicast", ip::Family::v4, kIpv4NextHops},
    AddressFamilyDescriptor{kIpv6Unicast, "ipv6-unicast", ip::Family::v6, kIpv6NextHops},
};

}  // namespace

std::string to_string(AfiSafi afi_safi) {
  if (const auto* d = find_address_family(afi_safi)) return std::string(d->name);
  return "afi-" + std::to_string(static_cast<unsigned>(afi_safi.afi)) + "-safi-" +
         std::to_string(static_cast<unsigned>(afi_safi.safi));
}

const AddressFamilyDescriptor* find_address_family(AfiSafi afi_safi) {
  for (const auto& d : kAddressFamilies) {
    if (d.afi_safi == afi_safi) return &d;
  }
  return nullptr;
}

std::span<const AddressFamilyDescriptor> address_families() {
  return kAddressFamilies;
}

bool decode_nlri(Reader& r, ip::Family family, bool add_path, std::vector<Nlri>& out, std::string& why) {
  const int max_bits = ip::bit_length(family);
  while (!r.empty()) {
    Nlri entry;
    if (add_path && !r.read_u32(entry.path_id)) {
      why = "NLRI Path Identifier is truncated";
      return false;
    }
    std::uint8_t length = 0;
    if (!r.read_u8(length)) {
      why = "NLRI prefix length is missing";
      return false;
    }
    if (length > max_bits) {
      why = "NLRI prefix length " + std::to_string(length) + " exceeds " + std::to_string(max_bits);
      return false;
    }
    std::span<const std::uint8_t> octets;
    if (!r.read_bytes((length + 7u) / 8u, octets)) {
      why = "NLRI prefix of length " + std::to_string(length) + " runs past the end";
      return false;
    }
    std::array<std::uint8_t, 16> full{};
    std::copy(octets.begin(), octets.end(), full.begin());
    ip::Address address = family == ip::Family::v4
                              ? ip::Address::v4(std::array<std::uint8_t, 4>{full[0], full[1], full[2], full[3]})
                              : ip::Address::v6(full);
    // Masking cannot fail to make a valid prefix: the length was checked above.
    entry.prefix = *ip::Prefix::make(address.masked(length), length);
    out.push_back(entry);
  }
  return true;
}

void encode_nlri(const Nlri& nlri, bool add_path, Writer& w) {
  if (add_path) w.u32(nlri.path_id);
  const int length = nlri.prefix.length();
  w.u8(static_cast<std::uint8_t>(length));
  w.bytes(nlri.prefix.network().bytes().first((length + 7u) / 8u));
}

std::size_t nlri_size(const Nlri& nlri, bool add_path) {
  return (add_path ? 4u : 0u) + 1u + (nlri.prefix.length() + 7u) / 8u;
}

}  // namespace sluice::bgp
