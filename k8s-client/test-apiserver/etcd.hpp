// A small etcd v3 client over etcd's JSON gateway (HTTP/1.1, the same API etcd's gRPC
// serves): ranges, compare-and-swap transactions on revisions, compaction and watches.
// Only what the API test server needs.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/http/client.hpp"

namespace sluice::apiserver {

struct KeyValue {
  std::string key;
  std::string value;
  std::int64_t create_revision = 0;
  std::int64_t mod_revision = 0;
};

struct RangeResult {
  std::int64_t revision = 0;  // the store's revision the range was read at
  std::vector<KeyValue> kvs;
  bool more = false;
  std::int64_t count = 0;  // all keys in the range, not only those returned
};

struct TxnResult {
  bool succeeded = false;
  std::int64_t revision = 0;         // the store's revision after the transaction
  std::optional<KeyValue> current;   // on failure: the key as it is now (absent if none)
  std::optional<KeyValue> previous;  // on a successful delete: what was deleted
};

struct WatchEvent {
  bool deleted = false;
  KeyValue kv;  // for a delete: key and mod_revision of the delete
  std::optional<KeyValue> previous;
};

// Error::code for a revision etcd has compacted away (etcd's OutOfRange).
inline constexpr int kCompacted = 11;

// "prefix" -> the range end covering every key that starts with it.
std::string prefix_end(std::string_view prefix);

class Etcd {
 public:
  Etcd(boost::asio::any_io_executor executor, ip::Endpoint endpoint);

  // Keys in [key, range_end) at `revision` (0: current), at most `limit` (0: all).
  boost::asio::awaitable<Result<RangeResult>> range(std::string key, std::string range_end, std::int64_t revision,
                                                    std::int64_t limit);
  boost::asio::awaitable<Result<std::optional<KeyValue>>> get(std::string key);
  // Put only if the key does not exist.
  boost::asio::awaitable<Result<TxnResult>> create(std::string key, std::string value);
  // Put only if the key's mod_revision is `expected`.
  boost::asio::awaitable<Result<TxnResult>> update(std::string key, std::string value, std::int64_t expected);
  // Delete, only if the key's mod_revision is `expected` (0: whatever it is, if it exists).
  boost::asio::awaitable<Result<TxnResult>> remove(std::string key, std::int64_t expected);
  boost::asio::awaitable<Status> compact(std::int64_t revision);

  // Streams events for [key, range_end) from `start_revision` until on_events returns an
  // error (returned), the stream ends, or nothing (not even a progress report) arrives
  // for `idle_timeout`. A compacted start revision fails with code kCompacted.
  // on_events gets each response's events and its header revision.
  boost::asio::awaitable<Status> watch(
      std::string key, std::string range_end, std::int64_t start_revision,
      std::function<boost::asio::awaitable<Status>(std::vector<WatchEvent>, std::int64_t)> on_events,
      std::chrono::milliseconds idle_timeout);

  // The compaction revision reported by the last watch that failed with kCompacted.
  std::int64_t last_compact_revision() const { return last_compact_revision_; }

 private:
  std::int64_t last_compact_revision_ = 0;
  boost::asio::awaitable<Result<std::string>> call(std::string path, std::string body);
  boost::asio::awaitable<Result<TxnResult>> txn(std::string compare, std::string success, std::string key);

  http::Client http_;
};

}  // namespace sluice::apiserver
