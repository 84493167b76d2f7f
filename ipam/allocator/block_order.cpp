#include "ipam/allocator/block_order.hpp"

#include <algorithm>
#include <array>

namespace sluice::ipam {
namespace {

// splitmix64: spreads a small seed over 64 bits before it picks the start, so hosts whose
// names hash close together still start far apart.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace

std::uint32_t host_seed(std::string_view host) {
  std::uint32_t hash = 2166136261u;
  for (unsigned char c : host) {
    hash *= 16777619u;
    hash ^= c;
  }
  return hash;
}

BlockOrder::BlockOrder(const ip::Prefix& pool, int block_length, std::uint64_t seed)
    : pool_(pool), block_length_(block_length) {
  const int index_bits = std::min(block_length - pool.length(), 63);
  count_ = std::uint64_t{1} << index_bits;
  start_ = mix(seed) % count_;
}

ip::Prefix BlockOrder::at(std::uint64_t step) const {
  const std::uint64_t index = index_at(step);
  // The pool's network has zeros in the bits that number its blocks; write the index there.
  std::array<std::uint8_t, 16> bytes{};
  const auto network = pool_.network().bytes();
  std::copy(network.begin(), network.end(), bytes.begin());
  const int index_bits = block_length_ - pool_.length();
  for (int b = 0; b < index_bits && b < 64; ++b) {
    if (((index >> b) & 1) == 0) continue;
    const int position = block_length_ - 1 - b;  // counted from the most significant bit
    bytes[static_cast<std::size_t>(position / 8)] |= static_cast<std::uint8_t>(0x80 >> (position % 8));
  }
  auto address = ip::Address::from_bytes(std::span<const std::uint8_t>(bytes.data(), network.size()));
  return *ip::Prefix::make(*address, block_length_);
}

}  // namespace sluice::ipam
