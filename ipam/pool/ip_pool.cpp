#include "ipam/pool/ip_pool.hpp"

#include <optional>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace sluice::ipam {

std::string_view to_string(EncapMode mode) {
  switch (mode) {
    case EncapMode::never: return "Never";
    case EncapMode::always: return "Always";
    case EncapMode::cross_subnet: return "CrossSubnet";
  }
  return "Never";
}

std::string_view to_string(PoolUse use) {
  switch (use) {
    case PoolUse::workload: return "Workload";
    case PoolUse::tunnel: return "Tunnel";
    case PoolUse::load_balancer: return "LoadBalancer";
  }
  return "Workload";
}

std::string_view to_string(AssignmentMode mode) {
  return mode == AssignmentMode::manual ? "Manual" : "Automatic";
}

std::string PoolUses::to_string() const {
  std::string out;
  for (PoolUse use : {PoolUse::workload, PoolUse::tunnel, PoolUse::load_balancer}) {
    if (!contains(use)) continue;
    if (!out.empty()) out += ", ";
    out += ipam::to_string(use);
  }
  return out;
}

namespace {

// Problems found in one pool, each "field: what is wrong", reported together so that an
// operator fixes a manifest in one go.
class Problems {
 public:
  void add(std::string_view field, std::string_view what) { list_.push_back(fmt::format("{}: {}", field, what)); }
  bool empty() const { return list_.empty(); }
  Error error(std::string_view pool_name) const {
    return Error{fmt::format("invalid IPPool \"{}\": {}", pool_name, fmt::join(list_, "; "))};
  }

 private:
  std::vector<std::string> list_;
};

// Calico's rule for resource names: a DNS-1123 subdomain of at most 253 characters.
bool is_valid_name(std::string_view name) {
  if (name.empty() || name.size() > 253) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  std::size_t start = 0;
  while (true) {
    std::size_t dot = name.find('.', start);
    std::string_view label = name.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty() || !alnum(label.front()) || !alnum(label.back())) return false;
    for (char c : label) {
      if (!alnum(c) && c != '-') return false;
    }
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

std::optional<EncapMode> parse_encap_mode(std::string_view text) {
  if (text.empty() || text == "Never") return EncapMode::never;
  if (text == "Always") return EncapMode::always;
  if (text == "CrossSubnet") return EncapMode::cross_subnet;
  return std::nullopt;
}

std::optional<PoolUse> parse_use(std::string_view text) {
  if (text == "Workload") return PoolUse::workload;
  if (text == "Tunnel") return PoolUse::tunnel;
  if (text == "LoadBalancer") return PoolUse::load_balancer;
  return std::nullopt;
}

const ip::Prefix& link_local(ip::Family family) {
  static const ip::Prefix v4 = *ip::Prefix::parse("169.254.0.0/16");
  static const ip::Prefix v6 = *ip::Prefix::parse("fe80::/10");
  return family == ip::Family::v4 ? v4 : v6;
}

// Calico reads a CIDR with host bits (Go's ParseCIDR masks them) and then refuses it as
// not strictly masked; parsing with masking lets us say which network was meant.
Result<ip::Prefix> parse_pool_cidr(std::string_view text) {
  return ip::Prefix::parse_masking(text);
}

int effective_block_size(const k8s::IPPoolSpec& spec, ip::Family family) {
  // blockSize 0 is what Go's zero value leaves, and Calico defaults it like an absent one.
  if (spec.block_size && *spec.block_size != 0) return *spec.block_size;
  return family == ip::Family::v4 ? kDefaultBlockSizeV4 : kDefaultBlockSizeV6;
}

PoolUses effective_uses(const k8s::IPPoolSpec& spec) {
  PoolUses uses;
  for (const auto& text : spec.allowed_uses) {
    if (auto use = parse_use(text)) uses.insert(*use);
  }
  return uses.empty() ? kDefaultPoolUses : uses;
}

// Everything validate_pool checks, building the view as it goes.
Result<PoolView> analyse(const k8s::IPPool& pool) {
  const k8s::IPPoolSpec& spec = pool.spec;
  Problems problems;
  PoolView view;
  view.name = pool.metadata.name;

  if (!is_valid_name(pool.metadata.name)) {
    problems.add("metadata.name",
                 fmt::format("\"{}\" is not a valid name (lower-case letters, digits, '-' and '.', starting and "
                             "ending with a letter or digit, at most 253 characters)",
                             pool.metadata.name));
  }

  // Without a CIDR nothing else can be judged (the family decides the other rules).
  if (spec.cidr.empty()) {
    problems.add("spec.cidr", "required");
    return problems.error(pool.metadata.name);
  }
  auto cidr = parse_pool_cidr(spec.cidr);
  if (!cidr) {
    problems.add("spec.cidr", cidr.error().message);
    return problems.error(pool.metadata.name);
  }
  view.cidr = *cidr;
  const ip::Family family = cidr->family();
  const bool v4 = family == ip::Family::v4;

  if (auto strict = ip::Prefix::parse(spec.cidr); !strict) {
    problems.add("spec.cidr",
                 fmt::format("{} is not strictly masked (the network is {})", spec.cidr, cidr->to_string()));
  }
  if (cidr->overlaps(link_local(family))) {
    problems.add("spec.cidr", fmt::format("{} overlaps the {} link-local range {}", cidr->to_string(),
                                          v4 ? "IPv4" : "IPv6", link_local(family).to_string()));
  }

  view.block_size = effective_block_size(spec, family);
  const int min_block = v4 ? kMinBlockSizeV4 : kMinBlockSizeV6;
  const int max_block = ip::bit_length(family);
  if (view.block_size < min_block || view.block_size > max_block) {
    problems.add("spec.blockSize", fmt::format("{} is out of range for {} pools ({} to {})", view.block_size,
                                               v4 ? "IPv4" : "IPv6", min_block, max_block));
  } else if (!spec.disabled && cidr->length() > view.block_size) {
    // IPAM hands out whole blocks, so an enabled pool smaller than one has nothing to give.
    problems.add("spec.cidr", fmt::format("{} is smaller than one block (/{}); an enabled pool must hold at least "
                                          "one block",
                                          cidr->to_string(), view.block_size));
  }

  // Encapsulation. The legacy v1 `ipip` object, when present, decides the IPIP mode
  // (Calico's v1 converter reads it that way and drops it): disabled means Never,
  // "cross-subnet" CrossSubnet, "always" or no mode Always.
  std::string_view ipip_field = "spec.ipipMode";
  if (spec.ipip) {
    ipip_field = "spec.ipip";
    const std::string& mode = spec.ipip->mode;
    if (mode != "" && mode != "always" && mode != "cross-subnet") {
      problems.add("spec.ipip.mode", fmt::format("\"{}\" is not one of always, cross-subnet", mode));
    }
    if (!spec.ipip->enabled) {
      view.ipip_mode = EncapMode::never;
    } else {
      view.ipip_mode = mode == "cross-subnet" ? EncapMode::cross_subnet : EncapMode::always;
    }
  }
  if (auto mode = parse_encap_mode(spec.ipip_mode); !mode) {
    problems.add("spec.ipipMode", fmt::format("\"{}\" is not one of Never, Always, CrossSubnet", spec.ipip_mode));
  } else if (!spec.ipip) {
    view.ipip_mode = *mode;
  }
  if (auto mode = parse_encap_mode(spec.vxlan_mode); !mode) {
    problems.add("spec.vxlanMode", fmt::format("\"{}\" is not one of Never, Always, CrossSubnet", spec.vxlan_mode));
  } else {
    view.vxlan_mode = *mode;
  }
  if (!v4 && view.ipip_mode != EncapMode::never) {
    problems.add(ipip_field,
                 fmt::format("IPIP is not supported on IPv6 pools (the IPIP mode is {})", to_string(view.ipip_mode)));
  }
  if (view.ipip_mode != EncapMode::never && view.vxlan_mode != EncapMode::never) {
    problems.add("spec.vxlanMode", fmt::format("VXLAN and IPIP cannot both be enabled (the IPIP mode is {}, "
                                               "vxlanMode is {})",
                                               to_string(view.ipip_mode), to_string(view.vxlan_mode)));
  }

  view.nat_outgoing = spec.nat_outgoing || spec.nat_outgoing_v1;
  view.disabled = spec.disabled;
  view.disable_bgp_export = spec.disable_bgp_export;

  // Allowed uses: LoadBalancer addresses are handed to Services, so such a pool may not
  // also serve pods or tunnels, is reached without encapsulation, must be advertised, and
  // belongs to no subset of nodes.
  for (const auto& text : spec.allowed_uses) {
    if (!parse_use(text)) {
      problems.add("spec.allowedUses", fmt::format("\"{}\" is not one of Workload, Tunnel, LoadBalancer", text));
    }
  }
  view.allowed_uses = effective_uses(spec);
  const bool load_balancer = view.allowed_uses.contains(PoolUse::load_balancer);
  if (load_balancer) {
    for (PoolUse other : {PoolUse::workload, PoolUse::tunnel}) {
      if (view.allowed_uses.contains(other)) {
        problems.add("spec.allowedUses", fmt::format("LoadBalancer cannot be combined with {}", to_string(other)));
      }
    }
    if (view.ipip_mode != EncapMode::never) problems.add(ipip_field, "a LoadBalancer pool cannot use IPIP");
    if (view.vxlan_mode != EncapMode::never) problems.add("spec.vxlanMode", "a LoadBalancer pool cannot use VXLAN");
    if (spec.disable_bgp_export) {
      problems.add("spec.disableBGPExport", "a LoadBalancer pool must be advertised over BGP");
    }
  }

  auto node_selector = selector::parse(spec.node_selector);
  if (!node_selector) {
    problems.add("spec.nodeSelector", node_selector.error().message);
  } else {
    view.node_selector = std::move(*node_selector);
    if (load_balancer && !view.node_selector.is_all()) {
      problems.add("spec.nodeSelector",
                   fmt::format("a LoadBalancer pool must select all nodes (all()), not \"{}\"", spec.node_selector));
    }
  }
  auto namespace_selector = selector::parse(spec.namespace_selector);
  if (!namespace_selector) {
    problems.add("spec.namespaceSelector", namespace_selector.error().message);
  } else {
    view.namespace_selector = std::move(*namespace_selector);
  }

  if (spec.assignment_mode) {
    if (*spec.assignment_mode == "Automatic") {
      view.assignment_mode = AssignmentMode::automatic;
    } else if (*spec.assignment_mode == "Manual") {
      view.assignment_mode = AssignmentMode::manual;
    } else {
      problems.add("spec.assignmentMode", fmt::format("\"{}\" is not one of Automatic, Manual", *spec.assignment_mode));
    }
  }

  if (!problems.empty()) return problems.error(pool.metadata.name);
  return view;
}

}  // namespace

Status validate_pool(const k8s::IPPool& pool) {
  auto view = analyse(pool);
  if (!view) return view.error();
  return {};
}

Result<PoolView> make_pool_view(const k8s::IPPool& pool) {
  return analyse(pool);
}

Status check_pool_overlap(const k8s::IPPool& candidate, std::span<const k8s::IPPool> existing) {
  auto cidr = parse_pool_cidr(candidate.spec.cidr);
  if (!cidr)
    return Error{fmt::format("invalid IPPool \"{}\": spec.cidr: {}", candidate.metadata.name, cidr.error().message)};
  Problems problems;
  for (const auto& other : existing) {
    if (other.metadata.name == candidate.metadata.name) continue;
    auto other_cidr = parse_pool_cidr(other.spec.cidr);
    if (!other_cidr || !other_cidr->overlaps(*cidr)) continue;
    problems.add("spec.cidr", fmt::format("{} overlaps IPPool \"{}\" ({})", cidr->to_string(), other.metadata.name,
                                          other_cidr->to_string()));
  }
  if (!problems.empty()) return problems.error(candidate.metadata.name);
  return {};
}

Status check_existing_blocks(const PoolView& pool, std::span<const ip::Prefix> blocks) {
  Problems problems;
  for (const auto& block : blocks) {
    if (block.length() == pool.block_size || !block.overlaps(pool.cidr)) continue;
    problems.add("spec.blockSize", fmt::format("{} conflicts with the existing block {} (blocks already allocated "
                                               "in the pool's range have another size)",
                                               pool.block_size, block.to_string()));
  }
  if (!problems.empty()) return problems.error(pool.name);
  return {};
}

Status validate_pool_update(const k8s::IPPool& current, const k8s::IPPool& updated) {
  auto view = analyse(updated);
  if (!view) return view.error();
  Problems problems;
  // The stored pool was accepted once; if it no longer parses, only the new one is judged.
  if (auto before = parse_pool_cidr(current.spec.cidr)) {
    if (*before != view->cidr) {
      problems.add("spec.cidr",
                   fmt::format("cannot be changed (from {} to {})", before->to_string(), view->cidr.to_string()));
    } else if (int old_size = effective_block_size(current.spec, before->family()); old_size != view->block_size) {
      problems.add("spec.blockSize", fmt::format("cannot be changed (from {} to {})", old_size, view->block_size));
    }
  }
  if (effective_uses(current.spec).contains(PoolUse::load_balancer)) {
    for (PoolUse other : {PoolUse::workload, PoolUse::tunnel}) {
      if (view->allowed_uses.contains(other)) {
        problems.add("spec.allowedUses",
                     fmt::format("a LoadBalancer pool cannot be changed to a {} pool", to_string(other)));
      }
    }
  }
  if (!problems.empty()) return problems.error(updated.metadata.name);
  return {};
}

}  // namespace sluice::ipam
