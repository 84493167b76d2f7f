#include "ipam/allocator/ipam_config.hpp"

#include "ipam/pool/ipam_config.hpp"
#include "ipam/store/typed_store.hpp"

namespace sluice::ipam {

EffectiveIPAMConfig effective_config(const k8s::IPAMConfigSpec& spec) {
  EffectiveIPAMConfig config;
  config.strict_affinity = spec.strict_affinity;
  config.auto_allocate_blocks = spec.auto_allocate_blocks;
  config.max_blocks_per_host = effective_max_blocks_per_host(spec);
  config.ip_cooldown = std::chrono::seconds(spec.ip_cooldown_seconds);
  return config;
}

boost::asio::awaitable<Result<EffectiveIPAMConfig>> read_ipam_config(IpamContext& ctx) {
  const std::string_view name = kIPAMConfigName;
  auto got = co_await get_object<k8s::IPAMConfig>(ctx.store, name);
  if (!got) {
    if (got.error().kind == k8s::ApiErrorKind::not_found) co_return EffectiveIPAMConfig{};
    co_return datastore_error("reading IPAMConfig default", got.error());
  }
  co_return effective_config(got->spec);
}

}  // namespace sluice::ipam
