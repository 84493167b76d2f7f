// Liveness and readiness as reported by a daemon's components ("datastore",
// "bgp-sessions", ...). Ready only when every registered component is ready; live
// unless some component says it is stuck. Thread-safe.
#pragma once

#include <map>
#include <mutex>
#include <string>

namespace sluice::health {

struct Report {
  bool ok = true;
  std::string body;  // one "[+] name: detail" / "[-] name: detail" line per component
};

class Health {
 public:
  void set_ready(const std::string& component, bool ready, std::string detail = {});
  void set_live(const std::string& component, bool live, std::string detail = {});

  Report readiness() const;
  Report liveness() const;

 private:
  struct State {
    bool ok;
    std::string detail;
  };
  static Report report(const std::map<std::string, State>& states, const char* what);

  mutable std::mutex mutex_;
  std::map<std::string, State> ready_;
  std::map<std::string, State> live_;
};

}  // namespace sluice::health
