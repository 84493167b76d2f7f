// What every ipamctl command runs with (the store, the allocator over it, the runtime,
// the common flags) and the pieces they share: failing with one line on stderr,
// confirmation, address counts of any size, JSON output.
#pragma once

#include <utility>  // boost/asio/awaitable.hpp (1.74) uses std::exchange without including it

#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include "ipam/allocator/allocator.hpp"
#include "ipam/audit/snapshot.hpp"
#include "ipam/ipamctl/ipamctl.hpp"
#include "k8s-client/resources/calico_ipam.hpp"

namespace sluice::ipamctl {

using JsonWriter = rapidjson::PrettyWriter<rapidjson::StringBuffer>;

struct Session {
  Session(ipam::ObjectStore& store, Runtime& runtime, std::string command, CommonArgs common);

  ipam::ObjectStore& store;
  Runtime& runtime;
  std::string command;  // "show", ...
  CommonArgs common;
  ipam::Allocator allocator;

  std::ostream& out() { return *runtime.out; }
  bool json() const { return common.output == OutputFormat::json; }
  // "ipamctl <command>: <message>" on stderr; returns `code`.
  int fail(std::string_view message, int code = kExitFailed);
  // std::nullopt when the user confirmed (or gave --yes); otherwise the refusal has been
  // reported and this is its exit status.
  std::optional<int> confirm(bool yes, std::string_view question);
  // Prints a finished JSON document on stdout.
  void print_json(const rapidjson::StringBuffer& buffer);
};

boost::asio::awaitable<int> show(Session& s, const ShowArgs& args);
boost::asio::awaitable<int> check(Session& s, const CheckArgs& args);
boost::asio::awaitable<int> release(Session& s, const ReleaseArgs& args);
boost::asio::awaitable<int> split(Session& s, const SplitArgs& args);
boost::asio::awaitable<int> configure(Session& s, const ConfigureArgs& args);

// The IPAMConfig as `show --show-configuration` and `configure` print it: Calico's
// property names, the defaults of a missing object.
void print_ipam_config(Session& s, const k8s::IPAMConfigSpec& spec, bool exists, std::string_view status);

// Address counts: an IPv6 pool may hold up to 2^127 addresses.
using Count = unsigned __int128;
std::string count_text(Count n);
// As a JSON number however large (consumers that need exact values get them).
void write_count(JsonWriter& w, Count n);
Count size_of(const ip::Prefix& prefix);
// "12 (4%)": a count and its share of `total`, rounded down, "<1%" when small but not zero.
std::string count_with_share(Count n, Count total);

void write_string(JsonWriter& w, std::string_view key, std::string_view value);

// How the commands describe an allocation's owner.
std::string attribute(const ipam::Owner& owner, std::string_view key);
// "namespace/pod", else the node (tunnel addresses), else the handle.
std::string allocated_to(const ipam::Owner& owner);
// The owner's "type" attribute (tunnel addresses), "pod", or "-".
std::string allocation_type(const ipam::Owner& owner);
// Allocated to a node other than the one the block is affine to (or from a block no
// host holds): Calico's borrowed addresses.
bool is_borrowed(const ipam::Allocation& allocation);

}  // namespace sluice::ipamctl
