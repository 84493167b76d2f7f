// The CIDRs of every IPReservation: addresses IPAM must not hand out anew (existing
// allocations inside them stay). Reservations are few and small, so a flat list is
// searched (reference/calico.md §1.2).
#pragma once

#include <vector>

#include "base/ip/prefix.hpp"

namespace sluice::ipam {

class Reservations {
 public:
  Reservations() = default;
  explicit Reservations(std::vector<ip::Prefix> cidrs) : cidrs_(std::move(cidrs)) {}

  bool empty() const { return cidrs_.empty(); }
  bool contains(const ip::Address& address) const {
    for (const auto& c : cidrs_)
      if (c.contains(address)) return true;
    return false;
  }
  // Every address of `block` is reserved.
  bool covers(const ip::Prefix& block) const {
    for (const auto& c : cidrs_)
      if (c.contains(block)) return true;
    return false;
  }
  // Some address of `block` is reserved.
  bool touches(const ip::Prefix& block) const {
    for (const auto& c : cidrs_)
      if (c.overlaps(block)) return true;
    return false;
  }
  const std::vector<ip::Prefix>& cidrs() const { return cidrs_; }

 private:
  std::vector<ip::Prefix> cidrs_;
};

}  // namespace sluice::ipam
