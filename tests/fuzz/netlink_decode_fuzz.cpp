// Route and acknowledgement decoding from arbitrary bytes: nothing read out of bounds,
// and every decoded route encodes again.
#include <cstdint>
#include <span>
#include <vector>

#include "base/netlink/route_codec.hpp"
#include "base/netlink/socket.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sluice::netlink;
  std::span<const std::uint8_t> bytes(data, size);
  (void)for_each_message(bytes, [](const nlmsghdr& h, std::span<const std::uint8_t> m) -> sluice::Status {
    (void)decode_ack(h, m);
    if (auto route = decode_route(m); route.ok() && route->has_value()) {
      std::vector<std::uint8_t> out;
      (void)encode_route_change({RouteChangeKind::replace, **route}, 1, false, out);
    }
    return {};
  });
  return 0;
}
