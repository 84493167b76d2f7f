// The loop under an informer: list, then watch from the list's resourceVersion, resuming
// each watch from the last version seen (bookmarks included), relisting when the server
// says that version has expired (410), and backing off on any other failure. It keeps no
// objects itself; it hands the lists and events to its sink.
#pragma once

#include <utility>  // boost/asio/awaitable.hpp (1.74) uses std::exchange without including it

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include "base/retry/backoff.hpp"
#include "k8s-client/client/client.hpp"

namespace sluice::k8s {

struct ListWatchOptions {
  std::string ns;  // empty: all namespaces (or a cluster-scoped resource)
  std::string label_selector;
  std::string field_selector;
  std::int64_t page_size = 500;
  std::chrono::seconds watch_timeout{300};
  std::chrono::milliseconds resync_period{0};  // 0: never
  retry::BackoffPolicy backoff{std::chrono::milliseconds(200), std::chrono::milliseconds(30'000), 2.0, 0.5};
};

struct ListWatchSink {
  std::function<void(const ListResult&)> replace;      // the complete state, after each (re)list
  std::function<void(const WatchEvent&)> event;        // added, modified, deleted
  std::function<void()> resync;                        // every resync_period
  std::function<void(const ApiError&)> error;          // each failure before a retry (optional)
};

struct ListWatchStats {
  std::uint64_t lists = 0;
  std::uint64_t watches = 0;
  std::uint64_t events = 0;
  std::uint64_t expired = 0;  // relists forced by 410
  std::uint64_t failures = 0;
};

class ListWatch {
 public:
  ListWatch(Client& client, ResourceType type, ListWatchOptions options, ListWatchSink sink);
  ListWatch(const ListWatch&) = delete;  // run() and its resync loop hold `this`
  ListWatch& operator=(const ListWatch&) = delete;

  // Runs until stop(). A watch in progress ends at its next event or at its timeout;
  // stopping the io_context ends everything at once.
  boost::asio::awaitable<void> run();
  void stop();

  const std::string& resource_version() const { return resource_version_; }
  const ListWatchStats& stats() const { return stats_; }

 private:
  boost::asio::awaitable<void> resync_loop();

  Client& client_;
  ResourceType type_;
  ListWatchOptions options_;
  ListWatchSink sink_;
  std::string resource_version_;
  ListWatchStats stats_;
  bool stopped_ = false;
  std::unique_ptr<boost::asio::steady_timer> resync_timer_;
};

}  // namespace sluice::k8s
