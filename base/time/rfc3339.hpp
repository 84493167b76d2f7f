// RFC 3339 timestamps as Kubernetes writes them: "2026-12-06T04:05:06Z" for metav1.Time
// and "2026-12-06T04:05:06.123456Z" for metav1.MicroTime (Lease renewals), always UTC on
// output; parsing accepts any fraction and a numeric offset, as the API server does.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace sluice::timefmt {

using TimePoint = std::chrono::system_clock::time_point;

std::string format_rfc3339(TimePoint t);        // whole seconds
std::string format_rfc3339_micro(TimePoint t);  // six fractional digits
Result<TimePoint> parse_rfc3339(std::string_view text);

}  // namespace sluice::timefmt
