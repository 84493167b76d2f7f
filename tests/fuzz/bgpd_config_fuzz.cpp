// bgpd's configuration file fed arbitrary bytes: it is refused with an error, or it is a
// configuration that validates, maps onto sessions that the FSM accepts, differs from
// itself in nothing, and whose policies evaluate routes without trouble.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "bgpd/config/config_file.hpp"
#include "bgpd/config/diff.hpp"
#include "bgpd/config/mapping.hpp"

namespace {

using namespace sluice;
using namespace sluice::bgp;

void check(bool ok) {
  if (!ok) std::abort();
}

// A handful of routes through every policy, both ways, to run the matchers and actions.
void exercise(const config::Config& c) {
  auto library = policy::PolicyLibrary::compile(c.policy);
  check(library.ok());
  const ip::Prefix prefixes[] = {*ip::Prefix::parse("10.244.1.0/26"), *ip::Prefix::parse("0.0.0.0/0"),
                                 *ip::Prefix::parse("fd00:10::/64")};
  const ip::Address neighbor = *ip::Address::parse("10.0.0.1");
  rib::RouteAttributes attrs;
  attrs.path.origin = Origin::igp;
  attrs.path.as_path = AsPath{{{AsPathSegmentType::as_sequence, {65001, 65002}}, {AsPathSegmentType::as_set, {7, 8}}}};
  attrs.path.communities = {kNoExport, (65000u << 16) | 100};
  attrs.path.large_communities = {{65000, 1, 2}};
  attrs.next_hop = neighbor;
  const policy::SelfAddress self = [](rib::PeerId, AfiSafi family) -> std::optional<ip::Address> {
    return family == kIpv4Unicast ? ip::Address::parse("10.0.0.254").value() : ip::Address::parse("fd00::fe").value();
  };
  for (const auto& [name, unused] : c.policy.policies) {
    auto compiled = library->find(name);
    check(compiled != nullptr);
    for (const auto& p : prefixes) {
      for (auto direction : {policy::Direction::inbound, policy::Direction::outbound}) {
        policy::RouteContext route;
        route.direction = direction;
        route.family = p.family() == ip::Family::v4 ? kIpv4Unicast : kIpv6Unicast;
        route.prefix = &p;
        route.neighbor = &neighbor;
        route.peer_kind = policy::PeerKind::ebgp;
        route.source = direction == policy::Direction::inbound ? policy::PeerKind::ebgp : policy::PeerKind::local;
        route.local_as = c.speaker.as_number;
        route.peer_id = 1;
        route.self = &self;
        rib::RouteEditor editor(attrs);
        (void)compiled->evaluate(route, editor);
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  config::ParseOptions options;
  options.read_file = [](const std::string&) -> Result<std::string> { return std::string("fuzz-key\n"); };
  auto parsed = config::parse_config(input, options);
  if (!parsed.ok()) {
    check(!parsed.error().message.empty());
    return 0;
  }
  const config::Config& c = *parsed;
  check(config::validate(c).ok());
  check(config::diff(c, c).empty());
  auto settings = config::speaker_settings(c);
  check(settings.ok());
  for (const auto& n : settings->neighbors) check(validate(n.session).ok());
  for (const auto& r : settings->listen_ranges) check(validate(r.neighbor.session).ok());
  exercise(c);
  return 0;
}
