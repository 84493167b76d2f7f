// The order in which a host tries a pool's blocks: from a starting block picked by a
// hash of the host name, every block once, wrapping round. The same host retrying walks
// the same sequence (so two pods starting together on one node do not claim two
// blocks), and different hosts start far apart (so they rarely race for one block).
// Hosts of /32 (or /128) pools gain nothing from stability and are seeded by the clock.
#pragma once

#include <cstdint>
#include <string_view>

#include "base/ip/prefix.hpp"

namespace sluice::ipam {

// FNV-1 (32-bit) of the host name, the seed Calico derives from it.
std::uint32_t host_seed(std::string_view host);

class BlockOrder {
 public:
  BlockOrder(const ip::Prefix& pool, int block_length, std::uint64_t seed);

  // Blocks in the pool (pools of more than 2^63 blocks are walked in their first 2^63).
  std::uint64_t count() const { return count_; }
  // The step-th block to try, for step in [0, count()).
  ip::Prefix at(std::uint64_t step) const;
  // The block's index in address order.
  std::uint64_t index_at(std::uint64_t step) const { return (start_ + step) % count_; }

 private:
  ip::Prefix pool_;
  int block_length_;
  std::uint64_t count_;
  std::uint64_t start_;
};

}  // namespace sluice::ipam
