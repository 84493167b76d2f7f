// AS paths as text, and regular expressions over that text, in the style FRR and Cisco
// operators know ("^65000_", "_65001$").
//
// The text: AS_SEQUENCE members separated by spaces; an AS_SET as "{a,b}"; an
// AS_CONFED_SEQUENCE as "(a b)"; an AS_CONFED_SET as "[a,b]"; segments separated by one
// space: "65000 65001 {65002,65003}". An empty path is "".
//
// The pattern is a POSIX extended regular expression (glibc regcomp) over that text, with
// one addition: outside a bracket expression, "_" matches a boundary between ASes (the
// start, the end, a space, a comma, or a brace, parenthesis or bracket of a set), so
// "_65001_" matches 65001 wherever it stands and never inside 165001. A literal "{" is
// written "\{". Limits, because the pattern is compiled once but run for every route:
// at most 256 characters, no back-references (their matching is exponential), and the
// repeat counts of all "{m,n}" intervals multiplied together at most 256 (glibc expands
// intervals by copying).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "base/result.hpp"
#include "bgpd/codec/attributes.hpp"

namespace sluice::bgp::policy {

std::string as_path_text(const AsPath& path);

inline constexpr std::size_t kMaxAsPathRegexLength = 256;

class AsPathRegex {
 public:
  // Fails with the reason ("unmatched ( or \\(", "back-references are not allowed", ...).
  static Result<AsPathRegex> compile(std::string_view pattern);

  // Whether the pattern matches somewhere in `text` (anchor with ^ and $ for all of it).
  bool matches(const std::string& text) const;
  const std::string& pattern() const { return pattern_; }

 private:
  struct Compiled;
  struct Free {
    void operator()(Compiled* c) const;
  };
  AsPathRegex(std::string pattern, std::unique_ptr<Compiled, Free> compiled)
      : pattern_(std::move(pattern)), compiled_(std::move(compiled)) {}

  std::string pattern_;
  std::unique_ptr<Compiled, Free> compiled_;
};

}  // namespace sluice::bgp::policy
