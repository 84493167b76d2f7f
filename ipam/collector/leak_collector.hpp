// The leak collector's decisions and actions, over snapshots of IPAM's state: which
// addresses are leaked (the checker's rules: pod or node gone), which blocks are empty,
// which handles count addresses that no block holds, which claims are stuck pending —
// and, once a suspect has been seen for the whole grace period, a re-check against fresh
// reads just before acting. Addresses go back all-or-none per handle and guarded by their
// sequence numbers; a node always keeps at least one block while it exists.
//
// The daemon around it (collector_loop.hpp) decides what to scan and when; this class
// only needs a store, so it runs the same against the API server and in memory.
#pragma once

#include <utility>  // boost/asio/awaitable.hpp (1.74) uses std::exchange without including it

#include <chrono>
#include <map>
#include <set>
#include <string>
#include <tuple>

#include <boost/asio/awaitable.hpp>

#include "ipam/allocator/allocator.hpp"
#include "ipam/audit/problems.hpp"
#include "ipam/collector/first_seen.hpp"

namespace sluice::ipam {

struct CollectorSettings {
  // How long apart the first and the last sighting of a suspect must be before it is
  // acted on. Zero turns off the collection of addresses (as Calico's leakGracePeriod 0
  // does); blocks, handles and claims are then acted on at their second sighting.
  std::chrono::seconds grace_period{15 * 60};
  // At most this many handles released per pass, so one pass cannot flood the API.
  int max_handles_per_pass = 500;
};

// What a scan looked at: everything (a full sweep), or the allocations and blocks of
// some nodes (an incremental scan of the nodes that changed).
struct ScanScope {
  bool everything = true;
  std::set<std::string> nodes;
  bool contains(const std::string& node) const { return everything || nodes.count(node) > 0; }
  static ScanScope all() { return {}; }
  static ScanScope of(std::set<std::string> nodes) { return ScanScope{false, std::move(nodes)}; }
};

struct CollectionReport {
  int released_addresses = 0;
  int released_handles = 0;   // handles whose addresses were all released
  int released_blocks = 0;    // empty blocks whose affinity was released
  int repaired_handles = 0;   // handle counts brought down to what the blocks hold
  int resolved_claims = 0;    // stuck pending affinities confirmed or deleted
  std::vector<std::string> errors;
  // Released addresses by (pool CIDR, node), for the reclamation counter.
  std::map<std::pair<std::string, std::string>, int> released_by_pool_node;
};

class LeakCollector {
 public:
  LeakCollector(ObjectStore& store, Allocator& allocator, CollectorSettings settings, Clock clock);

  // Records a scan. Needs snapshot.workloads for addresses; handles and claims are only
  // judged by full scans (incremental ones do not read them).
  void observe(const IpamSnapshot& snapshot, const ScanScope& scope);
  // Acts on what is due, re-checking each suspect against fresh reads first.
  boost::asio::awaitable<CollectionReport> collect();
  // Forgets every suspect (leadership changed hands: the next leader starts afresh).
  void reset();

  // Suspect leaked addresses by (pool CIDR, node), for the candidates gauge.
  std::map<std::pair<std::string, std::string>, int> candidates() const;
  std::size_t suspect_blocks() const { return empty_blocks_.size(); }
  std::size_t suspect_handles() const { return bad_handles_.size(); }
  std::size_t suspect_claims() const { return pending_claims_.size(); }

 private:
  // handle, address, sequence number: a leak of one allocation, never of a reused address.
  using AddressKey = std::tuple<std::string, ip::Address, std::uint64_t>;
  struct AddressFacts {
    std::string node;  // whose scan covers it
    std::string pool;  // for metrics
  };

  boost::asio::awaitable<void> collect_addresses(CollectionReport& report);
  boost::asio::awaitable<void> collect_blocks(CollectionReport& report);
  boost::asio::awaitable<void> repair_handles(CollectionReport& report);
  boost::asio::awaitable<void> resolve_claims(CollectionReport& report);
  // Whether the allocation is leaked by fresh reads of its pod and node.
  boost::asio::awaitable<Result<Validity>> recheck(const Allocation& allocation);

  ObjectStore& store_;
  Allocator& allocator_;
  CollectorSettings settings_;
  Clock clock_;
  FirstSeen<AddressKey> addresses_;
  std::map<AddressKey, AddressFacts> address_facts_;
  FirstSeen<std::string> empty_blocks_;          // block CIDR
  std::map<std::string, std::string> block_host_;  // block CIDR -> host
  std::set<std::string> live_nodes_;             // as of the last scan with workloads
  // Keyed with the object's resourceVersion: a suspect that changed is a new suspect, so
  // an object is only repaired if nobody touched it for the whole grace period.
  FirstSeen<std::pair<std::string, std::string>> bad_handles_;     // handle ID, resourceVersion
  FirstSeen<std::pair<std::string, std::string>> pending_claims_;  // affinity name, resourceVersion
};

}  // namespace sluice::ipam
