// Calico selector text fed arbitrary bytes: it is either refused with an error that quotes
// it, or parsed into a selector whose canonical text parses back to an equal selector, is
// a fixed point, and matches the same label sets as the original.
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/selector/selector.hpp"

namespace {

void check(bool condition) {
  if (!condition) std::abort();
}

bool is_label_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
         c == '/' || c == '-';
}

// Label sets built from the input's own words and quoted strings, so that comparisons in
// the selector sometimes hit: {}, every word present with an empty value, each word set
// to the string or word that follows it.
std::vector<std::map<std::string, std::string>> label_sets(std::string_view text) {
  std::vector<std::string> words;
  for (std::size_t i = 0; i < text.size() && words.size() < 64;) {
    char c = text[i];
    if (c == '\'' || c == '"') {
      std::size_t close = text.find(c, i + 1);
      if (close == std::string_view::npos) break;
      words.emplace_back(text.substr(i + 1, close - i - 1));
      i = close + 1;
    } else if (is_label_char(c)) {
      std::size_t end = i;
      while (end < text.size() && is_label_char(text[end])) ++end;
      words.emplace_back(text.substr(i, end - i));
      i = end;
    } else {
      ++i;
    }
  }
  std::map<std::string, std::string> present, paired, shifted;
  for (std::size_t i = 0; i < words.size(); ++i) {
    present[words[i]] = "";
    if (i + 1 < words.size()) paired[words[i]] = words[i + 1];
    if (i % 2 == 1) shifted[words[i]] = words[i - 1];
  }
  return {{}, present, paired, shifted};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  using namespace sluice;

  auto parsed = selector::parse(text);
  if (!parsed.ok()) {
    check(parsed.error().message.starts_with("invalid selector \""));
    return 0;
  }
  std::string canonical = parsed->to_string();
  auto again = selector::parse(canonical);
  check(again.ok());
  check(*again == *parsed);
  check(again->to_string() == canonical);
  check(again->is_all() == parsed->is_all());
  for (const auto& labels : label_sets(text)) check(again->matches(labels) == parsed->matches(labels));
  return 0;
}
