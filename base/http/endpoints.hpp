// The operational endpoints every daemon serves: /liveness, /readiness (200 or 503
// with the per-component report) and /metrics (Prometheus text format).
#pragma once

#include "base/health/health.hpp"
#include "base/http/message.hpp"
#include "base/metrics/registry.hpp"

namespace sluice::http {

class OperationalEndpoints {
 public:
  OperationalEndpoints(const health::Health& health, const metrics::Registry& registry)
      : health_(health), registry_(registry) {}

  // GET and HEAD only (405 otherwise); unknown paths get 404.
  Response handle(const Request& request) const;

 private:
  const health::Health& health_;
  const metrics::Registry& registry_;
};

}  // namespace sluice::http
