// manifests/crds/: each file is a structurally valid CRD whose names and scope are the
// typed resource's, and whose schema types every modeled member exactly as the field
// tables read and write it (same JSON type, same required members).
#include <doctest/doctest.h>

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "k8s-client/resources/resources.hpp"

using namespace sluice::k8s;

namespace {

using Problems = std::vector<std::string>;

std::filesystem::path crd_dir() { return SLUICE_CRD_DIR; }

std::string join(const Problems& problems) {
  std::string out;
  for (const auto& p : problems) out += p + "\n";
  return out;
}

bool is_true(const YAML::Node& n) { return n && n.IsScalar() && n.as<std::string>() == "true"; }

// What Kubernetes requires of a structural schema, and no misspelt keywords.
void check_structural(const YAML::Node& schema, const std::string& path, bool root, Problems& problems) {
  static const std::set<std::string> keywords = {
      "type",      "format",    "description", "properties", "items",     "additionalProperties",
      "required",  "nullable",  "default",     "minimum",    "maximum",   "enum",
      "pattern",   "minItems",  "maxItems",    "minLength",  "maxLength", "x-kubernetes-preserve-unknown-fields",
      "x-kubernetes-int-or-string"};
  if (!schema.IsMap()) {
    problems.push_back(path + ": a schema must be a map");
    return;
  }
  for (const auto& kv : schema) {
    if (!keywords.contains(kv.first.as<std::string>())) problems.push_back(path + ": unknown keyword " + kv.first.as<std::string>());
  }
  bool int_or_string = is_true(schema["x-kubernetes-int-or-string"]);
  bool preserve = is_true(schema["x-kubernetes-preserve-unknown-fields"]);
  std::string type = schema["type"] ? schema["type"].as<std::string>() : "";
  if (type.empty() && !int_or_string && !preserve) problems.push_back(path + ": no type");
  if (!type.empty() && !std::set<std::string>{"object", "array", "string", "integer", "number", "boolean"}.contains(type)) {
    problems.push_back(path + ": unknown type " + type);
  }
  if (schema["properties"] && schema["additionalProperties"]) {
    problems.push_back(path + ": both properties and additionalProperties");
  }
  if ((schema["properties"] || schema["additionalProperties"]) && type != "object") {
    problems.push_back(path + ": properties on a non-object");
  }
  if (type == "array" && !(schema["items"] && schema["items"].IsMap())) problems.push_back(path + ": an array needs one items schema");
  if (schema["items"] && type != "array") problems.push_back(path + ": items on a non-array");
  if (const auto required = schema["required"]) {
    for (const auto& r : required) {
      if (!schema["properties"] || !schema["properties"][r.as<std::string>()]) {
        problems.push_back(path + ": required " + r.as<std::string>() + " is not a property");
      }
    }
  }
  if (root) {
    if (type != "object") problems.push_back(path + ": the root must be an object");
    const auto metadata = schema["properties"] ? schema["properties"]["metadata"] : YAML::Node();
    // Custom resources may not constrain metadata beyond its type.
    if (!metadata || metadata.size() != 1 || metadata["type"].as<std::string>("") != "object") {
      problems.push_back(path + ".metadata: must be exactly {type: object}");
    }
  }
  if (const auto properties = schema["properties"]) {
    for (const auto& kv : properties) check_structural(kv.second, path + "." + kv.first.as<std::string>(), false, problems);
  }
  if (const auto items = schema["items"]; items && items.IsMap()) check_structural(items, path + "[]", false, problems);
  if (const auto extra = schema["additionalProperties"]; extra && extra.IsMap()) {
    check_structural(extra, path + "{}", false, problems);
  }
}

std::string type_of(const YAML::Node& schema) { return schema["type"] ? schema["type"].as<std::string>() : "(none)"; }

void expect_type(const YAML::Node& schema, const std::string& want, const std::string& path, Problems& problems) {
  if (type_of(schema) != want) problems.push_back(path + ": schema type " + type_of(schema) + ", the codec reads " + want);
}

template <Modeled S>
void check_struct_schema(const YAML::Node& schema, const std::string& path, bool root, Problems& problems);

// The schema of one member must describe the JSON the codec accepts for type M.
template <class M>
void check_member_schema(const YAML::Node& schema, const std::string& path, Problems& problems) {
  if constexpr (std::is_same_v<M, std::string>) {
    expect_type(schema, "string", path, problems);
  } else if constexpr (std::is_same_v<M, bool>) {
    expect_type(schema, "boolean", path, problems);
  } else if constexpr (std::is_integral_v<M>) {
    expect_type(schema, "integer", path, problems);
  } else if constexpr (std::is_same_v<M, IntOrString>) {
    if (!is_true(schema["x-kubernetes-int-or-string"])) problems.push_back(path + ": not int-or-string");
  } else if constexpr (is_optional_v<M>) {
    check_member_schema<typename M::value_type>(schema, path, problems);
  } else if constexpr (is_vector_v<M>) {
    expect_type(schema, "array", path, problems);
    if (!schema["items"]) return;
    using Element = typename M::value_type;
    // JSON null inside the array (a free ordinal) must be allowed explicitly.
    if (is_optional_v<Element> != is_true(schema["items"]["nullable"])) {
      problems.push_back(path + "[]: nullable must be " + (is_optional_v<Element> ? "true" : "absent"));
    }
    check_member_schema<Element>(schema["items"], path + "[]", problems);
  } else if constexpr (is_string_map_v<M>) {
    expect_type(schema, "object", path, problems);
    if (!schema["additionalProperties"]) {
      problems.push_back(path + ": a map needs additionalProperties");
      return;
    }
    check_member_schema<typename M::mapped_type>(schema["additionalProperties"], path + "{}", problems);
  } else {
    check_struct_schema<M>(schema, path, false, problems);
  }
}

template <Modeled S>
void check_struct_schema(const YAML::Node& schema, const std::string& path, bool root, Problems& problems) {
  expect_type(schema, "object", path, problems);
  const YAML::Node properties = schema["properties"];
  std::set<std::string> required_by_codec, required_by_schema;
  if (const auto required = schema["required"]) {
    for (const auto& r : required) required_by_schema.insert(r.as<std::string>());
  }
  std::apply(
      [&](const auto&... f) {
        auto check = [&](const auto& field) {
          using F = std::remove_cvref_t<decltype(field)>;
          std::string name(field.name);
          if (root && name == "metadata") return;  // the API server's, not the CRD's
          if (F::presence == Presence::required) required_by_codec.insert(name);
          if (!properties || !properties[name]) {
            problems.push_back(path + "." + name + ": modeled but not in the schema (the server would prune it)");
            return;
          }
          check_member_schema<typename F::Member>(properties[name], path + "." + name, problems);
        };
        (check(f), ...);
      },
      FieldTable<S>::fields);
  if (required_by_codec != required_by_schema) {
    problems.push_back(path + ": required members differ between the schema and the codec");
  }
}

template <Resource T>
Problems check_crd(const YAML::Node& crd) {
  Problems problems;
  const ResourceKind& k = T::resource;
  auto text = [&](const YAML::Node& n) { return n && n.IsScalar() ? n.as<std::string>() : std::string("(missing)"); };
  auto expect = [&](const YAML::Node& n, std::string_view want, const std::string& what) {
    if (text(n) != want) problems.push_back(what + ": " + text(n) + ", want " + std::string(want));
  };
  expect(crd["apiVersion"], "apiextensions.k8s.io/v1", "apiVersion");
  expect(crd["kind"], "CustomResourceDefinition", "kind");
  expect(crd["metadata"]["name"], std::string(k.plural) + "." + std::string(k.group), "metadata.name");
  const YAML::Node spec = crd["spec"];
  expect(spec["group"], k.group, "spec.group");
  expect(spec["names"]["kind"], k.kind, "spec.names.kind");
  expect(spec["names"]["listKind"], k.list_kind, "spec.names.listKind");
  expect(spec["names"]["plural"], k.plural, "spec.names.plural");
  expect(spec["names"]["singular"], k.singular, "spec.names.singular");
  expect(spec["scope"], k.namespaced ? "Namespaced" : "Cluster", "spec.scope");
  const YAML::Node versions = spec["versions"];
  if (!versions || !versions.IsSequence() || versions.size() != 1) {
    problems.push_back("spec.versions: want exactly one version");
    return problems;
  }
  const YAML::Node v = versions[0];
  expect(v["name"], k.version, "spec.versions[0].name");
  expect(v["served"], "true", "spec.versions[0].served");
  expect(v["storage"], "true", "spec.versions[0].storage");
  const YAML::Node schema = v["schema"]["openAPIV3Schema"];
  if (!schema) {
    problems.push_back("spec.versions[0].schema.openAPIV3Schema: missing");
    return problems;
  }
  check_structural(schema, "openAPIV3Schema", true, problems);
  for (const char* name : {"apiVersion", "kind"}) {
    if (!schema["properties"] || type_of(schema["properties"][name]) != "string") {
      problems.push_back(std::string("openAPIV3Schema.") + name + ": want type string");
    }
  }
  check_struct_schema<T>(schema, "openAPIV3Schema", true, problems);
  return problems;
}

}  // namespace

TEST_CASE("every Calico resource has a CRD that is structural and agrees with the codec") {
  REQUIRE(std::filesystem::is_directory(crd_dir()));
  std::map<std::string, YAML::Node> by_kind;
  for (const auto& entry : std::filesystem::directory_iterator(crd_dir())) {
    if (entry.path().extension() != ".yaml") continue;
    INFO(entry.path().filename().string());
    YAML::Node crd = YAML::LoadFile(entry.path().string());
    std::string kind = crd["spec"]["names"]["kind"].as<std::string>("");
    CHECK_MESSAGE(by_kind.emplace(kind, crd).second, (std::string("two CRDs for ") + kind));
    CHECK(entry.path().filename().string() ==
          crd["spec"]["group"].as<std::string>("") + "_" + crd["spec"]["names"]["plural"].as<std::string>("") + ".yaml");
  }
  std::size_t checked = 0;
  CalicoResources::for_each([&](auto type) {
    using T = typename decltype(type)::type;
    INFO(T::resource.kind);
    auto it = by_kind.find(std::string(T::resource.kind));
    REQUIRE_MESSAGE(it != by_kind.end(), "no CRD file");
    Problems problems = check_crd<T>(it->second);
    CHECK_MESSAGE(problems.empty(), join(problems));
    ++checked;
  });
  CHECK(checked == by_kind.size());  // no CRD for a kind the codec does not know
}

TEST_CASE("the CRD checks catch what a real cluster would reject or prune") {
  auto good = YAML::LoadFile((crd_dir() / "crd.projectcalico.org_ipamblocks.yaml").string());
  REQUIRE(check_crd<IPAMBlock>(good).empty());
  auto spec_schema = [](YAML::Node& crd) {
    return crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"];
  };
  auto mutated = [&](auto change) {
    YAML::Node crd = YAML::Clone(good);
    change(crd);
    return join(check_crd<IPAMBlock>(crd));
  };
  CHECK(mutated([](YAML::Node& c) { c["spec"]["scope"] = "Namespaced"; }).find("spec.scope: Namespaced") != std::string::npos);
  CHECK(mutated([](YAML::Node& c) { c["spec"]["names"]["listKind"] = "IPAMBlocks"; }).find("listKind") != std::string::npos);
  CHECK(mutated([&](YAML::Node& c) { spec_schema(c)["properties"]["cidr"].remove("type"); })
            .find("openAPIV3Schema.spec.cidr: no type") != std::string::npos);
  CHECK(mutated([&](YAML::Node& c) { spec_schema(c)["properties"]["sequenceNumber"]["type"] = "string"; })
            .find("sequenceNumber: schema type string, the codec reads integer") != std::string::npos);
  CHECK(mutated([&](YAML::Node& c) { spec_schema(c)["properties"]["allocations"]["items"].remove("nullable"); })
            .find("allocations[]: nullable must be true") != std::string::npos);
  CHECK(mutated([&](YAML::Node& c) { spec_schema(c)["properties"].remove("deleted"); })
            .find("deleted: modeled but not in the schema") != std::string::npos);
  CHECK(mutated([&](YAML::Node& c) { spec_schema(c)["required"].push_back("deleted"); })
            .find("required members differ") != std::string::npos);
  CHECK(mutated([&](YAML::Node& c) { spec_schema(c)["required"].push_back("nonexistent"); })
            .find("required nonexistent is not a property") != std::string::npos);
  CHECK(mutated([&](YAML::Node& c) { spec_schema(c)["properties"]["attributes"]["items"]["propertes"] = YAML::Node(); })
            .find("unknown keyword propertes") != std::string::npos);
  CHECK(mutated([&](YAML::Node& c) {
          spec_schema(c)["properties"]["attributes"]["items"]["properties"]["secondary"]["properties"]["x"]["type"] = "string";
        }).find("both properties and additionalProperties") != std::string::npos);
  CHECK(mutated([](YAML::Node& c) {
          c["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["metadata"]["properties"]["name"]["type"] = "string";
        }).find("metadata: must be exactly {type: object}") != std::string::npos);
  CHECK(mutated([](YAML::Node& c) { c["spec"]["versions"][0]["storage"] = false; }).find("storage: false") != std::string::npos);
}

TEST_CASE("the CRD checks reach optional booleans and string lists") {
  auto info = YAML::LoadFile((crd_dir() / "crd.projectcalico.org_clusterinformations.yaml").string());
  REQUIRE(check_crd<ClusterInformation>(info).empty());
  auto spec = info["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"];
  spec["properties"]["datastoreReady"]["type"] = "string";
  CHECK(join(check_crd<ClusterInformation>(info)).find("datastoreReady: schema type string, the codec reads boolean") !=
        std::string::npos);

  auto reservations = YAML::LoadFile((crd_dir() / "crd.projectcalico.org_ipreservations.yaml").string());
  REQUIRE(check_crd<IPReservation>(reservations).empty());
  reservations["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]
              ["reservedCIDRs"]["items"]["type"] = "integer";
  CHECK(join(check_crd<IPReservation>(reservations)).find("reservedCIDRs[]: schema type integer") != std::string::npos);
}
