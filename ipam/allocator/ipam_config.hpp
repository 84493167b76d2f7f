// The IPAMConfig singleton ("default") as the allocator applies it: Calico's defaults
// when the object is missing, and the block cap Calico applies when none is set.
#pragma once

#include <utility>  // boost/asio/awaitable.hpp (1.74) uses std::exchange without including it

#include <chrono>

#include <boost/asio/awaitable.hpp>

#include "ipam/allocator/context.hpp"
#include "k8s-client/resources/calico_ipam.hpp"

namespace sluice::ipam {

inline constexpr std::string_view kIPAMConfigName = "default";

struct EffectiveIPAMConfig {
  bool strict_affinity = false;
  bool auto_allocate_blocks = true;
  int max_blocks_per_host = 20;  // IPAMConfig's 0 means this default
  std::chrono::seconds ip_cooldown{0};
};

EffectiveIPAMConfig effective_config(const k8s::IPAMConfigSpec& spec);
boost::asio::awaitable<Result<EffectiveIPAMConfig>> read_ipam_config(IpamContext& ctx);

}  // namespace sluice::ipam
