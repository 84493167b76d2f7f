// ipamctl, the IPAM admin tool, as a library: one call runs one command line against a
// store, with everything from outside (the connection, the terminal, the clock, the
// GUID generator, the version) injected, so the unit tests run every command against a
// MemoryStore and main.cpp is a thin shell around a KubernetesStore.
#pragma once

#include <utility>  // boost/asio/awaitable.hpp (1.74) uses std::exchange without including it

#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "base/result.hpp"
#include "ipam/block/allocation_block.hpp"
#include "ipam/ipamctl/cli.hpp"
#include "ipam/store/object_store.hpp"

namespace sluice::ipamctl {

struct Runtime {
  // The store for the connection flags; called once, after the arguments were accepted.
  std::function<Result<ipam::ObjectStore*>(const ConnectionFlags&)> connect;
  std::ostream* out = nullptr;
  std::ostream* err = nullptr;
  // Asks a yes/no question; std::nullopt when nobody can answer (stdin is not a terminal).
  std::function<std::optional<bool>(std::string_view question)> confirm;
  std::function<ipam::TimePoint()> now;
  // A GUID for a cluster that has none (ClusterInformation "default" is created with it).
  std::function<std::string()> new_cluster_guid;
  std::string version;
};

// Runs one command line (without the program name) and returns its exit status
// (ExitCode). Errors go to *err as one line naming what failed.
boost::asio::awaitable<int> run(std::vector<std::string> args, Runtime& runtime);

// 32 lowercase hex digits from the system's random source, as Calico writes clusterGUID.
std::string random_cluster_guid();

}  // namespace sluice::ipamctl
