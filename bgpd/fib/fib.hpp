// Fib: bgpd's kernel forwarding table as desired state, in pure code (no sockets, no
// clocks: the time comes with each call). It holds what should be installed (the RIB's
// best paths and ECMP sets, and the routes the config originates), what the kernel was
// last seen or made to hold, and hands out the difference as batches of route changes
// for the shell to apply. The shell reports each batch's outcome back.
//
//   inputs     set_bgp_route / withdraw_bgp_route (from the RIB's best-path batches),
//              set_static_route / remove_static_route (the config's blackholes and statics),
//              set_local_addresses, first_sync_done, begin_exit
//   jobs       next_job(now) -> a dump of the kernel's routes (ours: our protocol in our
//              table), or a batch of changes; dump_done / apply_done take the results, in
//              the order the jobs were handed out. A dump is out alone; batches, up to
//              batches_in_flight at once, each prefix in one at most. Inputs may arrive
//              meanwhile: a prefix that changes many times before its turn is written
//              once, in its final state.
//   timing     next_wakeup() says when a retry, a resync or a verification is due.
//
// Mark and sweep: a route of ours in the kernel that is not desired is removed, but only
// once first_sync_done() has said the RIB holds a complete view (DESIGN §6), except for
// prefixes this run itself wanted and then withdrew. A desired route's key (table,
// prefix, metric) held by another protocol is not overwritten: the add fails and is retried.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <queue>
#include <span>
#include <string>
#include <utility>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "base/ip/address.hpp"
#include "base/ip/prefix.hpp"
#include "base/netlink/route.hpp"
#include "base/netlink/route_table.hpp"
#include "base/result.hpp"
#include "base/retry/backoff.hpp"
#include "bgpd/fib/next_hop_sets.hpp"

namespace sluice::bgp::fib {

using Clock = std::chrono::steady_clock;

// rtm_protocol on every route bgpd writes: the mark its mark-and-sweep goes by. Not in
// iproute2's rt_protos nor used by BIRD (12), FRR (11, 186-192), Open/R (99) or babeld (42).
inline constexpr std::uint8_t kBgpdRouteProtocol = 201;

struct FibConfig {
  std::uint32_t table = netlink::kMainTable;
  std::uint8_t protocol = kBgpdRouteProtocol;
  // As bgpd's config defaults it (Calico's ipv4NormalRoutePriority). For IPv6 the kernel
  // stores 0 as 1024.
  std::uint32_t metric = 1024;
  // Route changes per job: large enough that the kernel, not the hand-offs, sets the
  // pace; small enough that new changes wait at most a batch or two.
  std::size_t batch_size = 8192;
  // Batches handed out before the first comes back: with 2, the next batch is planned
  // while the kernel applies the last one. A prefix is in at most one of them.
  std::size_t batches_in_flight = 2;
  // A refused route is retried after this backoff (per route).
  retry::BackoffPolicy retry{std::chrono::seconds(1), std::chrono::seconds(60), 2.0, 0.5};
  // The kernel's routes are read again this often (mark and sweep, drift repair).
  Clock::duration resync_interval = std::chrono::seconds(30);
  // After writing, the table is read back to verify, at most this often.
  Clock::duration verify_spacing = std::chrono::seconds(1);
};

// A route the configuration originates: Calico's blocks as blackholes, static routes.
struct StaticRoute {
  netlink::RouteType type = netlink::RouteType::blackhole;
  std::vector<netlink::NextHop> nexthops;  // unicast only

  friend bool operator==(const StaticRoute&, const StaticRoute&) = default;
};

struct FibJob {
  enum class Kind : std::uint8_t { dump, apply };
  Kind kind = Kind::dump;
  std::vector<netlink::RouteChange> changes;  // apply only
};

// A route the kernel refused, kept until it is installed or no longer wanted.
struct FibFailure {
  ip::Prefix prefix;
  netlink::RouteChangeKind kind = netlink::RouteChangeKind::add;
  int error = 0;                // errno
  std::string kernel_message;   // the kernel's extended-ack text, when it gave one
  std::uint32_t attempts = 0;
  Clock::time_point retry_at;

  // "add 10.1.0.0/24: Network is unreachable (kernel: Nexthop has invalid gateway), attempt 3"
  std::string to_string() const;
};

// What happened, for the shell's log.
struct FibEvent {
  enum class Kind : std::uint8_t { failed, recovered, dump_failed, batch_failed };
  Kind kind;
  std::string text;
};

struct FibStats {
  std::size_t desired = 0;    // prefixes with a best path or a static route
  std::size_t installed = 0;  // our routes in the kernel at our metric, as last seen or written
  std::size_t failing = 0;    // prefixes the kernel refused, waiting for a retry
  std::size_t pending = 0;    // prefixes waiting to be compared and written, and in flight
  std::uint64_t writes = 0;   // changes the kernel accepted
  std::uint64_t write_failures = 0;
  std::uint64_t dumps = 0;
  std::uint64_t dump_failures = 0;
  std::uint64_t verify_mismatches = 0;  // written routes a later dump showed otherwise
  std::uint64_t swept = 0;              // routes removed that this run never wanted
  Clock::duration last_sync{};          // the last round of work, first job to idle
};

enum class ExitMode : std::uint8_t {
  keep,    // leave the routes: the kernel keeps forwarding across a graceful restart
  remove,  // remove every route of ours from the table
};

class Fib {
 public:
  // `uniform` returns a value in [0, 1) for the retry jitter; empty: a default source.
  explicit Fib(FibConfig config, std::function<double()> uniform = {});
  Fib(const Fib&) = delete;
  Fib& operator=(const Fib&) = delete;

  const FibConfig& config() const { return config_; }

  // ---- Desired state. Each call only records; nothing is written until next_job().
  // The next hops of the prefix's best path and ECMP set, as the RIB chose them; empty
  // withdraws. An IPv4 prefix may have IPv6 next hops (RFC 8950).
  void set_bgp_route(const ip::Prefix& prefix, std::span<const ip::Address> next_hops);
  void withdraw_bgp_route(const ip::Prefix& prefix) { set_bgp_route(prefix, {}); }
  // A static route overrides the BGP route of the same prefix.
  void set_static_route(const ip::Prefix& prefix, const StaticRoute& route);
  void remove_static_route(const ip::Prefix& prefix);
  // The config's whole set: statics not listed are removed.
  void replace_static_routes(const std::vector<std::pair<ip::Prefix, StaticRoute>>& routes);
  // This host's own addresses: a next hop among them is not installed (the route is ours).
  void set_local_addresses(std::span<const ip::Address> addresses);
  // The RIB has its first complete view (End-of-RIB from the peers, or a timeout):
  // routes of ours that are not desired may now be swept.
  void first_sync_done();
  bool sweep_allowed() const { return sweep_allowed_; }

  // ---- Kernel side.
  std::optional<FibJob> next_job(Clock::time_point now);
  void dump_done(const Result<std::vector<netlink::Route>>& routes, Clock::time_point now);
  void apply_done(const Result<netlink::RouteBatchReport>& report, Clock::time_point now);
  bool job_in_flight() const { return dump_in_flight_ || !in_flight_.empty(); }
  // The earliest time next_job() has something to do without new input; nullopt: never.
  std::optional<Clock::time_point> next_wakeup() const;
  // The kernel matched the desired state at the last look and nothing is pending.
  bool in_sync() const;

  // ---- Exit. After begin_exit() inputs are ignored; with `remove` the jobs remove every
  // route of ours (read from the kernel first), with `keep` no job is handed out.
  void begin_exit(ExitMode mode);
  // The in-flight job is back and, for `remove`, a dump showed none of ours left.
  bool exit_done() const;

  // ---- Reading, for bgpctl, logs and tests.
  std::optional<netlink::Route> desired(const ip::Prefix& prefix) const;
  std::optional<netlink::Route> installed(const ip::Prefix& prefix) const;
  std::vector<FibFailure> failures() const;
  std::vector<FibEvent> take_events() { return std::exchange(events_, {}); }
  const FibStats& stats() const { return stats_; }

 private:
  // Slot flags.
  static constexpr std::uint16_t kKernel = 1;         // a route of ours at our metric is in the kernel
  static constexpr std::uint16_t kStatic = 2;         // statics_ has the prefix
  static constexpr std::uint16_t kQueued = 4;         // in queue_
  static constexpr std::uint16_t kInFlight = 8;       // in the job out now
  static constexpr std::uint16_t kFailing = 16;       // failures_ has the prefix
  static constexpr std::uint16_t kSeenDesired = 32;   // desired at some point in this run
  static constexpr std::uint16_t kStray = 64;         // strays_ has the prefix
  static constexpr std::uint16_t kWritten = 128;      // written since the last dump
  static constexpr std::uint16_t kInDump = 256;       // scratch for dump_done: the dump has it
  static constexpr std::uint16_t kMismatch = 512;     // scratch for dump_done: written, read back otherwise

  struct Slot {
    NextHopSets::Id bgp = NextHopSets::kEmpty;          // the RIB's next hops
    NextHopSets::Id kernel_hops = NextHopSets::kEmpty;  // with kKernel: what the kernel holds
    netlink::RouteType kernel_type = netlink::RouteType::unicast;
    std::uint16_t flags = 0;
  };
  using Entry = std::pair<const ip::Prefix, Slot>;  // a node of slots_: its address is stable
  struct Static {
    netlink::RouteType type;
    NextHopSets::Id hops;
  };
  // What should be in the kernel for a prefix. `hops` points into sets_ or scratch_.
  struct Want {
    netlink::RouteType type = netlink::RouteType::unicast;
    std::span<const netlink::NextHop> hops;
    NextHopSets::Id id = NextHopSets::kEmpty;  // hops' id, kEmpty when they are in scratch_
  };
  // What a change in the job out now will have made true once the kernel accepts it.
  struct Intent {
    enum class Kind : std::uint8_t { set, clear, clear_stray };
    Entry* entry;
    Kind kind;
    netlink::RouteType type = netlink::RouteType::unicast;
    NextHopSets::Id hops = NextHopSets::kEmpty;  // retained for `set`
    std::uint32_t metric = 0;                    // for clear_stray
    bool sweep = false;                          // removes a route this run never wanted
  };
  struct Failure {
    netlink::RouteChangeKind kind;
    int error = 0;
    std::string message;
    std::uint32_t attempts = 0;
    Clock::time_point retry_at;
  };

  std::uint32_t kernel_metric(const ip::Prefix& prefix) const;
  // Valid until the next call (it may point into scratch_).
  std::optional<Want> want(const ip::Prefix& prefix, const Slot& slot) const;
  static bool same(netlink::RouteType kernel_type, std::span<const netlink::NextHop> kernel, const Want& want);
  bool removal_allowed(const Slot& slot) const { return sweep_allowed_ || (slot.flags & kSeenDesired); }
  // Whether the kernel has to change for the prefix (whatever backoff it is waiting out).
  bool differs(const ip::Prefix& prefix, const Slot& slot) const;
  netlink::Route route(const ip::Prefix& prefix, netlink::RouteType type, std::span<const netlink::NextHop> hops,
                       std::uint32_t metric) const;
  // Appends the prefix's changes to `changes` and its intents to `intents`.
  void plan(Entry& entry, std::vector<netlink::RouteChange>& changes, std::vector<Intent>& intents);

  Entry& entry(const ip::Prefix& prefix) { return *slots_.try_emplace(prefix).first; }
  void enqueue(Entry& entry);
  void set_kernel(Slot& slot, netlink::RouteType type, NextHopSets::Id hops);  // hops retained by the caller
  void clear_kernel(Slot& slot);
  void set_bgp(Slot& slot, NextHopSets::Id hops);
  void set_static_flag(Slot& slot, bool on);
  // `resolved`: the prefix is as desired now (logged), not merely no longer retried.
  void clear_failure(const ip::Prefix& prefix, Slot& slot, bool resolved);
  void record_failure(const ip::Prefix& prefix, Slot& slot, netlink::RouteChangeKind kind, int error,
                      std::string message, Clock::time_point now);
  Clock::duration backoff(std::uint32_t attempts);
  static bool erasable(const Slot& slot);
  void maybe_erase(const ip::Prefix& prefix);
  void refresh_stats();
  void note(FibEvent::Kind kind, std::string text);
  void flush_notes();
  void end_round(Clock::time_point now);
  void start_round(Clock::time_point now);

  FibConfig config_;
  std::function<double()> uniform_;
  // Declared before the maps whose slots hold its ids.
  NextHopSets sets_;
  std::unordered_map<ip::Prefix, Slot> slots_;
  std::unordered_map<ip::Prefix, Static> statics_;
  std::unordered_map<ip::Prefix, std::vector<std::uint32_t>> strays_;  // ours, at other metrics
  std::unordered_map<ip::Prefix, Failure> failures_;
  using Retry = std::pair<Clock::time_point, ip::Prefix>;
  struct LaterFirst {
    bool operator()(const Retry& a, const Retry& b) const { return a.first > b.first; }
  };
  std::priority_queue<Retry, std::vector<Retry>, LaterFirst> retries_;
  // Queued slots are never erased, so the queue holds their nodes.
  std::deque<Entry*> queue_;
  std::vector<Entry*> deferred_;  // queued while in a batch out; requeued when it is back
  std::size_t queued_ = 0;
  std::unordered_set<ip::Address> local_;
  mutable std::vector<netlink::NextHop> scratch_;

  // The batches out, oldest first; their prefixes are never erased either.
  struct Batch {
    std::vector<Intent> intents;
    std::size_t prefixes = 0;
  };
  std::deque<Batch> in_flight_;
  std::size_t in_flight_prefixes_ = 0;
  bool dump_in_flight_ = false;
  // set_bgp_route's last next hops and their id (held): a RIB batch repeats them.
  std::vector<ip::Address> last_hops_;
  NextHopSets::Id last_hops_id_ = NextHopSets::kEmpty;
  bool have_dump_ = false;
  bool need_dump_ = true;
  bool verify_due_ = false;  // something was written since the last dump
  Clock::time_point dump_not_before_{};
  Clock::time_point last_dump_{};
  std::uint32_t io_attempts_ = 0;  // dumps or batches in a row that failed as a whole
  bool sweep_allowed_ = false;
  bool exiting_ = false;
  ExitMode exit_mode_ = ExitMode::keep;
  std::optional<Clock::time_point> round_start_;

  FibStats stats_;
  std::vector<FibEvent> events_;
  std::size_t event_budget_ = 8;
  std::size_t unreported_failures_ = 0;
  std::size_t unreported_recoveries_ = 0;
};

}  // namespace sluice::bgp::fib
