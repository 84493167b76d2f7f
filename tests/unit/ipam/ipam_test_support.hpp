// Shared pieces of the IPAM unit tests: an allocator over a MemoryStore on one
// io_context with a controllable clock, pool and object setup, and a consistency check
// of the whole store.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "base/asio/run_blocking.hpp"
#include "ipam/allocator/allocator.hpp"
#include "ipam/audit/problems.hpp"
#include "ipam/store/memory_store.hpp"

namespace sluice::testing {

struct IpamFixture {
  IpamFixture();

  template <class T>
  T run(boost::asio::awaitable<T> task) {
    return run_blocking(io, std::move(task));
  }

  // A pool with default settings; `mutate` adjusts the spec first.
  void add_pool(const std::string& name, const std::string& cidr, int block_size,
                const std::function<void(k8s::IPPool&)>& mutate = {});
  void set_ipam_config(const k8s::IPAMConfigSpec& spec);
  void add_node(const std::string& name, std::map<std::string, std::string> labels = {});
  void add_namespace(const std::string& name, std::map<std::string, std::string> labels);
  void reserve(const std::string& name, std::vector<std::string> cidrs);

  ipam::AutoAssignRequest request(const std::string& host, const std::string& handle, int v4, int v6 = 0) const;
  // Allocates and requires success.
  ipam::AutoAssignResult assign(const std::string& host, const std::string& handle, int v4, int v6 = 0);

  ipam::IpamSnapshot snapshot();
  // Every consistency problem, as "kind subject: detail" lines.
  std::vector<std::string> problems();
  // Every allocated address with its handle.
  std::map<ip::Address, std::string> allocated();
  std::vector<k8s::BlockAffinity> affinities();

  boost::asio::io_context io;
  ipam::MemoryStore store;
  ipam::TimePoint now;
  ipam::Allocator allocator;
};

std::string describe(const std::vector<std::string>& lines);

}  // namespace sluice::testing
