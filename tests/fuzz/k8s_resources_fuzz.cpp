// Every resource decoder fed arbitrary bytes: it either refuses them with an error or
// yields an object that encodes, decodes back to an equal object (modeled and unknown
// members alike) and encodes to the same text again. Lists likewise, item by item.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "k8s-client/resources/resources.hpp"

namespace {

template <sluice::k8s::Resource T>
void check_stable(const T& object) {
  std::string encoded = sluice::k8s::encode(object);
  auto again = sluice::k8s::decode<T>(encoded);
  if (!again.ok() || !(*again == object)) std::abort();
  if (sluice::k8s::encode(*again) != encoded) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  sluice::k8s::AllResources::for_each([&](auto type) {
    using T = typename decltype(type)::type;
    if (auto object = sluice::k8s::decode<T>(input); object.ok()) check_stable(*object);
    if (auto list = sluice::k8s::decode_list<T>(input); list.ok()) {
      for (const auto& item : list->items) check_stable(item);
    }
  });
  return 0;
}
