// The text table of the command-line tools: alignment, padding, no trailing blanks.
#include <doctest/doctest.h>

#include "base/text/table.hpp"

using sluice::text::Table;

TEST_CASE("table: columns are as wide as their widest cell; right-aligned columns pad on the left") {
  Table t({"CIDR", "IPS TOTAL", "NOTE"});
  t.align(1, Table::Align::right);
  t.add_row({"10.0.0.0/24", "256", "x"});
  t.add_row({"10.1.0.0/16", "65536"});
  CHECK(t.render() ==
        "CIDR          IPS TOTAL   NOTE\n"
        "10.0.0.0/24         256   x\n"
        "10.1.0.0/16       65536\n");
  CHECK(t.rows() == 2);
}

TEST_CASE("table: a table without rows is its header; extra cells are dropped") {
  Table t({"A", "B"});
  CHECK(t.empty());
  CHECK(t.render() == "A   B\n");
  t.add_row({"1", "2", "3"});
  CHECK(t.render() == "A   B\n1   2\n");
}
