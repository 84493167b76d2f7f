#include "tests/support/namespaces.hpp"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <mutex>

#include <fmt/format.h>

namespace sluice::testing {
namespace {

std::string name_prefix_for(pid_t pid) { return fmt::format("sl{}-", pid); }

// Namespaces of other runs may be visible through a shared /run/netns while their PIDs
// live in another PID namespace, where kill(pid, 0) says nothing. Only namespaces older
// than any test run can be (CI stops at 90 minutes) are swept.
constexpr auto kStaleAge = std::chrono::hours(2);

// "sl<digits>-..." -> the PID, or -1 when the name is not ours.
pid_t owner_of(const std::string& name) {
  if (name.rfind("sl", 0) != 0) return -1;
  std::size_t dash = name.find('-');
  if (dash == std::string::npos || dash == 2 || dash > 2 + 9) return -1;  // at most 9 digits: no overflow
  pid_t pid = 0;
  for (std::size_t i = 2; i < dash; ++i) {
    if (name[i] < '0' || name[i] > '9') return -1;
    pid = pid * 10 + (name[i] - '0');
  }
  return pid;
}

}  // namespace

std::vector<std::string> sweep_stale_namespaces() {
  std::vector<std::string> removed;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/run/netns", ec)) {
    std::string name = entry.path().filename().string();
    pid_t owner = owner_of(name);
    if (owner <= 0 || owner == ::getpid()) continue;
    if (::kill(owner, 0) == 0 || errno == EPERM) continue;  // still running
    auto written = std::filesystem::last_write_time(entry.path(), ec);
    if (ec || std::filesystem::file_time_type::clock::now() - written < kStaleAge) continue;
    if (run({"ip", "netns", "delete", name}).ok()) removed.push_back(name);
  }
  return removed;
}

TestNetns::TestNetns(const std::string& tag) {
  static std::once_flag swept;
  std::call_once(swept, [] {
    for (const auto& name : sweep_stale_namespaces()) std::fprintf(stderr, "[netns] swept stale %s\n", name.c_str());
  });
  static std::atomic<int> counter{0};
  name_ = fmt::format("{}{}-{}", name_prefix_for(::getpid()), tag, counter++);
  run_checked({"ip", "netns", "add", name_});
  try {
    exec_checked({"ip", "link", "set", "lo", "up"});
  } catch (...) {
    run({"ip", "netns", "delete", name_});  // the destructor will not run for a failed constructor
    throw;
  }
  std::fprintf(stderr, "[netns] created %s\n", name_.c_str());
}

TestNetns::~TestNetns() {
  auto r = run({"ip", "netns", "delete", name_});
  std::fprintf(stderr, "[netns] deleted %s%s\n", name_.c_str(), r.ok() ? "" : (" FAILED: " + r.output).c_str());
}

CommandResult TestNetns::exec(const std::vector<std::string>& argv) const {
  std::vector<std::string> full{"ip", "netns", "exec", name_};
  full.insert(full.end(), argv.begin(), argv.end());
  return run(full);
}

std::string TestNetns::exec_checked(const std::vector<std::string>& argv) const {
  std::vector<std::string> full{"ip", "netns", "exec", name_};
  full.insert(full.end(), argv.begin(), argv.end());
  return run_checked(full);
}

VethPair::VethPair(const TestNetns* a_ns, std::string a_name, const TestNetns* b_ns, std::string b_name)
    : a_ns_(a_ns), a_name_(std::move(a_name)), b_name_(std::move(b_name)) {
  std::vector<std::string> create{"ip", "link", "add", a_name_};
  if (a_ns) create.insert(create.end(), {"netns", a_ns->name()});
  create.insert(create.end(), {"type", "veth", "peer", "name", b_name_});
  if (b_ns) create.insert(create.end(), {"netns", b_ns->name()});
  run_checked(create);
  auto up = [](const TestNetns* ns, const std::string& dev) {
    if (ns) {
      ns->exec_checked({"ip", "link", "set", dev, "up"});
    } else {
      run_checked({"ip", "link", "set", dev, "up"});
    }
  };
  try {
    up(a_ns, a_name_);
    up(b_ns, b_name_);
  } catch (...) {
    remove();  // the destructor will not run for a failed constructor
    throw;
  }
  std::fprintf(stderr, "[netns] created veth %s@%s <-> %s@%s\n", a_name_.c_str(), a_ns ? a_ns->name().c_str() : "host",
               b_name_.c_str(), b_ns ? b_ns->name().c_str() : "host");
}

VethPair::~VethPair() { remove(); }

void VethPair::remove() {
  // Deleting one end removes the pair; it may already be gone with its namespace.
  if (a_ns_) {
    a_ns_->exec({"ip", "link", "delete", a_name_});
  } else {
    run({"ip", "link", "delete", a_name_});
  }
}

}  // namespace sluice::testing
