// The running BGP speaker: the RIB, one Peer per neighbour (configured, or dynamic from a
// listen range), the listening sockets (with every MD5 key installed), the routes it
// originates, and the pump that, after any input, runs route selection once and lets
// every peer take its UPDATEs. A reload applies new settings while leaving alone every
// session whose settings did not change.
#pragma once

#include <utility>  // boost/asio/awaitable.hpp (1.74) uses std::exchange without including it

#include <map>
#include <memory>
#include <optional>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "bgpd/speaker/peer.hpp"
#include "bgpd/speaker/speaker_settings.hpp"

namespace sluice::bgp {

struct ReloadReport {
  std::vector<ip::Address> added;
  std::vector<ip::Address> removed;
  std::vector<ip::Address> restarted;  // session settings changed: the session was reset
  std::vector<ip::Address> updated;    // only the RIB's view changed: the session stayed up
  bool originate_changed = false;
  bool listeners_rebound = false;
};

// What a reload changes in place, when the caller knows (config::diff does): neighbours
// (host prefixes) and listen ranges whose RIB view changed, and those of them whose
// import policy changed, which are asked for their routes again (RFC 2918). Without a
// scope every neighbour is updated and asked.
struct ReloadScope {
  std::vector<ip::Prefix> updated;
  std::vector<ip::Prefix> refresh;
};

class Speaker {
 public:
  // Adds every neighbour to the RIB, binds the listeners and starts the sessions. Fails on
  // settings the RIB refuses or a listener that cannot bind.
  static Result<std::unique_ptr<Speaker>> start(boost::asio::io_context& io, SpeakerSettings settings);
  ~Speaker();
  Speaker(const Speaker&) = delete;
  Speaker& operator=(const Speaker&) = delete;

  // Every session ends with Cease / Administrative Shutdown; the listeners close.
  void stop(std::optional<std::string> communication = std::nullopt);
  // New settings for the same speaker (its RIB configuration unchanged: the caller
  // starts a new speaker for that). Neighbours are matched by address; a dynamic
  // neighbour follows its listen range's template; listeners are rebound when the
  // endpoints change. Fails, with the old listeners kept, when a new one cannot bind.
  Result<ReloadReport> reload(SpeakerSettings next, std::optional<ReloadScope> scope = std::nullopt);

  rib::Rib& rib() { return *rib_; }
  const rib::Rib& rib() const { return *rib_; }
  const SpeakerSettings& settings() const { return settings_; }
  std::vector<PeerStatus> peers() const;
  Peer* peer(const ip::Address& address);
  // Our address on the session with `peer` for `family` (next hop "self"); none while
  // the peer is down or when the session cannot give one for that family.
  std::optional<ip::Address> self_address(rib::PeerId peer, AfiSafi family) const;
  // The endpoints actually bound (a port 0 in the settings is resolved here).
  std::vector<ip::Endpoint> listening() const;
  // Each listener sees every Loc-RIB batch (the FIB writer, metrics).
  void add_best_path_listener(rib::Rib::BestPathListener listener);
  // Runs selection and sends now rather than at the next turn of the loop.
  void pump();

 private:
  Speaker(boost::asio::io_context& io, SpeakerSettings settings);
  Status bind_listeners();
  void close_listeners();
  void install_md5_keys(const SpeakerSettings& previous);
  boost::asio::awaitable<void> accept_loop(boost::asio::ip::tcp::acceptor& acceptor, std::weak_ptr<bool> alive);
  void on_inbound(boost::asio::ip::tcp::socket socket);
  Result<Peer*> add_peer(NeighborSettings settings, bool dynamic);
  void remove_peer(const ip::Address& address);
  void schedule_pump();
  PeerHost host();

  boost::asio::io_context& io_;
  SpeakerSettings settings_;
  std::unique_ptr<rib::Rib> rib_;
  std::map<ip::Address, std::unique_ptr<Peer>> peers_;
  std::vector<std::unique_ptr<boost::asio::ip::tcp::acceptor>> acceptors_;
  std::vector<rib::Rib::BestPathListener> listeners_;
  std::unique_ptr<boost::asio::steady_timer> deferral_timer_;
  bool pump_scheduled_ = false;
  // A graceful restart whose route selection deferral is not over yet.
  bool restart_pending_ = false;
  bool stopped_ = false;
  // Handlers posted to the loop hold it weakly: the daemon may replace the speaker
  // (a new RIB) before they run.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace sluice::bgp
