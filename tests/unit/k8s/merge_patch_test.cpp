#include <doctest/doctest.h>

#include "base/json/json.hpp"
#include "k8s-client/test-apiserver/merge_patch.hpp"

namespace {
std::string patch(std::string_view target, std::string_view p) {
  auto t = sluice::json::parse(target);
  auto q = sluice::json::parse(p);
  REQUIRE(t.ok());
  REQUIRE(q.ok());
  sluice::apiserver::apply_merge_patch(*t, *q, t->GetAllocator());
  return sluice::json::serialize(*t);
}
}  // namespace

// The examples of RFC 7386 Appendix A.
TEST_CASE("JSON merge patch (RFC 7386)") {
  CHECK(patch(R"({"a":"b"})", R"({"a":"c"})") == R"({"a":"c"})");
  CHECK(patch(R"({"a":"b"})", R"({"b":"c"})") == R"({"a":"b","b":"c"})");
  CHECK(patch(R"({"a":"b"})", R"({"a":null})") == R"({})");
  CHECK(patch(R"({"a":"b","b":"c"})", R"({"a":null})") == R"({"b":"c"})");
  CHECK(patch(R"({"a":["b"]})", R"({"a":"c"})") == R"({"a":"c"})");
  CHECK(patch(R"({"a":"c"})", R"({"a":["b"]})") == R"({"a":["b"]})");
  CHECK(patch(R"({"a":{"b":"c"}})", R"({"a":{"b":"d","c":null}})") == R"({"a":{"b":"d"}})");
  CHECK(patch(R"({"a":[{"b":"c"}]})", R"({"a":[1]})") == R"({"a":[1]})");
  CHECK(patch(R"(["a","b"])", R"(["c","d"])") == R"(["c","d"])");
  CHECK(patch(R"({"a":"b"})", R"(["c"])") == R"(["c"])");
  CHECK(patch(R"({"a":"foo"})", "null") == "null");
  CHECK(patch(R"({"e":null})", R"({"a":1})") == R"({"e":null,"a":1})");
  CHECK(patch(R"([1,2])", R"({"a":"b","c":null})") == R"({"a":"b"})");
  CHECK(patch(R"({})", R"({"a":{"bb":{"ccc":null}}})") == R"({"a":{"bb":{}}})");
}
