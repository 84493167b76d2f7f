#include "bgpd/policy/prefix_set.hpp"

#include <fmt/format.h>

namespace sluice::bgp::policy {

Status validate(const PrefixMatch& entry) {
  const int length = entry.prefix.length();
  const int bits = entry.prefix.network().bit_length();
  if (entry.ge < length) {
    return Error{fmt::format("ge {} is shorter than the prefix length {}", entry.ge, length)};
  }
  if (entry.le < entry.ge) return Error{fmt::format("le {} is less than ge {}", entry.le, entry.ge)};
  if (entry.le > bits) return Error{fmt::format("le {} is longer than {} bits", entry.le, bits)};
  return {};
}

void PrefixSet::add(const PrefixMatch& entry) {
  Lengths lengths;
  for (int n = entry.ge; n <= entry.le; ++n) lengths.set(static_cast<std::size_t>(n));
  if (Lengths* existing = trie_.find(entry.prefix)) {
    *existing |= lengths;
  } else {
    trie_.insert_or_assign(entry.prefix, lengths);
  }
}

bool PrefixSet::contains(const ip::Prefix& route) const {
  bool found = false;
  const auto length = static_cast<std::size_t>(route.length());
  trie_.for_each_covering(route, [&](const ip::Prefix&, const Lengths& lengths) { found = found || lengths.test(length); });
  return found;
}

}  // namespace sluice::bgp::policy
