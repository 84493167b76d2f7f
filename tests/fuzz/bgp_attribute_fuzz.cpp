// Path attributes from arbitrary bytes (first byte: the codec context), through the
// descriptor table. Nothing is read out of bounds, every problem is classified, and a
// cleanly decoded attribute set encodes to bytes that decode cleanly again.
#include <cstdint>
#include <span>
#include <vector>

#include "bgp_fuzz_context.hpp"
#include "bgpd/codec/update.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sluice::bgp;
  if (size < 1) return 0;
  const Context context = fuzz::context_from_byte(data[0]);
  std::span<const std::uint8_t> bytes(data + 1, size - 1);

  Update update;
  UpdateVerdict verdict;
  (void)decode_path_attributes(bytes, context, update, verdict);
  for (const auto& p : verdict.problems) fuzz::check(p.action != UpdateAction::none && !p.reason.empty());
  if (!verdict.ok()) return 0;

  std::vector<std::uint8_t> encoded;
  Writer w(encoded);
  if (!encode_path_attributes(update, context, w).ok()) return 0;
  Update again;
  UpdateVerdict again_verdict;
  (void)decode_path_attributes(encoded, context, again, again_verdict);
  fuzz::check(again_verdict.ok());
  if (context.four_octet_as) fuzz::check(again == update);
  return 0;
}
