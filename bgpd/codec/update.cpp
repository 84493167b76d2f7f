#include "bgpd/codec/update.hpp"

#include <algorithm>
#include <string>

#include "bgpd/codec/buffer.hpp"
#include "bgpd/codec/nlri.hpp"

namespace sluice::bgp {
namespace {

using Sub = UpdateErrorSubcode;

void reset(UpdateVerdict& verdict, Sub subcode, std::string reason) {
  verdict.add(UpdateProblem{UpdateAction::session_reset, 0, Notification::update(subcode), {}, std::move(reason)});
}

// RFC 7606 §3 d: a missing well-known mandatory attribute is treat-as-withdraw; the
// RFC 4271 §6.3 NOTIFICATION would carry the type code.
void check_mandatory(const Update& u, const std::bitset<256>& seen, UpdateVerdict& verdict) {
  const bool reaches = !u.nlri.empty() || (u.mp_reach && !u.mp_reach->nlri.empty());
  if (!reaches) return;
  auto require = [&](AttributeType type, std::string_view name) {
    auto code = static_cast<std::uint8_t>(type);
    if (seen[code]) return;
    verdict.add(UpdateProblem{UpdateAction::treat_as_withdraw,
                              code,
                              Notification::update(Sub::missing_well_known_attribute, {code}),
                              {},
                              "UPDATE with NLRI lacks " + std::string(name)});
  };
  require(AttributeType::origin, "ORIGIN");
  require(AttributeType::as_path, "AS_PATH");
  // RFC 4760 §3: NEXT_HOP is required only for NLRI in the message body.
  if (!u.nlri.empty()) require(AttributeType::next_hop, "NEXT_HOP");
}

// RFC 7606 §5.2: an UPDATE with path attributes besides MP_UNREACH_NLRI but no reachable
// NLRI gives no assurance that its NLRI were located, so any error asking for more than
// attribute discard resets the session. An MP_REACH_NLRI that could not be read still
// counts as reachable NLRI: its family is disabled, which drops them all.
void require_reachable_nlri(const Update& u, const std::bitset<256>& seen, UpdateVerdict& verdict) {
  if (verdict.action <= UpdateAction::attribute_discard || verdict.action == UpdateAction::session_reset) return;
  if (!u.nlri.empty() || (u.mp_reach && !u.mp_reach->nlri.empty())) return;
  if (seen[static_cast<std::size_t>(AttributeType::mp_reach_nlri)] && !u.mp_reach) return;
  constexpr auto kMpUnreach = static_cast<std::uint8_t>(AttributeType::mp_unreach_nlri);
  auto others = seen;
  others.reset(kMpUnreach);
  // An attribute that ran past the list, or whose header could not be read, is not in `seen`.
  const bool unlisted = std::any_of(verdict.problems.begin(), verdict.problems.end(),
                                    [](const UpdateProblem& p) { return p.attribute_type != kMpUnreach; });
  if (others.none() && !unlisted) return;
  UpdateVerdict escalated;
  for (auto p : verdict.problems) {
    if (p.action > UpdateAction::attribute_discard) {
      p.action = UpdateAction::session_reset;
      p.reason += " (in an UPDATE without reachable NLRI, RFC 7606 §5.2)";
    }
    escalated.add(std::move(p));
  }
  verdict = std::move(escalated);
}

}  // namespace

Update Update::end_of_rib(AfiSafi afi_safi) {
  Update u;
  if (afi_safi != kIpv4Unicast) u.mp_unreach = MpUnreachNlri{afi_safi, {}};
  return u;
}

std::optional<AfiSafi> Update::end_of_rib_family() const {
  if (!withdrawn_routes.empty() || !nlri.empty() || mp_reach || !(attributes == PathAttributes{})) return std::nullopt;
  if (!mp_unreach) return kIpv4Unicast;
  if (mp_unreach->withdrawn_routes.empty()) return mp_unreach->afi_safi;
  return std::nullopt;
}

DecodedUpdate decode_update(std::span<const std::uint8_t> body, const Context& context) {
  DecodedUpdate out;
  auto& verdict = out.verdict;
  Reader r(body);
  const bool add_path_v4 = context.has_add_path(kIpv4Unicast);
  std::uint16_t withdrawn_length = 0;
  Reader withdrawn;
  if (!r.read_u16(withdrawn_length) || !r.read_reader(withdrawn_length, withdrawn)) {
    reset(verdict, Sub::malformed_attribute_list, "Withdrawn Routes Length overruns the message");
    return out;
  }
  std::uint16_t attributes_length = 0;
  std::span<const std::uint8_t> attributes;
  if (!r.read_u16(attributes_length) || !r.read_bytes(attributes_length, attributes)) {
    reset(verdict, Sub::malformed_attribute_list, "Total Path Attribute Length overruns the message");
    return out;
  }
  // RFC 7606 §5.3: NLRI that cannot be parsed leave no way to treat them as withdrawn.
  std::string why;
  if (!decode_nlri(withdrawn, ip::Family::v4, add_path_v4, out.update.withdrawn_routes, why)) {
    reset(verdict, Sub::invalid_network_field, "Withdrawn Routes: " + why);
    return out;
  }
  if (!decode_nlri(r, ip::Family::v4, add_path_v4, out.update.nlri, why)) {
    reset(verdict, Sub::invalid_network_field, "NLRI: " + why);
    return out;
  }
  auto seen = decode_path_attributes(attributes, context, out.update, verdict);
  check_mandatory(out.update, seen, verdict);
  require_reachable_nlri(out.update, seen, verdict);
  return out;
}

Result<std::vector<std::uint8_t>> encode_update(const Update& update, const Context& context) {
  for (const auto* list : {&update.withdrawn_routes, &update.nlri}) {
    for (const auto& n : *list) {
      if (!n.prefix.network().is_v4()) return Error{"UPDATE body NLRI " + n.prefix.to_string() + " is not IPv4"};
    }
  }
  const bool add_path_v4 = context.has_add_path(kIpv4Unicast);
  std::vector<std::uint8_t> out;
  Writer w(out);
  std::size_t at = w.reserve_u16();
  for (const auto& n : update.withdrawn_routes) encode_nlri(n, add_path_v4, w);
  if (auto st = w.patch_u16_length(at); !st.ok()) return st.error().context("Withdrawn Routes");
  at = w.reserve_u16();
  if (auto st = encode_path_attributes(update, context, w); !st.ok()) return st.error();
  if (auto st = w.patch_u16_length(at); !st.ok()) return st.error().context("Path Attributes");
  for (const auto& n : update.nlri) encode_nlri(n, add_path_v4, w);
  if (kHeaderLength + out.size() > context.max_message_length()) {
    return Error{"UPDATE of " + std::to_string(kHeaderLength + out.size()) + " octets exceeds the maximum of " +
                 std::to_string(context.max_message_length())};
  }
  return out;
}

}  // namespace sluice::bgp
