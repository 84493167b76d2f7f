// Network namespaces and veth pairs that tests create and always remove. Names carry
// the test's PID ("sl<pid>-<tag>-<n>"), so namespaces left by a crashed run are recognised
// and swept by the next one, and nobody else's namespaces are ever touched.
#pragma once

#include <string>
#include <vector>

#include "tests/support/subprocess.hpp"

namespace sluice::testing {

class TestNetns {
 public:
  // Creates "sl<pid>-<tag>-<n>" (unique within the process) with loopback up. Before
  // the first creation in a process, removes old namespaces whose owning PID is gone.
  explicit TestNetns(const std::string& tag);
  ~TestNetns();
  TestNetns(const TestNetns&) = delete;
  TestNetns& operator=(const TestNetns&) = delete;

  const std::string& name() const { return name_; }
  // Runs a command inside the namespace (`ip netns exec`).
  CommandResult exec(const std::vector<std::string>& argv) const;
  std::string exec_checked(const std::vector<std::string>& argv) const;

 private:
  std::string name_;
};

// A veth pair with each end in a namespace (nullptr: the host namespace), both ends up.
class VethPair {
 public:
  VethPair(const TestNetns* a_ns, std::string a_name, const TestNetns* b_ns, std::string b_name);
  ~VethPair();
  VethPair(const VethPair&) = delete;
  VethPair& operator=(const VethPair&) = delete;

  const std::string& a() const { return a_name_; }
  const std::string& b() const { return b_name_; }

 private:
  void remove();
  const TestNetns* a_ns_;
  std::string a_name_;
  std::string b_name_;
};

// Removes namespaces named by this scheme whose PID no longer runs and that are older
// than any test run. Returns their names.
std::vector<std::string> sweep_stale_namespaces();

}  // namespace sluice::testing
