// Micro-benchmark of the bgpd RIB: N IPv4 prefixes (default 1M) arrive from one eBGP peer
// as encoded UPDATEs sharing A attribute sets (default 100); they are decoded, applied,
// decided, and re-advertised to a second eBGP peer as encoded UPDATEs. Prints the time of
// each phase and the process's peak RSS. Run the Release build.
#include <sys/resource.h>
#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "bgpd/codec/update.hpp"
#include "bgpd/rib/rib.hpp"

using namespace sluice;
using namespace sluice::bgp;
using namespace sluice::bgp::rib;

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// CPU time of the process: on a shared machine wall time also counts other tenants.
double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

double peak_rss_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

double current_rss_mib() {
  long pages = 0;
  if (FILE* f = std::fopen("/proc/self/statm", "r")) {
    long size = 0;
    if (std::fscanf(f, "%ld %ld", &size, &pages) != 2) pages = 0;
    std::fclose(f);
  }
  return static_cast<double>(pages) * 4096.0 / (1024.0 * 1024.0);
}

PathAttributes attribute_set(std::uint32_t k) {
  PathAttributes a;
  a.origin = Origin::igp;
  a.as_path = AsPath{{{AsPathSegmentType::as_sequence, {65001, 64512 + k % 1000, 4200000000u + k}}}};
  a.next_hop = *ip::Address::parse("192.0.2.1");
  a.multi_exit_disc = k;
  a.communities = {(65001u << 16) | (k & 0xffff)};
  return a;
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t prefixes = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 1'000'000;
  const std::size_t sets = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 100;
  if (prefixes == 0 || sets == 0 || prefixes > (1u << 24)) {
    std::fprintf(stderr, "usage: %s [prefixes <= 16777216] [attribute sets]\n", argv[0]);
    return 2;
  }

  Context context;
  context.four_octet_as = true;
  context.external_peer = true;

  // The input: UPDATE bodies as a peer would send them, /24s from 16.0.0.0 on, each
  // attribute set covering a contiguous run of prefixes.
  std::vector<std::vector<std::uint8_t>> bodies;
  const std::size_t per_set = (prefixes + sets - 1) / sets;
  std::size_t input_bytes = 0;
  for (std::size_t first = 0; first < prefixes; first += per_set) {
    Update u;
    u.attributes = attribute_set(static_cast<std::uint32_t>(first / per_set));
    const std::size_t last = std::min(prefixes, first + per_set);
    for (std::size_t i = first; i < last; ++i) {
      const auto network = ip::Address::v4(static_cast<std::uint32_t>((16u << 24) + (i << 8)));
      u.nlri.push_back(Nlri{*ip::Prefix::make(network, 24), 0});
      if (u.nlri.size() == 900 || i + 1 == last) {
        auto body = encode_update(u, context);
        if (!body.ok()) {
          std::fprintf(stderr, "encode: %s\n", body.error().message.c_str());
          return 1;
        }
        input_bytes += body->size();
        bodies.push_back(std::move(*body));
        u.nlri.clear();
      }
    }
  }
  const double rss_before = current_rss_mib();

  RibConfig config;
  config.speaker.local_as = 65000;
  config.speaker.router_id = *ip::Address::parse("10.0.0.1");
  config.families = {kIpv4Unicast};
  Rib rib(config);
  PeerInfo from_info;
  from_info.address = *ip::Address::parse("192.0.2.1");
  from_info.remote_as = 65001;
  PeerInfo to_info;
  to_info.address = *ip::Address::parse("198.51.100.2");
  to_info.remote_as = 65002;
  const PeerId from = *rib.add_peer(from_info);
  const PeerId to = *rib.add_peer(to_info);
  PeerSession session;
  session.families = {kIpv4Unicast};
  session.send_context = context;
  session.router_id = *ip::Address::parse("10.0.0.2");
  session.next_hop_self_ipv4 = *ip::Address::parse("192.0.2.254");
  rib.session_established(from, session);
  session.router_id = *ip::Address::parse("10.0.0.3");
  session.next_hop_self_ipv4 = *ip::Address::parse("198.51.100.1");
  rib.session_established(to, session);
  while (rib.next_update(to)) {
  }  // the initial (empty) table and its End-of-RIB

  // The codec's share, for reference: decoding alone.
  const double cpu_decode_start = cpu_seconds();
  std::size_t decoded_nlri = 0;
  for (const auto& body : bodies) decoded_nlri += decode_update(body, context).update.nlri.size();
  const double cpu_decode = cpu_seconds() - cpu_decode_start;

  const auto start = Clock::now();
  const double cpu_start = cpu_seconds();
  for (const auto& body : bodies) {
    auto decoded = decode_update(body, context);
    if (!decoded.verdict.ok()) {
      std::fprintf(stderr, "decode: verdict not ok\n");
      return 1;
    }
    rib.apply_update(from, decoded.update);
  }
  const double t_apply = seconds_since(start);
  const double cpu_apply = cpu_seconds() - cpu_start;

  const auto decide_start = Clock::now();
  const double cpu_decide_start = cpu_seconds();
  rib.process();
  const double t_decide = seconds_since(decide_start);
  const double cpu_decide = cpu_seconds() - cpu_decide_start;

  const auto out_start = Clock::now();
  const double cpu_out_start = cpu_seconds();
  std::size_t messages = 0;
  std::size_t out_prefixes = 0;
  std::size_t out_bytes = 0;
  while (auto update = rib.next_update(to)) {
    auto body = encode_update(*update, context);
    if (!body.ok()) {
      std::fprintf(stderr, "encode out: %s\n", body.error().message.c_str());
      return 1;
    }
    ++messages;
    out_prefixes += update->nlri.size();
    out_bytes += body->size() + kHeaderLength;
  }
  const double t_out = seconds_since(out_start);
  const double cpu_out = cpu_seconds() - cpu_out_start;
  const double total = seconds_since(start);
  const double cpu_total = cpu_seconds() - cpu_start;

  const LocRib& table = *rib.loc_rib(kIpv4Unicast);
  std::printf("prefixes %zu, attribute sets %zu, input %zu UPDATEs (%.1f MiB)\n", prefixes, sets, bodies.size(),
              static_cast<double>(input_bytes) / (1024.0 * 1024.0));
  std::printf("phase         wall s   cpu s\n");
  std::printf("decode+apply  %6.3f  %6.3f\n", t_apply, cpu_apply);
  std::printf("decide        %6.3f  %6.3f\n", t_decide, cpu_decide);
  std::printf("adj-rib-out   %6.3f  %6.3f  (%zu UPDATEs, %zu prefixes, %.1f MiB encoded)\n", t_out, cpu_out, messages,
              out_prefixes, static_cast<double>(out_bytes) / (1024.0 * 1024.0));
  std::printf("total         %6.3f  %6.3f\n", total, cpu_total);
  std::printf("(decoding alone, %zu NLRI: %.3f s cpu)\n", decoded_nlri, cpu_decode);
  std::printf("loc-rib       %zu prefixes, %.1f MiB; interned sets %zu\n", table.prefix_count(),
              static_cast<double>(table.memory_bytes()) / (1024.0 * 1024.0), rib.attributes().size());
  std::printf("rss           before %.1f MiB (input held), now %.1f MiB, peak %.1f MiB\n", rss_before, current_rss_mib(),
              peak_rss_mib());
  return out_prefixes == prefixes ? 0 : 1;
}
