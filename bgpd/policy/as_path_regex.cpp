#include "bgpd/policy/as_path_regex.hpp"

#include <regex.h>

#include <cctype>
#include <cstdint>

#include <fmt/format.h>

namespace sluice::bgp::policy {
namespace {

// What "_" stands for: the start, the end, or a character that separates ASes. In the
// bracket expression "]" must come first to be literal.
constexpr std::string_view kBoundary = "(^|[][ ,{}()]|$)";
constexpr std::uint64_t kMaxIntervalProduct = 256;

// Copies a bracket expression starting at pattern[i] == '[' to `out`; returns the index
// after it, or npos when it never closes (regcomp then reports it).
std::size_t copy_bracket(std::string_view pattern, std::size_t i, std::string& out) {
  std::size_t j = i + 1;
  if (j < pattern.size() && pattern[j] == '^') ++j;
  if (j < pattern.size() && pattern[j] == ']') ++j;  // a leading ']' is literal
  while (j < pattern.size() && pattern[j] != ']') {
    if (pattern[j] == '[' && j + 1 < pattern.size() &&
        (pattern[j + 1] == ':' || pattern[j + 1] == '.' || pattern[j + 1] == '=')) {
      // [:class:], [.coll.], [=equiv=]: their "]" does not close the expression.
      const char kind = pattern[j + 1];
      std::size_t end = pattern.find(std::string{kind, ']'}, j + 2);
      if (end == std::string_view::npos) return std::string_view::npos;
      j = end + 2;
      continue;
    }
    ++j;
  }
  if (j >= pattern.size()) return std::string_view::npos;
  out.append(pattern.substr(i, j + 1 - i));
  return j + 1;
}

// Reads an interval "{m}", "{m,}" or "{m,n}" at pattern[i] == '{'; returns its largest
// count (m + 1 for "{m,}") and sets `end`, or nullopt when it is not an interval.
std::optional<std::uint64_t> interval(std::string_view pattern, std::size_t i, std::size_t& end) {
  std::size_t j = i + 1;
  auto number = [&](std::uint64_t& v) {
    std::size_t from = j;
    v = 0;
    while (j < pattern.size() && std::isdigit(static_cast<unsigned char>(pattern[j]))) {
      v = std::min<std::uint64_t>(v * 10 + static_cast<std::uint64_t>(pattern[j] - '0'), 1u << 20);
      ++j;
    }
    return j > from;
  };
  std::uint64_t low = 0, high = 0;
  if (!number(low)) return std::nullopt;
  high = low;
  if (j < pattern.size() && pattern[j] == ',') {
    ++j;
    if (!number(high)) high = low + 1;
  }
  if (j >= pattern.size() || pattern[j] != '}') return std::nullopt;
  end = j + 1;
  return std::max<std::uint64_t>(high, 1);
}

Result<std::string> translate(std::string_view pattern) {
  if (pattern.size() > kMaxAsPathRegexLength) {
    return Error{fmt::format("longer than {} characters", kMaxAsPathRegexLength)};
  }
  if (pattern.find('\0') != std::string_view::npos) return Error{"contains a NUL character"};
  std::string out;
  std::uint64_t product = 1;
  for (std::size_t i = 0; i < pattern.size();) {
    const char c = pattern[i];
    if (c == '\\') {
      if (i + 1 < pattern.size() && pattern[i + 1] >= '1' && pattern[i + 1] <= '9') {
        return Error{"back-references are not allowed"};
      }
      out.append(pattern.substr(i, 2));
      i += 2;
    } else if (c == '[') {
      std::size_t next = copy_bracket(pattern, i, out);
      if (next == std::string_view::npos) return Error{"unmatched [ in a bracket expression"};
      i = next;
    } else if (c == '_') {
      out.append(kBoundary);
      ++i;
    } else if (c == '{') {
      std::size_t end = 0;
      if (auto count = interval(pattern, i, end)) {
        product *= *count;
        if (product > kMaxIntervalProduct) {
          return Error{fmt::format("interval repeat counts multiply to more than {}", kMaxIntervalProduct)};
        }
        out.append(pattern.substr(i, end - i));
        i = end;
      } else {
        out.push_back(c);
        ++i;
      }
    } else {
      out.push_back(c);
      ++i;
    }
  }
  return out;
}

void append_segment(std::string& out, const AsPathSegment& s) {
  const char* open = "";
  const char* close = "";
  char separator = ' ';
  switch (s.type) {
    case AsPathSegmentType::as_sequence: break;
    case AsPathSegmentType::as_set: open = "{", close = "}", separator = ','; break;
    case AsPathSegmentType::as_confed_sequence: open = "(", close = ")"; break;
    case AsPathSegmentType::as_confed_set: open = "[", close = "]", separator = ','; break;
  }
  out += open;
  for (std::size_t i = 0; i < s.asns.size(); ++i) {
    if (i > 0) out.push_back(separator);
    out += fmt::format("{}", s.asns[i]);
  }
  out += close;
}

}  // namespace

struct AsPathRegex::Compiled {
  regex_t regex;
};

void AsPathRegex::Free::operator()(Compiled* c) const {
  regfree(&c->regex);
  delete c;
}

std::string as_path_text(const AsPath& path) {
  std::string out;
  for (const auto& segment : path.segments) {
    if (!out.empty()) out.push_back(' ');
    append_segment(out, segment);
  }
  return out;
}

Result<AsPathRegex> AsPathRegex::compile(std::string_view pattern) {
  auto translated = translate(pattern);
  if (!translated) return translated.error();
  auto compiled = std::make_unique<Compiled>();
  int rc = regcomp(&compiled->regex, translated->c_str(), REG_EXTENDED | REG_NOSUB);
  if (rc != 0) {
    char message[128];
    regerror(rc, &compiled->regex, message, sizeof message);
    // regfree is not called on a failed regcomp: glibc has freed what it allocated.
    return Error{message};
  }
  return AsPathRegex(std::string(pattern), std::unique_ptr<Compiled, Free>(compiled.release()));
}

bool AsPathRegex::matches(const std::string& text) const {
  return regexec(&compiled_->regex, text.c_str(), 0, nullptr, 0) == 0;
}

}  // namespace sluice::bgp::policy
