#include <doctest/doctest.h>

#include <cmath>
#include <stdexcept>

#include "base/metrics/registry.hpp"
#include "base/metrics/text_format.hpp"

using namespace sluice::metrics;

TEST_CASE("counters, gauges and labels render in the text format") {
  Registry r;
  auto& messages = r.counter("bgp_messages_received_total", "BGP messages received, by peer and type.", {"peer", "type"});
  messages.with({"10.0.0.1", "update"}).inc(3);
  messages.with({"10.0.0.1", "keepalive"}).inc();
  auto& peers = r.gauge("bgp_peers_established", "Established sessions.");
  peers.with({}).set(2);
  peers.with({}).dec();

  CHECK(render_text(r) ==
        "# HELP bgp_messages_received_total BGP messages received, by peer and type.\n"
        "# TYPE bgp_messages_received_total counter\n"
        "bgp_messages_received_total{peer=\"10.0.0.1\",type=\"keepalive\"} 1\n"
        "bgp_messages_received_total{peer=\"10.0.0.1\",type=\"update\"} 3\n"
        "# HELP bgp_peers_established Established sessions.\n"
        "# TYPE bgp_peers_established gauge\n"
        "bgp_peers_established 1\n");

  messages.remove({"10.0.0.1", "keepalive"});
  CHECK(render_text(r).find("keepalive") == std::string::npos);
}

TEST_CASE("histograms have cumulative buckets, sum and count") {
  Registry r;
  auto& h = r.histogram("ipam_allocation_seconds", "Time to allocate.", {"pool"}, {0.25, 0.5, 1});
  auto& child = h.with({"default"});
  for (double v : {0.125, 0.25, 0.375, 0.75, 7.0}) child.observe(v);  // exact in binary
  child.observe(std::nan(""));  // ignored
  CHECK(render_text(r) ==
        "# HELP ipam_allocation_seconds Time to allocate.\n"
        "# TYPE ipam_allocation_seconds histogram\n"
        "ipam_allocation_seconds_bucket{pool=\"default\",le=\"0.25\"} 2\n"
        "ipam_allocation_seconds_bucket{pool=\"default\",le=\"0.5\"} 3\n"
        "ipam_allocation_seconds_bucket{pool=\"default\",le=\"1\"} 4\n"
        "ipam_allocation_seconds_bucket{pool=\"default\",le=\"+Inf\"} 5\n"
        "ipam_allocation_seconds_sum{pool=\"default\"} 8.5\n"
        "ipam_allocation_seconds_count{pool=\"default\"} 5\n");
}

TEST_CASE("escaping of help and label values") {
  Registry r;
  r.counter("x_total", "line one\nback\\slash", {"v"}).with({"a\"b\\c\nd"}).inc();
  CHECK(render_text(r) ==
        "# HELP x_total line one\\nback\\\\slash\n"
        "# TYPE x_total counter\n"
        "x_total{v=\"a\\\"b\\\\c\\nd\"} 1\n");
  CHECK(format_value(INFINITY) == "+Inf");
  CHECK(format_value(-INFINITY) == "-Inf");
  CHECK(format_value(NAN) == "NaN");
  CHECK(format_value(0.25) == "0.25");
}

TEST_CASE("registration refuses what Prometheus would reject") {
  Registry r;
  r.counter("ok_total", "fine");
  CHECK_THROWS_WITH_AS(r.counter("ok_total", "again"), "metric ok_total is registered twice", std::invalid_argument);
  CHECK_THROWS_WITH_AS(r.gauge("9lives", "x"), "invalid metric name \"9lives\"", std::invalid_argument);
  CHECK_THROWS_WITH_AS(r.gauge("a-b", "x"), "invalid metric name \"a-b\"", std::invalid_argument);
  CHECK_THROWS_WITH_AS(r.gauge("g", "x", {"__reserved"}), "invalid label name \"__reserved\" on metric g",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(r.histogram("h", "x", {}, {1, 0.5}), "histogram h needs finite, strictly increasing bucket bounds",
                       std::invalid_argument);
  auto& labelled = r.counter("l_total", "x", {"a", "b"});
  CHECK_THROWS_WITH_AS(labelled.with({"only-one"}), "metric l_total has 2 labels, 1 values given", std::invalid_argument);
  Counter c;
  c.inc(-5);
  CHECK(c.value() == 0);
}
