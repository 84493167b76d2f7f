#include "tests/unit/ipam/ipam_test_support.hpp"

#include <doctest/doctest.h>

#include "ipam/store/typed_store.hpp"
#include "k8s-client/resources/core.hpp"

namespace sluice::testing {
namespace {

template <class T>
void put(ipam::MemoryStore& store, const T& object) {
  auto stored = store.put(T::resource, k8s::encode(object));
  REQUIRE_MESSAGE(stored.ok(), stored.error().describe());
}

}  // namespace

IpamFixture::IpamFixture()
    : store(io.get_executor()),
      now(std::chrono::sys_days{std::chrono::year{2026} / 12 / 6}),
      allocator(store, ipam::AllocatorOptions{[this] { return now; }, 100}) {}

void IpamFixture::add_pool(const std::string& name, const std::string& cidr, int block_size,
                           const std::function<void(k8s::IPPool&)>& mutate) {
  k8s::IPPool pool;
  pool.metadata.name = name;
  pool.spec.cidr = cidr;
  pool.spec.block_size = block_size;
  if (mutate) mutate(pool);
  put(store, pool);
}

void IpamFixture::set_ipam_config(const k8s::IPAMConfigSpec& spec) {
  k8s::IPAMConfig config;
  config.metadata.name = "default";
  config.spec = spec;
  put(store, config);
}

void IpamFixture::add_node(const std::string& name, std::map<std::string, std::string> labels) {
  k8s::Node node;
  node.metadata.name = name;
  node.metadata.labels = std::move(labels);
  put(store, node);
}

void IpamFixture::add_namespace(const std::string& name, std::map<std::string, std::string> labels) {
  k8s::Namespace ns;
  ns.metadata.name = name;
  ns.metadata.labels = std::move(labels);
  put(store, ns);
}

void IpamFixture::reserve(const std::string& name, std::vector<std::string> cidrs) {
  k8s::IPReservation r;
  r.metadata.name = name;
  r.spec.reserved_cidrs = std::move(cidrs);
  put(store, r);
}

ipam::AutoAssignRequest IpamFixture::request(const std::string& host, const std::string& handle, int v4,
                                             int v6) const {
  ipam::AutoAssignRequest r;
  r.host = host;
  r.handle_id = handle;
  r.num_ipv4 = v4;
  r.num_ipv6 = v6;
  r.attributes = {{"node", host}, {"pod", handle}, {"namespace", "default"}};
  return r;
}

ipam::AutoAssignResult IpamFixture::assign(const std::string& host, const std::string& handle, int v4, int v6) {
  const auto r = request(host, handle, v4, v6);
  auto result = run(allocator.auto_assign(r));
  REQUIRE_MESSAGE(result.ok(), result.error().message);
  return *result;
}

ipam::IpamSnapshot IpamFixture::snapshot() {
  auto s = run(ipam::read_snapshot(store, false));
  REQUIRE_MESSAGE(s.ok(), s.error().describe());
  return std::move(*s);
}

std::vector<std::string> IpamFixture::problems() {
  std::vector<std::string> out;
  for (const auto& p : ipam::check_consistency(snapshot()))
    out.push_back(std::string(ipam::to_string(p.kind)) + " " + p.subject + ": " + p.detail);
  return out;
}

std::map<ip::Address, std::string> IpamFixture::allocated() {
  std::map<ip::Address, std::string> out;
  for (const auto& a : ipam::allocations(snapshot())) {
    INFO("address " << a.address.to_string() << " allocated twice");
    CHECK(out.emplace(a.address, a.owner.handle_id.value_or("")).second);
  }
  return out;
}

std::vector<k8s::BlockAffinity> IpamFixture::affinities() { return snapshot().affinities; }

std::string describe(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

}  // namespace sluice::testing
