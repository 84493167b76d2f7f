#include "rib_test_support.hpp"

#include <doctest/doctest.h>

namespace sluice::bgp::rib::testing {

RibConfig config() {
  RibConfig c;
  c.speaker.local_as = kLocalAs;
  c.speaker.router_id = address("10.0.0.1");
  return c;
}

PathAttributes path(std::initializer_list<std::uint32_t> as_path, Origin origin) {
  PathAttributes a;
  a.origin = origin;
  a.as_path = AsPath{};
  if (as_path.size() > 0) a.as_path->segments.push_back({AsPathSegmentType::as_sequence, as_path});
  return a;
}

RouteAttributes route(std::string_view next_hop, std::initializer_list<std::uint32_t> as_path) {
  return RouteAttributes{path(as_path), address(next_hop), std::nullopt};
}

PeerInfo peer(std::string_view peer_address, std::uint32_t remote_as) {
  PeerInfo info;
  info.address = address(peer_address);
  info.remote_as = remote_as;
  return info;
}

PeerSession session(std::string_view router_id, std::string_view next_hop_self, std::vector<AfiSafi> families) {
  PeerSession s;
  s.router_id = address(router_id);
  s.families = std::move(families);
  s.send_context = bgp::testing::four_octet();
  s.next_hop_self_ipv4 = address(next_hop_self);
  s.next_hop_self_ipv6 = address("2001:db8::1");
  return s;
}

Update announce(PathAttributes attributes, std::string_view next_hop, std::initializer_list<std::string_view> prefixes,
                std::uint32_t path_id) {
  Update u;
  u.attributes = std::move(attributes);
  for (auto text : prefixes) {
    Nlri n{prefix(text), path_id};
    if (n.prefix.family() == ip::Family::v4) {
      u.attributes.next_hop = address(next_hop);
      u.nlri.push_back(n);
    } else {
      if (!u.mp_reach) u.mp_reach = MpReachNlri{kIpv6Unicast, {address(next_hop)}, {}};
      u.mp_reach->nlri.push_back(n);
    }
  }
  return u;
}

Update withdraw(std::initializer_list<std::string_view> prefixes, std::uint32_t path_id) {
  Update u;
  for (auto text : prefixes) {
    Nlri n{prefix(text), path_id};
    if (n.prefix.family() == ip::Family::v4) {
      u.withdrawn_routes.push_back(n);
    } else {
      if (!u.mp_unreach) u.mp_unreach = MpUnreachNlri{kIpv6Unicast, {}};
      u.mp_unreach->withdrawn_routes.push_back(n);
    }
  }
  return u;
}

void Receiver::receive(const Update& update) {
  auto bytes = encode_update(update, context_);
  REQUIRE_MESSAGE(bytes.ok(), bytes.error().message);
  CHECK(bytes->size() + kHeaderLength <= context_.max_message_length());
  auto decoded = decode_update(*bytes, context_);
  REQUIRE(decoded.verdict.ok());
  CHECK(decoded.update == update);
  const Update& u = decoded.update;
  updates_.push_back(u);
  if (auto family = u.end_of_rib_family()) {
    end_of_rib_.push_back(*family);
    return;
  }
  for (const auto& n : u.withdrawn_routes) routes_.erase(n);
  if (u.mp_unreach) {
    for (const auto& n : u.mp_unreach->withdrawn_routes) routes_.erase(n);
  }
  for (const auto& n : u.nlri) routes_[n] = ReceivedRoute{u.attributes, {}};
  if (u.mp_reach) {
    for (const auto& n : u.mp_reach->nlri) routes_[n] = ReceivedRoute{u.attributes, u.mp_reach->next_hops};
  }
}

std::size_t Receiver::drain(Rib& rib, PeerId peer) {
  std::size_t n = 0;
  while (auto update = rib.next_update(peer)) {
    receive(*update);
    ++n;
  }
  return n;
}

const ReceivedRoute* Receiver::find(std::string_view text, std::uint32_t path_id) const {
  auto it = routes_.find(Nlri{prefix(text), path_id});
  return it == routes_.end() ? nullptr : &it->second;
}

void Lab::up(PeerId id, PeerSession s) {
  Context context = s.send_context;
  rib.session_established(id, std::move(s));
  receivers_.erase(id);
  receivers_.emplace(id, Receiver(context));
  sync();
}

void Lab::sync() {
  rib.process();
  for (auto& [id, receiver] : receivers_) {
    if (rib.established(id)) receiver.drain(rib, id);
  }
}

}  // namespace sluice::bgp::rib::testing
