// An rtnetlink socket (libnl's nl_sock, owned), optionally bound to another network
// namespace for its whole life, with the raw send/receive that batching needs.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/netlink/netns.hpp"
#include "base/result.hpp"

struct nl_sock;
struct nlmsghdr;

namespace sluice::netlink {

class NetlinkSocket {
 public:
  // A socket in the calling thread's namespace.
  static Result<NetlinkSocket> open();
  // A socket in `netns`: created there, then the thread returns; the socket keeps
  // talking to that namespace's kernel tables.
  static Result<NetlinkSocket> open_in(const Netns& netns);

  nl_sock* handle() const { return sock_.get(); }
  int fd() const;
  // Where this socket points, for error messages ("netns blue", "current netns").
  const std::string& where() const { return where_; }

  // Reserves `count` consecutive sequence numbers and returns the first.
  std::uint32_t reserve_seq(std::uint32_t count) {
    std::uint32_t first = seq_;
    seq_ += count;
    return first;
  }

  // Sends bytes holding one or more complete netlink messages in one datagram.
  Status send(std::span<const std::uint8_t> bytes);
  // Receives one datagram; the view stays valid until the next receive.
  Result<std::span<const std::uint8_t>> receive();

 private:
  struct Deleter {
    void operator()(nl_sock* s) const;
  };
  NetlinkSocket(std::unique_ptr<nl_sock, Deleter> sock, std::string where);
  static Result<NetlinkSocket> open_here(std::string where);

  std::unique_ptr<nl_sock, Deleter> sock_;
  std::string where_;
  std::uint32_t seq_ = 1;
  std::vector<std::uint8_t> buffer_;
};

// Calls visit(header, whole message bytes) for each well-formed message in a datagram;
// fails on a truncated or overlong message instead of reading past the end.
Status for_each_message(std::span<const std::uint8_t> datagram,
                        const std::function<Status(const nlmsghdr&, std::span<const std::uint8_t>)>& visit);

// The kernel's answer to one request: 0, or an errno with the kernel's extended-ack text.
struct KernelAck {
  std::uint32_t seq = 0;
  int error = 0;
  std::string message;
};
// Decodes an NLMSG_ERROR message (an ACK when error is 0).
Result<KernelAck> decode_ack(const nlmsghdr& header, std::span<const std::uint8_t> message);

}  // namespace sluice::netlink
