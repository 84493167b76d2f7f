#include <doctest/doctest.h>

#include "base/http/endpoints.hpp"

using namespace sluice;

TEST_CASE("operational endpoints route, answer and refuse") {
  health::Health h;
  metrics::Registry r;
  r.counter("requests_total", "Requests.").with({}).inc(5);
  http::OperationalEndpoints e(h, r);

  auto metrics = e.handle({"GET", "/metrics"});
  CHECK(metrics.status == 200);
  CHECK(metrics.content_type == "text/plain; version=0.0.4; charset=utf-8");
  CHECK(metrics.body.find("requests_total 5\n") != std::string::npos);

  h.set_ready("datastore", false, "syncing");
  CHECK(e.handle({"GET", "/readiness"}).status == 503);
  CHECK(e.handle({"GET", "/readiness?verbose=1"}).body.find("[-] datastore: syncing") != std::string::npos);
  h.set_ready("datastore", true);
  CHECK(e.handle({"HEAD", "/readiness"}).status == 200);
  CHECK(e.handle({"GET", "/liveness"}).status == 200);

  auto missing = e.handle({"GET", "/healthz"});
  CHECK(missing.status == 404);
  auto post = e.handle({"POST", "/metrics"});
  CHECK(post.status == 405);
  REQUIRE(post.headers.size() == 1);
  CHECK(post.headers[0] == std::pair<std::string, std::string>{"Allow", "GET, HEAD"});
}
