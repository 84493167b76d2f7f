#include <doctest/doctest.h>

#include <fstream>
#include <string>

#include <fmt/format.h>

#include "k8s-client/config/token_source.hpp"
#include "tests/support/temp_dir.hpp"

using namespace std::chrono_literals;
using sluice::k8s::TokenSource;
namespace fs = std::filesystem;

namespace {

void write(const fs::path& path, const std::string& text) {
  std::ofstream(path) << text;
}

// A fake steady clock the test moves by hand.
struct FakeClock {
  std::chrono::steady_clock::time_point now{};
  TokenSource::Clock clock() {
    return [this] { return now; };
  }
};

// The kubelet's layout for projected volumes: token -> ..data/token, ..data -> a
// timestamped directory; a rotation writes a new directory and renames a new ..data
// symlink over the old one.
struct ProjectedVolume {
  sluice::testing::TempDir dir{"token"};
  int generation = 0;

  ProjectedVolume() { fs::create_symlink("..data/token", dir.path() / "token"); }
  fs::path token_path() const { return dir.path() / "token"; }
  void rotate(const std::string& token) {
    std::string version = fmt::format("..version_{}", ++generation);
    fs::create_directory(dir.path() / version);
    write(dir.path() / version / "token", token);
    fs::create_symlink(version, dir.path() / "..data_tmp");
    fs::rename(dir.path() / "..data_tmp", dir.path() / "..data");
  }
};

}  // namespace

TEST_CASE("a literal token") {
  auto source = TokenSource::from_literal("abc.def");
  REQUIRE(source.ok());
  auto token = source->current();
  CHECK(token.value == "abc.def");
  CHECK_FALSE(token.refresh_error);
  CHECK(TokenSource::from_literal("").error().message == "the token is empty");
  CHECK(TokenSource::from_literal("ab\ncd").error().message ==
        "the token has byte 0x0a at offset 2 (a bearer token is visible ASCII, no spaces)");
}

TEST_CASE("token files: whitespace around the token is dropped; bad files are errors") {
  sluice::testing::TempDir dir("token");
  fs::path path = dir.path() / "token";
  write(path, "  abc.def\r\n\n");
  CHECK(*sluice::k8s::read_token_file(path) == "abc.def");
  auto source = TokenSource::from_file(path);
  REQUIRE(source.ok());
  CHECK(source->current().value == "abc.def");
  CHECK(source->path() == path);

  write(path, "\n");
  CHECK(TokenSource::from_file(path).error().message == fmt::format("token file {} is empty", path.string()));
  write(path, "abc def");
  CHECK(TokenSource::from_file(path).error().message ==
        fmt::format("token file {}: the token has byte 0x20 at offset 3 (a bearer token is visible ASCII, no spaces)",
                    path.string()));
  fs::path missing = dir.path() / "missing";
  CHECK(TokenSource::from_file(missing).error().message ==
        fmt::format("cannot stat {}: No such file or directory", missing.string()));
}

TEST_CASE("a rotation by symlink swap is picked up at the next check, not before") {
  ProjectedVolume volume;
  volume.rotate("first");
  FakeClock clock;
  auto source = TokenSource::from_file(volume.token_path(), 10s, clock.clock());
  REQUIRE(source.ok());
  CHECK(source->current().value == "first");

  volume.rotate("second");
  clock.now += 9s;
  CHECK(source->current().value == "first");  // not due yet
  clock.now += 1s;
  auto token = source->current();
  CHECK(token.value == "second");
  CHECK_FALSE(token.refresh_error);

  // A new token of the same length is still a new file.
  volume.rotate("fourth");
  clock.now += 10s;
  CHECK(source->current().value == "fourth");
}

TEST_CASE("a rotation by renaming a new file over the old one is picked up") {
  sluice::testing::TempDir dir("token");
  fs::path path = dir.path() / "token";
  write(path, "first\n");
  FakeClock clock;
  auto source = TokenSource::from_file(path, 5s, clock.clock());
  REQUIRE(source.ok());
  write(dir.path() / "token.tmp", "second\n");
  fs::rename(dir.path() / "token.tmp", path);
  clock.now += 5s;
  CHECK(source->current().value == "second");
}

TEST_CASE("a failed re-read keeps the last good token and reports the error once per check") {
  ProjectedVolume volume;
  volume.rotate("good");
  FakeClock clock;
  auto source = TokenSource::from_file(volume.token_path(), 10s, clock.clock());
  REQUIRE(source.ok());

  volume.rotate("\n");  // an empty token
  clock.now += 10s;
  auto token = source->current();
  CHECK(token.value == "good");
  REQUIRE(token.refresh_error);
  CHECK(token.refresh_error->message == fmt::format("token file {} is empty", volume.token_path().string()));
  token = source->current();  // not due again: no new report
  CHECK(token.value == "good");
  CHECK_FALSE(token.refresh_error);

  fs::remove(volume.dir.path() / "..data");  // the symlink target is gone
  clock.now += 10s;
  token = source->current();
  CHECK(token.value == "good");
  REQUIRE(token.refresh_error);
  CHECK(token.refresh_error->message ==
        fmt::format("cannot stat {}: No such file or directory", volume.token_path().string()));

  volume.rotate("recovered");
  clock.now += 10s;
  token = source->current();
  CHECK(token.value == "recovered");
  CHECK_FALSE(token.refresh_error);
}

TEST_CASE("a file whose inode, size and mtime are unchanged is not re-read") {
  sluice::testing::TempDir dir("token");
  fs::path path = dir.path() / "token";
  write(path, "aaaa");
  auto mtime = fs::last_write_time(path);
  FakeClock clock;
  auto source = TokenSource::from_file(path, 1s, clock.clock());
  REQUIRE(source.ok());
  // Rewritten in place with the same length and the old mtime put back: the check is
  // stat-only, so the token is still the one read first.
  {
    std::fstream file(path, std::ios::in | std::ios::out);
    file << "bbbb";
  }
  fs::last_write_time(path, mtime);
  clock.now += 1s;
  CHECK(source->current().value == "aaaa");
  // Any change to the mtime triggers the read.
  fs::last_write_time(path, mtime + 1s);
  clock.now += 1s;
  CHECK(source->current().value == "bbbb");
}
