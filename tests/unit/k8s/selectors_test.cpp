#include <doctest/doctest.h>

#include "base/json/json.hpp"
#include "k8s-client/test-apiserver/selectors.hpp"

using namespace sluice::apiserver;

namespace {
bool selects(std::string_view selector, const std::map<std::string, std::string, std::less<>>& labels) {
  auto s = LabelSelector::parse(selector);
  REQUIRE_MESSAGE(s.ok(), s.error().message);
  return s->matches(labels);
}
}  // namespace

TEST_CASE("label selectors: equality and set based") {
  CHECK(selects("", {}));
  CHECK(selects("app=web", {{"app", "web"}}));
  CHECK(selects("app==web", {{"app", "web"}}));
  CHECK_FALSE(selects("app=web", {{"app", "db"}}));
  CHECK(selects("app!=web", {}));  // absent counts as not equal
  CHECK(selects("tier in (a, b),app", {{"tier", "b"}, {"app", "x"}}));
  CHECK_FALSE(selects("tier notin (a,b)", {{"tier", "a"}}));
  CHECK(selects("tier notin (a,b)", {}));
  CHECK(selects("!gone", {{"app", "x"}}));
  CHECK_FALSE(selects("!app", {{"app", "x"}}));
  CHECK(selects("projectcalico.org/hostname-hash=abc", {{"projectcalico.org/hostname-hash", "abc"}}));
}

TEST_CASE("malformed label selectors get precise errors") {
  CHECK(LabelSelector::parse("a in (").error().message == "invalid label selector \"a in (\": unclosed '('");
  CHECK(LabelSelector::parse("a in ()").error().message ==
        "invalid label selector \"a in ()\": term \"a in ()\": a set needs at least one value");
  CHECK(LabelSelector::parse("a,,b").error().message == "invalid label selector \"a,,b\": term \"\": empty requirement");
  CHECK(LabelSelector::parse("a within (x)").error().message ==
        "invalid label selector \"a within (x)\": term \"a within (x)\": unknown operator \"within\"");
  CHECK(LabelSelector::parse("bad key=x").error().message ==
        "invalid label selector \"bad key=x\": term \"bad key=x\": \"bad key\" is not a valid label key");
}

TEST_CASE("field selectors") {
  auto doc = sluice::json::parse(R"({"metadata":{"name":"n1","namespace":"kube-system"}})");
  REQUIRE(doc.ok());
  CHECK(FieldSelector::parse("metadata.name=n1")->matches(*doc));
  CHECK_FALSE(FieldSelector::parse("metadata.name!=n1")->matches(*doc));
  CHECK(FieldSelector::parse("metadata.namespace==kube-system,metadata.name=n1")->matches(*doc));
  CHECK(FieldSelector::parse("spec.nodeName=x").error().message == "field label not supported: spec.nodeName");
  CHECK(FieldSelector::parse("spec.nodeName=x", "IPAMBlock").error().message ==
        "field label not supported: spec.nodeName");
  CHECK(FieldSelector::parse("spec.cidr=x", "Pod").error().message == "field label not supported: spec.cidr");
  CHECK(FieldSelector::parse("metadata.name").error().message ==
        "invalid field selector \"metadata.name\": term \"metadata.name\" needs =, == or !=");
}

TEST_CASE("field selectors the real server indexes for pods: spec.nodeName, status.phase, spec.hostNetwork") {
  auto pod = sluice::json::parse(
      R"({"metadata":{"name":"p","namespace":"default"},"spec":{"nodeName":"node-1","hostNetwork":true},"status":{"phase":"Running"}})");
  REQUIRE(pod.ok());
  auto unscheduled = sluice::json::parse(R"({"metadata":{"name":"q","namespace":"default"},"spec":{}})");
  REQUIRE(unscheduled.ok());
  CHECK(FieldSelector::parse("spec.nodeName=node-1", "Pod")->matches(*pod));
  CHECK_FALSE(FieldSelector::parse("spec.nodeName=node-2", "Pod")->matches(*pod));
  CHECK(FieldSelector::parse("spec.nodeName=node-1,status.phase!=Succeeded", "Pod")->matches(*pod));
  CHECK(FieldSelector::parse("spec.hostNetwork=true", "Pod")->matches(*pod));
  // An absent field reads as "": the usual way to select unscheduled pods.
  CHECK(FieldSelector::parse("spec.nodeName=", "Pod")->matches(*unscheduled));
  CHECK_FALSE(FieldSelector::parse("spec.nodeName=", "Pod")->matches(*pod));
}
