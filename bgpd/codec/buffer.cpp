#include "bgpd/codec/buffer.hpp"

#include <string>

namespace sluice::bgp {

bool Reader::read_u8(std::uint8_t& out) {
  if (remaining() < 1) return false;
  out = bytes_[offset_++];
  return true;
}

bool Reader::read_u16(std::uint16_t& out) {
  if (remaining() < 2) return false;
  out = static_cast<std::uint16_t>((bytes_[offset_] << 8) | bytes_[offset_ + 1]);
  offset_ += 2;
  return true;
}

bool Reader::read_u32(std::uint32_t& out) {
  if (remaining() < 4) return false;
  out = (std::uint32_t{bytes_[offset_]} << 24) | (std::uint32_t{bytes_[offset_ + 1]} << 16) |
        (std::uint32_t{bytes_[offset_ + 2]} << 8) | std::uint32_t{bytes_[offset_ + 3]};
  offset_ += 4;
  return true;
}

bool Reader::read_bytes(std::size_t n, std::span<const std::uint8_t>& out) {
  if (remaining() < n) return false;
  out = bytes_.subspan(offset_, n);
  offset_ += n;
  return true;
}

bool Reader::read_reader(std::size_t n, Reader& out) {
  std::span<const std::uint8_t> sub;
  if (!read_bytes(n, sub)) return false;
  out = Reader(sub);
  return true;
}

bool Reader::skip(std::size_t n) {
  if (remaining() < n) return false;
  offset_ += n;
  return true;
}

bool Reader::peek_u8(std::uint8_t& out) const {
  if (remaining() < 1) return false;
  out = bytes_[offset_];
  return true;
}

std::span<const std::uint8_t> Reader::read_rest() {
  auto rest = bytes_.subspan(offset_);
  offset_ = bytes_.size();
  return rest;
}

void Writer::u16(std::uint16_t v) {
  out_.push_back(static_cast<std::uint8_t>(v >> 8));
  out_.push_back(static_cast<std::uint8_t>(v));
}

void Writer::u32(std::uint32_t v) {
  out_.push_back(static_cast<std::uint8_t>(v >> 24));
  out_.push_back(static_cast<std::uint8_t>(v >> 16));
  out_.push_back(static_cast<std::uint8_t>(v >> 8));
  out_.push_back(static_cast<std::uint8_t>(v));
}

std::size_t Writer::reserve(std::size_t n) {
  std::size_t pos = out_.size();
  out_.resize(out_.size() + n, 0);
  return pos;
}

Status Writer::patch_u8_length(std::size_t pos) {
  std::size_t length = out_.size() - pos - 1;
  if (length > 0xff) return Error{"field of " + std::to_string(length) + " bytes exceeds its 1-octet length"};
  out_[pos] = static_cast<std::uint8_t>(length);
  return {};
}

Status Writer::patch_u16_length(std::size_t pos) {
  std::size_t length = out_.size() - pos - 2;
  if (length > 0xffff) return Error{"field of " + std::to_string(length) + " bytes exceeds its 2-octet length"};
  patch_u16(pos, static_cast<std::uint16_t>(length));
  return {};
}

void Writer::patch_u16(std::size_t pos, std::uint16_t v) {
  out_[pos] = static_cast<std::uint8_t>(v >> 8);
  out_[pos + 1] = static_cast<std::uint8_t>(v);
}

}  // namespace sluice::bgp
