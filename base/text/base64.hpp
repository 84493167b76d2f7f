// Standard base64 (RFC 4648 §4, with padding): etcd's JSON API carries keys and values
// this way, and Kubernetes continue tokens are base64 too.
#pragma once

#include <string>
#include <string_view>

#include "base/result.hpp"

namespace sluice::text {

std::string base64_encode(std::string_view bytes);
// Refuses characters outside the alphabet, bad padding and lengths that are not a
// multiple of four.
Result<std::string> base64_decode(std::string_view text);

}  // namespace sluice::text
