#include "base/health/health.hpp"

#include <fmt/format.h>

namespace sluice::health {

void Health::set_ready(const std::string& component, bool ready, std::string detail) {
  std::lock_guard lock(mutex_);
  ready_[component] = State{ready, std::move(detail)};
}

void Health::set_live(const std::string& component, bool live, std::string detail) {
  std::lock_guard lock(mutex_);
  live_[component] = State{live, std::move(detail)};
}

Report Health::report(const std::map<std::string, State>& states, const char* what) {
  Report r;
  for (const auto& [name, state] : states) {
    r.ok = r.ok && state.ok;
    r.body += fmt::format("[{}] {}: {}\n", state.ok ? '+' : '-', name,
                          state.detail.empty() ? (state.ok ? "ok" : "failing") : state.detail);
  }
  r.body += r.ok ? fmt::format("{} check passed\n", what) : fmt::format("{} check failed\n", what);
  return r;
}

Report Health::readiness() const {
  std::lock_guard lock(mutex_);
  return report(ready_, "readiness");
}

Report Health::liveness() const {
  std::lock_guard lock(mutex_);
  return report(live_, "liveness");
}

}  // namespace sluice::health
