// Plain-text tables for command-line tools: a header row and aligned columns separated
// by three spaces, numbers right-aligned when asked, no trailing blanks (so output
// diffs and greps cleanly).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace sluice::text {

class Table {
 public:
  enum class Align { left, right };

  explicit Table(std::vector<std::string> headers);

  // Right-aligns column `index` (counts, sizes).
  Table& align(std::size_t index, Align alignment);
  // A row with fewer cells than headers is padded with empty cells; extra cells are an
  // error of the caller and are dropped.
  void add_row(std::vector<std::string> cells);

  std::size_t rows() const { return rows_.size(); }
  bool empty() const { return rows_.empty(); }
  // Header and rows, each line ending in '\n'. Widths count bytes: cells are ASCII.
  std::string render() const;

 private:
  std::vector<std::string> headers_;
  std::vector<Align> alignment_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace sluice::text
