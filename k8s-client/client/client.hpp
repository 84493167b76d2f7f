// The Kubernetes API client: typed verbs over the HTTP client (get, list with selectors
// and pagination, watch, create, compare-and-swap update, merge patch, delete with
// preconditions, the status subresource), errors typed from the server's Status,
// retries only where they are safe, and a client-side QPS/burst limit.
//
// Coroutines on the caller's executor; one Client per event loop (not thread-safe).
// String arguments are views the caller keeps alive across the co_await; pass named
// variables, not temporaries (g++ 12 destroys owning temporaries inside co_await twice).
#pragma once

#include <utility>  // boost/asio/awaitable.hpp (1.74) uses std::exchange without including it

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <rapidjson/document.h>

#include "base/retry/backoff.hpp"
#include "k8s-client/client/api_error.hpp"
#include "k8s-client/client/resource_type.hpp"
#include "k8s-client/config/connection_config.hpp"

namespace sluice::k8s {

struct ClientSettings {
  double qps = 50;  // <= 0: unlimited
  int burst = 100;
  std::chrono::milliseconds request_timeout{30'000};
  // Attempts for a request that may be retried (reads; writes the server did not process).
  int max_attempts = 5;
  retry::BackoffPolicy backoff{std::chrono::milliseconds(100), std::chrono::milliseconds(10'000), 2.0, 0.5};
  // How often a token file is checked for rotation.
  std::chrono::milliseconds token_recheck_interval{60'000};
};

struct ListOptions {
  std::string label_selector;
  std::string field_selector;
  std::int64_t limit = 500;  // 0: no pagination
  std::string continue_token;
  std::string resource_version;        // "" most recent; "0" any; N with match
  std::string resource_version_match;  // "", "Exact", "NotOlderThan"
};

struct ListPage {
  rapidjson::Document document;  // the whole List; items() are in it
  std::string resource_version;
  std::string continue_token;  // empty on the last page
  std::optional<std::int64_t> remaining_item_count;
  const rapidjson::Value& items() const { return document["items"]; }
};

// Every page of a list taken at one resourceVersion (the first page's).
struct ListResult {
  std::vector<ListPage> pages;
  std::string resource_version;
  std::size_t size() const;
  template <class F>
  void for_each(F&& f) const {
    for (const auto& page : pages)
      for (const auto& item : page.items().GetArray()) f(item);
  }
};

struct Preconditions {
  std::string uid;
  std::string resource_version;
};

struct WatchOptions {
  std::string resource_version;  // "" or "0": start with every existing object as ADDED
  std::string label_selector;
  std::string field_selector;
  bool bookmarks = true;
  std::chrono::seconds timeout{300};  // the server ends the watch after this
};

enum class WatchEventType : std::uint8_t { added, modified, deleted, bookmark };
std::string_view to_string(WatchEventType type);

struct WatchEvent {
  WatchEventType type;
  const rapidjson::Value& object;
  std::string_view resource_version;  // the object's (for a bookmark, the stream's)
};

// Returning an error stops the watch; the watch returns that error.
using WatchHandler = std::function<ApiStatus(const WatchEvent&)>;

class Client {
 public:
  // Fails on TLS material OpenSSL refuses or an unreadable token file.
  static Result<std::unique_ptr<Client>> create(boost::asio::any_io_executor executor, ConnectionConfig config,
                                                ClientSettings settings = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  const ConnectionConfig& config() const;

  boost::asio::awaitable<ApiResult<rapidjson::Document>> get(const ResourceType& type, std::string_view ns,
                                                             std::string_view name);
  boost::asio::awaitable<ApiResult<ListPage>> list_page(const ResourceType& type, std::string_view ns,
                                                        const ListOptions& options);
  // Follows continue tokens to the end. If a continue token expires mid-way (410), the
  // whole list starts again, so the result is always one consistent snapshot.
  boost::asio::awaitable<ApiResult<ListResult>> list(const ResourceType& type, std::string_view ns,
                                                     const ListOptions& options);

  // Create-if-absent: already_exists when the name is taken.
  boost::asio::awaitable<ApiResult<rapidjson::Document>> create(const ResourceType& type, std::string_view ns,
                                                                std::string_view body);
  // Compare-and-swap: the body's metadata.resourceVersion must be current, else conflict.
  // `subresource` "status" writes only the status.
  boost::asio::awaitable<ApiResult<rapidjson::Document>> update(const ResourceType& type, std::string_view ns,
                                                                std::string_view name, std::string_view body,
                                                                std::string_view subresource = {});
  // RFC 7386 JSON merge patch; put metadata.resourceVersion in the patch to make it a CAS.
  boost::asio::awaitable<ApiResult<rapidjson::Document>> merge_patch(const ResourceType& type, std::string_view ns,
                                                                     std::string_view name, std::string_view patch,
                                                                     std::string_view subresource = {});
  // Deletes when the preconditions (if given) hold, else conflict. Returns the server's
  // answer (the deleted object or a Status).
  boost::asio::awaitable<ApiResult<rapidjson::Document>> remove(const ResourceType& type, std::string_view ns,
                                                                std::string_view name,
                                                                const Preconditions& preconditions);
  // Unconditional delete. (An overload, not a default argument: a defaulted Preconditions
  // would be an owning temporary inside the caller's co_await.)
  boost::asio::awaitable<ApiResult<rapidjson::Document>> remove(const ResourceType& type, std::string_view ns,
                                                                std::string_view name);

  // One watch request: events go to `handler` in order until the server ends the
  // stream (returns the last resourceVersion seen, for resuming), an ERROR event
  // arrives (returned typed: expired when the version was compacted), or the handler
  // fails. Bookmarks reach the handler too, carrying the resourceVersion to resume from.
  boost::asio::awaitable<ApiResult<std::string>> watch(const ResourceType& type, std::string_view ns,
                                                       const WatchOptions& options, WatchHandler handler);

  struct Impl;

 private:
  Client() = default;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice::k8s
