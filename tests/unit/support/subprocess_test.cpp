#include <doctest/doctest.h>

#include <sys/wait.h>

#include <fstream>

#include "tests/support/subprocess.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/wait.hpp"

using namespace std::chrono_literals;
using namespace sluice::testing;

TEST_CASE("run captures output and exit codes, and enforces its deadline") {
  auto ok = run({"sh", "-c", "echo out; echo err >&2; exit 3"});
  CHECK(ok.exit_code == 3);
  CHECK(ok.output.find("out") != std::string::npos);
  CHECK(ok.output.find("err") != std::string::npos);

  auto slow = run({"sleep", "10"}, 200ms);
  CHECK(slow.timed_out);
  CHECK_FALSE(slow.ok());

  auto missing = run({"/nonexistent/binary"});
  CHECK(missing.exit_code == 127);
  CHECK(missing.output.find("cannot run /nonexistent/binary") != std::string::npos);
  CHECK_THROWS_AS(run_checked({"false"}), std::runtime_error);
}

TEST_CASE("servers are stopped by PID, with SIGKILL after the grace period") {
  TempDir dir;
  auto p = Subprocess::start({"sh", "-c", "trap '' TERM; echo started; exec sleep 30"}, dir.path() / "log");
  // Signal only once the trap is in place, or SIGTERM would win the race.
  REQUIRE(wait_until(
      [&] {
        std::ifstream in(p.log_file());
        std::string line;
        return std::getline(in, line) && line == "started";
      },
      10s));
  CHECK(p.running());
  int status = p.stop(300ms);  // ignores SIGTERM, so it is killed
  CHECK(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGKILL);
  CHECK_FALSE(p.running());
}
