// Splits a byte stream into '\n'-terminated lines however it is cut into pieces: watch
// streams pack several events into one HTTP chunk and split one event across many, so
// lines, never chunks, are the unit (reference/kube-api.md). Bounded: a line longer
// than the limit is an error, not unbounded memory.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace sluice::text {

class LineSplitter {
 public:
  explicit LineSplitter(std::size_t max_line = std::size_t{64} << 20) : max_line_(max_line) {}

  // Feeds bytes; calls on_line for every complete line (without its '\n'; a trailing
  // '\r' is kept). Stops at the first error from on_line and returns it.
  Status feed(std::string_view bytes, const std::function<Status(std::string_view)>& on_line);

  // Bytes of an unfinished line held back.
  std::size_t pending() const { return partial_.size(); }

 private:
  std::size_t max_line_;
  std::string partial_;
};

}  // namespace sluice::text
