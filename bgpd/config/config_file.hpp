// The JSON configuration file, one front end of config.hpp's model. The format, every key
// with its default and range, is documented in bgpd/README.md ("Configuration file").
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "base/result.hpp"
#include "bgpd/config/config.hpp"

namespace sluice::bgp::config {

struct ParseOptions {
  // Reads a neighbour's passwordFile (relative paths are taken from base_directory).
  // Default: the file system, at most 4 KiB.
  std::function<Result<std::string>(const std::string& path)> read_file;
  std::string base_directory;
};

// Parses and validates: strict JSON (bounded depth, valid UTF-8), known keys only, typed
// values in range, then validate(). Errors name the path ("neighbors[2].holdTime: 2 is not
// allowed (0 or 3..65535)"); the first one found is returned.
Result<Config> parse_config(std::string_view json, const ParseOptions& options = {});

// Reads the file and parses it, with password files relative to its directory.
Result<Config> load_config_file(const std::string& path);

// A file's contents, refused past `max_size` bytes.
Result<std::string> read_text_file(const std::string& path, std::size_t max_size);

}  // namespace sluice::bgp::config
