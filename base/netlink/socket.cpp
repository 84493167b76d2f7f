#include "base/netlink/socket.hpp"

#include <linux/netlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace sluice::netlink {
namespace {
constexpr std::size_t kReceiveBuffer = 1 << 20;  // larger than any datagram the kernel sends
constexpr int kSocketRcvBuf = 16 << 20;          // holds the answers of a whole batch chunk
constexpr int kSocketSndBuf = 4 << 20;

void set_option(int fd, int level, int name, int value) {
  // Best effort: older kernels lack some options, and each only improves diagnostics or speed.
  (void)::setsockopt(fd, level, name, &value, sizeof(value));
}
}  // namespace

void NetlinkSocket::Deleter::operator()(nl_sock* s) const { nl_socket_free(s); }

NetlinkSocket::NetlinkSocket(std::unique_ptr<nl_sock, Deleter> sock, std::string where)
    : sock_(std::move(sock)), where_(std::move(where)), buffer_(kReceiveBuffer) {}

int NetlinkSocket::fd() const { return nl_socket_get_fd(sock_.get()); }

Result<NetlinkSocket> NetlinkSocket::open_here(std::string where) {
  std::unique_ptr<nl_sock, Deleter> sock(nl_socket_alloc());
  if (!sock) return Error{"cannot allocate a netlink socket"};
  if (int rc = nl_connect(sock.get(), NETLINK_ROUTE); rc < 0) {
    return Error{fmt::format("cannot open rtnetlink socket in {}: {}", where, nl_geterror(rc))};
  }
  int fd = nl_socket_get_fd(sock.get());
  set_option(fd, SOL_NETLINK, NETLINK_EXT_ACK, 1);        // the kernel explains its errors
  set_option(fd, SOL_NETLINK, NETLINK_CAP_ACK, 1);        // errors do not echo our whole request
  set_option(fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, 1); // dumps are filtered in the kernel
  if (::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &kSocketRcvBuf, sizeof(kSocketRcvBuf)) != 0) {
    set_option(fd, SOL_SOCKET, SO_RCVBUF, kSocketRcvBuf);  // not privileged: take what we may
  }
  if (::setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &kSocketSndBuf, sizeof(kSocketSndBuf)) != 0) {
    set_option(fd, SOL_SOCKET, SO_SNDBUF, kSocketSndBuf);
  }
  // The kernel always answers; a bound wait turns a lost answer into an error, not a hang.
  timeval timeout{30, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  return NetlinkSocket(std::move(sock), std::move(where));
}

Result<NetlinkSocket> NetlinkSocket::open() { return open_here("current netns"); }

Result<NetlinkSocket> NetlinkSocket::open_in(const Netns& netns) {
  auto entry = NetnsEntry::enter(netns);
  if (!entry) return entry.error();
  return open_here(netns.description());
}

Status NetlinkSocket::send(std::span<const std::uint8_t> bytes) {
  int rc = nl_sendto(sock_.get(), const_cast<std::uint8_t*>(bytes.data()), bytes.size());
  if (rc < 0) return Error{fmt::format("netlink send to {} failed: {}", where_, nl_geterror(rc))};
  return {};
}

Result<std::span<const std::uint8_t>> NetlinkSocket::receive() {
  while (true) {
    ssize_t n = ::recv(fd(), buffer_.data(), buffer_.size(), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      if (errno == EAGAIN) return Error{fmt::format("no answer from the kernel in {} within 30 s", where_)};
      if (errno == ENOBUFS) return Error{fmt::format("netlink answers from {} were lost (receive buffer overrun)", where_)};
      return Error{fmt::format("netlink receive from {} failed: {}", where_, std::strerror(errno))};
    }
    return std::span<const std::uint8_t>(buffer_.data(), static_cast<std::size_t>(n));
  }
}

Status for_each_message(std::span<const std::uint8_t> datagram,
                        const std::function<Status(const nlmsghdr&, std::span<const std::uint8_t>)>& visit) {
  std::size_t offset = 0;
  while (offset + NLMSG_HDRLEN <= datagram.size()) {
    nlmsghdr header{};
    std::memcpy(&header, datagram.data() + offset, sizeof(header));
    if (header.nlmsg_len < NLMSG_HDRLEN || header.nlmsg_len > datagram.size() - offset) {
      return Error{fmt::format("netlink message of length {} does not fit the {} bytes left", header.nlmsg_len,
                               datagram.size() - offset)};
    }
    if (auto s = visit(header, datagram.subspan(offset, header.nlmsg_len)); !s) return s;
    offset += NLMSG_ALIGN(header.nlmsg_len);
  }
  return {};
}

Result<KernelAck> decode_ack(const nlmsghdr& header, std::span<const std::uint8_t> message) {
  if (message.size() < NLMSG_HDRLEN + sizeof(nlmsgerr)) return Error{"truncated netlink error message"};
  nlmsgerr err{};
  std::memcpy(&err, message.data() + NLMSG_HDRLEN, sizeof(err));
  // The kernel sends 0 or a negative errno; anything else is not a kernel answer.
  if (err.error > 0 || err.error < -4095) return Error{fmt::format("netlink error code {} is out of range", err.error)};
  KernelAck ack{header.nlmsg_seq, -err.error, {}};
  if (header.nlmsg_flags & NLM_F_ACK_TLVS) {
    // Extended-ack attributes follow the echoed header (and, when not capped, the request).
    std::size_t tlv_offset = NLMSG_HDRLEN + sizeof(nlmsgerr);
    if (!(header.nlmsg_flags & NLM_F_CAPPED)) tlv_offset += NLMSG_ALIGN(err.msg.nlmsg_len) - NLMSG_HDRLEN;
    if (tlv_offset < message.size()) {
      std::vector<std::uint32_t> aligned((message.size() - tlv_offset + 3) / 4);
      std::memcpy(aligned.data(), message.data() + tlv_offset, message.size() - tlv_offset);
      nlattr* tb[NLMSGERR_ATTR_MAX + 1] = {};
      if (nla_parse(tb, NLMSGERR_ATTR_MAX, reinterpret_cast<nlattr*>(aligned.data()),
                    static_cast<int>(message.size() - tlv_offset), nullptr) == 0 &&
          tb[NLMSGERR_ATTR_MSG] && nla_len(tb[NLMSGERR_ATTR_MSG]) > 0) {
        const char* text = static_cast<const char*>(nla_data(tb[NLMSGERR_ATTR_MSG]));
        ack.message.assign(text, strnlen(text, static_cast<std::size_t>(nla_len(tb[NLMSGERR_ATTR_MSG]))));
      }
    }
  }
  return ack;
}

}  // namespace sluice::netlink
