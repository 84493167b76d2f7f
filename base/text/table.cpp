#include "base/text/table.hpp"

#include <algorithm>

namespace sluice::text {

Table::Table(std::vector<std::string> headers)
    : headers_(std::move(headers)), alignment_(headers_.size(), Align::left) {}

Table& Table::align(std::size_t index, Align alignment) {
  if (index < alignment_.size()) alignment_[index] = alignment;
  return *this;
}

void Table::add_row(std::vector<std::string> cells) {
  cells.resize(headers_.size());
  rows_.push_back(std::move(cells));
}

std::string Table::render() const {
  std::vector<std::size_t> widths(headers_.size());
  for (std::size_t c = 0; c < headers_.size(); ++c) {
    widths[c] = headers_[c].size();
    for (const auto& row : rows_) widths[c] = std::max(widths[c], row[c].size());
  }
  std::string out;
  auto line = [&](const std::vector<std::string>& cells) {
    std::string text;
    for (std::size_t c = 0; c < cells.size(); ++c) {
      if (c > 0) text += "   ";
      const std::size_t pad = widths[c] - cells[c].size();
      if (alignment_[c] == Align::right) text.append(pad, ' ');
      text += cells[c];
      if (alignment_[c] == Align::left) text.append(pad, ' ');
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    out += text;
    out += '\n';
  };
  line(headers_);
  for (const auto& row : rows_) line(row);
  return out;
}

}  // namespace sluice::text
