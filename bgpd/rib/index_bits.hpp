// IndexBits: one bit per EntryIndex, with a second level that says which 64-bit words may
// hold a set bit, so visiting the set bits costs the table's size / 4096 plus the words
// that hold them, not the table's size / 64. An Adj-RIB-Out marks a handful of prefixes
// between rounds while a full table arrives; scanning a million-prefix bitmap per round
// was most of its time.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "bgpd/rib/prefix_index.hpp"

namespace sluice::bgp::rib {

class IndexBits {
 public:
  bool test(EntryIndex i) const { return i / 64 < words_.size() && (words_[i / 64] >> (i % 64)) & 1; }
  // Sets bit i, growing to at least `size_hint` bits (the table's index limit) so that
  // growing does not happen once per new index.
  void set(EntryIndex i, std::size_t size_hint) {
    const std::size_t word = i / 64;
    if (word >= words_.size()) {
      words_.resize(std::max(word + 1, (size_hint + 63) / 64), 0);
      summary_.resize((words_.size() + 63) / 64, 0);
    }
    words_[word] |= std::uint64_t{1} << (i % 64);
    summary_[word / 64] |= std::uint64_t{1} << (word % 64);
  }
  void reset(EntryIndex i) {
    const std::size_t word = i / 64;
    if (word >= words_.size()) return;
    words_[word] &= ~(std::uint64_t{1} << (i % 64));
    if (words_[word] == 0) summary_[word / 64] &= ~(std::uint64_t{1} << (word % 64));
  }
  // Calls visit(i) for every set bit in increasing order. visit may reset bits (a word's
  // bits are read before its visits, so resetting a later bit of the same word does not
  // skip it) but must not set any.
  template <class F>
  void for_each(F&& visit) const {
    for (std::size_t s = 0; s < summary_.size(); ++s) {
      for (std::uint64_t words = summary_[s]; words != 0; words &= words - 1) {
        const std::size_t word = s * 64 + static_cast<std::size_t>(__builtin_ctzll(words));
        for (std::uint64_t rest = words_[word]; rest != 0; rest &= rest - 1) {
          visit(static_cast<EntryIndex>(word * 64 + static_cast<std::size_t>(__builtin_ctzll(rest))));
        }
      }
    }
  }
  // Clears every bit, touching only the words that hold one.
  void clear() {
    for (std::size_t s = 0; s < summary_.size(); ++s) {
      for (std::uint64_t words = summary_[s]; words != 0; words &= words - 1) {
        words_[s * 64 + static_cast<std::size_t>(__builtin_ctzll(words))] = 0;
      }
      summary_[s] = 0;
    }
  }

 private:
  std::vector<std::uint64_t> words_;
  std::vector<std::uint64_t> summary_;  // bit w: words_[w] may be non-zero
};

}  // namespace sluice::bgp::rib
