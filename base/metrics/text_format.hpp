// The Prometheus text exposition format (version 0.0.4) for a Registry.
#pragma once

#include <string>
#include <string_view>

#include "base/metrics/registry.hpp"

namespace sluice::metrics {

inline constexpr std::string_view kTextContentType = "text/plain; version=0.0.4; charset=utf-8";

std::string render_text(const Registry& registry);

// Sample values as Prometheus writes them: shortest round-trip form, +Inf, -Inf, NaN.
std::string format_value(double value);

}  // namespace sluice::metrics
