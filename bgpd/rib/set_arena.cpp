#include "bgpd/rib/set_arena.hpp"

#include <cstring>
#include <new>

namespace sluice::bgp::rib {

SetArena::SetArena() {
  current_ = new_block(kBlockUnits);
  used_ = 1;  // unit 0 of block 0 is never handed out, so no reference is 0
}

std::size_t SetArena::new_block(std::size_t n) {
  std::size_t index = blocks_.size();
  if (!free_blocks_.empty()) {
    index = free_blocks_.back();
    free_blocks_.pop_back();
  } else {
    if (index >= kMaxBlocks) throw std::bad_alloc();
    blocks_.emplace_back();
  }
  blocks_[index] = std::make_unique_for_overwrite<Unit[]>(n);
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
    // A block of its own, exactly its size; freeing it gives the memory back.
    return static_cast<Ref>(new_block(n) << kOffsetBits);
  }
  if (Ref ref = free_[n]) {
    std::memcpy(&free_[n], at(ref), sizeof(Ref));
    return ref;
  }
  if (used_ + n > kBlockUnits) {
    // The rest of the block is too small for this piece; it serves smaller ones later.
    if (used_ < kBlockUnits) push_free(static_cast<Ref>(current_ << kOffsetBits | used_), kBlockUnits - used_);
    current_ = new_block(kBlockUnits);
    used_ = 0;
  }
  const auto ref = static_cast<Ref>(current_ << kOffsetBits | used_);
  used_ += n;
  return ref;
}

void SetArena::free(Ref ref, std::size_t bytes) {
  const std::size_t n = units(bytes);
  if (n <= kLargestSmall) return push_free(ref, n);
  const std::size_t index = ref >> kOffsetBits;
  blocks_[index].reset();
  memory_bytes_ -= n * sizeof(Unit);
  free_blocks_.push_back(index);
}

}  // namespace sluice::bgp::rib
