#include "ipam/block/allocation_block.hpp"

#include <algorithm>
#include <set>
#include <unordered_map>

#include "base/time/rfc3339.hpp"

namespace sluice::ipam {
namespace {

bool is_windows_reserved(const k8s::AllocationAttribute& attribute) {
  if (!attribute.handle_id) return false;
  std::string lower = *attribute.handle_id;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  return lower == kWindowsReservedHandle;
}

// Handles written by an old host-local migration carry a trailing "\r..." (Calico
// sanitises the same way before comparing).
std::string_view sanitized(std::string_view handle) { return handle.substr(0, handle.find('\r')); }

}  // namespace

AllocationBlock AllocationBlock::create(const ip::Prefix& cidr, std::optional<std::string> affinity,
                                        std::optional<std::string> affinity_claim_time,
                                        std::uint64_t initial_sequence) {
  k8s::IPAMBlock block;
  block.spec.cidr = cidr.to_string();
  block.spec.affinity = std::move(affinity);
  block.spec.affinity_claim_time = std::move(affinity_claim_time);
  const int count = 1 << cidr.host_bits();
  block.spec.allocations.assign(static_cast<std::size_t>(count), std::nullopt);
  block.spec.unallocated.resize(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) block.spec.unallocated[static_cast<std::size_t>(i)] = i;
  block.spec.sequence_number = initial_sequence;
  return AllocationBlock(std::move(block), cidr);
}

Result<AllocationBlock> AllocationBlock::from_resource(k8s::IPAMBlock resource) {
  const std::string where = "IPAMBlock " + resource.metadata.name;
  auto bad = [&](const std::string& why) { return Error{where + ": " + why}; };
  auto cidr = ip::Prefix::parse(resource.spec.cidr);
  if (!cidr) return bad("spec.cidr: " + cidr.error().message);
  // Calico's pools allow blocks of 20..32 (IPv4) and 116..128 (IPv6) bits: at most 4096 ordinals.
  if (cidr->host_bits() > 12) return bad("spec.cidr " + cidr->to_string() + " is larger than any block can be");
  const auto& spec = resource.spec;
  const std::size_t count = std::size_t{1} << cidr->host_bits();
  if (spec.allocations.size() != count)
    return bad("spec.allocations has " + std::to_string(spec.allocations.size()) + " entries, expected " +
               std::to_string(count) + " for " + cidr->to_string());
  for (std::size_t i = 0; i < count; ++i) {
    const auto& a = spec.allocations[i];
    if (a && (*a < 0 || static_cast<std::size_t>(*a) >= spec.attributes.size()))
      return bad("spec.allocations[" + std::to_string(i) + "] refers to attribute " + std::to_string(*a) +
                 ", but there are " + std::to_string(spec.attributes.size()));
  }
  std::vector<bool> listed(count, false);
  for (std::size_t i = 0; i < spec.unallocated.size(); ++i) {
    const int ord = spec.unallocated[i];
    if (ord < 0 || static_cast<std::size_t>(ord) >= count)
      return bad("spec.unallocated[" + std::to_string(i) + "] = " + std::to_string(ord) + " is not an ordinal of " +
                 cidr->to_string());
    if (listed[static_cast<std::size_t>(ord)])
      return bad("ordinal " + std::to_string(ord) + " is listed twice in spec.unallocated");
    if (spec.allocations[static_cast<std::size_t>(ord)])
      return bad("ordinal " + std::to_string(ord) + " is both allocated and in spec.unallocated");
    listed[static_cast<std::size_t>(ord)] = true;
  }
  for (std::size_t i = 0; i < count; ++i)
    if (!spec.allocations[i] && !listed[i])
      return bad("ordinal " + std::to_string(i) + " is neither allocated nor in spec.unallocated (lost)");
  for (const auto& [key, seq] : spec.sequence_number_for_allocation) {
    int ord = -1;
    try {
      std::size_t used = 0;
      ord = std::stoi(key, &used);
      if (used != key.size()) ord = -1;
    } catch (...) {
      ord = -1;
    }
    if (ord < 0 || static_cast<std::size_t>(ord) >= count)
      return bad("spec.sequenceNumberForAllocation has key \"" + key + "\", which is not an ordinal");
  }
  for (std::size_t i = 0; i < spec.attributes.size(); ++i)
    if (const auto& t = spec.attributes[i].released_at; t && !timefmt::parse_rfc3339(*t))
      return bad("spec.attributes[" + std::to_string(i) + "].releasedAt: " +
                 timefmt::parse_rfc3339(*t).error().message);
  return AllocationBlock(std::move(resource), *cidr);
}

std::optional<std::string_view> AllocationBlock::host() const {
  const auto& a = resource_.spec.affinity;
  if (!a || !a->starts_with("host:")) return std::nullopt;
  return std::string_view(*a).substr(5);
}

bool AllocationBlock::affine_to_host(std::string_view host) const {
  auto h = this->host();
  return h && *h == host;
}

std::optional<TimePoint> AllocationBlock::affinity_claim_time() const {
  const auto& t = resource_.spec.affinity_claim_time;
  if (!t) return std::nullopt;
  auto parsed = timefmt::parse_rfc3339(*t);
  if (!parsed) return std::nullopt;
  return *parsed;
}

void AllocationBlock::set_affinity(std::optional<std::string> affinity, std::optional<std::string> claim_time) {
  resource_.spec.affinity = std::move(affinity);
  resource_.spec.affinity_claim_time = std::move(claim_time);
}

std::optional<int> AllocationBlock::ordinal_of(const ip::Address& address) const {
  auto ord = cidr_.ordinal_of(address);
  if (!ord) return std::nullopt;
  return static_cast<int>(*ord);
}

ip::Address AllocationBlock::address_at(int ordinal) const {
  return *cidr_.address_at(static_cast<std::uint64_t>(ordinal));
}

const k8s::AllocationAttribute* AllocationBlock::attribute_of(int ordinal) const {
  if (ordinal < 0 || ordinal >= ordinal_count()) return nullptr;
  const auto& a = resource_.spec.allocations[static_cast<std::size_t>(ordinal)];
  if (!a) return nullptr;
  return &resource_.spec.attributes[static_cast<std::size_t>(*a)];
}

bool AllocationBlock::in_use(int ordinal) const {
  const auto* attribute = attribute_of(ordinal);
  return attribute && !attribute->released_at;
}

std::optional<Owner> AllocationBlock::owner(int ordinal) const {
  if (!in_use(ordinal)) return std::nullopt;
  const auto* attribute = attribute_of(ordinal);
  Owner owner{attribute->handle_id, attribute->secondary};
  if (owner.handle_id) owner.handle_id = std::string(sanitized(*owner.handle_id));
  return owner;
}

std::optional<std::uint64_t> AllocationBlock::sequence_for(int ordinal) const {
  auto it = resource_.spec.sequence_number_for_allocation.find(std::to_string(ordinal));
  if (it == resource_.spec.sequence_number_for_allocation.end()) return std::nullopt;
  return it->second;
}

std::vector<int> AllocationBlock::in_use_ordinals() const {
  std::vector<int> out;
  for (int i = 0; i < ordinal_count(); ++i)
    if (in_use(i)) out.push_back(i);
  return out;
}

std::vector<int> AllocationBlock::ordinals_of_handle(std::string_view handle_id) const {
  std::vector<int> out;
  for (int i = 0; i < ordinal_count(); ++i) {
    const auto* attribute = attribute_of(i);
    if (attribute && !attribute->released_at && attribute->handle_id &&
        sanitized(*attribute->handle_id) == handle_id)
      out.push_back(i);
  }
  return out;
}

int AllocationBlock::cooling_count() const {
  int n = 0;
  for (int i = 0; i < ordinal_count(); ++i) {
    const auto* attribute = attribute_of(i);
    if (attribute && attribute->released_at) ++n;
  }
  return n;
}

int AllocationBlock::free_count(const Reservations& reservations) const {
  if (reservations.empty() || !reservations.touches(cidr_)) return static_cast<int>(resource_.spec.unallocated.size());
  if (reservations.covers(cidr_)) return 0;
  int n = 0;
  for (int ord : resource_.spec.unallocated)
    if (!reservations.contains(address_at(ord))) ++n;
  return n;
}

bool AllocationBlock::empty() const {
  for (int i = 0; i < ordinal_count(); ++i) {
    const auto* attribute = attribute_of(i);
    if (attribute && !attribute->released_at && !is_windows_reserved(*attribute)) return false;
  }
  return true;
}

int AllocationBlock::find_or_add_attribute(const Owner& owner) {
  auto& attributes = resource_.spec.attributes;
  for (std::size_t i = 0; i < attributes.size(); ++i) {
    const auto& a = attributes[i];
    if (!a.released_at && a.alternate_owner_attrs.empty() && a.handle_id == owner.handle_id &&
        a.secondary == owner.attributes)
      return static_cast<int>(i);
  }
  k8s::AllocationAttribute attribute;
  attribute.handle_id = owner.handle_id;
  attribute.secondary = owner.attributes;
  attributes.push_back(std::move(attribute));
  return static_cast<int>(attributes.size() - 1);
}

std::vector<int> AllocationBlock::auto_assign(int count, const Owner& owner, const Reservations& reservations) {
  std::vector<int> assigned;
  if (count <= 0) return assigned;
  auto& spec = resource_.spec;
  const bool check_reserved = !reservations.empty() && reservations.touches(cidr_);
  std::vector<int> remaining;
  remaining.reserve(spec.unallocated.size());
  int attribute = -1;
  for (int ord : spec.unallocated) {
    if (static_cast<int>(assigned.size()) >= count || (check_reserved && reservations.contains(address_at(ord)))) {
      remaining.push_back(ord);
      continue;
    }
    if (attribute < 0) attribute = find_or_add_attribute(owner);
    spec.allocations[static_cast<std::size_t>(ord)] = attribute;
    spec.sequence_number_for_allocation[std::to_string(ord)] = spec.sequence_number;
    assigned.push_back(ord);
  }
  spec.unallocated = std::move(remaining);
  return assigned;
}

Status AllocationBlock::assign(int ordinal, const Owner& owner) {
  if (ordinal < 0 || ordinal >= ordinal_count())
    return Error{"ordinal " + std::to_string(ordinal) + " is outside block " + cidr_.to_string(), kOutsideBlock};
  auto& spec = resource_.spec;
  auto it = std::find(spec.unallocated.begin(), spec.unallocated.end(), ordinal);
  if (it == spec.unallocated.end())
    return Error{"address " + address_at(ordinal).to_string() + " is already allocated in block " + cidr_.to_string(),
                 kAlreadyAllocated};
  spec.unallocated.erase(it);
  spec.allocations[static_cast<std::size_t>(ordinal)] = find_or_add_attribute(owner);
  spec.sequence_number_for_allocation[std::to_string(ordinal)] = spec.sequence_number;
  return {};
}

void AllocationBlock::free_ordinal(int ordinal) {
  auto& spec = resource_.spec;
  spec.allocations[static_cast<std::size_t>(ordinal)] = std::nullopt;
  spec.unallocated.push_back(ordinal);
  spec.sequence_number_for_allocation.erase(std::to_string(ordinal));
}

void AllocationBlock::compact_attributes() {
  auto& spec = resource_.spec;
  std::vector<int> remap(spec.attributes.size(), -1);
  for (const auto& a : spec.allocations)
    if (a) remap[static_cast<std::size_t>(*a)] = 0;
  std::vector<k8s::AllocationAttribute> kept;
  kept.reserve(spec.attributes.size());
  for (std::size_t i = 0; i < spec.attributes.size(); ++i) {
    if (remap[i] < 0) continue;
    remap[i] = static_cast<int>(kept.size());
    kept.push_back(std::move(spec.attributes[i]));
  }
  if (kept.size() == spec.attributes.size()) {
    spec.attributes = std::move(kept);
    return;
  }
  spec.attributes = std::move(kept);
  for (auto& a : spec.allocations)
    if (a) a = remap[static_cast<std::size_t>(*a)];
}

Result<ReleaseOutcome> AllocationBlock::release(std::span<const ReleaseRequest> requests,
                                                std::optional<TimePoint> cooldown_stamp) {
  ReleaseOutcome outcome;
  std::set<int> ordinals;
  for (const auto& request : requests) {
    auto ord = ordinal_of(request.address);
    if (!ord)
      return Error{"address " + request.address.to_string() + " is not in block " + cidr_.to_string(), kOutsideBlock};
    if (ordinals.count(*ord)) continue;
    if (!in_use(*ord)) {
      if (std::find(outcome.not_allocated.begin(), outcome.not_allocated.end(), request.address) ==
          outcome.not_allocated.end())
        outcome.not_allocated.push_back(request.address);
      continue;
    }
    if (request.sequence_number && sequence_for(*ord) != request.sequence_number)
      return Error{"address " + request.address.to_string() + " was allocated again since sequence number " +
                       std::to_string(*request.sequence_number) + " (now " +
                       std::to_string(sequence_for(*ord).value_or(0)) + "); not released",
                   kBadSequenceNumber};
    const auto* attribute = attribute_of(*ord);
    const std::string handle = attribute->handle_id ? std::string(sanitized(*attribute->handle_id)) : std::string();
    if (!request.handle_id.empty() && request.handle_id != handle)
      return Error{"address " + request.address.to_string() + " belongs to handle \"" + handle + "\", not \"" +
                       request.handle_id + "\"; not released",
                   kBadHandle};
    ordinals.insert(*ord);
    if (!handle.empty()) ++outcome.released_by_handle[handle];
  }
  // Releasing in ordinal order keeps the free list's tail deterministic.
  std::unordered_map<int, int> cooled_attribute;  // original attribute -> its released copy
  auto& spec = resource_.spec;
  for (int ord : ordinals) {
    if (cooldown_stamp) {
      const int original = *spec.allocations[static_cast<std::size_t>(ord)];
      auto [it, fresh] = cooled_attribute.try_emplace(original, -1);
      if (fresh) {
        k8s::AllocationAttribute released;
        released.secondary = spec.attributes[static_cast<std::size_t>(original)].secondary;
        released.released_at = timefmt::format_rfc3339(*cooldown_stamp);
        spec.attributes.push_back(std::move(released));
        it->second = static_cast<int>(spec.attributes.size() - 1);
      }
      spec.allocations[static_cast<std::size_t>(ord)] = it->second;
    } else {
      free_ordinal(ord);
    }
    ++outcome.released;
  }
  compact_attributes();
  return outcome;
}

int AllocationBlock::release_by_handle(std::string_view handle_id, std::optional<std::uint64_t> sequence_number,
                                       std::optional<TimePoint> cooldown_stamp) {
  std::vector<ReleaseRequest> requests;
  for (int ord : ordinals_of_handle(handle_id)) {
    if (sequence_number && sequence_for(ord) != sequence_number) continue;
    requests.push_back(ReleaseRequest{address_at(ord), std::string(handle_id), std::nullopt});
  }
  if (requests.empty()) return 0;
  auto outcome = release(requests, cooldown_stamp);
  return outcome ? outcome->released : 0;
}

int AllocationBlock::collect_cooled(TimePoint now, std::chrono::seconds cooldown) {
  std::vector<std::pair<TimePoint, int>> due;
  for (int i = 0; i < ordinal_count(); ++i) {
    const auto* attribute = attribute_of(i);
    if (!attribute || !attribute->released_at) continue;
    auto released = timefmt::parse_rfc3339(*attribute->released_at);
    if (!released || *released + cooldown <= now) due.emplace_back(released ? *released : TimePoint{}, i);
  }
  std::sort(due.begin(), due.end());
  for (const auto& [when, ord] : due) free_ordinal(ord);
  if (!due.empty()) compact_attributes();
  return static_cast<int>(due.size());
}

}  // namespace sluice::ipam
