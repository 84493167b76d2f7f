// AS_PATH arithmetic: path length and the RFC 6793 §4.2.3 reconstruction.
#include <algorithm>

#include "bgpd/codec/attributes.hpp"

namespace sluice::bgp {

std::size_t AsPath::length() const {
  std::size_t n = 0;
  for (const auto& s : segments) {
    if (s.type == AsPathSegmentType::as_sequence) n += s.asns.size();
    if (s.type == AsPathSegmentType::as_set) n += 1;
  }
  return n;
}

AsPath merge_as4_path(const AsPath& as_path, const AsPath& as4_path) {
  const std::size_t length = as_path.length();
  const std::size_t length4 = as4_path.length();
  if (length < length4) return as_path;
  // Keep the leading part of AS_PATH that AS4_PATH does not cover: the ASes an old
  // speaker prepended after the AS4_PATH was formed (confederation segments count nothing,
  // so the leading ones stay with it).
  std::size_t needed = length - length4;
  AsPath merged;
  for (const auto& s : as_path.segments) {
    if (s.is_confed()) {
      merged.segments.push_back(s);
      continue;
    }
    if (needed == 0) break;
    if (s.type == AsPathSegmentType::as_set) {
      merged.segments.push_back(s);
      needed -= 1;
      continue;
    }
    std::size_t take = std::min(needed, s.asns.size());
    merged.segments.push_back({s.type, std::vector<std::uint32_t>(s.asns.begin(), s.asns.begin() + take)});
    needed -= take;
  }
  merged.segments.insert(merged.segments.end(), as4_path.segments.begin(), as4_path.segments.end());
  return merged;
}

}  // namespace sluice::bgp
