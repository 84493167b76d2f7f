// bgpd's configuration as plain values: the speaker, its neighbours and listen ranges,
// policies, the routes it originates, the kernel FIB and the daemon's own options. The
// JSON file (config_file.hpp) is one front end that fills it; the Kubernetes datastore
// (Calico's BGPConfiguration and BGPPeer) is meant to be another. validate() holds the
// rules both share; mapping.hpp turns a valid Config into what the core runs from.
//
// Times are whole seconds, as BGP carries them on the wire. An unset optional inherits
// from the speaker, or takes the default written next to it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/ip/address.hpp"
#include "base/ip/endpoint.hpp"
#include "base/ip/prefix.hpp"
#include "base/log/log.hpp"
#include "base/result.hpp"
#include "bgpd/codec/attributes.hpp"
#include "bgpd/codec/types.hpp"
#include "bgpd/policy/policy.hpp"
#include "bgpd/rib/peer_info.hpp"
#include "bgpd/rib/policy.hpp"

namespace sluice::bgp::config {

inline constexpr std::uint32_t kDefaultAsNumber = 64512;  // Calico's default
inline constexpr std::uint16_t kBgpPort = 179;
inline constexpr std::uint16_t kDefaultHoldTime = 90;  // RFC 4271 §10 (Calico's BIRD: 240)
inline constexpr std::uint16_t kDefaultConnectRetryTime = 5;  // Calico's "connect retry time 5"
inline constexpr std::uint16_t kDefaultRestartTime = 120;     // Calico's GR time (BIRD's default)
inline constexpr std::uint16_t kMaxRestartTime = 4095;         // 12 bits in the capability
inline constexpr std::uint16_t kDefaultDeferralTime = 360;  // FRR's select-defer-time
inline constexpr std::uint16_t kDefaultMaxPaths = 16;
// bgpd's mark on kernel routes: the FIB's kBgpdRouteProtocol (fib/fib.hpp).
inline constexpr std::uint8_t kDefaultRouteProtocol = 201;
inline constexpr std::uint32_t kDefaultRouteMetric = 1024;  // Calico's ipv4NormalRoutePriority
inline constexpr std::uint32_t kMainTable = 254;
inline constexpr std::uint8_t kMaxAllowOwnAs = 10;
inline constexpr std::size_t kMaxPasswordLength = 80;  // TCP_MD5SIG_MAXKEYLEN

struct GracefulRestartConfig {  // RFC 4724
  bool enabled = true;
  std::uint16_t restart_time = kDefaultRestartTime;  // advertised: how long peers keep our routes
  // As a restarting speaker: how long route selection waits for peers' End-of-RIB
  // (RFC 4724 §4.1 selection_deferral_timer).
  std::uint16_t deferral_time = kDefaultDeferralTime;
  friend bool operator==(const GracefulRestartConfig&, const GracefulRestartConfig&) = default;
};

struct MultipathConfig {
  bool enabled = true;  // Calico's BIRD: "merge paths on"
  std::uint16_t max_paths = kDefaultMaxPaths;
  bool relax = false;  // any neighbour AS may join the set, not only the best path's
  friend bool operator==(const MultipathConfig&, const MultipathConfig&) = default;
};

struct SpeakerConfig {
  std::uint32_t as_number = kDefaultAsNumber;
  std::optional<ip::Address> router_id;      // required: an IPv4 BGP Identifier
  std::vector<ip::Address> listen_addresses;  // empty: every address, IPv4 and IPv6
  std::uint16_t listen_port = kBgpPort;       // 0: any free port (tests)
  std::optional<ip::Address> cluster_id;      // RFC 4456; default the router ID
  std::uint16_t hold_time = kDefaultHoldTime;
  std::optional<std::uint16_t> keepalive_time;  // default a third of the hold time
  std::uint16_t connect_retry_time = kDefaultConnectRetryTime;
  GracefulRestartConfig graceful_restart;
  MultipathConfig multipath;
  std::uint32_t default_local_pref = 100;
  bool always_compare_med = false;
  bool missing_med_worst = false;
  // RFC 8212: eBGP routes with no policy accepting them are refused both ways.
  bool ebgp_requires_policy = true;
  friend bool operator==(const SpeakerConfig&, const SpeakerConfig&) = default;
};

enum class MaxPrefixAction : std::uint8_t {
  warn,     // log, keep the session
  restart,  // Cease / Maximum Number of Prefixes Reached, then start again after a wait
  stop,     // the same, and stay down until an operator starts it again
};

struct MaxPrefixConfig {
  std::uint32_t limit = 0;  // 1 and up
  MaxPrefixAction action = MaxPrefixAction::restart;
  std::uint16_t restart_after = 60;  // with restart
  friend bool operator==(const MaxPrefixConfig&, const MaxPrefixConfig&) = default;
};

struct AddPathConfig {  // RFC 7911
  std::vector<AfiSafi> send;
  std::vector<AfiSafi> receive;
  rib::AddPathSelect select = rib::AddPathSelect::all;
  std::uint16_t limit = 2;  // with select best: how many paths
  friend bool operator==(const AddPathConfig&, const AddPathConfig&) = default;
};

// One neighbour, or the template of a listen range (address then unused).
struct NeighborConfig {
  ip::Address address;
  std::optional<std::uint32_t> as_number;  // required for configured neighbours
  std::optional<std::uint32_t> local_as_number;  // our AS toward it; default the speaker's
  std::string description;
  bool passive = false;   // never connect; wait for the neighbour
  bool shutdown = false;  // configured but administratively down
  std::optional<std::uint16_t> hold_time;
  std::optional<std::uint16_t> keepalive_time;
  std::optional<std::uint16_t> connect_retry_time;
  // RFC 2385 TCP MD5. The file may name a password file instead; the front end reads it,
  // so `password` always holds the key and `password_file` only says where it came from.
  std::optional<std::string> password;
  std::optional<std::string> password_file;
  std::optional<std::uint8_t> ttl_security;  // RFC 5082 GTSM: the neighbour is at most this many hops away
  std::optional<std::uint8_t> multihop;      // outgoing TTL without GTSM (eBGP default 1)
  std::optional<ip::Address> source_address;
  std::uint16_t port = kBgpPort;
  bool route_reflector_client = false;
  std::optional<ip::Address> cluster_id;  // for this client; default the speaker's
  rib::NextHopMode next_hop_mode = rib::NextHopMode::automatic;
  // Our next hop for a family the session's own address cannot give (IPv6 routes over
  // an IPv4 session, say).
  std::optional<ip::Address> next_hop_self_ipv4;
  std::optional<ip::Address> next_hop_self_ipv6;
  AddPathConfig add_path;
  std::uint8_t allow_own_as = 0;
  std::vector<AfiSafi> families;  // empty: the unicast family of the address
  std::optional<bool> graceful_restart;       // default the speaker's
  std::optional<std::uint16_t> restart_time;  // default the speaker's
  bool route_refresh = true;
  bool enhanced_route_refresh = true;
  bool extended_messages = true;
  std::optional<MaxPrefixConfig> max_prefix;
  std::vector<std::string> import_policies;
  std::vector<std::string> export_policies;
  // When every policy falls through, or there is none; unset: RFC 8212 (reject for eBGP
  // unless the speaker opts out, accept for iBGP).
  std::optional<rib::PolicyVerdict> default_import;
  std::optional<rib::PolicyVerdict> default_export;
  friend bool operator==(const NeighborConfig&, const NeighborConfig&) = default;
};

// Dynamic neighbours: connections from inside `prefix` are accepted and get the
// template's settings.
struct ListenRangeConfig {
  ip::Prefix prefix;
  std::optional<std::uint32_t> as_number;  // unset: any AS
  std::uint16_t max_peers = 100;
  NeighborConfig neighbor;
  friend bool operator==(const ListenRangeConfig&, const ListenRangeConfig&) = default;
};

// A route this speaker announces (Calico's IPAM blocks, service ranges, statics).
struct OriginateConfig {
  ip::Prefix prefix;
  bool blackhole = false;                // in the kernel, a blackhole route
  std::optional<ip::Address> next_hop;  // default this speaker's address on each session
  std::vector<Community> communities;
  std::vector<LargeCommunity> large_communities;
  std::optional<std::uint32_t> local_pref;
  std::optional<std::uint32_t> med;
  bool install = false;  // also write it into the kernel (needs blackhole or a next hop)
  friend bool operator==(const OriginateConfig&, const OriginateConfig&) = default;
};

struct FibConfig {
  bool enabled = true;
  std::uint32_t table = kMainTable;
  std::uint8_t protocol = kDefaultRouteProtocol;
  std::uint32_t metric = kDefaultRouteMetric;
  bool keep_on_exit = true;  // Calico's BIRD "persist": routes survive a restart
  bool ecmp = true;          // several next hops per route when multipath gives them
  friend bool operator==(const FibConfig&, const FibConfig&) = default;
};

// The daemon's own options. Each also has a flag; a flag or its environment variable
// given on the command line wins over the file.
struct DaemonConfig {
  std::optional<std::string> control_socket;
  std::optional<log::Level> log_level;
  std::optional<log::Format> log_format;
  std::optional<ip::Endpoint> http_listen;
  friend bool operator==(const DaemonConfig&, const DaemonConfig&) = default;
};

struct Config {
  SpeakerConfig speaker;
  std::vector<NeighborConfig> neighbors;
  std::vector<ListenRangeConfig> listen_ranges;
  policy::Definitions policy;  // prefix lists and policies, by name
  std::vector<OriginateConfig> originate;
  FibConfig fib;
  DaemonConfig daemon;
  friend bool operator==(const Config&, const Config&) = default;
};

// "ipv4-unicast", "ipv6-unicast".
std::optional<AfiSafi> parse_family(std::string_view text);
// The families a neighbour carries: its list, else the unicast family of `address`.
std::vector<AfiSafi> effective_families(const NeighborConfig& neighbor, ip::Family address_family);

// The rules every front end's result must keep, with errors named by the file's paths
// ("neighbors[2].holdTime: 2 is not allowed (0 or 3..65535)"). Policies are compiled
// here too, so a valid Config always maps.
Status validate(const Config& config);

}  // namespace sluice::bgp::config
