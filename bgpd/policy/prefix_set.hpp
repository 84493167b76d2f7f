// A compiled prefix list: a prefix trie whose nodes carry the set of route lengths each
// entry admits, so a lookup visits only the entries that cover the route's prefix and
// answers each with one bit test.
#pragma once

#include <bitset>
#include <span>

#include "base/ip/prefix.hpp"
#include "base/ip/prefix_trie.hpp"
#include "base/result.hpp"
#include "bgpd/policy/policy.hpp"

namespace sluice::bgp::policy {

// Checks one entry: prefix length <= ge <= le <= the family's bit length.
Status validate(const PrefixMatch& entry);

class PrefixSet {
 public:
  void add(const PrefixMatch& entry);  // entry must be valid
  void add(std::span<const PrefixMatch> entries) {
    for (const auto& e : entries) add(e);
  }
  bool contains(const ip::Prefix& route) const;
  bool empty() const { return trie_.empty(); }

 private:
  using Lengths = std::bitset<129>;  // bit n: routes of length n are in the set
  ip::PrefixTrie<Lengths> trie_;
};

}  // namespace sluice::bgp::policy
