#include "base/http/endpoints.hpp"

#include "base/metrics/text_format.hpp"

namespace sluice::http {

Response OperationalEndpoints::handle(const Request& request) const {
  std::string path = request.target.substr(0, request.target.find('?'));
  bool known = path == "/liveness" || path == "/readiness" || path == "/metrics";
  if (!known) return Response{404, "text/plain; charset=utf-8", "not found; try /liveness, /readiness or /metrics\n", {}};
  if (request.method != "GET" && request.method != "HEAD") {
    return Response{405, "text/plain; charset=utf-8", "method not allowed\n", {{"Allow", "GET, HEAD"}}};
  }
  if (path == "/metrics") return Response{200, std::string(metrics::kTextContentType), metrics::render_text(registry_), {}};
  health::Report r = path == "/liveness" ? health_.liveness() : health_.readiness();
  return Response{r.ok ? 200 : 503, "text/plain; charset=utf-8", std::move(r.body), {}};
}

}  // namespace sluice::http
