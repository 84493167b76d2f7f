// IPAMConfig (the "default" singleton) as Calico judges it: the field ranges and the
// cross-field rules libcalico-go enforces in code rather than in the CRD, and the block
// cap that applies when none is set (reference/calico.md §1.2).
#pragma once

#include "base/result.hpp"
#include "k8s-client/resources/calico_ipam.hpp"

namespace sluice::ipam {

// What maxBlocksPerHost 0 (unset) means: Calico's code default cap.
inline constexpr int kDefaultMaxBlocksPerHost = 20;
inline constexpr int kMaxIPCooldownSeconds = 1200;

// maxBlocksPerHost not negative; ipCooldownSeconds 0 to 1200; kubeVirtVMAddressPersistence
// Enabled or Disabled when set; strictAffinity and autoAllocateBlocks not both false; a
// maxBlocksPerHost cap only with strictAffinity (the cap acts before affinity, and Calico
// wants that chosen explicitly). The first two are CRD rules, the last two libcalico-go's
// SetIPAMConfig, which a CRD written with kubectl never meets. Every problem is listed,
// each naming its field: `invalid IPAMConfig: spec.ipCooldownSeconds: 1201 is out of range
// (0 to 1200)`.
Status validate_ipam_config(const k8s::IPAMConfigSpec& spec);

// maxBlocksPerHost, or the default cap of 20 when it is 0.
int effective_max_blocks_per_host(const k8s::IPAMConfigSpec& spec);

}  // namespace sluice::ipam
