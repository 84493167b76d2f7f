// Bounds-checked reading and writing of BGP wire bytes. Every parser goes through Reader,
// so length checks live here and nowhere else: a read past the end fails and leaves its
// output untouched, and no caller does pointer arithmetic on untrusted bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "base/result.hpp"

namespace sluice::bgp {

class Reader {
 public:
  Reader() = default;
  explicit Reader(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}

  std::size_t remaining() const { return bytes_.size() - offset_; }
  bool empty() const { return remaining() == 0; }
  std::size_t offset() const { return offset_; }

  // Each read consumes bytes only when all of them are present; false otherwise.
  [[nodiscard]] bool read_u8(std::uint8_t& out);
  [[nodiscard]] bool read_u16(std::uint16_t& out);
  [[nodiscard]] bool read_u32(std::uint32_t& out);
  [[nodiscard]] bool read_bytes(std::size_t n, std::span<const std::uint8_t>& out);
  // A reader over the next n bytes, which this reader then skips.
  [[nodiscard]] bool read_reader(std::size_t n, Reader& out);
  [[nodiscard]] bool skip(std::size_t n);
  [[nodiscard]] bool peek_u8(std::uint8_t& out) const;
  // Everything not read yet; the reader is then empty.
  std::span<const std::uint8_t> read_rest();

 private:
  std::span<const std::uint8_t> bytes_;
  std::size_t offset_ = 0;
};

// Appends big-endian fields to a byte vector. Length fields are written as placeholders
// and patched once their content is known; a patch that does not fit fails.
class Writer {
 public:
  explicit Writer(std::vector<std::uint8_t>& out) : out_(out) {}

  void u8(std::uint8_t v) { out_.push_back(v); }
  void u16(std::uint16_t v);
  void u32(std::uint32_t v);
  void bytes(std::span<const std::uint8_t> v) { out_.insert(out_.end(), v.begin(), v.end()); }
  std::size_t size() const { return out_.size(); }

  // Reserves a 1- or 2-octet length field at the current position; returns its position.
  std::size_t reserve_u8() { return reserve(1); }
  std::size_t reserve_u16() { return reserve(2); }
  // Writes the number of bytes after the field at `pos` into it.
  Status patch_u8_length(std::size_t pos);
  Status patch_u16_length(std::size_t pos);
  void patch_u16(std::size_t pos, std::uint16_t v);

 private:
  std::size_t reserve(std::size_t n);
  std::vector<std::uint8_t>& out_;
};

}  // namespace sluice::bgp
