// The decision process: each step in order and the step that decided, the attribute
// semantics behind each step, order-independent ranking with MED, and multipath.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <string>

#include "bgpd/rib/decision.hpp"
#include "rib_test_support.hpp"

using namespace sluice;
using namespace sluice::bgp;
using namespace sluice::bgp::rib;
using namespace sluice::bgp::rib::testing;

namespace {

// Every fact a step reads, set to the better or the worse value one step at a time.
struct Facts {
  bool resolvable = true;
  std::uint32_t local_pref = 200;
  bool local = true;
  std::size_t as_path_length = 1;
  Origin origin = Origin::igp;
  std::uint32_t med = 10;
  bool external = true;
  std::uint32_t igp_cost = 1;
  std::string router_id = "10.0.0.1";
  std::size_t cluster_list_length = 0;
  std::string peer_address = "192.0.2.1";
  std::uint32_t path_id = 1;
};

void make_worse(Facts& f, DecisionStep step) {
  switch (step) {
    case DecisionStep::next_hop_resolvable: f.resolvable = false; break;
    case DecisionStep::local_pref: f.local_pref = 100; break;
    case DecisionStep::locally_originated: f.local = false; break;
    case DecisionStep::as_path_length: f.as_path_length = 3; break;
    case DecisionStep::origin: f.origin = Origin::incomplete; break;
    case DecisionStep::med: f.med = 20; break;
    case DecisionStep::external: f.external = false; break;
    case DecisionStep::igp_cost: f.igp_cost = 5; break;
    case DecisionStep::router_id: f.router_id = "10.0.0.9"; break;
    case DecisionStep::cluster_list_length: f.cluster_list_length = 2; break;
    case DecisionStep::peer_address: f.peer_address = "192.0.2.9"; break;
    case DecisionStep::path_id: f.path_id = 2; break;
    case DecisionStep::none: break;
  }
}

class Paths {
 public:
  Candidate make(const Facts& f, const DecisionOptions& options = {}) {
    RouteAttributes r;
    r.path.origin = f.origin;
    r.path.local_pref = f.local_pref;
    r.path.multi_exit_disc = f.med;
    r.path.as_path = AsPath{{{AsPathSegmentType::as_sequence, std::vector<std::uint32_t>(f.as_path_length, 65001)}}};
    for (std::size_t i = 0; i < f.cluster_list_length; ++i) r.path.cluster_list.push_back(address("10.9.9.9"));
    r.next_hop = address("192.0.2.100");
    return candidate(std::move(r), source(f), options);
  }
  Candidate candidate(RouteAttributes r, const PathSource& s, const DecisionOptions& options = {}) {
    refs_.push_back(store_.intern(std::move(r)));
    return make_candidate(*refs_.back(), s, options);
  }
  static PathSource source(const Facts& f) {
    PathSource s;
    s.locally_originated = f.local;
    s.external = f.external;
    s.router_id = address(f.router_id);
    s.peer_address = address(f.peer_address);
    s.path_id = f.path_id;
    s.igp_cost = f.resolvable ? std::optional<std::uint32_t>(f.igp_cost) : std::nullopt;
    return s;
  }

 private:
  AttributeStore store_;
  std::vector<AttrRef> refs_;
};

constexpr std::array kOrder{DecisionStep::next_hop_resolvable, DecisionStep::local_pref,
                            DecisionStep::locally_originated,  DecisionStep::as_path_length,
                            DecisionStep::origin,              DecisionStep::med,
                            DecisionStep::external,            DecisionStep::igp_cost,
                            DecisionStep::router_id,           DecisionStep::cluster_list_length,
                            DecisionStep::peer_address,        DecisionStep::path_id};

PathSource ebgp_source(std::string_view router_id, std::string_view peer_address) {
  PathSource s;
  s.external = true;
  s.router_id = address(router_id);
  s.peer_address = address(peer_address);
  return s;
}

RouteAttributes with_path(std::vector<AsPathSegment> segments) {
  RouteAttributes r = route("192.0.2.100");
  r.path.as_path = AsPath{std::move(segments)};
  return r;
}

}  // namespace

TEST_CASE("decision: each step decides before every later one, and says so") {
  Paths paths;
  for (std::size_t k = 0; k < kOrder.size(); ++k) {
    const DecisionStep step = kOrder[k];
    CAPTURE(to_string(step));
    // The winner is better at `step` and worse at every later step; earlier steps tie.
    Facts winner;
    Facts loser;
    make_worse(loser, step);
    for (std::size_t later = k + 1; later < kOrder.size(); ++later) make_worse(winner, kOrder[later]);
    const Candidate a = paths.make(winner);
    const Candidate b = paths.make(loser);
    const Comparison ab = compare(a, b, {});
    CHECK(ab.order < 0);
    CHECK(ab.step == step);
    const Comparison ba = compare(b, a, {});
    CHECK(ba.order > 0);
    CHECK(ba.step == step);
  }
  Facts same;
  CHECK(compare(paths.make(same), paths.make(same), {}).step == DecisionStep::none);
}

TEST_CASE("decision: step names for bgpctl") {
  CHECK(to_string(DecisionStep::local_pref) == "local-pref");
  CHECK(to_string(DecisionStep::as_path_length) == "as-path-length");
  CHECK(to_string(DecisionStep::cluster_list_length) == "cluster-list-length");
  CHECK(to_string(DecisionStep::none) == "none");
}

TEST_CASE("decision: AS_PATH length counts an AS_SET once and confederation segments not at all") {
  Paths paths;
  using T = AsPathSegmentType;
  auto a = paths.candidate(with_path({{T::as_sequence, {1, 2}}, {T::as_set, {3, 4, 5}}}), ebgp_source("1.1.1.9", "192.0.2.9"));
  auto b = paths.candidate(with_path({{T::as_sequence, {1, 2, 3, 4}}}), ebgp_source("1.1.1.1", "192.0.2.1"));
  CHECK(a.as_path_length == 3);
  CHECK(compare(a, b, {}).step == DecisionStep::as_path_length);
  CHECK(compare(a, b, {}).order < 0);
  auto c = paths.candidate(with_path({{T::as_confed_sequence, {7, 7, 7, 7}}, {T::as_sequence, {1}}}),
                           ebgp_source("1.1.1.9", "192.0.2.9"));
  CHECK(c.as_path_length == 1);
  CHECK(c.neighbor_as == 1);  // the neighbour is outside the confederation
}

TEST_CASE("decision: a missing LOCAL_PREF counts as the configured default") {
  Paths paths;
  RouteAttributes without = route("192.0.2.100", {65001});
  RouteAttributes with = route("192.0.2.100", {65001});
  with.path.local_pref = 120;
  DecisionOptions options;
  auto a = paths.candidate(without, ebgp_source("1.1.1.1", "192.0.2.1"), options);
  auto b = paths.candidate(with, ebgp_source("1.1.1.9", "192.0.2.9"), options);
  CHECK(compare(a, b, options).order > 0);
  CHECK(compare(a, b, options).step == DecisionStep::local_pref);
  options.default_local_pref = 150;
  a = paths.candidate(without, ebgp_source("1.1.1.1", "192.0.2.1"), options);
  CHECK(compare(a, b, options).order < 0);
  CHECK(compare(a, b, options).step == DecisionStep::local_pref);
}

TEST_CASE("decision: MED compares only paths from the same neighbour AS; a missing MED is 0") {
  Paths paths;
  RouteAttributes low = route("192.0.2.100", {65001});
  low.path.multi_exit_disc = 5;
  RouteAttributes missing = route("192.0.2.100", {65001});
  RouteAttributes other_as = route("192.0.2.100", {65002});
  other_as.path.multi_exit_disc = 1;

  DecisionOptions options;
  auto a = paths.candidate(low, ebgp_source("1.1.1.1", "192.0.2.1"));
  auto b = paths.candidate(missing, ebgp_source("1.1.1.9", "192.0.2.9"));
  CHECK(compare(b, a, options).step == DecisionStep::med);
  CHECK(compare(b, a, options).order < 0);

  // Different neighbour AS: MED is skipped and the router id decides.
  auto c = paths.candidate(other_as, ebgp_source("1.1.1.9", "192.0.2.9"));
  CHECK(compare(a, c, options).step == DecisionStep::router_id);
  CHECK(compare(a, c, options).order < 0);
  options.always_compare_med = true;
  CHECK(compare(a, c, options).step == DecisionStep::med);
  CHECK(compare(a, c, options).order > 0);

  DecisionOptions worst;
  worst.missing_med_worst = true;
  b = paths.candidate(missing, ebgp_source("1.1.1.9", "192.0.2.9"), worst);
  CHECK(compare(b, a, worst).step == DecisionStep::med);
  CHECK(compare(b, a, worst).order > 0);
}

TEST_CASE("decision: ORIGINATOR_ID stands in for the router id, then CLUSTER_LIST length decides (RFC 4456 §9)") {
  Paths paths;
  RouteAttributes reflected = route("192.0.2.100", {65001});
  reflected.path.originator_id = address("10.0.0.9");
  reflected.path.cluster_list = {address("10.0.0.50")};
  RouteAttributes direct = route("192.0.2.100", {65001});
  PathSource low_router = ebgp_source("10.0.0.1", "192.0.2.1");
  low_router.external = false;
  PathSource mid_router = ebgp_source("10.0.0.5", "192.0.2.5");
  mid_router.external = false;
  auto a = paths.candidate(reflected, low_router);
  auto b = paths.candidate(direct, mid_router);
  CHECK(compare(b, a, {}).step == DecisionStep::router_id);
  CHECK(compare(b, a, {}).order < 0);

  RouteAttributes reflected_twice = reflected;
  reflected_twice.path.cluster_list.push_back(address("10.0.0.51"));
  auto c = paths.candidate(reflected_twice, low_router);
  CHECK(compare(a, c, {}).step == DecisionStep::cluster_list_length);
  CHECK(compare(a, c, {}).order < 0);
}

TEST_CASE("decision: rank() finds the same best in every input order despite MED's cycle") {
  // Pairwise, A beats B (router id), B beats C (router id), C beats A (MED, same AS):
  // only the RFC's elimination gives one answer. MED removes A, then B wins on router id.
  Paths paths;
  RouteAttributes a = route("192.0.2.100", {100});
  a.path.multi_exit_disc = 20;
  RouteAttributes b = route("192.0.2.100", {200});
  b.path.multi_exit_disc = 10;
  RouteAttributes c = route("192.0.2.100", {100});
  c.path.multi_exit_disc = 10;
  std::vector<Candidate> set{paths.candidate(a, ebgp_source("10.0.0.1", "192.0.2.1")),
                             paths.candidate(b, ebgp_source("10.0.0.2", "192.0.2.2")),
                             paths.candidate(c, ebgp_source("10.0.0.3", "192.0.2.3"))};
  for (std::uint32_t i = 0; i < set.size(); ++i) set[i].tag = i;
  CHECK(compare(set[0], set[1], {}).order < 0);
  CHECK(compare(set[1], set[2], {}).order < 0);
  CHECK(compare(set[2], set[0], {}).order < 0);

  std::vector<std::uint32_t> order{0, 1, 2};
  do {
    std::vector<Candidate> input;
    for (auto i : order) input.push_back(set[i]);
    REQUIRE(rank(input, {}) == 1);
    CHECK(input[0].tag == 1);
    for (const auto& candidate : input) {
      if (candidate.tag == 0) CHECK(candidate.lost_at == DecisionStep::med);
      if (candidate.tag == 2) CHECK(candidate.lost_at == DecisionStep::router_id);
      if (candidate.tag == 1) CHECK(candidate.lost_at == DecisionStep::none);
    }
  } while (std::next_permutation(order.begin(), order.end()));
}

TEST_CASE("decision: a path with an unresolvable next hop never wins") {
  Paths paths;
  Facts better;
  better.resolvable = false;
  Facts worse;
  worse.local_pref = 50;
  std::vector<Candidate> set{paths.make(better), paths.make(worse)};
  set[0].tag = 0;
  set[1].tag = 1;
  CHECK(rank(set, {}) == 1);
  CHECK(set[0].tag == 1);
  CHECK(set[1].lost_at == DecisionStep::next_hop_resolvable);

  std::vector<Candidate> none{paths.make(better), paths.make(better)};
  CHECK(rank(none, {}) == 0);
  std::vector<Candidate> single{paths.make(better)};
  CHECK(rank(single, {}) == 0);
}

TEST_CASE("decision: multipath takes the paths tied through the IGP cost, best first") {
  Paths paths;
  auto ecmp = [&](std::string_view router_id, std::uint32_t neighbor_as, std::uint32_t igp_cost, std::uint32_t tag) {
    PathSource s = ebgp_source(router_id, router_id);
    s.igp_cost = igp_cost;
    Candidate c = paths.candidate(route("192.0.2.100", {neighbor_as, 65100}), s);
    c.tag = tag;
    return c;
  };
  const std::vector<Candidate> set{ecmp("10.0.0.4", 65001, 1, 4), ecmp("10.0.0.2", 65001, 1, 2),
                                   ecmp("10.0.0.9", 65001, 7, 9), ecmp("10.0.0.3", 65002, 1, 3),
                                   ecmp("10.0.0.1", 65001, 1, 1)};
  auto tags = [](const std::vector<Candidate>& ranked, std::size_t n) {
    std::vector<std::uint32_t> out;
    for (std::size_t i = 0; i < n; ++i) out.push_back(ranked[i].tag);
    return out;
  };

  std::vector<Candidate> ranked = set;
  CHECK(rank(ranked, {}) == 1);  // multipath off by default
  CHECK(ranked[0].tag == 1);

  DecisionOptions options;
  options.max_paths = 8;
  ranked = set;
  REQUIRE(rank(ranked, options) == 3);  // 65002 is another neighbour AS; cost 7 is not tied
  CHECK(tags(ranked, 3) == std::vector<std::uint32_t>{1, 2, 4});
  CHECK(ranked.size() == 5);

  options.multipath_relax = true;
  ranked = set;
  REQUIRE(rank(ranked, options) == 4);
  CHECK(tags(ranked, 4) == std::vector<std::uint32_t>{1, 2, 3, 4});
  CHECK(ranked[4].tag == 9);

  options.max_paths = 2;
  ranked = set;
  REQUIRE(rank(ranked, options) == 2);
  CHECK(tags(ranked, 2) == std::vector<std::uint32_t>{1, 2});

  // An iBGP path loses at the external step, so it never joins eBGP multipath.
  options.max_paths = 8;
  PathSource internal = ebgp_source("10.0.0.0", "10.0.0.0");
  internal.external = false;
  ranked = set;
  ranked.push_back(paths.candidate(route("192.0.2.100", {65001, 65100}), internal));
  ranked.back().tag = 99;
  CHECK(rank(ranked, options) == 4);
  CHECK(ranked.back().tag == 99);
  CHECK(ranked.back().lost_at == DecisionStep::external);
}
