// NLRI encoding (RFC 4271 §4.3, RFC 4760 §5, RFC 7911 §3) and the table of address
// families the codec carries: one row per AFI/SAFI, the codec looks families up here.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/ip/address.hpp"
#include "bgpd/codec/buffer.hpp"
#include "bgpd/codec/types.hpp"

namespace sluice::bgp {

struct AddressFamilyDescriptor {
  AfiSafi afi_safi;
  std::string_view name;
  ip::Family family;
  // MP_REACH_NLRI Next Hop lengths this family accepts (IPv6: global, or global + link-local).
  std::span<const std::uint8_t> next_hop_lengths;
};

// nullptr for families the codec does not carry.
const AddressFamilyDescriptor* find_address_family(AfiSafi afi_safi);
std::span<const AddressFamilyDescriptor> address_families();

// Decodes NLRI entries until `r` is empty, appending to `out`. Fails with a reason when a
// prefix length exceeds the family's bits or an entry runs past the end. Bits past the
// prefix length are ignored (RFC 4271 §4.3: trailing bits are irrelevant).
bool decode_nlri(Reader& r, ip::Family family, bool add_path, std::vector<Nlri>& out, std::string& why);
void encode_nlri(const Nlri& nlri, bool add_path, Writer& w);
// Octets encode_nlri writes for `nlri`.
std::size_t nlri_size(const Nlri& nlri, bool add_path);

}  // namespace sluice::bgp
