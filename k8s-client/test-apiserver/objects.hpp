// What the API test server does with objects: the semantics of get, list, create,
// update, merge-patch and delete over etcd, as kube-apiserver behaves for them.
// Transport-free: every call returns the status code and body to send.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include <utility>  // boost/asio/awaitable.hpp (1.74) needs std::exchange

#include <boost/asio/awaitable.hpp>

#include "k8s-client/test-apiserver/etcd.hpp"
#include "k8s-client/test-apiserver/resources.hpp"
#include "k8s-client/test-apiserver/status.hpp"

namespace sluice::apiserver {

struct ListQuery {
  std::string label_selector;
  std::string field_selector;
  std::int64_t limit = 0;
  std::string continue_token;
  std::string resource_version;
  std::string resource_version_match;
};

class Objects {
 public:
  explicit Objects(Etcd& etcd) : etcd_(etcd) {}

  boost::asio::awaitable<Reply> get(const ResourcePath& path);
  boost::asio::awaitable<Reply> list(const ResourcePath& path, const ListQuery& query);
  boost::asio::awaitable<Reply> create(const ResourcePath& path, std::string_view body);
  boost::asio::awaitable<Reply> update(const ResourcePath& path, std::string_view body);
  boost::asio::awaitable<Reply> merge_patch(const ResourcePath& path, std::string_view body);
  boost::asio::awaitable<Reply> remove(const ResourcePath& path, std::string_view body);

 private:
  Etcd& etcd_;
};

// The stored object with its resourceVersion (the etcd mod revision) put back in.
std::string with_resource_version(std::string_view stored, std::int64_t revision);

}  // namespace sluice::apiserver
