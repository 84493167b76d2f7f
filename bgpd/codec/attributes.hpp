// Path attribute values (RFC 4271 §5, RFC 1997, RFC 4456, RFC 4760, RFC 6793, RFC 8092)
// and the attribute codec. The set of attributes a route carries, PathAttributes, is a
// comparable, hashable value so the RIB can intern it; the multiprotocol NLRI attributes
// travel in the Update instead, because they differ per message.
#pragma once

#include <bitset>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/ip/address.hpp"
#include "base/result.hpp"
#include "bgpd/codec/buffer.hpp"
#include "bgpd/codec/error_handling.hpp"
#include "bgpd/codec/types.hpp"

namespace sluice::bgp {

enum class AttributeType : std::uint8_t {
  origin = 1,
  as_path = 2,
  next_hop = 3,
  multi_exit_disc = 4,
  local_pref = 5,
  atomic_aggregate = 6,
  aggregator = 7,
  communities = 8,         // RFC 1997
  originator_id = 9,       // RFC 4456
  cluster_list = 10,       // RFC 4456
  mp_reach_nlri = 14,      // RFC 4760
  mp_unreach_nlri = 15,    // RFC 4760
  as4_path = 17,           // RFC 6793
  as4_aggregator = 18,     // RFC 6793
  large_communities = 32,  // RFC 8092
};

// Attribute Flags (RFC 4271 §4.3).
namespace attribute_flags {
inline constexpr std::uint8_t optional = 0x80;
inline constexpr std::uint8_t transitive = 0x40;
inline constexpr std::uint8_t partial = 0x20;
inline constexpr std::uint8_t extended_length = 0x10;
}  // namespace attribute_flags

enum class Origin : std::uint8_t { igp = 0, egp = 1, incomplete = 2 };

enum class AsPathSegmentType : std::uint8_t {
  as_set = 1,
  as_sequence = 2,
  as_confed_sequence = 3,  // RFC 5065
  as_confed_set = 4,       // RFC 5065
};

struct AsPathSegment {
  AsPathSegmentType type = AsPathSegmentType::as_sequence;
  std::vector<std::uint32_t> asns;  // 1..255 of them on the wire

  bool is_confed() const {
    return type == AsPathSegmentType::as_confed_sequence || type == AsPathSegmentType::as_confed_set;
  }
  friend bool operator==(const AsPathSegment&, const AsPathSegment&) = default;
};

// Always held with 4-octet AS numbers; the codec converts for 2-octet peers (RFC 6793).
struct AsPath {
  std::vector<AsPathSegment> segments;

  // Path length for route selection (RFC 4271 §9.1.2.2 a, RFC 5065 §5.3): an AS_SET
  // counts one, confederation segments count nothing.
  std::size_t length() const;
  friend bool operator==(const AsPath&, const AsPath&) = default;
};

// RFC 6793 §4.2.3: rebuilds the path a 2-octet peer sent from its AS_PATH (with AS_TRANS)
// and AS4_PATH; the AS4_PATH is ignored when it is longer than the AS_PATH.
AsPath merge_as4_path(const AsPath& as_path, const AsPath& as4_path);

struct Aggregator {
  std::uint32_t asn = 0;
  ip::Address address;  // IPv4
  friend bool operator==(const Aggregator&, const Aggregator&) = default;
};

// RFC 1997 community: high 16 bits an AS, low 16 bits a value.
using Community = std::uint32_t;
inline constexpr Community kNoExport = 0xFFFFFF01;
inline constexpr Community kNoAdvertise = 0xFFFFFF02;
inline constexpr Community kNoExportSubconfed = 0xFFFFFF03;

struct LargeCommunity {  // RFC 8092
  std::uint32_t global_administrator = 0;
  std::uint32_t local_data_part_1 = 0;
  std::uint32_t local_data_part_2 = 0;
  friend auto operator<=>(const LargeCommunity&, const LargeCommunity&) = default;
  friend bool operator==(const LargeCommunity&, const LargeCommunity&) = default;
};

// An optional transitive attribute the codec does not know, kept as received and sent on
// with the Partial bit set (RFC 4271 §5).
struct RawAttribute {
  std::uint8_t type_code = 0;
  std::vector<std::uint8_t> value;
  friend bool operator==(const RawAttribute&, const RawAttribute&) = default;
};

// The attributes a route carries. Empty lists mean the attribute is absent (an empty
// COMMUNITIES, CLUSTER_LIST or LARGE_COMMUNITIES attribute is malformed, RFC 7606 §7).
struct PathAttributes {
  std::optional<Origin> origin;
  std::optional<AsPath> as_path;
  std::optional<ip::Address> next_hop;  // IPv4 NEXT_HOP attribute
  std::optional<std::uint32_t> multi_exit_disc;
  std::optional<std::uint32_t> local_pref;
  bool atomic_aggregate = false;
  std::optional<Aggregator> aggregator;
  std::vector<Community> communities;
  std::optional<ip::Address> originator_id;
  std::vector<ip::Address> cluster_list;
  std::vector<LargeCommunity> large_communities;
  std::vector<RawAttribute> unknown;  // sorted by type code, one per code

  std::size_t hash() const;
  friend bool operator==(const PathAttributes&, const PathAttributes&) = default;
};

struct MpReachNlri {
  AfiSafi afi_safi;
  std::vector<ip::Address> next_hops;  // IPv6: global, then link-local when present
  std::vector<Nlri> nlri;
  friend bool operator==(const MpReachNlri&, const MpReachNlri&) = default;
};

struct MpUnreachNlri {
  AfiSafi afi_safi;
  std::vector<Nlri> withdrawn_routes;
  friend bool operator==(const MpUnreachNlri&, const MpUnreachNlri&) = default;
};

struct Update;
struct AttributeDecodeState;  // the decoder's scratch state, private to attributes.cpp

// Why one attribute's value was rejected. The action defaults to the descriptor's
// on_malformed; the MP attributes name the family to disable.
struct AttributeFault {
  UpdateErrorSubcode subcode = UpdateErrorSubcode::attribute_length_error;
  std::string reason;
  std::optional<UpdateAction> action;
  std::optional<AfiSafi> afi_safi;
};

// Describes one attribute type. One row per attribute, in one table: the codec loops over
// the rows instead of switching on type codes.
struct AttributeDescriptor {
  AttributeType type;
  std::string_view name;
  std::uint8_t flags;           // the Optional and Transitive bits the type requires
  UpdateAction on_malformed;    // RFC 7606 §7 (or the RFC that defines the attribute)
  UpdateAction on_flags_error;  // RFC 7606 §3 c
  bool may_be_empty;            // RFC 7606 §3: only AS_PATH and ATOMIC_AGGREGATE
  // Meaningful within one AS only: from an external peer it is discarded unread, whatever
  // its flags and value (RFC 7606 §7.5, §7.9, §7.10).
  bool internal_only;
  // Reads the value (all of it) into the state; stores nothing when it returns a fault.
  std::optional<AttributeFault> (*decode)(Reader& value, AttributeDecodeState& state);
  // Whether `update` carries this attribute toward a peer with `context`.
  bool (*present)(const Update& update, const Context& context);
  // Writes the value (the codec writes the attribute header).
  Status (*encode)(const Update& update, const Context& context, Writer& value);
};

// nullptr for attribute types the codec does not know.
const AttributeDescriptor* find_attribute(std::uint8_t type_code);
std::span<const AttributeDescriptor> attribute_descriptors();

// Decodes the Path Attributes field into update.attributes, update.mp_reach and
// update.mp_unreach, adding every problem to `verdict` (RFC 7606). Returns the type codes
// seen, so the caller can tell a missing attribute from a malformed one.
std::bitset<256> decode_path_attributes(std::span<const std::uint8_t> bytes, const Context& context, Update& update,
                                        UpdateVerdict& verdict);

// The Path Attributes field for `update`: MP_REACH_NLRI and MP_UNREACH_NLRI first
// (RFC 7606 §5.1), then by type code. Fails on values that have no encoding (an empty or
// over-long AS_PATH segment, an address of the wrong family, a field past its length).
Status encode_path_attributes(const Update& update, const Context& context, Writer& w);

}  // namespace sluice::bgp

template <>
struct std::hash<sluice::bgp::PathAttributes> {
  std::size_t operator()(const sluice::bgp::PathAttributes& a) const noexcept { return a.hash(); }
};
