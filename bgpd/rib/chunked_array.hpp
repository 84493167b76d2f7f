// ChunkedArray<T>: an array indexed by a dense number that grows in fixed chunks, so
// growing never copies what is already there (no 3x peak while a million-entry vector
// reallocates) and references stay valid.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

namespace sluice::bgp::rib {

template <class T, std::size_t kChunkBits = 14>
class ChunkedArray {
 public:
  static constexpr std::size_t kChunkSize = std::size_t{1} << kChunkBits;

  // Makes indexes below n valid; new elements are value-initialised.
  void grow_to(std::size_t n) {
    while (chunks_.size() * kChunkSize < n) chunks_.push_back(std::make_unique<T[]>(kChunkSize));
  }
  std::size_t capacity() const { return chunks_.size() * kChunkSize; }

  T& operator[](std::size_t i) { return chunks_[i >> kChunkBits][i & (kChunkSize - 1)]; }
  const T& operator[](std::size_t i) const { return chunks_[i >> kChunkBits][i & (kChunkSize - 1)]; }

  std::size_t memory_bytes() const { return chunks_.size() * kChunkSize * sizeof(T); }

 private:
  std::vector<std::unique_ptr<T[]>> chunks_;
};

}  // namespace sluice::bgp::rib
