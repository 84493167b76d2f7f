// Handles to network namespaces, and entering one for the current thread with the
// original restored on scope exit (setns is per thread, so this is safe in one loop).
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "base/result.hpp"

namespace sluice::netlink {

// An open file descriptor referring to a network namespace.
class Netns {
 public:
  // A namespace created by `ip netns add NAME` (bind-mounted at /run/netns/NAME).
  static Result<Netns> open(std::string_view name);
  // Any nsfs path: /proc/PID/ns/net, a bind mount, ...
  static Result<Netns> open_path(const std::string& path);
  // The calling thread's current namespace.
  static Result<Netns> current();
  // Takes ownership of an fd the caller already opened.
  static Netns adopt(int fd, std::string description);

  Netns(Netns&& other) noexcept : fd_(std::exchange(other.fd_, -1)), description_(std::move(other.description_)) {}
  Netns& operator=(Netns&& other) noexcept;
  Netns(const Netns&) = delete;
  Netns& operator=(const Netns&) = delete;
  ~Netns();

  int fd() const { return fd_; }
  const std::string& description() const { return description_; }

 private:
  Netns(int fd, std::string description) : fd_(fd), description_(std::move(description)) {}
  int fd_ = -1;
  std::string description_;
};

// Moves the calling thread into a namespace; the destructor moves it back.
class NetnsEntry {
 public:
  static Result<NetnsEntry> enter(const Netns& target);

  NetnsEntry(NetnsEntry&& other) noexcept : original_(std::move(other.original_)), active_(std::exchange(other.active_, false)) {}
  NetnsEntry& operator=(NetnsEntry&&) = delete;
  NetnsEntry(const NetnsEntry&) = delete;
  ~NetnsEntry();

 private:
  explicit NetnsEntry(Netns original) : original_(std::move(original)), active_(true) {}
  Netns original_;
  bool active_;
};

// Valid names for `ip netns`: non-empty, no '/', not "." or "..".
Status validate_netns_name(std::string_view name);

}  // namespace sluice::netlink
