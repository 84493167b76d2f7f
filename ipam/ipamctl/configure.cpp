// ipamctl configure: writes the IPAMConfig "default" — created when absent, else a
// compare-and-swap update retried on conflict — after validate_ipam_config accepts the
// result; and the PROPERTY/VALUE view `show --show-configuration` shares.
#include <fmt/format.h>

#include "base/text/table.hpp"
#include "ipam/allocator/ipam_config.hpp"
#include "ipam/ipamctl/session.hpp"
#include "ipam/pool/ipam_config.hpp"
#include "ipam/store/typed_store.hpp"

namespace sluice::ipamctl {
namespace {

// What Calico assumes when kubeVirtVMAddressPersistence is not set.
constexpr std::string_view kDefaultKubeVirtPersistence = "Enabled";

constexpr int kConfigureAttempts = 10;

}  // namespace

void print_ipam_config(Session& s, const k8s::IPAMConfigSpec& spec, bool exists, std::string_view status) {
  const int effective_cap = ipam::effective_max_blocks_per_host(spec);
  const std::string persistence = spec.kube_virt_vm_address_persistence.value_or(std::string(kDefaultKubeVirtPersistence));
  if (s.json()) {
    rapidjson::StringBuffer buffer;
    JsonWriter w(buffer);
    w.StartObject();
    w.Key("exists");
    w.Bool(exists);
    if (!status.empty()) write_string(w, "result", status);
    w.Key("strictAffinity");
    w.Bool(spec.strict_affinity);
    w.Key("autoAllocateBlocks");
    w.Bool(spec.auto_allocate_blocks);
    w.Key("maxBlocksPerHost");
    w.Int(spec.max_blocks_per_host);
    w.Key("effectiveMaxBlocksPerHost");
    w.Int(effective_cap);
    w.Key("ipCooldownSeconds");
    w.Int(spec.ip_cooldown_seconds);
    write_string(w, "kubeVirtVMAddressPersistence", persistence);
    w.EndObject();
    s.print_json(buffer);
    return;
  }
  if (!status.empty()) s.out() << "IPAMConfig default " << status << '\n';
  text::Table table({"PROPERTY", "VALUE"});
  table.add_row({"StrictAffinity", spec.strict_affinity ? "true" : "false"});
  table.add_row({"AutoAllocateBlocks", spec.auto_allocate_blocks ? "true" : "false"});
  table.add_row({"MaxBlocksPerHost", spec.max_blocks_per_host == 0
                                         ? fmt::format("0 (the default cap: {})", effective_cap)
                                         : std::to_string(spec.max_blocks_per_host)});
  table.add_row({"IPCooldownSeconds", std::to_string(spec.ip_cooldown_seconds)});
  table.add_row({"KubeVirtVMAddressPersistence",
                 spec.kube_virt_vm_address_persistence ? persistence : persistence + " (default)"});
  s.out() << table.render();
  if (!exists) s.out() << "(IPAMConfig default does not exist: these are the defaults that apply)\n";
}

boost::asio::awaitable<int> configure(Session& s, const ConfigureArgs& args) {
  const std::string name(ipam::kIPAMConfigName);
  for (int attempt = 0; attempt < kConfigureAttempts; ++attempt) {
    auto got = co_await ipam::get_object<k8s::IPAMConfig>(s.store, name);
    const bool exists = got.ok();
    if (!exists && got.error().kind != k8s::ApiErrorKind::not_found)
      co_return s.fail(got.error().to_error().context("reading IPAMConfig default").message);
    k8s::IPAMConfig config;
    if (exists) {
      config = std::move(*got);
    } else {
      config.metadata.name = name;
    }
    const k8s::IPAMConfigSpec before = config.spec;
    if (args.strict_affinity) config.spec.strict_affinity = *args.strict_affinity;
    if (args.max_blocks_per_host) config.spec.max_blocks_per_host = *args.max_blocks_per_host;
    if (args.ip_cooldown_seconds) config.spec.ip_cooldown_seconds = *args.ip_cooldown_seconds;
    if (args.kubevirt_ip_persistence) config.spec.kube_virt_vm_address_persistence = *args.kubevirt_ip_persistence;
    if (auto valid = ipam::validate_ipam_config(config.spec); !valid)
      co_return s.fail(valid.error().message + "; nothing was changed", kExitUsage);
    if (exists && config.spec == before) {
      print_ipam_config(s, config.spec, true, "unchanged");
      co_return kExitOk;
    }
    if (exists) {
      auto updated = co_await ipam::update_object(s.store, config);
      if (updated) {
        print_ipam_config(s, updated->spec, true, "updated");
        co_return kExitOk;
      }
      if (updated.error().kind != k8s::ApiErrorKind::conflict && updated.error().kind != k8s::ApiErrorKind::not_found)
        co_return s.fail(updated.error().to_error().context("updating IPAMConfig default").message);
    } else {
      auto created = co_await ipam::create_object(s.store, config);
      if (created) {
        print_ipam_config(s, created->spec, true, "created");
        co_return kExitOk;
      }
      if (created.error().kind != k8s::ApiErrorKind::already_exists)
        co_return s.fail(created.error().to_error().context("creating IPAMConfig default").message);
    }
    // Someone else wrote it between our read and our write: apply the change to theirs.
  }
  co_return s.fail(fmt::format("IPAMConfig default kept changing under us; gave up after {} attempts",
                               kConfigureAttempts));
}

}  // namespace sluice::ipamctl
