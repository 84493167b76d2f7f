// When each suspect was first and last seen, so that nothing is acted on from one
// observation: a suspect becomes due only when scans have seen it at both ends of the
// grace period, and it is forgotten as soon as a scan of its scope no longer sees it.
#pragma once

#include <chrono>
#include <map>
#include <set>
#include <vector>

namespace sluice::ipam {

template <class Key>
class FirstSeen {
 public:
  using TimePoint = std::chrono::system_clock::time_point;
  struct Seen {
    TimePoint first;
    TimePoint last;
    int sightings = 1;
  };

  // One scan: `seen` are the suspects found among the keys `in_scope` accepts. Suspects
  // in scope that were not seen are forgotten; those out of scope are kept as they are.
  template <class InScope>
  void observe(const std::set<Key>& seen, InScope&& in_scope, TimePoint now) {
    for (auto it = seen_.begin(); it != seen_.end();) {
      if (in_scope(it->first) && !seen.count(it->first)) {
        it = seen_.erase(it);
      } else {
        ++it;
      }
    }
    for (const auto& key : seen) {
      auto [it, fresh] = seen_.try_emplace(key, Seen{now, now, 1});
      if (!fresh) {
        it->second.last = now;
        ++it->second.sightings;
      }
    }
  }

  // Suspects seen at least twice, first and last at least `grace` apart.
  std::vector<Key> due(std::chrono::seconds grace) const {
    std::vector<Key> out;
    for (const auto& [key, s] : seen_)
      if (s.sightings >= 2 && s.last - s.first >= grace) out.push_back(key);
    return out;
  }

  void forget(const Key& key) { seen_.erase(key); }
  std::size_t size() const { return seen_.size(); }
  const std::map<Key, Seen>& entries() const { return seen_; }

 private:
  std::map<Key, Seen> seen_;
};

}  // namespace sluice::ipam
