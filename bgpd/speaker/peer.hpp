// One neighbour in the running speaker: the FSM of RFC 4271 §8 driven by real sockets
// and timers. It connects (with TCP MD5, GTSM or TTL, a source address), accepts the
// peer's connections, resolves collisions with a second FSM (collision.hpp), frames and
// decodes messages, and carries out the FSM's actions: sending, timers, and the session
// going up or down in the RIB. It pulls UPDATEs from the RIB only while its socket keeps
// up, enforces the prefix limit, and runs the graceful-restart timer as a helper.
#pragma once

#include <utility>  // boost/asio/awaitable.hpp (1.74) uses std::exchange without including it

#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "bgpd/rib/rib.hpp"
#include "bgpd/session/fsm.hpp"
#include "bgpd/speaker/bgp_connection.hpp"
#include "bgpd/speaker/speaker_settings.hpp"

namespace sluice::bgp {

// What a peer needs from the speaker around it.
struct PeerHost {
  boost::asio::any_io_executor executor;
  rib::Rib* rib = nullptr;
  std::function<void()> schedule_pump;  // the RIB has input: process and send soon
  // A dynamic neighbour has gone down and holds nothing: the speaker may drop it.
  std::function<void(const ip::Address&)> dynamic_peer_idle;
  // A dynamic neighbour of a range that accepts any AS has named its AS in its OPEN: the
  // RIB's view of it for that AS (ListenRangeSettings::peer_info_for), if the range has one.
  std::function<std::optional<rib::PeerInfo>(const ip::Address&, std::uint32_t remote_as)> dynamic_peer_info;
};

inline constexpr std::size_t kMessageTypes = 6;  // indexed by MessageType (1..5)

struct PeerCounters {
  std::array<std::uint64_t, kMessageTypes> messages_in{};
  std::array<std::uint64_t, kMessageTypes> messages_out{};
  std::uint64_t updates_treated_as_withdraw = 0;
  std::uint64_t prefix_limit_hits = 0;
};

// A neighbour as bgpctl and the metrics show it.
struct PeerStatus {
  ip::Address address;
  std::string description;
  bool dynamic = false;
  rib::PeerId id = 0;
  SessionState state = SessionState::idle;
  std::chrono::steady_clock::time_point state_since;
  std::uint32_t remote_as = 0;
  std::uint32_t local_as = 0;
  std::optional<ip::Address> router_id;
  std::optional<NegotiatedSession> negotiated;
  std::optional<ip::Endpoint> local_endpoint;
  std::optional<ip::Endpoint> remote_endpoint;
  std::uint64_t flaps = 0;
  std::optional<DownReason> last_down;  // the last session end, or failed attempt at one
  PeerCounters counters;
  std::uint64_t prefixes_received = 0;   // NLRI announced by the peer, all time
  std::uint64_t prefixes_rejected = 0;   // refused by import policy, all time
  std::uint64_t prefixes_accepted = 0;   // its paths in the Loc-RIB now
  std::uint64_t prefixes_advertised = 0; // what it has been sent and holds now
  bool graceful_restart_pending = false;
};

class Peer {
 public:
  Peer(PeerHost host, NeighborSettings settings, rib::PeerId id, bool dynamic);
  ~Peer();
  Peer(const Peer&) = delete;
  Peer& operator=(const Peer&) = delete;

  void start();
  // Cease / Administrative Shutdown (with an RFC 9003 communication), no restart.
  void stop(std::optional<std::string> communication = std::nullopt);
  // An inbound connection from this neighbour; false when the FSM refuses it (Idle).
  bool accept(boost::asio::ip::tcp::socket socket);
  // Sends what the RIB has for this peer while the socket keeps up.
  void fill();
  // New settings that change only what the RIB knows (policies, next hop, reflection).
  void update_rib_settings(const NeighborSettings& settings);
  // This speaker's graceful restart is over: OPENs from now on say so.
  void restart_finished();
  // Asks the peer to send its routes again (RFC 2918), for an import policy change.
  void request_route_refresh();

  bool established() const;
  rib::PeerId id() const { return id_; }
  bool dynamic() const { return dynamic_; }
  const NeighborSettings& settings() const { return settings_; }
  PeerStatus status() const;

 private:
  struct Attempt;
  using AttemptPtr = std::shared_ptr<Attempt>;

  void handle(const AttemptPtr& attempt, const SessionEvent& event);
  void execute(const AttemptPtr& attempt, std::vector<SessionAction> actions);
  void connect(const AttemptPtr& attempt);
  // Waits until the timer's deadline and then tells the FSM, unless restarted or stopped.
  void wait_for(const AttemptPtr& attempt, TimerKind kind);
  void attach(const AttemptPtr& attempt, boost::asio::ip::tcp::socket socket);
  void on_message(const AttemptPtr& attempt, Decoded<Received> message);
  void send(const AttemptPtr& attempt, const Message& message, const Context& context);
  void on_established(const AttemptPtr& attempt, const NegotiatedSession& session);
  void on_down(const AttemptPtr& attempt, const DownReason& reason);
  void check_prefix_limit(const AttemptPtr& attempt);
  void forget_idle_attempts();
  void note_failed_attempt(const Attempt& attempt, SessionState before);
  AttemptPtr other_than(const Attempt& attempt) const;
  Status prepare_socket(boost::asio::ip::tcp::socket& socket);

  PeerHost host_;
  // Handlers posted to the loop hold it weakly: the peer may be removed before they run.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  NeighborSettings settings_;
  rib::PeerId id_;
  bool dynamic_;
  AttemptPtr primary_;
  AttemptPtr secondary_;  // a second connection during a collision
  PeerCounters counters_;
  std::chrono::steady_clock::time_point state_since_;
  SessionState last_state_ = SessionState::idle;
  std::optional<DownReason> last_down_;
  std::uint64_t flaps_ = 0;
  bool prefix_limit_warned_ = false;
  std::unique_ptr<boost::asio::steady_timer> restart_timer_;  // graceful restart, as a helper
  std::unique_ptr<boost::asio::steady_timer> prefix_restart_timer_;
  bool stopped_ = true;
};

std::string_view to_string(MaxPrefix::Action action);

}  // namespace sluice::bgp
