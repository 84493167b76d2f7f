// Kernel route installs by bgpd's FIB writer, for bench/fib.sh (which runs `ip -batch` and
// BIRD 2 beside it in fresh namespaces). Prints one JSON line per run.
//   sluice-bench-fib writer NETNS ROUTES [NEXTHOPS [BATCHES_IN_FLIGHT]]
//       N /32s via 192.0.2.2 (or an ECMP set of 192.0.2.2 ...) into table 100: the time to
//       feed them, to have every one acknowledged by the kernel (from the start of the
//       feed), and to have read them back (in sync).
//   sluice-bench-fib wait NETNS PROTOCOL ROUTES START_EPOCH_S
//       waits until table 100 holds ROUTES routes of PROTOCOL (a strict, kernel-filtered
//       dump every 20 ms) and prints the seconds since START_EPOCH_S (CLOCK_REALTIME).
#include <sys/resource.h>
#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <fmt/format.h>

#include "base/log/log.hpp"
#include "base/netlink/netns.hpp"
#include "base/netlink/route_table.hpp"
#include "bgpd/fib/fib_writer.hpp"

using namespace sluice;
using namespace sluice::bgp::fib;

namespace {

constexpr std::uint32_t kTable = 100;

double since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

double epoch_now() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

ip::Prefix route_prefix(int i) {
  return *ip::Prefix::make(ip::Address::v4({10, static_cast<std::uint8_t>(i >> 16), static_cast<std::uint8_t>(i >> 8),
                                            static_cast<std::uint8_t>(i)}),
                           32);
}

int writer(const std::string& netns, int routes, int nexthops, int batches_in_flight) {
  FibWriterOptions options;
  if (batches_in_flight > 0) options.fib.batches_in_flight = static_cast<std::size_t>(batches_in_flight);
  options.fib.table = kTable;
  options.fib.metric = 20;
  options.fib.verify_spacing = Clock::duration::zero();  // time the read-back, not the spacing
  options.first_sync_timeout = std::chrono::hours(1);
  auto kernel = NetlinkFibKernel::open(options.fib, netns);
  if (!kernel) {
    std::fprintf(stderr, "%s\n", kernel.error().message.c_str());
    return 1;
  }
  boost::asio::io_context io;
  FibWriter fib(io.get_executor(), options, std::move(*kernel));
  std::vector<ip::Address> gateways;
  for (int i = 0; i < nexthops; ++i) {
    gateways.push_back(ip::Address::v4({192, 0, 2, static_cast<std::uint8_t>(2 + i)}));
  }

  double cpu_start = cpu_seconds();
  auto start = Clock::now();
  for (int i = 0; i < routes; ++i) fib.set_bgp_route(route_prefix(i), gateways);
  double feed = since(start);
  fib.start();
  // In sync comes after the read-back of the writes; every route acknowledged comes
  // before, as the last batch's answer is handled.
  bool in_sync = false;
  fib.on_first_in_sync([&] { in_sync = true; });
  double installed = 0;
  // Bounded: a minute is far beyond any plausible install time.
  auto deadline = Clock::now() + std::chrono::minutes(1);
  while (!in_sync && Clock::now() < deadline) {
    io.run_one_for(std::chrono::milliseconds(100));
    const auto& s = fib.fib().stats();
    if (installed == 0 && s.installed == static_cast<std::size_t>(routes) && s.pending == 0) installed = since(start);
  }
  double verified = since(start);
  double cpu = cpu_seconds() - cpu_start;
  const auto& s = fib.fib().stats();
  if (!in_sync || s.installed != static_cast<std::size_t>(routes) || s.write_failures != 0) {
    std::fprintf(stderr, "not in sync: %zu of %d installed, %llu failures\n", s.installed, routes,
                 static_cast<unsigned long long>(s.write_failures));
    return 1;
  }
  std::printf("{\"case\":\"sluice\",\"routes\":%d,\"nexthops\":%d,\"feed_s\":%.4f,\"seconds\":%.4f,"
              "\"verified_s\":%.4f,\"cpu_s\":%.4f}\n",
              routes, nexthops, feed, installed, verified, cpu);
  return 0;
}

int wait(const std::string& netns, int protocol, int routes, double start_epoch) {
  auto handle = netlink::Netns::open(netns);
  if (!handle) {
    std::fprintf(stderr, "%s\n", handle.error().message.c_str());
    return 1;
  }
  auto socket = netlink::NetlinkSocket::open_in(*handle);
  if (!socket) {
    std::fprintf(stderr, "%s\n", socket.error().message.c_str());
    return 1;
  }
  netlink::RouteFilter filter{ip::Family::v4, kTable, static_cast<std::uint8_t>(protocol)};
  // Bounded: 3000 polls of 20 ms, a minute at least.
  for (int poll = 0; poll < 3000; ++poll) {
    auto found = netlink::dump_routes(*socket, filter);
    if (found && found->size() >= static_cast<std::size_t>(routes)) {
      std::printf("%.4f\n", epoch_now() - start_epoch);
      return 0;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::fprintf(stderr, "gave up waiting for %d routes\n", routes);
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  log::init("bench", log::Settings{log::Level::warn, log::Format::text});
  if (args.size() >= 3 && args[0] == "writer") {
    return writer(args[1], std::atoi(args[2].c_str()), args.size() > 3 ? std::atoi(args[3].c_str()) : 1,
                  args.size() > 4 ? std::atoi(args[4].c_str()) : 0);
  }
  if (args.size() == 5 && args[0] == "wait") {
    return wait(args[1], std::atoi(args[2].c_str()), std::atoi(args[3].c_str()), std::atof(args[4].c_str()));
  }
  std::fprintf(stderr,
               "usage: sluice-bench-fib writer NETNS ROUTES [NEXTHOPS [BATCHES_IN_FLIGHT]]\n"
               "       sluice-bench-fib wait NETNS PROTOCOL ROUTES START_EPOCH_S\n");
  return 2;
}
