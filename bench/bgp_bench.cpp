// The tester and the monitor of bench/bgp.sh (the bgperf shape: tester → device under
// test → monitor, each in its own namespace). Both are small BGP speakers on blocking
// sockets, built on bgpd's wire codec alone; they print JSON lines with CLOCK_MONOTONIC
// times (one clock for every namespace), from which the script takes the convergence time.
//
//   sluice-bench-bgp tester LOCAL DUT AS PREFIXES [SEED [TIMEOUT_S [SHAPE]]]
//       Builds a table of PREFIXES distinct IPv4 prefixes and encodes it as UPDATEs of at
//       most 4096 octets, all before connecting. SHAPE "real" (the default) is shaped like
//       a real table (lengths /8../24 in the proportions of today's table, ~3.5 prefixes
//       per attribute set, AS paths of 2..9 ASes with some prepending, MED, communities, a
//       few large communities and aggregators); "bgperf" is bgperf's own: unique /32s from
//       100.0.0.0 up, all with one attribute set (ORIGIN, the tester's AS, NEXT_HOP). Then it connects from LOCAL to DUT:179 as AS, and once Established
//       writes the whole stream as fast as the DUT takes it, then End-of-RIB. Prints
//       {"event":"established"} and {"event":"sent",...} with the time just before the first
//       UPDATE was written and after the last. Afterwards it keeps the session up
//       (KEEPALIVEs, reading and dropping what the DUT sends) until killed or TIMEOUT_S.
//   sluice-bench-bgp monitor LOCAL DUT AS PREFIXES [TIMEOUT_S]
//       Connects from LOCAL to DUT:179 as AS, prints {"event":"established"}, and counts the
//       distinct prefixes the DUT announces (withdrawals taken off). When it holds
//       PREFIXES it prints {"event":"done",...} with the time, the UPDATEs received, when the
//       first prefix arrived and whether End-of-RIB has come (BIRD and sluice-bgpd send it
//       after the initial table, here empty; FRR only to peers with graceful restart). It stays up until killed; it
//       fails after TIMEOUT_S without the full table.
//
// Why our own speakers rather than BIRD (as bgperf2's tester) or GoBGP (as bgperf's
// monitor): the tester must not be what is measured (bgperf2's warning: a tester as slow
// as the DUT measures the tester), and writing pre-encoded bytes costs nothing; a GoBGP
// monitor polled through gRPC would be slower than the DUTs at 1M prefixes and blur when
// the last prefix arrived. Neither advertises extended messages (RFC 8654), so every DUT
// packs its UPDATEs into 4096 octets; neither advertises graceful restart or add-path.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_set>
#include <vector>

#include "bgpd/codec/header.hpp"
#include "bgpd/codec/message.hpp"
#include "bgpd/codec/nlri.hpp"

using namespace sluice;
using namespace sluice::bgp;

namespace {

constexpr std::uint16_t kBgpPort = 179;
constexpr std::uint16_t kHoldTime = 90;
constexpr int kKeepaliveEvery = 20;  // seconds, a fraction of the hold time

double now() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

[[noreturn]] void die(const std::string& why) {
  std::fprintf(stderr, "sluice-bench-bgp: %s\n", why.c_str());
  std::exit(1);
}

// The session's codec context: what both sides advertise in our OPEN (4-octet AS), eBGP.
Context session_context() {
  Context c;
  c.four_octet_as = true;
  c.external_peer = true;
  return c;
}

std::vector<std::uint8_t> encode(const Message& message) {
  auto bytes = encode_message(message, session_context());
  if (!bytes) die("encode: " + bytes.error().message);
  return std::move(*bytes);
}

void write_all(int fd, const std::uint8_t* data, std::size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) die(std::string("write: ") + std::strerror(errno));
    data += n;
    size -= static_cast<std::size_t>(n);
  }
}

// Connects from `local` to `dut`:179, retrying while the DUT is not listening yet.
int connect_to(const std::string& local, const std::string& dut, double timeout) {
  sockaddr_in from{}, to{};
  from.sin_family = to.sin_family = AF_INET;
  to.sin_port = htons(kBgpPort);
  if (inet_pton(AF_INET, local.c_str(), &from.sin_addr) != 1 || inet_pton(AF_INET, dut.c_str(), &to.sin_addr) != 1)
    die("bad address");
  const double deadline = now() + timeout;
  while (true) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) die("socket");
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof from) != 0) die(std::string("bind: ") + std::strerror(errno));
    if (::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0) return fd;
    ::close(fd);
    if (now() > deadline) die("cannot connect to " + dut + ": " + std::strerror(errno));
    usleep(50'000);
  }
}

// Whole messages off a blocking socket, through the codec's header checks.
class MessageReader {
 public:
  explicit MessageReader(int fd) : fd_(fd), buffer_(1 << 20) {}

  // The next whole message (header included); empty on timeout (SO_RCVTIMEO). Dies when
  // the DUT closes the connection or sends a malformed header.
  std::span<const std::uint8_t> next() {
    while (true) {
      const std::span<const std::uint8_t> have(buffer_.data() + start_, end_ - start_);
      auto header = decode_header(have, Context{});
      if (!header) die("bad message header from the DUT: " + header.error().reason);
      if (*header && (*header)->length <= have.size()) {
        start_ += (*header)->length;
        return have.first((*header)->length);
      }
      if (start_ > 0) {  // move the partial message to the front
        std::memmove(buffer_.data(), buffer_.data() + start_, end_ - start_);
        end_ -= start_;
        start_ = 0;
      }
      const ssize_t n = ::read(fd_, buffer_.data() + end_, buffer_.size() - end_);
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return {};
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) die(n == 0 ? "the DUT closed the connection" : std::string("read: ") + std::strerror(errno));
      end_ += static_cast<std::size_t>(n);
    }
  }

 private:
  int fd_;
  std::vector<std::uint8_t> buffer_;
  std::size_t start_ = 0;
  std::size_t end_ = 0;
};

MessageType type_of(std::span<const std::uint8_t> message) { return static_cast<MessageType>(message[18]); }

void check_not_notification(std::span<const std::uint8_t> message) {
  if (type_of(message) != MessageType::notification) return;
  auto decoded = decode_message(message, session_context());
  const auto* n = decoded ? std::get_if<Notification>(&decoded->message) : nullptr;
  die("NOTIFICATION from the DUT" + (n ? " " + std::to_string(n->code) + "/" + std::to_string(n->subcode) : ""));
}

// OPEN, then KEEPALIVE both ways: returns once the session is Established on our side
// (the DUT is Established once our KEEPALIVE arrives, before anything we send after it).
void establish(int fd, MessageReader& reader, const std::string& local, std::uint32_t as) {
  Capabilities caps;
  caps.multiprotocol = {kIpv4Unicast};
  caps.route_refresh = true;
  const auto open = encode(Open::make(as, kHoldTime, *ip::Address::parse(local), caps));
  write_all(fd, open.data(), open.size());
  bool got_open = false;
  while (true) {
    auto message = reader.next();
    if (message.empty()) continue;
    check_not_notification(message);
    if (type_of(message) == MessageType::open && !got_open) {
      got_open = true;
      const auto keepalive = encode(Keepalive{});
      write_all(fd, keepalive.data(), keepalive.size());
    } else if (type_of(message) == MessageType::keepalive && got_open) {
      return;
    }
  }
}

void set_receive_timeout(int fd, int seconds) {
  timeval tv{seconds, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

// ---- The tester's table.

struct Table {
  std::vector<std::uint8_t> stream;  // framed UPDATEs, back to back
  std::size_t updates = 0;
  std::size_t attribute_sets = 0;
};

// Prefix lengths in roughly the proportions of the IPv4 table in 2025 (/24 about 60%).
int draw_length(std::mt19937_64& rng) {
  static constexpr std::pair<int, double> kLengths[] = {
      {8, 0.00002}, {9, 0.00002}, {10, 0.00005}, {11, 0.0001}, {12, 0.0003}, {13, 0.0006}, {14, 0.0012},
      {15, 0.002},  {16, 0.013},  {17, 0.006},   {18, 0.01},   {19, 0.022},  {20, 0.04},   {21, 0.05},
      {22, 0.115},  {23, 0.1},    {24, 0.6387}};
  std::uniform_real_distribution<double> u(0, 1);
  double x = u(rng);
  for (const auto& [length, share] : kLengths) {
    if (x < share) return length;
    x -= share;
  }
  return 24;
}

// A public-looking unicast network (1.0.0.0 to 223.255.255.255, without 127/8).
std::uint32_t draw_network(std::mt19937_64& rng, int length) {
  while (true) {
    const auto address = static_cast<std::uint32_t>(rng());
    const std::uint32_t first = address >> 24;
    if (first == 0 || first == 127 || first >= 224) continue;
    return address & (~std::uint32_t{0} << (32 - length));  // lengths are 8..24
  }
}

// An AS number that is neither private (the bench's own ASes are 65000..65002) nor AS_TRANS.
std::uint32_t draw_public_as(std::mt19937_64& rng) {
  while (true) {
    const std::uint32_t as = (rng() % 4 == 0) ? 131072 + static_cast<std::uint32_t>(rng() % 270000)
                                               : 1 + static_cast<std::uint32_t>(rng() % 64000);
    if (as != kAsTrans) return as;
  }
}

PathAttributes draw_attributes(std::mt19937_64& rng, std::uint32_t tester_as, const ip::Address& next_hop,
                               const std::vector<std::uint32_t>& upstreams, const std::vector<std::uint32_t>& transits) {
  std::uniform_real_distribution<double> u(0, 1);
  PathAttributes a;
  a.origin = u(rng) < 0.82 ? Origin::igp : Origin::incomplete;
  AsPathSegment path{AsPathSegmentType::as_sequence, {tester_as}};
  // ASes after ours: 1 (10%), 2 (30%), 3 (30%), 4 (18%), 5 (8%), 6..8 (4%).
  const double r = u(rng);
  const int hops = r < 0.10 ? 1 : r < 0.40 ? 2 : r < 0.70 ? 3 : r < 0.88 ? 4 : r < 0.96 ? 5 : 6 + static_cast<int>(rng() % 3);
  const std::uint32_t upstream = upstreams[rng() % upstreams.size()];
  if (hops >= 2) path.asns.push_back(upstream);
  for (int i = 2; i < hops; ++i) path.asns.push_back(transits[rng() % transits.size()]);
  const std::uint32_t origin_as = draw_public_as(rng);
  path.asns.push_back(origin_as);
  if (u(rng) < 0.08) {  // prepending by the origin
    const int extra = 1 + static_cast<int>(rng() % 3);
    for (int i = 0; i < extra; ++i) path.asns.push_back(origin_as);
  }
  a.as_path = AsPath{{std::move(path)}};
  a.next_hop = next_hop;
  if (u(rng) < 0.25) a.multi_exit_disc = static_cast<std::uint32_t>(rng() % 1000);
  if (u(rng) < 0.55) {
    const int count = 1 + static_cast<int>(rng() % 6);
    for (int i = 0; i < count; ++i)
      a.communities.push_back(((upstream & 0xffff) << 16) | static_cast<std::uint32_t>(100 + rng() % 900));
    std::sort(a.communities.begin(), a.communities.end());
    a.communities.erase(std::unique(a.communities.begin(), a.communities.end()), a.communities.end());
  }
  if (u(rng) < 0.05) a.large_communities.push_back({origin_as, 1, static_cast<std::uint32_t>(rng() % 100)});
  if (u(rng) < 0.03) {
    a.atomic_aggregate = true;
    a.aggregator = Aggregator{origin_as, ip::Address::v4(static_cast<std::uint32_t>(rng()) | 0x01000000u)};
  }
  return a;
}

// How many prefixes share the next attribute set: mostly 1..4, now and then an origin
// with a long list (mean about 3.5, as a real table's prefixes per distinct set).
std::size_t draw_group(std::mt19937_64& rng) {
  std::uniform_real_distribution<double> u(0, 1);
  if (u(rng) < 0.01) return 10 + rng() % 191;
  std::geometric_distribution<int> g(0.4);
  return 1 + static_cast<std::size_t>(g(rng));
}

enum class Shape { real, bgperf };

std::optional<Shape> parse_shape(std::string_view name) {
  if (name == "real") return Shape::real;
  if (name == "bgperf") return Shape::bgperf;
  return std::nullopt;
}

// bgperf's table: /32s counted up from 100.0.0.0, one attribute set for all.
Table build_bgperf_table(std::size_t count, std::uint32_t tester_as, const ip::Address& next_hop) {
  Table table;
  table.attribute_sets = 1;
  const Context context = session_context();
  Update update;
  update.attributes.origin = Origin::igp;
  update.attributes.as_path = AsPath{{AsPathSegment{AsPathSegmentType::as_sequence, {tester_as}}}};
  update.attributes.next_hop = next_hop;
  auto empty = encode_update(update, context);
  if (!empty) die("encode: " + empty.error().message);
  const std::size_t per_update = (kMaxMessageLength - kHeaderLength - empty->size()) / 5;  // 1 + 4 octets each
  constexpr std::uint32_t kFirst = 100u << 24;
  for (std::size_t first = 0; first < count; first += per_update) {
    update.nlri.clear();
    for (std::size_t i = first; i < std::min(count, first + per_update); ++i)
      update.nlri.push_back(Nlri{*ip::Prefix::make(ip::Address::v4(kFirst + static_cast<std::uint32_t>(i)), 32), 0});
    auto bytes = encode(update);
    table.stream.insert(table.stream.end(), bytes.begin(), bytes.end());
    ++table.updates;
  }
  return table;
}

Table build_table(std::size_t count, std::uint64_t seed, std::uint32_t tester_as, const ip::Address& next_hop,
                  Shape shape) {
  if (shape == Shape::bgperf) return build_bgperf_table(count, tester_as, next_hop);
  std::mt19937_64 rng(seed);
  std::vector<std::uint32_t> upstreams, transits;
  for (int i = 0; i < 12; ++i) upstreams.push_back(draw_public_as(rng));
  for (int i = 0; i < 3000; ++i) transits.push_back(draw_public_as(rng));

  std::vector<ip::Prefix> prefixes;
  prefixes.reserve(count);
  std::unordered_set<std::uint64_t> seen;
  seen.reserve(count * 2);
  while (prefixes.size() < count) {
    const int length = draw_length(rng);
    const std::uint32_t network = draw_network(rng, length);
    if (!seen.insert((std::uint64_t{network} << 8) | static_cast<std::uint64_t>(length)).second) continue;
    prefixes.push_back(*ip::Prefix::make(ip::Address::v4(network), length));
  }

  Table table;
  const Context context = session_context();
  for (std::size_t first = 0; first < prefixes.size();) {
    const std::size_t last = std::min(prefixes.size(), first + draw_group(rng));
    Update update;
    update.attributes = draw_attributes(rng, tester_as, next_hop, upstreams, transits);
    ++table.attribute_sets;
    auto empty = encode_update(update, context);
    if (!empty) die("encode: " + empty.error().message);
    std::size_t size = kHeaderLength + empty->size();
    for (std::size_t i = first; i <= last; ++i) {
      const bool full = i < last && size + nlri_size(Nlri{prefixes[i], 0}, false) > kMaxMessageLength;
      if (i == last || full) {
        auto bytes = encode(update);
        table.stream.insert(table.stream.end(), bytes.begin(), bytes.end());
        ++table.updates;
        update.nlri.clear();
        size = kHeaderLength + empty->size();
        if (i == last) break;
      }
      update.nlri.push_back(Nlri{prefixes[i], 0});
      size += nlri_size(update.nlri.back(), false);
    }
    first = last;
  }
  return table;
}

int tester(const std::string& local, const std::string& dut, std::uint32_t as, std::size_t count, std::uint64_t seed,
           double timeout, Shape shape) {
  const double started = now();
  const Table table = build_table(count, seed, as, *ip::Address::parse(local), shape);
  std::fprintf(stderr, "tester: %zu prefixes in %zu UPDATEs (%zu attribute sets, %.1f MB) built in %.2f s\n", count,
               table.updates, table.attribute_sets, static_cast<double>(table.stream.size()) / 1e6, now() - started);
  const int fd = connect_to(local, dut, 60);
  MessageReader reader(fd);
  establish(fd, reader, local, as);
  std::printf("{\"event\":\"established\",\"t\":%.6f}\n", now());
  std::fflush(stdout);

  // What the DUT sends is read and dropped on a thread of its own, so that it never
  // blocks on us while we block on it.
  std::atomic<bool> stop{false};
  set_receive_timeout(fd, 1);
  std::thread drain([&] {
    while (!stop) {
      if (auto message = reader.next(); !message.empty()) check_not_notification(message);
    }
  });

  const double first = now();
  constexpr std::size_t kChunk = 256 * 1024;
  for (std::size_t at = 0; at < table.stream.size(); at += kChunk)
    write_all(fd, table.stream.data() + at, std::min(kChunk, table.stream.size() - at));
  const auto end_of_rib = encode(Update::end_of_rib(kIpv4Unicast));
  write_all(fd, end_of_rib.data(), end_of_rib.size());
  const double last = now();
  std::printf(
      "{\"event\":\"sent\",\"t_first\":%.6f,\"t_last\":%.6f,\"prefixes\":%zu,\"updates\":%zu,\"attribute_sets\":%zu,"
      "\"bytes\":%zu}\n",
      first, last, count, table.updates, table.attribute_sets, table.stream.size());
  std::fflush(stdout);

  const auto keepalive = encode(Keepalive{});
  while (now() - started < timeout) {
    std::this_thread::sleep_for(std::chrono::seconds(kKeepaliveEvery));
    write_all(fd, keepalive.data(), keepalive.size());
  }
  stop = true;
  drain.join();
  return 0;
}

// ---- The monitor.

// The prefixes the monitor holds: open addressing over (network << 8 | length), with a
// presence bit so a withdrawal leaves no hole in a probe run.
class PrefixSet {
 public:
  explicit PrefixSet(std::size_t expected) {
    std::size_t slots = 1024;
    while (slots < expected * 2) slots *= 2;
    slots_.assign(slots, 0);
  }
  void set(std::uint64_t key, bool present) {
    key |= kUsed;
    std::size_t i = (key * 0x9e3779b97f4a7c15ull) >> shift();
    while (slots_[i] != 0 && (slots_[i] & ~kPresent) != key) i = (i + 1) & (slots_.size() - 1);
    if (slots_[i] == 0) {
      if (!present) return;
      if (++used_ * 10 > slots_.size() * 9) die("the monitor's prefix set is full: more prefixes than expected");
    }
    const bool was = (slots_[i] & kPresent) != 0;
    slots_[i] = key | (present ? kPresent : 0);
    held_ += static_cast<std::size_t>(present) - static_cast<std::size_t>(was);
  }
  std::size_t held() const { return held_; }

 private:
  static constexpr std::uint64_t kUsed = std::uint64_t{1} << 62;
  static constexpr std::uint64_t kPresent = std::uint64_t{1} << 63;
  int shift() const { return 64 - __builtin_ctzll(slots_.size()); }
  std::vector<std::uint64_t> slots_;
  std::size_t used_ = 0;
  std::size_t held_ = 0;
};

// IPv4 prefixes until `r` is empty; false when one is malformed.
bool read_prefixes(Reader& r, PrefixSet& set, bool present) {
  while (!r.empty()) {
    std::uint8_t length = 0;
    std::span<const std::uint8_t> bytes;
    if (!r.read_u8(length) || length > 32 || !r.read_bytes((length + 7u) / 8u, bytes)) return false;
    std::uint32_t network = 0;
    for (std::size_t i = 0; i < bytes.size(); ++i) network |= std::uint32_t{bytes[i]} << (24 - 8 * i);
    set.set((std::uint64_t{network} << 8) | length, present);
  }
  return true;
}

int monitor(const std::string& local, const std::string& dut, std::uint32_t as, std::size_t count, double timeout) {
  PrefixSet held(count);
  const int fd = connect_to(local, dut, 60);
  MessageReader reader(fd);
  establish(fd, reader, local, as);
  const double established = now();
  std::printf("{\"event\":\"established\",\"t\":%.6f}\n", established);
  std::fflush(stdout);
  set_receive_timeout(fd, 1);
  const auto keepalive = encode(Keepalive{});
  double last_keepalive = established, first_update = 0, end_of_rib = 0;
  std::size_t updates = 0;
  bool done = false;
  while (true) {
    const double t = now();
    if (t - last_keepalive >= kKeepaliveEvery) {
      write_all(fd, keepalive.data(), keepalive.size());
      last_keepalive = t;
    }
    if (!done && t - established > timeout) die("timed out holding " + std::to_string(held.held()) + " prefixes");
    auto message = reader.next();
    if (message.empty()) continue;
    check_not_notification(message);
    if (type_of(message) != MessageType::update) continue;
    ++updates;
    Reader body(message.subspan(kHeaderLength));
    std::uint16_t withdrawn_length = 0, attributes_length = 0;
    Reader withdrawn;
    if (!body.read_u16(withdrawn_length) || !body.read_reader(withdrawn_length, withdrawn) ||
        !body.read_u16(attributes_length) || !body.skip(attributes_length) || !read_prefixes(withdrawn, held, false) ||
        !read_prefixes(body, held, true))
      die("malformed UPDATE from the DUT");
    if (withdrawn_length == 0 && attributes_length == 0 && message.size() == kHeaderLength + 4 && end_of_rib == 0)
      end_of_rib = now();
    if (first_update == 0 && held.held() > 0) first_update = now();
    if (!done && held.held() == count) {
      done = true;
      std::printf(
          "{\"event\":\"done\",\"t\":%.6f,\"prefixes\":%zu,\"updates\":%zu,\"t_first_update\":%.6f,\"end_of_rib\":%s}\n",
          now(), held.held(), updates, first_update, end_of_rib > 0 ? "true" : "false");
      std::fflush(stdout);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "tester" && argc >= 6) {
    const auto shape = parse_shape(argc > 8 ? argv[8] : "real");
    if (!shape) {
      std::fprintf(stderr, "tester: SHAPE %s is neither \"real\" nor \"bgperf\"\n", argv[8]);
      return 2;
    }
    return tester(argv[2], argv[3], static_cast<std::uint32_t>(std::strtoul(argv[4], nullptr, 10)),
                  std::strtoul(argv[5], nullptr, 10), argc > 6 ? std::strtoull(argv[6], nullptr, 10) : 1,
                  argc > 7 ? std::strtod(argv[7], nullptr) : 600, *shape);
  }
  if (mode == "monitor" && argc >= 6) {
    return monitor(argv[2], argv[3], static_cast<std::uint32_t>(std::strtoul(argv[4], nullptr, 10)),
                   std::strtoul(argv[5], nullptr, 10), argc > 6 ? std::strtod(argv[6], nullptr) : 600);
  }
  std::fprintf(stderr,
               "usage: %s tester LOCAL DUT AS PREFIXES [SEED [TIMEOUT_S [real|bgperf]]]\n"
               "       %s monitor LOCAL DUT AS PREFIXES [TIMEOUT_S]\n",
               argv[0], argv[0]);
  return 2;
}
