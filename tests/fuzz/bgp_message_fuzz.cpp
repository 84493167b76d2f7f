// Whole BGP messages from arbitrary bytes (first byte: the codec context). Nothing is read
// out of bounds, and a message that decodes cleanly encodes to bytes that decode cleanly
// again, to the same value between 4-octet AS speakers.
#include <cstdint>
#include <span>

#include "bgp_fuzz_context.hpp"
#include "bgpd/codec/message.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sluice::bgp;
  if (size < 1) return 0;
  const Context context = fuzz::context_from_byte(data[0]);
  std::span<const std::uint8_t> bytes(data + 1, size - 1);

  (void)decode_header(bytes, context);
  auto received = decode_message(bytes, context);
  if (!received.ok() || !received->verdict.ok()) return 0;
  auto encoded = encode_message(received->message, context);
  if (!encoded.ok()) return 0;  // e.g. an AS4_PATH added for a 2-octet peer makes it too long
  auto again = decode_message(*encoded, context);
  fuzz::check(again.ok() && again->verdict.ok());
  if (context.four_octet_as) fuzz::check(again->message == received->message);
  return 0;
}
