// Durations as people write them in flags and config: "250ms", "90s", "15m", "1h30m".
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace sluice::config {

// One or more <number><unit> terms, unit one of ms, s, m, h. A bare number is refused:
// "30" could mean seconds or milliseconds, and guessing wrong costs an outage.
Result<std::chrono::milliseconds> parse_duration(std::string_view text);
// The shortest form parse_duration reads back to the same value ("1h30m", "250ms", "0s").
std::string format_duration(std::chrono::milliseconds value);

}  // namespace sluice::config
