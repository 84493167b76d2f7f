#include "bgpd/rib/decision.hpp"

#include <algorithm>
#include <array>
#include <limits>

namespace sluice::bgp::rib {
namespace {

using Step = DecisionStep;

constexpr std::array kSteps{Step::next_hop_resolvable, Step::local_pref,     Step::locally_originated,
                            Step::as_path_length,      Step::origin,         Step::med,
                            Step::external,            Step::igp_cost,       Step::router_id,
                            Step::cluster_list_length, Step::peer_address,   Step::path_id};

// < 0 when `a` is better at `step`, > 0 when `b` is, 0 when the step does not separate
// them (including MED between different neighbour ASes).
template <class T>
int lower_wins(const T& a, const T& b) {
  return a < b ? -1 : (b < a ? 1 : 0);
}
int true_wins(bool a, bool b) {
  return lower_wins(!a, !b);
}

int compare_at(const Candidate& a, const Candidate& b, Step step, const DecisionOptions& options) {
  switch (step) {
    case Step::none: return 0;
    case Step::next_hop_resolvable: return true_wins(a.resolvable, b.resolvable);
    case Step::local_pref: return lower_wins(b.local_pref, a.local_pref);
    case Step::locally_originated: return true_wins(a.locally_originated, b.locally_originated);
    case Step::as_path_length: return lower_wins(a.as_path_length, b.as_path_length);
    case Step::origin: return lower_wins(a.origin, b.origin);
    case Step::med:
      if (!options.always_compare_med && a.neighbor_as != b.neighbor_as) return 0;
      return lower_wins(a.med, b.med);
    case Step::external: return true_wins(a.external, b.external);
    case Step::igp_cost: return lower_wins(a.igp_cost, b.igp_cost);
    case Step::router_id: return lower_wins(a.router_id, b.router_id);
    case Step::cluster_list_length: return lower_wins(a.cluster_list_length, b.cluster_list_length);
    case Step::peer_address: return lower_wins(a.peer_address, b.peer_address);
    case Step::path_id: return lower_wins(a.path_id, b.path_id);
  }
  return 0;
}

// Removes from `alive` every candidate worse than another at `step`, recording the step
// as the reason when `record` is set.
void eliminate(std::vector<Candidate>& c, std::vector<std::size_t>& alive, Step step, const DecisionOptions& options,
               bool record) {
  std::vector<std::size_t> kept;
  kept.reserve(alive.size());
  if (step == Step::med && !options.always_compare_med) {
    // §9.1.2.2 c: a path goes when some path from the same neighbour AS has a lower MED.
    for (std::size_t i : alive) {
      bool beaten = std::any_of(alive.begin(), alive.end(), [&](std::size_t j) {
        return c[j].neighbor_as == c[i].neighbor_as && c[j].med < c[i].med;
      });
      if (beaten) {
        if (record) c[i].lost_at = step;
      } else {
        kept.push_back(i);
      }
    }
  } else {
    std::size_t best = alive.front();
    for (std::size_t i : alive) {
      if (compare_at(c[i], c[best], step, options) < 0) best = i;
    }
    for (std::size_t i : alive) {
      if (compare_at(c[best], c[i], step, options) < 0) {
        if (record) c[i].lost_at = step;
      } else {
        kept.push_back(i);
      }
    }
  }
  alive.swap(kept);
}

// Runs the steps over `alive` until one candidate is left (or the steps run out: exact
// duplicates, the first of which wins). `tied_through_igp` receives the set still alive
// after the igp_cost step, the multipath candidates.
std::size_t select_best(std::vector<Candidate>& c, std::vector<std::size_t> alive, const DecisionOptions& options,
                        bool record, std::vector<std::size_t>* tied_through_igp) {
  for (Step step : kSteps) {
    if (alive.size() == 1) break;
    eliminate(c, alive, step, options, record);
    if (step == Step::igp_cost && tied_through_igp) *tied_through_igp = alive;
  }
  if (tied_through_igp && tied_through_igp->empty()) *tied_through_igp = alive;
  return alive.front();
}

}  // namespace

std::string_view to_string(DecisionStep step) {
  switch (step) {
    case Step::none: return "none";
    case Step::next_hop_resolvable: return "next-hop-resolvable";
    case Step::local_pref: return "local-pref";
    case Step::locally_originated: return "locally-originated";
    case Step::as_path_length: return "as-path-length";
    case Step::origin: return "origin";
    case Step::med: return "med";
    case Step::external: return "external";
    case Step::igp_cost: return "igp-cost";
    case Step::router_id: return "router-id";
    case Step::cluster_list_length: return "cluster-list-length";
    case Step::peer_address: return "peer-address";
    case Step::path_id: return "path-id";
  }
  return "unknown";
}

Candidate make_candidate(const AttributeSet& attributes, const PathSource& source, const DecisionOptions& options) {
  const SelectionFacts facts = attributes.selection_facts();
  Candidate c;
  c.resolvable = source.igp_cost.has_value();
  c.local_pref = facts.local_pref.value_or(options.default_local_pref);
  c.locally_originated = source.locally_originated;
  c.as_path_length = attributes.as_path_length();
  c.origin = static_cast<std::uint8_t>(attributes.origin().value_or(Origin::incomplete));
  c.med = facts.multi_exit_disc.value_or(options.missing_med_worst ? std::numeric_limits<std::uint32_t>::max() : 0);
  c.neighbor_as = facts.neighbor_as;
  c.external = source.external;
  c.igp_cost = source.igp_cost.value_or(std::numeric_limits<std::uint32_t>::max());
  if (facts.has_originator_id) {
    c.router_id = facts.originator_id_v4;
  } else {
    c.router_id = source.router_id.is_v4() ? source.router_id.to_v4_uint() : 0;
  }
  c.cluster_list_length = facts.cluster_list_length;
  c.peer_address = source.peer_address;
  c.path_id = source.path_id;
  return c;
}

Comparison compare(const Candidate& a, const Candidate& b, const DecisionOptions& options) {
  for (Step step : kSteps) {
    if (int order = compare_at(a, b, step, options); order != 0) return {order, step};
  }
  return {};
}

std::size_t rank(std::vector<Candidate>& candidates, const DecisionOptions& options) {
  const std::size_t n = candidates.size();
  if (n == 0) return 0;
  for (auto& c : candidates) c.lost_at = Step::none;
  if (n == 1) return candidates.front().resolvable ? 1 : 0;

  std::vector<std::size_t> all(n);
  for (std::size_t i = 0; i < n; ++i) all[i] = i;
  std::vector<std::size_t> tied;
  const std::size_t best = select_best(candidates, all, options, true, &tied);

  // Multipath: the paths still tied with the best after igp_cost, from the best's
  // neighbour AS unless relaxed, ordered by the remaining tie-breakers (total orders).
  std::vector<std::size_t> order{best};
  std::vector<bool> placed(n, false);
  placed[best] = true;
  if (candidates[best].resolvable && options.max_paths > 1) {
    std::vector<std::size_t> members;
    for (std::size_t i : tied) {
      if (i == best) continue;
      if (!options.multipath_relax && candidates[i].neighbor_as != candidates[best].neighbor_as) continue;
      members.push_back(i);
    }
    std::sort(members.begin(), members.end(), [&](std::size_t a, std::size_t b) {
      return compare(candidates[a], candidates[b], options).order < 0;
    });
    for (std::size_t i : members) {
      if (order.size() >= options.max_paths) break;
      order.push_back(i);
      placed[i] = true;
    }
  }
  const std::size_t multipath = candidates[best].resolvable ? order.size() : 0;

  // The rest, each next one the winner of an elimination among those left.
  std::vector<std::size_t> left;
  for (std::size_t i = 0; i < n; ++i) {
    if (!placed[i]) left.push_back(i);
  }
  while (!left.empty()) {
    const std::size_t next = select_best(candidates, left, options, false, nullptr);
    order.push_back(next);
    left.erase(std::find(left.begin(), left.end(), next));
  }

  std::vector<Candidate> sorted;
  sorted.reserve(n);
  for (std::size_t i : order) sorted.push_back(std::move(candidates[i]));
  candidates.swap(sorted);
  return multipath;
}

}  // namespace sluice::bgp::rib
