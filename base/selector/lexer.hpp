// The tokens of Calico's selector language, with the byte offset of each, so that parse
// errors can point at the place in the text that is wrong.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace sluice::selector {

enum class TokenKind : std::uint8_t {
  label,        // a label key: [A-Za-z0-9_./-]+
  string,       // '...' or "..." (text holds the contents, without quotes)
  lbrace,       // {
  rbrace,       // }
  comma,        // ,
  eq,           // ==
  ne,           // !=
  in,           // in
  not_in,       // not in
  contains,     // contains
  starts_with,  // starts with
  ends_with,    // ends with
  not_,         // !
  lparen,       // (
  rparen,       // )
  and_,         // &&
  or_,          // ||
  all,          // all()
  global,       // global()
  has,          // has(key) (text holds the key)
  end,          // end of input
};

struct Token {
  TokenKind kind;
  std::size_t offset;     // where the token starts in the selector text
  std::string_view text;  // label key, string contents or has() key; a view into the selector text
};

// Describes a token for an error message: `label "app"`, `'&&'`, `end of input`.
std::string describe(const Token& token);

// Splits selector text into tokens, the last one always `end`. Like Calico's tokenizer,
// only spaces and tabs separate tokens, strings have no escapes, and the operator words
// (contains, starts with, ends with, in, not in) are recognised only right after a label.
// Errors name the offending offset; the caller adds the quoted selector.
Result<std::vector<Token>> tokenize(std::string_view text);

}  // namespace sluice::selector
