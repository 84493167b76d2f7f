#include <doctest/doctest.h>

#include "bgpd/codec/buffer.hpp"
#include "codec_test_support.hpp"

using namespace sluice::bgp;
using sluice::bgp::testing::hex;

TEST_CASE("reader reads big-endian fields and fails cleanly at the end") {
  auto bytes = hex("01 0203 04050607 08");
  Reader r(bytes);
  std::uint8_t a = 0;
  std::uint16_t b = 0;
  std::uint32_t c = 0;
  REQUIRE(r.read_u8(a));
  REQUIRE(r.read_u16(b));
  REQUIRE(r.read_u32(c));
  CHECK(a == 0x01);
  CHECK(b == 0x0203);
  CHECK(c == 0x04050607);
  CHECK(r.remaining() == 1);
  CHECK(r.offset() == 7);
  // A read that does not fit consumes nothing and leaves its output alone.
  std::uint16_t untouched = 0xabcd;
  CHECK_FALSE(r.read_u16(untouched));
  CHECK(untouched == 0xabcd);
  CHECK(r.remaining() == 1);
  std::uint32_t u32 = 7;
  CHECK_FALSE(r.read_u32(u32));
  CHECK(u32 == 7);
  std::uint8_t last = 0;
  CHECK(r.peek_u8(last));
  CHECK(last == 0x08);
  CHECK(r.read_u8(last));
  CHECK(r.empty());
  CHECK_FALSE(r.read_u8(last));
  CHECK_FALSE(r.peek_u8(last));
  CHECK_FALSE(r.skip(1));
  CHECK(r.skip(0));
}

TEST_CASE("sub-readers are bounded by their length") {
  auto bytes = hex("aa bb cc dd");
  Reader r(bytes);
  Reader sub;
  CHECK_FALSE(r.read_reader(5, sub));
  REQUIRE(r.read_reader(2, sub));
  CHECK(r.remaining() == 2);
  std::uint16_t v = 0;
  REQUIRE(sub.read_u16(v));
  CHECK(v == 0xaabb);
  std::uint8_t more = 0;
  CHECK_FALSE(sub.read_u8(more));
  std::span<const std::uint8_t> span;
  CHECK_FALSE(r.read_bytes(3, span));
  REQUIRE(r.read_bytes(1, span));
  CHECK(span[0] == 0xcc);
  CHECK(r.read_rest().size() == 1);
  CHECK(r.empty());
  CHECK(r.read_rest().empty());
}

TEST_CASE("writer patches lengths and refuses ones that do not fit") {
  std::vector<std::uint8_t> out;
  Writer w(out);
  w.u8(1);
  auto at16 = w.reserve_u16();
  auto at8 = w.reserve_u8();
  w.u32(0x0a0b0c0d);
  REQUIRE(w.patch_u8_length(at8).ok());
  REQUIRE(w.patch_u16_length(at16).ok());
  CHECK(out == hex("01 0005 04 0a0b0c0d"));

  std::vector<std::uint8_t> big;
  Writer wb(big);
  auto at = wb.reserve_u8();
  std::vector<std::uint8_t> filler(256, 0);
  wb.bytes(filler);
  auto status = wb.patch_u8_length(at);
  REQUIRE_FALSE(status.ok());
  CHECK(status.error().message == "field of 256 bytes exceeds its 1-octet length");
}
