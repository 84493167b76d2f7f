// Every text parser an operator's config reaches: addresses, prefixes, endpoints and
// durations. Besides not crashing, what parses must format and parse back unchanged.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "base/config/duration.hpp"
#include "base/ip/endpoint.hpp"
#include "base/ip/prefix.hpp"

namespace {
void check(bool condition) {
  if (!condition) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  using namespace sluice;

  if (auto a = ip::Address::parse(text); a.ok()) {
    auto again = ip::Address::parse(a->to_string());
    check(again.ok() && *again == *a);
  }
  if (auto p = ip::Prefix::parse(text); p.ok()) {
    auto again = ip::Prefix::parse(p->to_string());
    check(again.ok() && *again == *p);
    check(p->contains(p->network()) && p->contains(p->last_address()));
  }
  if (auto p = ip::Prefix::parse_masking(text); p.ok()) check(p->network().host_bits_zero(p->length()));
  if (auto e = ip::Endpoint::parse(text); e.ok()) {
    auto again = ip::Endpoint::parse(e->to_string());
    check(again.ok() && *again == *e);
  }
  if (auto d = config::parse_duration(text); d.ok()) {
    auto again = config::parse_duration(config::format_duration(*d));
    check(again.ok() && *again == *d);
  }
  return 0;
}
