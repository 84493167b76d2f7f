#include "base/netlink/route_table.hpp"

#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace sluice::netlink {
namespace {

// Bounded so a chunk's error answers always fit the socket's receive buffer.
constexpr std::size_t kChunkBytes = std::size_t{64} * 1024;
constexpr std::size_t kChunkMessages = 1024;
constexpr int kDumpAttempts = 5;

}  // namespace

std::size_t RouteBatchReport::failures() const {
  std::size_t n = 0;
  for (const auto& o : outcomes) n += o.ok() ? 0 : 1;
  return n;
}

std::vector<std::string> RouteBatchReport::describe_failures(std::span<const RouteChange> changes) const {
  std::vector<std::string> lines;
  for (std::size_t i = 0; i < outcomes.size() && i < changes.size(); ++i) {
    if (outcomes[i].ok()) continue;
    std::string line = fmt::format("{} {}: {}", to_string(changes[i].kind), changes[i].route.to_string(),
                                   std::strerror(outcomes[i].error));
    if (!outcomes[i].kernel_message.empty()) line += fmt::format(" (kernel: {})", outcomes[i].kernel_message);
    lines.push_back(std::move(line));
  }
  return lines;
}

Result<RouteBatchReport> apply_route_changes(NetlinkSocket& socket, std::span<const RouteChange> changes) {
  RouteBatchReport report;
  report.outcomes.resize(changes.size());
  std::vector<std::uint8_t> buffer;
  buffer.reserve(kChunkBytes + 4096);

  std::size_t next = 0;
  while (next < changes.size()) {
    // Pack a chunk. Only its last message asks for an ACK: the kernel handles a
    // datagram's messages in order, so that ACK (or error) closes the chunk.
    std::size_t first = next;
    std::size_t count = std::min(kChunkMessages, changes.size() - first);
    std::uint32_t base_seq = socket.reserve_seq(static_cast<std::uint32_t>(count));
    buffer.clear();
    std::size_t last_offset = 0;
    std::optional<std::uint32_t> last_seq;
    for (; next < first + count && buffer.size() < kChunkBytes; ++next) {
      std::uint32_t seq = base_seq + static_cast<std::uint32_t>(next - first);
      std::size_t offset = buffer.size();
      if (auto s = encode_route_change(changes[next], seq, false, buffer); !s) {
        report.outcomes[next] = {EINVAL, s.error().message};
        continue;
      }
      last_offset = offset;
      last_seq = seq;
    }
    if (!last_seq) continue;
    auto* last = reinterpret_cast<nlmsghdr*>(buffer.data() + last_offset);
    last->nlmsg_flags |= NLM_F_ACK;

    if (auto s = socket.send(buffer); !s) {
      return s.error().context(fmt::format("after {} of {} route changes", first, changes.size()));
    }
    bool closed = false;
    for (int reads = 0; !closed; ++reads) {
      auto datagram = socket.receive();
      if (!datagram) return datagram.error().context(fmt::format("after {} of {} route changes", first, changes.size()));
      auto status = for_each_message(*datagram, [&](const nlmsghdr& h, std::span<const std::uint8_t> m) -> Status {
        if (h.nlmsg_type != NLMSG_ERROR) return {};  // nothing else is expected; ignore
        auto ack = decode_ack(h, m);
        if (!ack) return ack.error();
        // Unsigned distance, so a chunk whose numbers wrap past 2^32 still matches.
        std::uint32_t offset = ack->seq - base_seq;
        if (offset >= count) return {};  // an older request's answer
        std::size_t index = first + offset;
        if (ack->error != 0) report.outcomes[index] = {ack->error, ack->message};
        if (ack->seq == *last_seq) closed = true;
        return {};
      });
      if (!status) return status.error().context("reading route change answers");
    }
  }
  return report;
}

Result<std::vector<Route>> dump_routes(NetlinkSocket& socket, const RouteFilter& filter) {
  std::vector<Route> routes;
  std::vector<ip::Family> families;
  if (filter.family) {
    families.push_back(*filter.family);
  } else {
    families = {ip::Family::v4, ip::Family::v6};
  }
  for (ip::Family family : families) {
    bool complete = false;
    for (int attempt = 0; attempt < kDumpAttempts && !complete; ++attempt) {
      std::vector<Route> found;
      std::vector<std::uint8_t> request;
      std::uint32_t seq = socket.reserve_seq(1);
      if (auto s = encode_route_dump_request(family, filter, seq, request); !s) return s.error();
      if (auto s = socket.send(request); !s) return s.error();
      bool done = false, interrupted = false;
      while (!done) {
        auto datagram = socket.receive();
        if (!datagram) return datagram.error().context("route dump");
        auto status = for_each_message(*datagram, [&](const nlmsghdr& h, std::span<const std::uint8_t> m) -> Status {
          if (h.nlmsg_seq != seq) return {};
          if (h.nlmsg_flags & NLM_F_DUMP_INTR) interrupted = true;
          if (h.nlmsg_type == NLMSG_DONE) {
            // DONE carries the dump's own status: a dump that failed part-way is not complete.
            if (m.size() >= NLMSG_HDRLEN + sizeof(int)) {
              int status = 0;
              std::memcpy(&status, m.data() + NLMSG_HDRLEN, sizeof(status));
              // ENOENT for a filtered dump means the table does not exist (yet): no routes.
              if (status == -ENOENT && filter.table) status = 0;
              if (status < 0 && status >= -4095) {
                return Error{fmt::format("route dump in {} failed part-way: {}", socket.where(), std::strerror(-status))};
              }
            }
            done = true;
            return {};
          }
          if (h.nlmsg_type == NLMSG_ERROR) {
            auto ack = decode_ack(h, m);
            if (!ack) return ack.error();
            if (ack->error == 0) return {};
            return Error{fmt::format("route dump in {} refused: {}{}", socket.where(), std::strerror(ack->error),
                                     ack->message.empty() ? "" : " (kernel: " + ack->message + ")")};
          }
          if (h.nlmsg_type != RTM_NEWROUTE) return {};
          auto route = decode_route(m);
          if (!route) return route.error().context("route dump");
          if (*route && filter.matches(**route)) found.push_back(std::move(**route));
          return {};
        });
        if (!status) return status.error();
      }
      // The tables changed while the kernel was walking them: the dump may be
      // inconsistent, so take it again.
      if (!interrupted) {
        routes.insert(routes.end(), found.begin(), found.end());
        complete = true;
      }
    }
    if (!complete) {
      return Error{fmt::format("route dump in {} was interrupted by concurrent changes {} times", socket.where(),
                               kDumpAttempts)};
    }
  }
  return routes;
}

}  // namespace sluice::netlink
