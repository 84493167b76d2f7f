#include "ipam/pool/ipam_config.hpp"

#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace sluice::ipam {

Status validate_ipam_config(const k8s::IPAMConfigSpec& spec) {
  std::vector<std::string> problems;
  if (spec.max_blocks_per_host < 0) {
    problems.push_back(fmt::format("spec.maxBlocksPerHost: {} is negative (0 means the default cap of {})",
                                   spec.max_blocks_per_host, kDefaultMaxBlocksPerHost));
  }
  if (spec.ip_cooldown_seconds < 0 || spec.ip_cooldown_seconds > kMaxIPCooldownSeconds) {
    problems.push_back(fmt::format("spec.ipCooldownSeconds: {} is out of range (0 to {})", spec.ip_cooldown_seconds,
                                   kMaxIPCooldownSeconds));
  }
  if (const auto& persistence = spec.kube_virt_vm_address_persistence;
      persistence && *persistence != "Enabled" && *persistence != "Disabled") {
    problems.push_back(
        fmt::format("spec.kubeVirtVMAddressPersistence: \"{}\" is not one of Enabled, Disabled", *persistence));
  }
  if (!spec.strict_affinity && !spec.auto_allocate_blocks) {
    problems.push_back("spec.autoAllocateBlocks: cannot be false while spec.strictAffinity is false");
  }
  if (spec.max_blocks_per_host > 0 && !spec.strict_affinity) {
    problems.push_back(fmt::format("spec.maxBlocksPerHost: a cap ({}) requires spec.strictAffinity to be true",
                                   spec.max_blocks_per_host));
  }
  if (!problems.empty()) return Error{fmt::format("invalid IPAMConfig: {}", fmt::join(problems, "; "))};
  return {};
}

int effective_max_blocks_per_host(const k8s::IPAMConfigSpec& spec) {
  return spec.max_blocks_per_host > 0 ? spec.max_blocks_per_host : kDefaultMaxBlocksPerHost;
}

}  // namespace sluice::ipam
