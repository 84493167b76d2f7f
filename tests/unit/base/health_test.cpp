#include <doctest/doctest.h>

#include "base/health/health.hpp"

using sluice::health::Health;

TEST_CASE("readiness needs every component; liveness fails on any stuck one") {
  Health h;
  CHECK(h.readiness().ok);  // nothing registered yet
  h.set_ready("datastore", false, "initial sync not complete");
  h.set_ready("bgp", true);
  auto r = h.readiness();
  CHECK_FALSE(r.ok);
  CHECK(r.body == "[+] bgp: ok\n[-] datastore: initial sync not complete\nreadiness check failed\n");
  h.set_ready("datastore", true, "in sync");
  CHECK(h.readiness().ok);
  CHECK(h.readiness().body == "[+] bgp: ok\n[+] datastore: in sync\nreadiness check passed\n");

  h.set_live("event-loop", true);
  CHECK(h.liveness().ok);
  h.set_live("event-loop", false);
  CHECK_FALSE(h.liveness().ok);
  CHECK(h.liveness().body == "[-] event-loop: failing\nliveness check failed\n");
}
