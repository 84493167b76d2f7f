// The path attribute table and the loops that decode and encode through it.
#include "bgpd/codec/attributes.hpp"

#include <algorithm>
#include <array>
#include <string>

#include <fmt/format.h>

#include "bgpd/codec/nlri.hpp"
#include "bgpd/codec/update.hpp"

namespace sluice::bgp {

struct AttributeDecodeState {
  const Context& context;
  Update& update;
  // RFC 6793: from a 2-octet peer these are merged into AS_PATH / AGGREGATOR at the end.
  std::optional<AsPath> as4_path;
  std::optional<Aggregator> as4_aggregator;
  // A NEXT_HOP naming our end of the session: an error unless ORIGINATOR_ID, which may
  // come later in the list, says the route is our own reflected back.
  bool next_hop_is_ours = false;
  bool mp_next_hop_is_ours = false;  // the same for MP_REACH_NLRI's (first, global) next hop
};

namespace {

using Fault = std::optional<AttributeFault>;
using Sub = UpdateErrorSubcode;

Fault fault(Sub subcode, std::string reason) {
  return AttributeFault{subcode, std::move(reason), {}, {}};
}
Fault length_fault(std::string_view name, std::string_view expected) {
  return fault(Sub::attribute_length_error, std::string(name) + " length is not " + std::string(expected));
}

ip::Address read_v4(std::span<const std::uint8_t> four) {
  return *ip::Address::from_bytes(four);
}

bool fits_u16(std::uint32_t as) {
  return as <= 0xffff;
}
std::uint16_t as2(std::uint32_t as) {
  return fits_u16(as) ? static_cast<std::uint16_t>(as) : kAsTrans;
}

Status need_v4(const ip::Address& a, std::string_view what) {
  if (!a.is_v4()) return Error{std::string(what) + " must be an IPv4 address"};
  return {};
}

// ---- ORIGIN (RFC 4271 §5.1.1; RFC 7606 §7.1: treat-as-withdraw)
Fault decode_origin(Reader& v, AttributeDecodeState& s) {
  std::uint8_t value = 0;
  if (v.remaining() != 1 || !v.read_u8(value)) return length_fault("ORIGIN", "1");
  if (value > 2) return fault(Sub::invalid_origin_attribute, "ORIGIN value " + std::to_string(value) + " is undefined");
  s.update.attributes.origin = static_cast<Origin>(value);
  return std::nullopt;
}
bool origin_present(const Update& u, const Context&) {
  return u.attributes.origin.has_value();
}
Status encode_origin(const Update& u, const Context&, Writer& w) {
  w.u8(static_cast<std::uint8_t>(*u.attributes.origin));
  return {};
}

// ---- AS_PATH and AS4_PATH (RFC 4271 §5.1.2, RFC 6793; RFC 7606 §7.2)
bool read_as_path(Reader& v, bool four_octet, AsPath& out, std::string& why) {
  while (!v.empty()) {
    std::uint8_t type = 0;
    std::uint8_t count = 0;
    if (!v.read_u8(type) || !v.read_u8(count)) {
      why = "segment header is truncated";
      return false;
    }
    if (type < 1 || type > 4) {
      why = "segment type " + std::to_string(type) + " is undefined";
      return false;
    }
    if (count == 0) {
      why = "segment is empty";
      return false;
    }
    AsPathSegment segment{static_cast<AsPathSegmentType>(type), {}};
    segment.asns.reserve(count);
    for (int i = 0; i < count; ++i) {
      std::uint32_t as = 0;
      std::uint16_t short_as = 0;
      bool ok = four_octet ? v.read_u32(as) : v.read_u16(short_as);
      if (!ok) {
        why = "segment of " + std::to_string(count) + " ASes runs past the attribute";
        return false;
      }
      segment.asns.push_back(four_octet ? as : short_as);
    }
    out.segments.push_back(std::move(segment));
  }
  return true;
}

bool has_confed(const AsPath& path) {
  return std::any_of(path.segments.begin(), path.segments.end(), [](const auto& s) { return s.is_confed(); });
}

Status write_as_path(const AsPath& path, bool four_octet, bool skip_confed, Writer& w) {
  for (const auto& s : path.segments) {
    if (skip_confed && s.is_confed()) continue;
    if (s.asns.empty() || s.asns.size() > 255) {
      return Error{"AS_PATH segment of " + std::to_string(s.asns.size()) + " ASes has no encoding (1-255)"};
    }
    w.u8(static_cast<std::uint8_t>(s.type));
    w.u8(static_cast<std::uint8_t>(s.asns.size()));
    for (std::uint32_t as : s.asns) {
      if (four_octet) {
        w.u32(as);
      } else {
        w.u16(as2(as));
      }
    }
  }
  return {};
}

Fault decode_as_path(Reader& v, AttributeDecodeState& s) {
  AsPath path;
  std::string why;
  if (!read_as_path(v, s.context.four_octet_as, path, why)) return fault(Sub::malformed_as_path, "AS_PATH " + why);
  // RFC 5065 §5.2 / RFC 7606 §7.2: confederation segments only come from confederation peers.
  if (s.context.external_peer && has_confed(path)) {
    return fault(Sub::malformed_as_path, "AS_PATH from an external peer has a confederation segment");
  }
  s.update.attributes.as_path = std::move(path);
  return std::nullopt;
}
bool as_path_present(const Update& u, const Context&) {
  return u.attributes.as_path.has_value();
}
Status encode_as_path(const Update& u, const Context& c, Writer& w) {
  return write_as_path(*u.attributes.as_path, c.four_octet_as, false, w);
}

Fault decode_as4_path(Reader& v, AttributeDecodeState& s) {
  // RFC 6793 §4.1: between two 4-octet speakers AS4_PATH has no meaning; it is dropped.
  if (s.context.four_octet_as) {
    (void)v.read_rest();
    return std::nullopt;
  }
  AsPath path;
  std::string why;
  if (!read_as_path(v, true, path, why)) return fault(Sub::optional_attribute_error, "AS4_PATH " + why);
  if (has_confed(path)) return fault(Sub::optional_attribute_error, "AS4_PATH has a confederation segment");
  s.as4_path = std::move(path);
  return std::nullopt;
}
bool needs_as4_path(const Update& u, const Context& c) {
  if (c.four_octet_as || !u.attributes.as_path) return false;
  for (const auto& s : u.attributes.as_path->segments) {
    if (!s.is_confed() && !std::all_of(s.asns.begin(), s.asns.end(), fits_u16)) return true;
  }
  return false;
}
Status encode_as4_path(const Update& u, const Context&, Writer& w) {
  // RFC 6793 §4.2.2: AS4_PATH carries no confederation segments.
  return write_as_path(*u.attributes.as_path, true, true, w);
}

// ---- NEXT_HOP (RFC 4271 §5.1.3; RFC 7606 §7.3: treat-as-withdraw)
bool martian_next_hop(const ip::Address& a) {
  std::uint32_t v = a.to_v4_uint();
  // 0.0.0.0, class D multicast and class E (including 255.255.255.255) are no host addresses.
  return v == 0 || (v >> 28) >= 0xe;
}
Fault decode_next_hop(Reader& v, AttributeDecodeState& s) {
  std::span<const std::uint8_t> bytes;
  if (v.remaining() != 4 || !v.read_bytes(4, bytes)) return length_fault("NEXT_HOP", "4");
  ip::Address a = read_v4(bytes);
  if (martian_next_hop(a))
    return fault(Sub::invalid_next_hop_attribute, "NEXT_HOP " + a.to_string() + " is not a host address");
  // RFC 4271 §6.3: a semantically incorrect NEXT_HOP is logged and its routes ignored;
  // decided once ORIGINATOR_ID is known (decode_path_attributes).
  if (s.context.is_local_address(a)) s.next_hop_is_ours = true;
  s.update.attributes.next_hop = a;
  return std::nullopt;
}
bool next_hop_present(const Update& u, const Context&) {
  return u.attributes.next_hop.has_value();
}
Status encode_next_hop(const Update& u, const Context&, Writer& w) {
  if (auto st = need_v4(*u.attributes.next_hop, "NEXT_HOP"); !st.ok()) return st;
  w.bytes(u.attributes.next_hop->bytes());
  return {};
}

// ---- MULTI_EXIT_DISC and LOCAL_PREF (RFC 7606 §7.4, §7.5: treat-as-withdraw)
Fault decode_med(Reader& v, AttributeDecodeState& s) {
  std::uint32_t value = 0;
  if (v.remaining() != 4 || !v.read_u32(value)) return length_fault("MULTI_EXIT_DISC", "4");
  s.update.attributes.multi_exit_disc = value;
  return std::nullopt;
}
bool med_present(const Update& u, const Context&) {
  return u.attributes.multi_exit_disc.has_value();
}
Status encode_med(const Update& u, const Context&, Writer& w) {
  w.u32(*u.attributes.multi_exit_disc);
  return {};
}

Fault decode_local_pref(Reader& v, AttributeDecodeState& s) {
  std::uint32_t value = 0;
  if (v.remaining() != 4 || !v.read_u32(value)) return length_fault("LOCAL_PREF", "4");
  s.update.attributes.local_pref = value;  // an external peer's never gets here (internal_only)
  return std::nullopt;
}
bool local_pref_present(const Update& u, const Context&) {
  return u.attributes.local_pref.has_value();
}
Status encode_local_pref(const Update& u, const Context&, Writer& w) {
  w.u32(*u.attributes.local_pref);
  return {};
}

// ---- ATOMIC_AGGREGATE, AGGREGATOR, AS4_AGGREGATOR (RFC 7606 §7.6, §7.7, RFC 6793 §6: attribute-discard)
Fault decode_atomic_aggregate(Reader& v, AttributeDecodeState& s) {
  if (!v.empty()) return length_fault("ATOMIC_AGGREGATE", "0");
  s.update.attributes.atomic_aggregate = true;
  return std::nullopt;
}
bool atomic_aggregate_present(const Update& u, const Context&) {
  return u.attributes.atomic_aggregate;
}
Status encode_nothing(const Update&, const Context&, Writer&) {
  return {};
}

bool read_aggregator(Reader& v, bool four_octet, Aggregator& out) {
  std::uint16_t short_as = 0;
  std::span<const std::uint8_t> address;
  if (v.remaining() != (four_octet ? 8u : 6u)) return false;
  if (four_octet ? !v.read_u32(out.asn) : !v.read_u16(short_as)) return false;
  if (!four_octet) out.asn = short_as;
  if (!v.read_bytes(4, address)) return false;
  out.address = read_v4(address);
  return true;
}
Fault decode_aggregator(Reader& v, AttributeDecodeState& s) {
  Aggregator a;
  if (!read_aggregator(v, s.context.four_octet_as, a)) {
    return length_fault("AGGREGATOR", s.context.four_octet_as ? "8" : "6");
  }
  s.update.attributes.aggregator = a;
  return std::nullopt;
}
bool aggregator_present(const Update& u, const Context&) {
  return u.attributes.aggregator.has_value();
}
Status encode_aggregator(const Update& u, const Context& c, Writer& w) {
  const auto& a = *u.attributes.aggregator;
  if (auto st = need_v4(a.address, "AGGREGATOR address"); !st.ok()) return st;
  if (c.four_octet_as) {
    w.u32(a.asn);
  } else {
    w.u16(as2(a.asn));
  }
  w.bytes(a.address.bytes());
  return {};
}

Fault decode_as4_aggregator(Reader& v, AttributeDecodeState& s) {
  if (s.context.four_octet_as) {  // RFC 6793 §4.1, as for AS4_PATH
    (void)v.read_rest();
    return std::nullopt;
  }
  Aggregator a;
  if (!read_aggregator(v, true, a)) return length_fault("AS4_AGGREGATOR", "8");
  s.as4_aggregator = a;
  return std::nullopt;
}
bool needs_as4_aggregator(const Update& u, const Context& c) {
  return !c.four_octet_as && u.attributes.aggregator && !fits_u16(u.attributes.aggregator->asn);
}
Status encode_as4_aggregator(const Update& u, const Context&, Writer& w) {
  w.u32(u.attributes.aggregator->asn);
  w.bytes(u.attributes.aggregator->address.bytes());
  return {};
}

// ---- COMMUNITIES, ORIGINATOR_ID, CLUSTER_LIST, LARGE_COMMUNITIES (RFC 7606 §7.8-7.10, RFC 8092 §6)
Fault decode_communities(Reader& v, AttributeDecodeState& s) {
  if (v.remaining() % 4 != 0) return length_fault("COMMUNITIES", "a multiple of 4");
  std::vector<Community> out;
  out.reserve(v.remaining() / 4);
  std::uint32_t c = 0;
  while (v.read_u32(c)) out.push_back(c);
  s.update.attributes.communities = std::move(out);
  return std::nullopt;
}
bool communities_present(const Update& u, const Context&) {
  return !u.attributes.communities.empty();
}
Status encode_communities(const Update& u, const Context&, Writer& w) {
  for (Community c : u.attributes.communities) w.u32(c);
  return {};
}

Fault decode_originator_id(Reader& v, AttributeDecodeState& s) {
  std::span<const std::uint8_t> bytes;
  if (v.remaining() != 4 || !v.read_bytes(4, bytes)) return length_fault("ORIGINATOR_ID", "4");
  s.update.attributes.originator_id = read_v4(bytes);
  return std::nullopt;
}
bool originator_id_present(const Update& u, const Context&) {
  return u.attributes.originator_id.has_value();
}
Status encode_originator_id(const Update& u, const Context&, Writer& w) {
  if (auto st = need_v4(*u.attributes.originator_id, "ORIGINATOR_ID"); !st.ok()) return st;
  w.bytes(u.attributes.originator_id->bytes());
  return {};
}

Fault decode_cluster_list(Reader& v, AttributeDecodeState& s) {
  if (v.remaining() % 4 != 0) return length_fault("CLUSTER_LIST", "a multiple of 4");
  std::vector<ip::Address> out;
  std::span<const std::uint8_t> bytes;
  while (v.read_bytes(4, bytes)) out.push_back(read_v4(bytes));
  s.update.attributes.cluster_list = std::move(out);
  return std::nullopt;
}
bool cluster_list_present(const Update& u, const Context&) {
  return !u.attributes.cluster_list.empty();
}
Status encode_cluster_list(const Update& u, const Context&, Writer& w) {
  for (const auto& id : u.attributes.cluster_list) {
    if (auto st = need_v4(id, "CLUSTER_LIST entry"); !st.ok()) return st;
    w.bytes(id.bytes());
  }
  return {};
}

Fault decode_large_communities(Reader& v, AttributeDecodeState& s) {
  if (v.remaining() % 12 != 0) return length_fault("LARGE_COMMUNITIES", "a multiple of 12");
  std::vector<LargeCommunity> out;
  out.reserve(v.remaining() / 12);
  LargeCommunity c;
  while (v.read_u32(c.global_administrator) && v.read_u32(c.local_data_part_1) && v.read_u32(c.local_data_part_2)) {
    out.push_back(c);
  }
  s.update.attributes.large_communities = std::move(out);
  return std::nullopt;
}
bool large_communities_present(const Update& u, const Context&) {
  return !u.attributes.large_communities.empty();
}
Status encode_large_communities(const Update& u, const Context&, Writer& w) {
  for (const auto& c : u.attributes.large_communities) {
    w.u32(c.global_administrator);
    w.u32(c.local_data_part_1);
    w.u32(c.local_data_part_2);
  }
  return {};
}

// ---- MP_REACH_NLRI and MP_UNREACH_NLRI (RFC 4760; RFC 7606 §5.3, §7.11: AFI/SAFI-disable,
// or session-reset when the family cannot even be read)
Fault mp_fault(AfiSafi a, std::string reason) {
  return AttributeFault{Sub::optional_attribute_error, std::move(reason), UpdateAction::afi_safi_disable, a};
}

bool read_family(Reader& v, AfiSafi& out) {
  std::uint16_t afi = 0;
  std::uint8_t safi = 0;
  if (!v.read_u16(afi) || !v.read_u8(safi)) return false;
  out = AfiSafi{static_cast<Afi>(afi), static_cast<Safi>(safi)};
  return true;
}

Fault decode_mp_reach(Reader& v, AttributeDecodeState& s) {
  MpReachNlri mp;
  if (!read_family(v, mp.afi_safi)) {
    return AttributeFault{
        Sub::optional_attribute_error, "MP_REACH_NLRI is too short to name a family", UpdateAction::session_reset, {}};
  }
  const auto* family = find_address_family(mp.afi_safi);
  if (!family) return mp_fault(mp.afi_safi, "MP_REACH_NLRI family " + to_string(mp.afi_safi) + " is not supported");
  std::uint8_t nh_length = 0;
  std::span<const std::uint8_t> nh;
  std::uint8_t reserved = 0;  // RFC 4760 §3: ignored on receipt
  if (!v.read_u8(nh_length) || !v.read_bytes(nh_length, nh) || !v.read_u8(reserved)) {
    return mp_fault(mp.afi_safi, "MP_REACH_NLRI next hop runs past the attribute");
  }
  const auto& lengths = family->next_hop_lengths;
  if (std::find(lengths.begin(), lengths.end(), nh_length) == lengths.end()) {
    return mp_fault(mp.afi_safi, "MP_REACH_NLRI next hop length " + std::to_string(nh_length) + " is invalid for " +
                                     std::string(family->name));
  }
  const std::size_t address_size = family->family == ip::Family::v4 ? 4 : 16;
  for (std::size_t at = 0; at < nh.size(); at += address_size) {
    mp.next_hops.push_back(*ip::Address::from_bytes(nh.subspan(at, address_size)));
  }
  if (!mp.next_hops.empty() && s.context.is_local_address(mp.next_hops.front())) s.mp_next_hop_is_ours = true;
  std::string why;
  if (!decode_nlri(v, family->family, s.context.has_add_path(mp.afi_safi), mp.nlri, why)) {
    return mp_fault(mp.afi_safi, "MP_REACH_NLRI " + why);
  }
  s.update.mp_reach = std::move(mp);
  return std::nullopt;
}
bool mp_reach_present(const Update& u, const Context&) {
  return u.mp_reach.has_value();
}

Status check_nlri_family(const std::vector<Nlri>& nlri, ip::Family family, std::string_view where) {
  for (const auto& n : nlri) {
    if (n.prefix.family() != family)
      return Error{std::string(where) + " holds " + n.prefix.to_string() + " of the wrong family"};
  }
  return {};
}

Status encode_mp_reach(const Update& u, const Context& c, Writer& w) {
  const auto& mp = *u.mp_reach;
  const auto* family = find_address_family(mp.afi_safi);
  if (!family) return Error{"MP_REACH_NLRI family " + to_string(mp.afi_safi) + " is not supported"};
  std::size_t nh_length = 0;
  for (const auto& a : mp.next_hops) {
    if (a.family() != family->family)
      return Error{"MP_REACH_NLRI next hop " + a.to_string() + " is of the wrong family"};
    nh_length += a.bytes().size();
  }
  const auto& lengths = family->next_hop_lengths;
  if (std::find(lengths.begin(), lengths.end(), nh_length) == lengths.end()) {
    return Error{"MP_REACH_NLRI needs " + std::to_string(lengths.size()) + " or fewer next hops of " +
                 std::string(family->name)};
  }
  if (auto st = check_nlri_family(mp.nlri, family->family, "MP_REACH_NLRI"); !st.ok()) return st;
  w.u16(static_cast<std::uint16_t>(mp.afi_safi.afi));
  w.u8(static_cast<std::uint8_t>(mp.afi_safi.safi));
  w.u8(static_cast<std::uint8_t>(nh_length));
  for (const auto& a : mp.next_hops) w.bytes(a.bytes());
  w.u8(0);
  const bool add_path = c.has_add_path(mp.afi_safi);
  for (const auto& n : mp.nlri) encode_nlri(n, add_path, w);
  return {};
}

Fault decode_mp_unreach(Reader& v, AttributeDecodeState& s) {
  MpUnreachNlri mp;
  if (!read_family(v, mp.afi_safi)) {
    return AttributeFault{Sub::optional_attribute_error,
                          "MP_UNREACH_NLRI is too short to name a family",
                          UpdateAction::session_reset,
                          {}};
  }
  const auto* family = find_address_family(mp.afi_safi);
  if (!family) return mp_fault(mp.afi_safi, "MP_UNREACH_NLRI family " + to_string(mp.afi_safi) + " is not supported");
  std::string why;
  if (!decode_nlri(v, family->family, s.context.has_add_path(mp.afi_safi), mp.withdrawn_routes, why)) {
    return mp_fault(mp.afi_safi, "MP_UNREACH_NLRI " + why);
  }
  s.update.mp_unreach = std::move(mp);
  return std::nullopt;
}
bool mp_unreach_present(const Update& u, const Context&) {
  return u.mp_unreach.has_value();
}
Status encode_mp_unreach(const Update& u, const Context& c, Writer& w) {
  const auto& mp = *u.mp_unreach;
  const auto* family = find_address_family(mp.afi_safi);
  if (!family) return Error{"MP_UNREACH_NLRI family " + to_string(mp.afi_safi) + " is not supported"};
  if (auto st = check_nlri_family(mp.withdrawn_routes, family->family, "MP_UNREACH_NLRI"); !st.ok()) return st;
  w.u16(static_cast<std::uint16_t>(mp.afi_safi.afi));
  w.u8(static_cast<std::uint8_t>(mp.afi_safi.safi));
  const bool add_path = c.has_add_path(mp.afi_safi);
  for (const auto& n : mp.withdrawn_routes) encode_nlri(n, add_path, w);
  return {};
}

constexpr std::uint8_t kWellKnown = attribute_flags::transitive;
constexpr std::uint8_t kOptionalTransitive = attribute_flags::optional | attribute_flags::transitive;
constexpr std::uint8_t kOptionalNonTransitive = attribute_flags::optional;
using A = UpdateAction;
using T = AttributeType;

// The attribute table. Columns: type, name, required flags, action when malformed, action
// on a flags error, may the value be empty, internal only, decode, present, encode.
// MP_REACH_NLRI and MP_UNREACH_NLRI come first because they are encoded first (RFC 7606 §5.1).
constexpr std::array kAttributes{
    AttributeDescriptor{T::mp_reach_nlri, "MP_REACH_NLRI", kOptionalNonTransitive, A::afi_safi_disable,
                        A::session_reset, false, false, decode_mp_reach, mp_reach_present, encode_mp_reach},
    AttributeDescriptor{T::mp_unreach_nlri, "MP_UNREACH_NLRI", kOptionalNonTransitive, A::afi_safi_disable,
                        A::session_reset, false, false, decode_mp_unreach, mp_unreach_present, encode_mp_unreach},
    AttributeDescriptor{T::origin, "ORIGIN", kWellKnown, A::treat_as_withdraw, A::treat_as_withdraw, false, false,
                        decode_origin, origin_present, encode_origin},
    AttributeDescriptor{T::as_path, "AS_PATH", kWellKnown, A::treat_as_withdraw, A::treat_as_withdraw, true, false,
                        decode_as_path, as_path_present, encode_as_path},
    AttributeDescriptor{T::next_hop, "NEXT_HOP", kWellKnown, A::treat_as_withdraw, A::treat_as_withdraw, false, false,
                        decode_next_hop, next_hop_present, encode_next_hop},
    AttributeDescriptor{T::multi_exit_disc, "MULTI_EXIT_DISC", kOptionalNonTransitive, A::treat_as_withdraw,
                        A::treat_as_withdraw, false, false, decode_med, med_present, encode_med},
    AttributeDescriptor{T::local_pref, "LOCAL_PREF", kWellKnown, A::treat_as_withdraw, A::treat_as_withdraw, false,
                        true, decode_local_pref, local_pref_present, encode_local_pref},
    AttributeDescriptor{T::atomic_aggregate, "ATOMIC_AGGREGATE", kWellKnown, A::attribute_discard, A::attribute_discard,
                        true, false, decode_atomic_aggregate, atomic_aggregate_present, encode_nothing},
    AttributeDescriptor{T::aggregator, "AGGREGATOR", kOptionalTransitive, A::attribute_discard, A::attribute_discard,
                        false, false, decode_aggregator, aggregator_present, encode_aggregator},
    AttributeDescriptor{T::communities, "COMMUNITIES", kOptionalTransitive, A::treat_as_withdraw, A::treat_as_withdraw,
                        false, false, decode_communities, communities_present, encode_communities},
    AttributeDescriptor{T::originator_id, "ORIGINATOR_ID", kOptionalNonTransitive, A::treat_as_withdraw,
                        A::treat_as_withdraw, false, true, decode_originator_id, originator_id_present,
                        encode_originator_id},
    AttributeDescriptor{T::cluster_list, "CLUSTER_LIST", kOptionalNonTransitive, A::treat_as_withdraw,
                        A::treat_as_withdraw, false, true, decode_cluster_list, cluster_list_present,
                        encode_cluster_list},
    AttributeDescriptor{T::as4_path, "AS4_PATH", kOptionalTransitive, A::attribute_discard, A::attribute_discard, false,
                        false, decode_as4_path, needs_as4_path, encode_as4_path},
    AttributeDescriptor{T::as4_aggregator, "AS4_AGGREGATOR", kOptionalTransitive, A::attribute_discard,
                        A::attribute_discard, false, false, decode_as4_aggregator, needs_as4_aggregator,
                        encode_as4_aggregator},
    AttributeDescriptor{T::large_communities, "LARGE_COMMUNITIES", kOptionalTransitive, A::treat_as_withdraw,
                        A::treat_as_withdraw, false, false, decode_large_communities, large_communities_present,
                        encode_large_communities},
};

bool is_mp(std::uint8_t code) {
  return code == static_cast<std::uint8_t>(T::mp_reach_nlri) || code == static_cast<std::uint8_t>(T::mp_unreach_nlri);
}

// RFC 4271 §6.3: these subcodes carry the erroneous attribute (type, length, value) as data.
bool carries_attribute(Sub s) {
  return s == Sub::unrecognized_well_known_attribute || s == Sub::attribute_flags_error ||
         s == Sub::attribute_length_error || s == Sub::invalid_origin_attribute ||
         s == Sub::invalid_next_hop_attribute || s == Sub::optional_attribute_error;
}

void record(UpdateVerdict& verdict, UpdateAction action, std::uint8_t type, Sub subcode,
            std::span<const std::uint8_t> attribute, std::string reason, std::optional<AfiSafi> afi_safi = {}) {
  std::vector<std::uint8_t> data;
  if (carries_attribute(subcode)) data.assign(attribute.begin(), attribute.end());
  verdict.add(UpdateProblem{action, type, Notification::update(subcode, std::move(data)), afi_safi, std::move(reason)});
}

std::string attribute_name(std::uint8_t code) {
  if (const auto* d = find_attribute(code)) return std::string(d->name);
  return "attribute " + std::to_string(code);
}

// RFC 6793 §4.2.3, after every attribute of a 2-octet peer's UPDATE has been read.
void merge_as4(AttributeDecodeState& s) {
  auto& attrs = s.update.attributes;
  if (s.as4_aggregator && attrs.aggregator) {
    if (attrs.aggregator->asn != kAsTrans) return;  // a real 2-octet aggregator: both AS4 attributes are stale
    attrs.aggregator = s.as4_aggregator;
  }
  if (s.as4_path && attrs.as_path) attrs.as_path = merge_as4_path(*attrs.as_path, *s.as4_path);
}

}  // namespace

const AttributeDescriptor* find_attribute(std::uint8_t type_code) {
  for (const auto& d : kAttributes) {
    if (static_cast<std::uint8_t>(d.type) == type_code) return &d;
  }
  return nullptr;
}

std::span<const AttributeDescriptor> attribute_descriptors() {
  return kAttributes;
}

std::bitset<256> decode_path_attributes(std::span<const std::uint8_t> bytes, const Context& context, Update& update,
                                        UpdateVerdict& verdict) {
  AttributeDecodeState state{context, update, {}, {}};
  std::bitset<256> seen;
  std::span<const std::uint8_t> next_hop_attribute;
  std::span<const std::uint8_t> mp_reach_attribute;
  Reader r(bytes);
  while (!r.empty()) {
    const std::size_t start = r.offset();
    std::uint8_t flags = 0;
    std::uint8_t code = 0;
    std::uint16_t length = 0;
    std::uint8_t short_length = 0;
    bool header_ok = r.read_u8(flags) && r.read_u8(code);
    if (header_ok) {
      header_ok = (flags & attribute_flags::extended_length) ? r.read_u16(length) : r.read_u8(short_length);
      if (!(flags & attribute_flags::extended_length)) length = short_length;
    }
    Reader value;
    if (!header_ok || !r.read_reader(length, value)) {
      // RFC 7606 §4: the attribute runs past the attribute list. Treat-as-withdraw, since
      // Total Path Attribute Length still locates the NLRI, unless the attribute was an MP
      // one, whose NLRI are then lost.
      auto rest = bytes.subspan(start);
      const bool mp = header_ok && is_mp(code);
      record(verdict, mp ? UpdateAction::session_reset : UpdateAction::treat_as_withdraw, header_ok ? code : 0,
             header_ok ? Sub::attribute_length_error : Sub::malformed_attribute_list, rest,
             header_ok ? attribute_name(code) + " length " + std::to_string(length) + " runs past the attribute list"
                       : "attribute header is truncated");
      break;
    }
    const auto attribute = bytes.subspan(start, r.offset() - start);

    if (seen[code]) {
      // RFC 7606 §3 g: repeated MP attributes reset the session; other repeats are dropped.
      if (is_mp(code)) {
        record(verdict, UpdateAction::session_reset, code, Sub::malformed_attribute_list, attribute,
               attribute_name(code) + " appears more than once");
      } else {
        record(verdict, UpdateAction::attribute_discard, code, Sub::malformed_attribute_list, attribute,
               attribute_name(code) + " appears more than once; the repeat is discarded");
      }
      continue;
    }
    seen[code] = true;

    const auto* d = find_attribute(code);
    if (!d) {
      if (!(flags & attribute_flags::optional)) {
        record(verdict, UpdateAction::session_reset, code, Sub::unrecognized_well_known_attribute, attribute,
               "well-known attribute " + std::to_string(code) + " is not recognized");
      } else if (flags & attribute_flags::transitive) {
        auto v = value.read_rest();
        update.attributes.unknown.push_back(RawAttribute{code, std::vector<std::uint8_t>(v.begin(), v.end())});
      }
      // Unrecognized optional non-transitive attributes are quietly ignored (RFC 4271 §5).
      continue;
    }
    // RFC 4271 §5.1.5 and RFC 7606 §7.5, §7.9, §7.10: what one AS says about its own
    // preferences and reflection topology is ignored from another, even when malformed.
    if (d->internal_only && context.external_peer) continue;
    const std::uint8_t ot = attribute_flags::optional | attribute_flags::transitive;
    if ((flags & ot) != d->flags) {
      record(verdict, d->on_flags_error, code, Sub::attribute_flags_error, attribute,
             fmt::format("{} flags {:#04x} conflict with its type", d->name, flags));
      continue;
    }
    Fault f;
    if (value.empty() && !d->may_be_empty) {
      // RFC 4760 §7: whatever makes an MP attribute incorrect is an Optional Attribute
      // Error, an empty one too (as when it is one or two octets short of a family).
      f = fault(is_mp(code) ? Sub::optional_attribute_error : Sub::attribute_length_error,
                std::string(d->name) + " is empty");
    } else {
      f = d->decode(value, state);
      if (!f && !value.empty()) f = fault(Sub::attribute_length_error, std::string(d->name) + " has trailing octets");
    }
    if (f) {
      auto action = f->action.value_or(d->on_malformed);
      if (action == UpdateAction::afi_safi_disable && !f->afi_safi) action = UpdateAction::session_reset;
      record(verdict, action, code, f->subcode, attribute, std::move(f->reason), f->afi_safi);
    }
    if (d->type == AttributeType::next_hop) next_hop_attribute = attribute;
    if (d->type == AttributeType::mp_reach_nlri) mp_reach_attribute = attribute;
  }
  const auto& originator = update.attributes.originator_id;
  const bool reflected_back = originator && context.local_identifier && *originator == *context.local_identifier;
  if (state.next_hop_is_ours && !reflected_back) {
    const auto code = static_cast<std::uint8_t>(AttributeType::next_hop);
    record(verdict, UpdateAction::treat_as_withdraw, code, Sub::invalid_next_hop_attribute, next_hop_attribute,
           "NEXT_HOP " + update.attributes.next_hop->to_string() + " is this speaker's own address");
    update.attributes.next_hop.reset();
  }
  // RFC 4760 names no error for it, so RFC 4271 §6.3 holds as for NEXT_HOP: the routes
  // MP_REACH_NLRI carries are ignored (withdrawn), the family stays up.
  if (state.mp_next_hop_is_ours && !reflected_back && update.mp_reach) {
    const auto code = static_cast<std::uint8_t>(AttributeType::mp_reach_nlri);
    record(verdict, UpdateAction::treat_as_withdraw, code, Sub::invalid_next_hop_attribute, mp_reach_attribute,
           "MP_REACH_NLRI next hop " + update.mp_reach->next_hops.front().to_string() +
               " is this speaker's own address");
  }
  if (!context.four_octet_as) merge_as4(state);
  std::sort(update.attributes.unknown.begin(), update.attributes.unknown.end(),
            [](const RawAttribute& a, const RawAttribute& b) { return a.type_code < b.type_code; });
  return seen;
}

namespace {

Status write_attribute(std::uint8_t flags, std::uint8_t code, std::span<const std::uint8_t> value, Writer& w) {
  if (value.size() > 0xffff)
    return Error{attribute_name(code) + " of " + std::to_string(value.size()) + " octets is too long"};
  const bool extended = value.size() > 0xff;
  w.u8(static_cast<std::uint8_t>(flags | (extended ? attribute_flags::extended_length : 0)));
  w.u8(code);
  if (extended) {
    w.u16(static_cast<std::uint16_t>(value.size()));
  } else {
    w.u8(static_cast<std::uint8_t>(value.size()));
  }
  w.bytes(value);
  return {};
}

// `value` is scratch space, reused across the attributes of one message.
Status encode_one(const AttributeDescriptor& d, const Update& update, const Context& context,
                  std::vector<std::uint8_t>& value, Writer& w) {
  if (!d.present(update, context)) return {};
  value.clear();
  Writer vw(value);
  if (auto st = d.encode(update, context, vw); !st.ok()) return st;
  return write_attribute(d.flags, static_cast<std::uint8_t>(d.type), value, w);
}

// The descriptors other than MP_REACH_NLRI and MP_UNREACH_NLRI in type code order, the
// order they are encoded in (looked up once, not per type code per message).
using OrderedDescriptors = std::array<const AttributeDescriptor*, kAttributes.size() - 2>;
const OrderedDescriptors& by_type_code() {
  static const OrderedDescriptors ordered = [] {
    OrderedDescriptors out{};
    std::size_t n = 0;
    for (const auto& d : kAttributes)
      if (!is_mp(static_cast<std::uint8_t>(d.type))) out[n++] = &d;
    std::sort(out.begin(), out.end(), [](const auto* a, const auto* b) { return a->type < b->type; });
    return out;
  }();
  return ordered;
}

}  // namespace

Status encode_path_attributes(const Update& update, const Context& context, Writer& w) {
  for (const auto& raw : update.attributes.unknown) {
    if (find_attribute(raw.type_code)) {
      return Error{"unknown attribute list holds " + attribute_name(raw.type_code) + ", which has its own field"};
    }
  }
  std::vector<std::uint8_t> value;
  for (const auto& d : kAttributes) {
    if (is_mp(static_cast<std::uint8_t>(d.type))) {
      if (auto st = encode_one(d, update, context, value, w); !st.ok()) return st;
    }
  }
  // Then the rest by type code, the unknown ones (each code's in list order) among them.
  // A type code of 0 is reserved, but a peer's raw 0 is still passed on.
  std::vector<const RawAttribute*> raws;
  for (const auto& raw : update.attributes.unknown) raws.push_back(&raw);
  std::stable_sort(raws.begin(), raws.end(), [](const auto* a, const auto* b) { return a->type_code < b->type_code; });
  std::size_t next_raw = 0;
  auto raws_before = [&](int code) -> Status {
    for (; next_raw < raws.size() && raws[next_raw]->type_code < code; ++next_raw) {
      const RawAttribute& raw = *raws[next_raw];
      if (auto st = write_attribute(kOptionalTransitive | attribute_flags::partial, raw.type_code, raw.value, w);
          !st.ok())
        return st;
    }
    return {};
  };
  for (const auto* d : by_type_code()) {
    if (auto st = raws_before(static_cast<std::uint8_t>(d->type)); !st.ok()) return st;
    if (auto st = encode_one(*d, update, context, value, w); !st.ok()) return st;
  }
  return raws_before(256);
}

namespace {
void mix(std::size_t& h, std::size_t v) {
  h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
}
}  // namespace

std::size_t PathAttributes::hash() const {
  std::size_t h = 0;
  mix(h, origin ? static_cast<std::size_t>(*origin) + 1 : 0);
  if (as_path) {
    for (const auto& s : as_path->segments) {
      mix(h, static_cast<std::size_t>(s.type));
      for (auto as : s.asns) mix(h, as);
    }
  }
  mix(h, next_hop ? next_hop->hash() : 0);
  mix(h, multi_exit_disc ? *multi_exit_disc + 1ull : 0);
  mix(h, local_pref ? *local_pref + 1ull : 0);
  mix(h, atomic_aggregate);
  if (aggregator) {
    mix(h, aggregator->asn);
    mix(h, aggregator->address.hash());
  }
  for (auto c : communities) mix(h, c);
  mix(h, originator_id ? originator_id->hash() : 0);
  for (const auto& id : cluster_list) mix(h, id.hash());
  for (const auto& c : large_communities) {
    mix(h, c.global_administrator);
    mix(h, c.local_data_part_1);
    mix(h, c.local_data_part_2);
  }
  for (const auto& raw : unknown) {
    mix(h, raw.type_code);
    for (auto b : raw.value) mix(h, b);
  }
  return h;
}

}  // namespace sluice::bgp
