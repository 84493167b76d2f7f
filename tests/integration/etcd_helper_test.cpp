// The etcd helper starts a real etcd that stores data, survives restarts on the same
// data directory, and is gone (by PID) when the helper is.
#include <doctest/doctest.h>

#include <signal.h>

#include "tests/support/etcd.hpp"

using sluice::testing::EtcdServer;

TEST_CASE("a real etcd on a free loopback port") {
  pid_t pid = -1;
  {
    EtcdServer etcd;
    pid = etcd.pid();
    MESSAGE("etcd pid " << pid << " at " << etcd.client_url());
    auto put = etcd.ctl({"put", "/sluice/test", "hello"});
    INFO(put.output);
    REQUIRE(put.ok());
    auto get = etcd.ctl({"get", "/sluice/test", "--print-value-only"});
    REQUIRE(get.ok());
    CHECK(get.output == "hello\n");

    etcd.restart(/*kill=*/true);  // a crash: the data must survive
    CHECK(etcd.pid() != pid);
    auto again = etcd.ctl({"get", "/sluice/test", "--print-value-only"});
    REQUIRE(again.ok());
    CHECK(again.output == "hello\n");
    pid = etcd.pid();
  }
  CHECK(::kill(pid, 0) != 0);  // stopped and reaped
}
