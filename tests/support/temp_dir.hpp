// A fresh temporary directory, removed with everything in it on scope exit.
#pragma once

#include <filesystem>
#include <string_view>

namespace sluice::testing {

class TempDir {
 public:
  explicit TempDir(std::string_view tag = "test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace sluice::testing
