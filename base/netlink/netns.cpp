#include "base/netlink/netns.hpp"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

namespace sluice::netlink {

Status validate_netns_name(std::string_view name) {
  if (name.empty()) return Error{"network namespace name is empty"};
  if (name == "." || name == ".." || name.find('/') != std::string_view::npos) {
    return Error{fmt::format("network namespace name \"{}\" is not valid (no '/', not \".\" or \"..\")", name)};
  }
  return {};
}

Result<Netns> Netns::open(std::string_view name) {
  if (auto s = validate_netns_name(name); !s) return s.error();
  std::string path = fmt::format("/run/netns/{}", name);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Error{fmt::format("network namespace \"{}\" does not exist (no {})", name, path)};
    return Error{fmt::format("cannot open network namespace \"{}\" ({}): {}", name, path, std::strerror(errno))};
  }
  return Netns(fd, fmt::format("netns {}", name));
}

Result<Netns> Netns::open_path(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Error{fmt::format("cannot open network namespace {}: {}", path, std::strerror(errno))};
  return Netns(fd, path);
}

Result<Netns> Netns::current() { return open_path("/proc/thread-self/ns/net"); }

Netns Netns::adopt(int fd, std::string description) { return Netns(fd, std::move(description)); }

Netns& Netns::operator=(Netns&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    description_ = std::move(other.description_);
  }
  return *this;
}

Netns::~Netns() {
  if (fd_ >= 0) ::close(fd_);
}

Result<NetnsEntry> NetnsEntry::enter(const Netns& target) {
  auto original = Netns::current();
  if (!original) return original.error();
  if (::setns(target.fd(), CLONE_NEWNET) != 0) {
    return Error{fmt::format("cannot enter {}: {}", target.description(), std::strerror(errno))};
  }
  return NetnsEntry(std::move(*original));
}

NetnsEntry::~NetnsEntry() {
  if (!active_) return;
  // Failing to return would leave this thread writing into the wrong namespace;
  // nothing sane can continue from there.
  if (::setns(original_.fd(), CLONE_NEWNET) != 0) {
    fmt::print(stderr, "fatal: cannot return to {}: {}\n", original_.description(), std::strerror(errno));
    std::abort();
  }
}

}  // namespace sluice::netlink
