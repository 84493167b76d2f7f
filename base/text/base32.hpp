// Standard base32 (RFC 4648 §6) without padding: Calico labels host-scoped IPAM objects
// with the base32 of a hostname's SHA3-256, which fits a 63-character label value.
#pragma once

#include <string>
#include <string_view>

namespace sluice::text {

std::string base32_encode_unpadded(std::string_view bytes);

}  // namespace sluice::text
