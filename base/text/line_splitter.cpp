#include "base/text/line_splitter.hpp"

#include <fmt/format.h>

namespace sluice::text {

Status LineSplitter::feed(std::string_view bytes, const std::function<Status(std::string_view)>& on_line) {
  while (!bytes.empty()) {
    std::size_t newline = bytes.find('\n');
    if (newline == std::string_view::npos) {
      if (partial_.size() + bytes.size() > max_line_) {
        return Error{fmt::format("a line exceeds the {}-byte limit", max_line_)};
      }
      partial_.append(bytes);
      return {};
    }
    std::string_view piece = bytes.substr(0, newline);
    bytes.remove_prefix(newline + 1);
    if (partial_.empty()) {
      if (piece.size() > max_line_) return Error{fmt::format("a line exceeds the {}-byte limit", max_line_)};
      if (auto s = on_line(piece); !s) return s;
    } else {
      if (partial_.size() + piece.size() > max_line_) {
        return Error{fmt::format("a line exceeds the {}-byte limit", max_line_)};
      }
      partial_.append(piece);
      std::string line = std::move(partial_);
      partial_.clear();
      if (auto s = on_line(line); !s) return s;
    }
  }
  return {};
}

}  // namespace sluice::text
