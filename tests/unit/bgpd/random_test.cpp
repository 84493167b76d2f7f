// Randomized proof of the codec: random valid messages survive encode -> decode unchanged;
// corrupted ones decode to a value or a precise error, never a crash. Fixed seeds, so a
// failure reproduces. With SLUICE_BGP_CORPUS_DIR set, the generated messages are also
// written out as the fuzz targets' seed corpora.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "bgpd/codec/message.hpp"
#include "codec_test_support.hpp"

using namespace sluice::bgp;
using namespace sluice::bgp::testing;

namespace {

constexpr int kIterations = 10000;

// The fuzz targets read the context from a leading byte; the same encoding is used here.
std::uint8_t context_byte(const Context& c) {
  return static_cast<std::uint8_t>((c.four_octet_as ? 1 : 0) | (c.external_peer ? 2 : 0) |
                                   (c.has_add_path(kIpv4Unicast) ? 4 : 0) | (c.has_add_path(kIpv6Unicast) ? 8 : 0) |
                                   (c.extended_message ? 16 : 0));
}

void write_file(const std::filesystem::path& path, std::uint8_t prefix, const std::vector<std::uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.put(static_cast<char>(prefix));
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

// Attribute list of an encoded UPDATE body.
std::vector<std::uint8_t> attributes_of(const std::vector<std::uint8_t>& message) {
  Reader r(std::span<const std::uint8_t>(message).subspan(kHeaderLength));
  std::uint16_t length = 0;
  std::span<const std::uint8_t> attributes;
  REQUIRE((r.read_u16(length) && r.skip(length) && r.read_u16(length) && r.read_bytes(length, attributes)));
  return {attributes.begin(), attributes.end()};
}

}  // namespace

TEST_CASE("random valid messages round-trip through encode and decode") {
  Generator gen(0x5eed'b9b0);
  const char* corpus = std::getenv("SLUICE_BGP_CORPUS_DIR");
  int per_type[6] = {};
  for (int i = 0; i < kIterations; ++i) {
    Context context = gen.context();
    Message message = gen.message(context);
    auto bytes = encode_message(message, context);
    REQUIRE_MESSAGE(bytes.ok(), "iteration " << i << ": " << bytes.error().message);
    auto back = decode_message(*bytes, context);
    REQUIRE_MESSAGE(back.ok(), "iteration " << i << ": " << back.error().reason);
    INFO("iteration " << i << ": " << to_hex(*bytes));
    REQUIRE(back->verdict.ok());
    REQUIRE(back->message == message);
    // The bytes are canonical: encoding what was decoded gives them again.
    REQUIRE(*encode_message(back->message, context) == *bytes);
    ++per_type[static_cast<int>(message_type(message))];
    if (corpus && i < 64) {
      std::filesystem::path root(corpus);
      std::filesystem::create_directories(root / "bgp_message");
      std::filesystem::create_directories(root / "bgp_attribute");
      write_file(root / "bgp_message" / ("seed-" + std::to_string(i)), context_byte(context), *bytes);
      if (std::holds_alternative<Update>(message)) {
        write_file(root / "bgp_attribute" / ("seed-" + std::to_string(i)), context_byte(context),
                   attributes_of(*bytes));
      }
    }
  }
  for (int type = 1; type <= 5; ++type) CHECK(per_type[type] > 100);
}

TEST_CASE("corrupted messages decode to a value or a precise error") {
  Generator gen(0xc0ff'ee00);
  int errors = 0, verdicts = 0, clean = 0;
  for (int i = 0; i < kIterations; ++i) {
    Context context = gen.context();
    auto bytes = *encode_message(gen.message(context), context);
    switch (gen.uniform(0, 3)) {
      case 0:  // flip a few bytes after the marker
        for (std::uint32_t k = 0, n = gen.uniform(1, 3); k < n; ++k) {
          bytes[gen.uniform(16, static_cast<std::uint32_t>(bytes.size() - 1))] =
              static_cast<std::uint8_t>(gen.uniform(0, 255));
        }
        break;
      case 1:  // truncate, keeping the length field consistent so the body parsers see it
        bytes.resize(gen.uniform(kHeaderLength, static_cast<std::uint32_t>(bytes.size())));
        bytes[16] = static_cast<std::uint8_t>(bytes.size() >> 8);
        bytes[17] = static_cast<std::uint8_t>(bytes.size());
        break;
      case 2:  // flip single bits in the body
        if (bytes.size() > kHeaderLength) {
          auto at = gen.uniform(kHeaderLength, static_cast<std::uint32_t>(bytes.size() - 1));
          bytes[at] ^= static_cast<std::uint8_t>(1u << gen.uniform(0, 7));
        }
        break;
      default:  // append garbage, fixing up the length
        for (std::uint32_t k = 0, n = gen.uniform(1, 8); k < n; ++k)
          bytes.push_back(static_cast<std::uint8_t>(gen.uniform(0, 255)));
        if (bytes.size() <= 0xffff) {
          bytes[16] = static_cast<std::uint8_t>(bytes.size() >> 8);
          bytes[17] = static_cast<std::uint8_t>(bytes.size());
        }
        break;
    }
    INFO("iteration " << i << ": " << to_hex(bytes));
    auto r = decode_message(bytes, context);
    if (!r.ok()) {
      ++errors;
      // Every error names a defined code and says why.
      CHECK(r.error().notification.code >= 1);
      CHECK(r.error().notification.code <= 7);
      CHECK_FALSE(r.error().reason.empty());
      continue;
    }
    if (!r->verdict.ok()) {
      ++verdicts;
      CHECK_FALSE(r->verdict.decisive()->reason.empty());
      if (auto n = r->verdict.notification()) CHECK(n->code == 3);
      continue;
    }
    ++clean;
    // What decodes cleanly encodes again (or is refused as too long) and decodes the same.
    auto again = encode_message(r->message, context);
    if (!again.ok()) continue;
    auto twice = decode_message(*again, context);
    REQUIRE(twice.ok());
    CHECK(twice->verdict.ok());
    if (context.four_octet_as) CHECK(twice->message == r->message);
  }
  MESSAGE("corruption outcomes: " << errors << " errors, " << verdicts << " RFC 7606 verdicts, " << clean << " clean");
  CHECK(errors > 1000);
  CHECK(verdicts > 1000);
}

TEST_CASE("a corrupted marker is always Connection Not Synchronized") {
  Generator gen(7);
  for (int i = 0; i < 1000; ++i) {
    Context context = gen.context();
    auto bytes = *encode_message(gen.message(context), context);
    bytes[gen.uniform(0, 15)] ^= static_cast<std::uint8_t>(gen.uniform(1, 255));
    auto r = decode_message(bytes, context);
    REQUIRE(!r.ok());
    CHECK(r.error().notification == Notification{1, 1, {}});
  }
}
