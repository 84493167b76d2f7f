#include "base/netlink/links.hpp"

#include <netlink/errno.h>
#include <netlink/route/link.h>

#include <memory>
#include <string>

#include <fmt/format.h>

namespace sluice::netlink {

Result<int> link_index(NetlinkSocket& socket, std::string_view name) {
  std::string owned(name);
  rtnl_link* raw = nullptr;
  int rc = rtnl_link_get_kernel(socket.handle(), 0, owned.c_str(), &raw);
  std::unique_ptr<rtnl_link, decltype(&rtnl_link_put)> link(raw, &rtnl_link_put);
  if (rc < 0) {
    if (rc == -NLE_NODEV || rc == -NLE_OBJ_NOTFOUND) {
      return Error{fmt::format("no interface named \"{}\" in {}", name, socket.where())};
    }
    return Error{fmt::format("cannot look up interface \"{}\" in {}: {}", name, socket.where(), nl_geterror(rc))};
  }
  return rtnl_link_get_ifindex(link.get());
}

}  // namespace sluice::netlink
