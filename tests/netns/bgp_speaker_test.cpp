// Two Sluice speakers over the loopback of a namespace created for the test: sessions
// come up and carry routes both ways; TCP MD5 with a matching key lets a session up and a
// wrong key keeps it down; GTSM lets a directly connected peer in; a stopped speaker's
// routes leave its peer; a reload that changes only policy keeps the session up; bgpctl's
// requests are answered over the control socket; the per-peer metrics follow it all; a
// peer's status says since when it is in its state.
#include <utility>  // boost/asio/awaitable.hpp (1.74) needs std::exchange

#include <doctest/doctest.h>

#include <chrono>
#include <functional>
#include <future>

#include <boost/asio/io_context.hpp>

#include "base/metrics/registry.hpp"
#include "base/metrics/text_format.hpp"
#include "base/netlink/netns.hpp"
#include "bgpd/bgpctl/bgpctl.hpp"
#include "bgpd/config/config_file.hpp"
#include "bgpd/config/mapping.hpp"
#include "bgpd/control/control_api.hpp"
#include "bgpd/control/control_server.hpp"
#include "bgpd/daemon/bgp_metrics.hpp"
#include "bgpd/speaker/speaker.hpp"
#include "tests/support/namespaces.hpp"
#include "tests/support/run_until.hpp"
#include "tests/support/temp_dir.hpp"

using namespace sluice;
using namespace sluice::bgp;
using namespace std::chrono_literals;
using sluice::testing::run_until;

namespace {

ip::Address A(std::string_view s) { return *ip::Address::parse(s); }
ip::Prefix P(std::string_view s) { return *ip::Prefix::parse(s); }

// The test thread inside a fresh namespace for the whole test.
struct InNamespace {
  testing::TestNetns ns{"bgp"};
  netlink::Netns handle = netlink::Netns::open(ns.name()).value();
  netlink::NetnsEntry entry = netlink::NetnsEntry::enter(handle).value();
  InNamespace() { ns.exec_checked({"ip", "addr", "add", "127.0.0.2/8", "dev", "lo"}); }
};

SpeakerSettings speaker(std::uint32_t as, std::string_view router_id, std::string_view listen) {
  SpeakerSettings s;
  s.rib.speaker.local_as = as;
  s.rib.speaker.router_id = A(router_id);
  s.listen.push_back(*ip::Endpoint::parse(listen));
  return s;
}

NeighborSettings neighbor(const SpeakerSettings& local, std::string_view address, std::uint32_t as,
                          std::uint16_t port, std::string_view source) {
  NeighborSettings n;
  n.address = A(address);
  n.port = port;
  n.source_address = A(source);
  n.session.local_as = local.rib.speaker.local_as;
  n.session.local_identifier = local.rib.speaker.router_id;
  n.session.peer_as = as;
  n.session.hold_time = 9;
  n.session.connect_retry_time = 1s;
  n.session.idle_hold.base = 200ms;
  n.session.idle_hold.cap = 1s;
  n.session.capabilities.multiprotocol = {kIpv4Unicast};
  n.peer.address = n.address;
  n.peer.remote_as = as;
  n.ttl = 64;  // over loopback; GTSM tests set gtsm_hops instead
  return n;
}

OriginatedRoute originate(std::string_view prefix) {
  OriginatedRoute r;
  r.prefix = P(prefix);
  r.attributes.path.origin = Origin::igp;
  return r;
}

// The value of one series in Prometheus text, -1 when absent.
double series_value(const std::string& text, const std::string& series) {
  const auto at = text.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + series.size() + 2));
}

const rib::Path* best(Speaker& s, std::string_view prefix) {
  auto* table = s.rib().loc_rib(kIpv4Unicast);
  auto index = table->find(P(prefix));
  return index ? table->best(*index) : nullptr;
}

struct Pair {
  SpeakerSettings a = speaker(65001, "1.1.1.1", "127.0.0.1:17901");
  SpeakerSettings b = speaker(65002, "2.2.2.2", "127.0.0.2:17902");
  Pair() {
    a.neighbors.push_back(neighbor(a, "127.0.0.2", 65002, 17902, "127.0.0.1"));
    b.neighbors.push_back(neighbor(b, "127.0.0.1", 65001, 17901, "127.0.0.2"));
    a.originate.push_back(originate("10.1.0.0/24"));
    b.originate.push_back(originate("10.2.0.0/24"));
  }
};

}  // namespace

TEST_CASE("two speakers: the session comes up and routes go both ways") {
  InNamespace here;
  boost::asio::io_context io;
  Pair pair;
  auto a = Speaker::start(io, pair.a);
  REQUIRE_MESSAGE(a.ok(), a.error().message);
  auto b = Speaker::start(io, pair.b);
  REQUIRE_MESSAGE(b.ok(), b.error().message);
  auto both_up = [&] {
    return (*a)->peer(A("127.0.0.2"))->established() && (*b)->peer(A("127.0.0.1"))->established();
  };
  REQUIRE(run_until(io, both_up, 15s));
  REQUIRE(run_until(io, [&] { return best(**b, "10.1.0.0/24") && best(**a, "10.2.0.0/24"); }, 5s));
  const auto learned = (*b)->rib().loc_rib(kIpv4Unicast)->attributes(*best(**b, "10.1.0.0/24"))->value();
  REQUIRE(learned.path.as_path);
  CHECK(learned.path.as_path->segments.front().asns == std::vector<std::uint32_t>{65001});
  CHECK(learned.next_hop == A("127.0.0.1"));

  auto status = (*b)->peer(A("127.0.0.1"))->status();
  CHECK(status.state == SessionState::established);
  CHECK(status.prefixes_accepted == 1);
  CHECK(status.prefixes_advertised == 1);
  CHECK(status.router_id == A("1.1.1.1"));
  // Both speakers connect at once, so there may have been a collision: one OPEN or two.
  CHECK(status.counters.messages_in[static_cast<std::size_t>(MessageType::open)] >= 1);
  CHECK(status.counters.messages_in[static_cast<std::size_t>(MessageType::update)] >= 1);

  // A stops: B's route from it goes.
  (*a)->stop("maintenance");
  REQUIRE(run_until(io, [&] { return !(*b)->peer(A("127.0.0.1"))->established(); }, 5s));
  REQUIRE(run_until(io, [&] { return best(**b, "10.1.0.0/24") == nullptr; }, 5s));
  auto down = (*b)->peer(A("127.0.0.1"))->status().last_down;
  REQUIRE(down);
  CHECK(down->kind == DownReason::Kind::notification_received);
}

TEST_CASE("two speakers: TCP MD5 with the same key connects, with another key does not") {
  InNamespace here;
  for (bool same_key : {true, false}) {
    CAPTURE(same_key);
    boost::asio::io_context io;
    Pair pair;
    pair.a.neighbors[0].md5_password = "s3cret";
    pair.b.neighbors[0].md5_password = same_key ? "s3cret" : "other";
    auto a = Speaker::start(io, pair.a);
    REQUIRE_MESSAGE(a.ok(), a.error().message);
    auto b = Speaker::start(io, pair.b);
    REQUIRE_MESSAGE(b.ok(), b.error().message);
    auto up = [&] { return (*a)->peer(A("127.0.0.2"))->established() && (*b)->peer(A("127.0.0.1"))->established(); };
    if (same_key) {
      CHECK(run_until(io, up, 15s));
    } else {
      CHECK_FALSE(run_until(io, up, 4s));
    }
  }
}

TEST_CASE("two speakers: GTSM admits a directly connected peer") {
  InNamespace here;
  boost::asio::io_context io;
  Pair pair;
  pair.a.neighbors[0].gtsm_hops = 1;
  pair.b.neighbors[0].gtsm_hops = 1;
  auto a = Speaker::start(io, pair.a);
  REQUIRE(a.ok());
  auto b = Speaker::start(io, pair.b);
  REQUIRE(b.ok());
  CHECK(run_until(io, [&] { return (*a)->peer(A("127.0.0.2"))->established(); }, 15s));
}

TEST_CASE("two speakers: a reload keeps unchanged sessions, resets changed ones, and adds and removes") {
  InNamespace here;
  boost::asio::io_context io;
  Pair pair;
  auto a = Speaker::start(io, pair.a);
  REQUIRE(a.ok());
  auto b = Speaker::start(io, pair.b);
  REQUIRE(b.ok());
  REQUIRE(run_until(io, [&] { return (*b)->peer(A("127.0.0.1"))->established(); }, 15s));
  const auto flaps_before = (*b)->peer(A("127.0.0.1"))->status().flaps;

  // Same session, a new export policy that drops everything: the session stays up and the
  // route is withdrawn.
  auto next = pair.a;
  next.neighbors[0].peer.export_policy = [](const rib::ExportRoute&, rib::RouteEditor&) {
    return rib::PolicyVerdict::reject;
  };
  auto report = (*a)->reload(next);
  REQUIRE(report.ok());
  CHECK(report->restarted.empty());
  CHECK(report->added.empty());
  REQUIRE(run_until(io, [&] { return best(**b, "10.1.0.0/24") == nullptr; }, 5s));
  CHECK((*b)->peer(A("127.0.0.1"))->established());
  CHECK((*b)->peer(A("127.0.0.1"))->status().flaps == flaps_before);

  // A new hold time: the session is reset and comes back.
  auto longer = next;
  longer.neighbors[0].session.hold_time = 30;
  report = (*a)->reload(longer);
  REQUIRE(report.ok());
  CHECK(report->restarted == std::vector<ip::Address>{A("127.0.0.2")});
  REQUIRE(run_until(io, [&] { return (*b)->peer(A("127.0.0.1"))->status().flaps > flaps_before; }, 5s));
  REQUIRE(run_until(io, [&] { return (*a)->peer(A("127.0.0.2"))->established(); }, 15s));

  // The neighbour removed: gone from the speaker.
  auto none = longer;
  none.neighbors.clear();
  report = (*a)->reload(none);
  REQUIRE(report.ok());
  CHECK(report->removed == std::vector<ip::Address>{A("127.0.0.2")});
  CHECK((*a)->peer(A("127.0.0.2")) == nullptr);
}

TEST_CASE("two speakers: a peer's status says since when it is in its state, with one connection as with two") {
  InNamespace here;
  boost::asio::io_context io;
  Pair pair;
  pair.b.neighbors[0].session.passive = true;  // one connection, a's: no collision to resolve
  auto a = Speaker::start(io, pair.a);
  REQUIRE(a.ok());
  const auto before_b = std::chrono::steady_clock::now();  // a cannot connect before b listens
  auto b = Speaker::start(io, pair.b);
  REQUIRE(b.ok());
  REQUIRE(run_until(io, [&] { return (*a)->peer(A("127.0.0.2"))->established(); }, 15s));
  const auto up = (*a)->peer(A("127.0.0.2"))->status();
  CHECK(up.state == SessionState::established);
  CHECK(up.state_since > before_b);

  const auto before_stop = std::chrono::steady_clock::now();
  (*b)->stop();
  REQUIRE(run_until(io, [&] { return !(*a)->peer(A("127.0.0.2"))->established(); }, 5s));
  const auto down = (*a)->peer(A("127.0.0.2"))->status();
  CHECK(down.state != SessionState::established);
  CHECK(down.state_since >= before_stop);
}

TEST_CASE("two speakers: bgpctl's requests answered over the control socket") {
  InNamespace here;
  boost::asio::io_context io;
  Pair pair;
  pair.b.neighbors[0].description = "rack A";
  auto a = Speaker::start(io, pair.a);
  REQUIRE(a.ok());
  auto b = Speaker::start(io, pair.b);
  REQUIRE(b.ok());
  REQUIRE(run_until(io, [&] { return best(**b, "10.1.0.0/24") != nullptr; }, 15s));
  testing::TempDir dir("bgpctl");
  const std::string path = (dir.path() / "bgpd.sock").string();
  auto server = ControlServer::start(io, path, [&](std::string_view r) { return handle_control_request(**b, r); });
  REQUIRE_MESSAGE(server.ok(), server.error().message);

  auto ask = [&](std::vector<std::string> args) {
    auto invocation = bgpctl::parse_arguments(args);
    REQUIRE_MESSAGE(invocation.ok(), invocation.error().message);
    auto pending = std::async(std::launch::async, [&] { return control_request(path, invocation->request); });
    run_until(io, [&] { return pending.wait_for(0s) == std::future_status::ready; }, 5s);
    auto answer = pending.get();
    REQUIRE_MESSAGE(answer.ok(), answer.error().message);
    auto shown = bgpctl::render(*invocation, *answer);
    REQUIRE_MESSAGE(shown.ok(), shown.error().message);
    return *shown;
  };
  const std::string summary = ask({"--socket", path, "summary"});
  CHECK(summary.find("BGP router ID 2.2.2.2, local AS 65002") != std::string::npos);
  CHECK(summary.find("127.0.0.1") != std::string::npos);
  CHECK(summary.find("Established") != std::string::npos);
  const std::string neighbor = ask({"--socket", path, "neighbor", "127.0.0.1"});
  CHECK(neighbor.find("Neighbor 127.0.0.1 (rack A), remote AS 65001, local AS 65002") != std::string::npos);
  CHECK(neighbor.find("eBGP") != std::string::npos);
  const std::string routes = ask({"--socket", path, "routes", "--prefix", "10.0.0.0/8"});
  CHECK(routes.find("10.1.0.0/24") != std::string::npos);
  CHECK(routes.find("*>") != std::string::npos);
  CHECK(routes.find("65001") != std::string::npos);
  const std::string json = ask({"--socket", path, "-o", "json", "routes", "--peer", "127.0.0.1"});
  CHECK(json.find(R"("prefix":"10.1.0.0/24")") != std::string::npos);
  CHECK(json.find(R"("from":"127.0.0.1")") != std::string::npos);

  auto unknown = handle_control_request(**b, R"({"command":"neighbor","address":"192.0.2.99"})");
  CHECK(unknown == R"({"ok":false,"error":"no neighbour 192.0.2.99"})");
}

TEST_CASE("two speakers: the per-peer metrics follow the session, its messages and prefixes, and its last error") {
  InNamespace here;
  boost::asio::io_context io;
  Pair pair;
  auto a = Speaker::start(io, pair.a);
  REQUIRE(a.ok());
  auto b = Speaker::start(io, pair.b);
  REQUIRE(b.ok());
  REQUIRE(run_until(io, [&] { return best(**a, "10.2.0.0/24") && best(**b, "10.1.0.0/24"); }, 15s));
  metrics::Registry registry;
  BgpMetrics bgp_metrics(registry);
  bgp_metrics.update(**a);
  std::string text = metrics::render_text(registry);
  CHECK_MESSAGE(text.find("sluice_bgp_peer_state{peer=\"127.0.0.2\"} 6") != std::string::npos, text);
  CHECK(text.find("sluice_bgp_peer_up{peer=\"127.0.0.2\"} 1") != std::string::npos);
  // One OPEN, or two when both connected at once (the collision's loser counts too).
  CHECK(series_value(text, "sluice_bgp_peer_messages_received_total{peer=\"127.0.0.2\",type=\"open\"}") >= 1);
  CHECK(series_value(text, "sluice_bgp_peer_messages_sent_total{peer=\"127.0.0.2\",type=\"update\"}") >= 1);
  CHECK(text.find("sluice_bgp_peer_prefixes_received_total{peer=\"127.0.0.2\"} 1") != std::string::npos);
  CHECK(text.find("sluice_bgp_peer_prefixes_accepted{peer=\"127.0.0.2\"} 1") != std::string::npos);
  CHECK(text.find("sluice_bgp_peer_prefixes_advertised{peer=\"127.0.0.2\"} 1") != std::string::npos);
  CHECK(text.find("sluice_bgp_rib_prefixes{family=\"ipv4\"} 2") != std::string::npos);
  CHECK(text.find("sluice_bgp_peers{state=\"Established\"} 1") != std::string::npos);

  // b stops: a sees the Cease, counts the flap and says why.
  (*b)->stop();
  REQUIRE(run_until(io, [&] { return !(*a)->peer(A("127.0.0.2"))->established(); }, 5s));
  bgp_metrics.update(**a);
  text = metrics::render_text(registry);
  CHECK_MESSAGE(text.find("sluice_bgp_peer_flaps_total{peer=\"127.0.0.2\"} 1") != std::string::npos, text);
  CHECK(text.find("sluice_bgp_peer_up{peer=\"127.0.0.2\"} 0") != std::string::npos);
  CHECK(text.find("sluice_bgp_peer_last_error_info{peer=\"127.0.0.2\",kind=\"notification received\",code=\"6\","
                  "subcode=\"2\"} 1") != std::string::npos);
  CHECK(text.find("sluice_bgp_rib_prefixes{family=\"ipv4\"} 1") != std::string::npos);

  // Removed by a reload: its series go.
  SpeakerSettings alone = pair.a;
  alone.neighbors.clear();
  REQUIRE((*a)->reload(alone).ok());
  bgp_metrics.update(**a);
  text = metrics::render_text(registry);
  CHECK(text.find("peer=\"127.0.0.2\"") == std::string::npos);
}

TEST_CASE("a listen range that accepts any AS treats each dynamic neighbour by the AS its OPEN names") {
  InNamespace here;
  boost::asio::io_context io;
  // A: one range, no AS and no policies: RFC 8212 rejects eBGP routes, iBGP ones pass.
  auto config = config::parse_config(R"({
    "speaker": { "asNumber": 65001, "routerId": "1.1.1.1", "listenAddresses": ["127.0.0.1"], "listenPort": 17903 },
    "listenRanges": [ { "prefix": "127.0.0.0/8", "template": { "multihop": 64 } } ],
    "fib": { "enabled": false }
  })");
  REQUIRE_MESSAGE(config.ok(), config.error().message);
  auto settings = config::speaker_settings(*config);
  REQUIRE(settings.ok());
  auto a = Speaker::start(io, std::move(*settings));
  REQUIRE(a.ok());

  std::uint32_t b_as = 0;
  SUBCASE("iBGP") { b_as = 65001; }
  SUBCASE("eBGP") { b_as = 65002; }
  CAPTURE(b_as);
  SpeakerSettings b = speaker(b_as, "2.2.2.2", "127.0.0.2:17904");
  b.neighbors.push_back(neighbor(b, "127.0.0.1", 65001, 17903, "127.0.0.2"));
  b.originate.push_back(originate("10.2.0.0/24"));
  auto started = Speaker::start(io, b);
  REQUIRE(started.ok());
  REQUIRE(run_until(io, [&] { return (*started)->peer(A("127.0.0.1"))->established(); }, 15s));
  REQUIRE(run_until(io, [&] { return (*a)->rib().initial_update_done((*a)->peer(A("127.0.0.2"))->id()); }, 5s));
  const auto status = (*a)->peer(A("127.0.0.2"))->status();
  CHECK(status.dynamic);
  CHECK(status.remote_as == b_as);
  if (b_as == 65001) {
    CHECK(best(**a, "10.2.0.0/24") != nullptr);  // iBGP: accepted without a policy
  } else {
    CHECK(best(**a, "10.2.0.0/24") == nullptr);  // eBGP: RFC 8212
    CHECK(status.prefixes_rejected == 1);
  }
}
