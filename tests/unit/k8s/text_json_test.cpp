#include <doctest/doctest.h>

#include <random>
#include <vector>

#include "base/json/json.hpp"
#include "base/text/base32.hpp"
#include "base/text/base64.hpp"
#include "base/text/line_splitter.hpp"

using namespace sluice;

TEST_CASE("base32 without padding: the RFC 4648 test vectors") {
  CHECK(text::base32_encode_unpadded("") == "");
  CHECK(text::base32_encode_unpadded("f") == "MY");
  CHECK(text::base32_encode_unpadded("fo") == "MZXQ");
  CHECK(text::base32_encode_unpadded("foo") == "MZXW6");
  CHECK(text::base32_encode_unpadded("foob") == "MZXW6YQ");
  CHECK(text::base32_encode_unpadded("fooba") == "MZXW6YTB");
  CHECK(text::base32_encode_unpadded("foobar") == "MZXW6YTBOI");
}

TEST_CASE("base64 round trip and precise errors") {
  for (const std::string& s : std::vector<std::string>{"", "f", "fo", "foo", "foob", "fooba", "foobar", std::string("\0\xff\x10", 3)}) {
    CHECK(*text::base64_decode(text::base64_encode(s)) == s);
  }
  CHECK(text::base64_encode("foobar") == "Zm9vYmFy");
  CHECK(text::base64_encode("fo") == "Zm8=");
  CHECK(text::base64_decode("Zm8").error().message == "base64 text of length 3 is not a multiple of 4");
  CHECK(text::base64_decode("Zm8*").error().message == "invalid base64 character '*' at offset 3");
  CHECK(text::base64_decode("Z=8=").error().message == "invalid base64 character '=' at offset 1");
  CHECK(text::base64_decode("Zg==Zg==").error().message == "invalid base64 character '=' at offset 2");
}

TEST_CASE("lines are split on newlines, never on the pieces they arrive in") {
  std::string stream = "{\"type\":\"ADDED\"}\n{\"type\":\"MODIFIED\",\"x\":\"" + std::string(5000, 'y') + "\"}\n\n{\"type\":\"DELETED\"}\n";
  std::mt19937 rng(7);
  for (int trial = 0; trial < 200; ++trial) {
    text::LineSplitter splitter;
    std::vector<std::string> lines;
    std::size_t at = 0;
    while (at < stream.size()) {
      std::size_t n = std::min<std::size_t>(stream.size() - at, 1 + rng() % 300);
      REQUIRE(splitter.feed(std::string_view(stream).substr(at, n), [&](std::string_view l) -> Status {
        lines.emplace_back(l);
        return {};
      }).ok());
      at += n;
    }
    REQUIRE(lines.size() == 4);
    CHECK(lines[0] == "{\"type\":\"ADDED\"}");
    CHECK(lines[1].size() == 5000 + 26);  // {"type":"MODIFIED","x":"...."}
    CHECK(lines[2].empty());
    CHECK(splitter.pending() == 0);
  }
  text::LineSplitter bounded(10);
  auto s = bounded.feed("0123456789ABC", [](std::string_view) -> Status { return {}; });
  CHECK(s.error().message == "a line exceeds the 10-byte limit");
}

TEST_CASE("JSON parsing and typed access name the field") {
  CHECK(json::parse("{\"a\":").error().message == "invalid JSON at offset 5: Invalid value.");
  CHECK(json::parse("{} x").error().message == "invalid JSON at offset 3: The document root must not be followed by other values.");
  auto d = json::parse(R"({"spec":{"blockSize":"26","cidr":10,"n":"12x"}})");
  REQUIRE(d.ok());
  const auto& spec = (*d)["spec"];
  CHECK(*json::get_int64(spec, "blockSize", "spec") == 26);
  CHECK(json::get_string(spec, "cidr", "spec").error().message == "spec.cidr: expected a string, got a number");
  CHECK(json::get_int64(spec, "n", "spec").error().message == "spec.n: \"12x\" is not a 64-bit integer");
  CHECK(json::get_object(*d, "status", "").error().message == "status: missing");
}

TEST_CASE("json::find reads a member name from a view that is not NUL-terminated") {
  auto doc = sluice::json::parse(R"({"metadata":{"name":"n"},"metadata.name":"wrong"})");
  REQUIRE(doc.ok());
  std::string_view path = "metadata.name";
  const auto* meta = sluice::json::find(*doc, path.substr(0, 8));
  REQUIRE(meta != nullptr);
  CHECK(meta->IsObject());
}
