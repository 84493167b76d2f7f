// The watch-stream line splitter fed arbitrary bytes in arbitrary pieces: the lines it
// yields must be exactly the newline-separated parts of the input, however it is cut.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "base/json/json.hpp"
#include "base/text/line_splitter.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::size_t piece = 1 + data[0] % 64;  // the first byte chooses the cut
  sluice::text::LineSplitter splitter(1 << 16);
  std::vector<std::string> got;
  for (std::size_t at = 0; at < input.size(); at += piece) {
    auto s = splitter.feed(input.substr(at, piece), [&](std::string_view line) -> sluice::Status {
      got.emplace_back(line);
      (void)sluice::json::parse(line);  // every event line goes to the JSON parser next
      return {};
    });
    if (!s) return 0;  // over-long line: refused, fine
  }
  std::vector<std::string> want;
  std::size_t start = 0;
  for (std::size_t i = 0; i < input.size(); ++i) {
    if (input[i] == '\n') {
      want.emplace_back(input.substr(start, i - start));
      start = i + 1;
    }
  }
  if (got != want || splitter.pending() != input.size() - start) std::abort();
  return 0;
}
