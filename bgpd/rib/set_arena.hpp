// SetArena: the memory interned attribute sets live in. Pieces are multiples of 8 bytes,
// carved from 256 kB blocks and named by a 32-bit reference, so the intern table can hold
// a reference and a hash tag in 8 bytes. A freed piece goes on the free list of its size
// and is reused by the next piece of that size: a set costs its bytes rounded up to 8,
// where malloc added a header and rounding to 16 (9 MB over the 566k sets of a million
// prefixes). The price is that memory freed in one size serves no other; a table's mix of
// sizes changes slowly, so the lists stay short. Pieces over 512 bytes are allocated
// one by one and named in a reference space of their own (the top bit set), so that a
// peer sending many large sets (long community lists, big unknown attributes) does not use
// up the blocks' references: small pieces have 2^16 blocks (16 GiB), large ones 2^31.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace sluice::bgp::rib {

class SetArena {
 public:
  using Ref = std::uint32_t;  // never 0, so 0 can mean "none"
  static constexpr std::size_t kAlignment = 8;

  SetArena();
  SetArena(const SetArena&) = delete;
  SetArena& operator=(const SetArena&) = delete;

  // `bytes` (at least 1) of memory aligned to 8; throws std::bad_alloc when the
  // references of its kind are used up (16 GiB of small pieces, 2^31 large ones).
  Ref allocate(std::size_t bytes);
  // Gives back what allocate(bytes) returned as `ref`.
  void free(Ref ref, std::size_t bytes);
  void* at(Ref ref) const {
    if (ref & kLargeBit) return large_[ref & ~kLargeBit].get();
    return blocks_[ref >> kOffsetBits].get() + (ref & ((Ref{1} << kOffsetBits) - 1));
  }

  // Blocks held, whole (used or not).
  std::size_t memory_bytes() const { return memory_bytes_; }

 private:
  using Unit = std::uint64_t;
  static constexpr int kOffsetBits = 15;  // units within a block
  static constexpr std::size_t kBlockUnits = std::size_t{1} << kOffsetBits;
  static constexpr Ref kLargeBit = Ref{1} << 31;  // set in a large piece's reference
  static constexpr std::size_t kMaxBlocks = std::size_t{1} << (31 - kOffsetBits);
  static constexpr std::size_t kLargestSmall = 64;  // units: pieces up to 512 bytes share blocks

  static std::size_t units(std::size_t bytes) { return (bytes + sizeof(Unit) - 1) / sizeof(Unit); }
  std::size_t new_block(std::size_t units);
  void push_free(Ref ref, std::size_t units);

  std::vector<std::unique_ptr<Unit[]>> blocks_;
  std::vector<std::unique_ptr<Unit[]>> large_;  // pieces over kLargestSmall units
  std::vector<Ref> free_large_;                 // indexes into large_ released, for reuse
  std::size_t current_ = 0;               // the block small pieces are carved from
  std::size_t used_ = 0;                  // units of it handed out
  std::array<Ref, kLargestSmall + 1> free_{};  // by size in units: the first free piece
  std::size_t memory_bytes_ = 0;
};

}  // namespace sluice::bgp::rib
