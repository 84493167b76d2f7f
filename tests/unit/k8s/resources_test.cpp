#include <doctest/doctest.h>

#include "k8s-client/test-apiserver/resources.hpp"

using namespace sluice::apiserver;

TEST_CASE("request paths map to resources and etcd keys") {
  auto pod = parse_resource_path("/api/v1/namespaces/kube-system/pods/p1");
  REQUIRE(pod);
  CHECK(pod->type->kind == "Pod");
  CHECK(pod->namespace_ == "kube-system");
  CHECK(pod->name == "p1");
  CHECK(storage_key(*pod) == "/registry/core/pods/kube-system/p1");

  auto all_pods = parse_resource_path("/api/v1/pods");
  REQUIRE(all_pods);
  CHECK(all_pods->name.empty());
  CHECK(storage_prefix(*all_pods) == "/registry/core/pods/");

  auto block = parse_resource_path("/apis/crd.projectcalico.org/v1/ipamblocks/10-0-0-0-26");
  REQUIRE(block);
  CHECK(block->type->qualified() == "ipamblocks.crd.projectcalico.org");
  CHECK(storage_key(*block) == "/registry/crd.projectcalico.org/ipamblocks/10-0-0-0-26");

  auto status = parse_resource_path("/api/v1/nodes/n1/status");
  REQUIRE(status);
  CHECK(status->status);
  CHECK(parse_resource_path("/api/v1/namespaces/default") ->type->kind == "Namespace");

  CHECK_FALSE(parse_resource_path("/apis/crd.projectcalico.org/v1/ipamblocks/x/status"));  // no status subresource
  CHECK_FALSE(parse_resource_path("/apis/crd.projectcalico.org/v1/namespaces/a/ipamblocks"));  // cluster scoped
  CHECK_FALSE(parse_resource_path("/apis/example.org/v1/widgets"));
  CHECK_FALSE(parse_resource_path("/healthz"));
}

TEST_CASE("object names") {
  CHECK(validate_name("10-244-1-0-26").ok());
  CHECK(validate_name("node-1.example.com").ok());
  CHECK(validate_name("").error().message == "name or generateName is required");
  CHECK(validate_name("Upper").error().message.find("a lowercase RFC 1123 subdomain") != std::string::npos);
  CHECK(validate_name("-x").error().message.find("must start and end with an alphanumeric") != std::string::npos);
  CHECK(validate_name(std::string(254, 'a')).error().message.find("no more than 253 characters") != std::string::npos);
}
