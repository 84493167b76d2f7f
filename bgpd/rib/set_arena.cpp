#include "bgpd/rib/set_arena.hpp"

#include <cstring>
#include <new>

namespace sluice::bgp::rib {

SetArena::SetArena() {
  current_ = new_block(kBlockUnits);
  used_ = 1;  // unit 0 of block 0 is never handed out, so no reference is 0
}

std::size_t SetArena::new_block(std::size_t n) {
  const std::size_t index = blocks_.size();
  if (index >= kMaxBlocks) throw std::bad_alloc();
  blocks_.push_back(std::make_unique_for_overwrite<Unit[]>(n));
  memory_bytes_ += n * sizeof(Unit);
  return index;
}

void SetArena::push_free(Ref ref, std::size_t n) {
  std::memcpy(at(ref), &free_[n], sizeof(Ref));  // the list's next link lives in the piece
  free_[n] = ref;
}

SetArena::Ref SetArena::allocate(std::size_t bytes) {
  const std::size_t n = units(bytes);
  if (n > kLargestSmall) {
    // An allocation of its own, exactly its size; freeing it gives the memory back.
    Ref index = static_cast<Ref>(large_.size());
    if (!free_large_.empty()) {
      index = free_large_.back();
    } else if (index >= kLargeBit) {
      throw std::bad_alloc();
    }
    auto piece = std::make_unique_for_overwrite<Unit[]>(n);
    if (index == large_.size()) {
      large_.push_back(std::move(piece));
    } else {
      free_large_.pop_back();
      large_[index] = std::move(piece);
    }
    memory_bytes_ += n * sizeof(Unit);
    return kLargeBit | index;
  }
  if (Ref ref = free_[n]) {
    std::memcpy(&free_[n], at(ref), sizeof(Ref));
    return ref;
  }
  if (used_ + n > kBlockUnits) {
    // The rest of the block is too small for this piece; it serves smaller ones later
    // (listed only once the new block exists, so a failure leaves the arena as it was).
    const std::size_t previous = current_, previous_used = used_;
    current_ = new_block(kBlockUnits);
    used_ = 0;
    if (previous_used < kBlockUnits)
      push_free(static_cast<Ref>(previous << kOffsetBits | previous_used), kBlockUnits - previous_used);
  }
  const auto ref = static_cast<Ref>(current_ << kOffsetBits | used_);
  used_ += n;
  return ref;
}

void SetArena::free(Ref ref, std::size_t bytes) {
  const std::size_t n = units(bytes);
  if (n <= kLargestSmall) return push_free(ref, n);
  const Ref index = ref & ~kLargeBit;
  large_[index].reset();
  memory_bytes_ -= n * sizeof(Unit);
  free_large_.push_back(index);
}

}  // namespace sluice::bgp::rib
