#include "tests/support/temp_dir.hpp"

#include <cstdlib>
#include <stdexcept>
#include <string>

#include <fmt/format.h>

namespace sluice::testing {

TempDir::TempDir(std::string_view tag) {
  std::string pattern = (std::filesystem::temp_directory_path() / fmt::format("sluice-{}-XXXXXX", tag)).string();
  if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed for " + pattern);
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

}  // namespace sluice::testing
